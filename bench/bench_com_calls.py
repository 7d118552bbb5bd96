"""Benchmark: COM calls of a 生成报告 press's writes, before and after batching (issue 14).

Every property set or method called through xlwings is at least one round trip to Excel
(often several). The press is run on the project's xlwings fake (tests/xlwings_fake.py),
which records each call, twice in the same run: with the per-run writer kept as the
reference (tests/excel_write_baseline.py: a format call per attribute per run of cells per
row, a merge and a height per row, a note probe before each note) and with the product's
batched writer. Cases: the built-in example, and a large one (hundreds of findings, a long
report with tables). Counts, not times: prints calls by kind, the totals and their ratio,
and checks that both writers leave the same workbook.

    python bench/bench_com_calls.py [--cases example,large]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import excel_write_baseline as baseline  # noqa: E402 - the fake lives with the tests


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="example,large")
    wanted = ap.parse_args().cases.split(",")

    from selfeval_xl import datafile
    from selfeval_xl.build.builder import build_workbook

    with tempfile.TemporaryDirectory() as tmp:
        cases = {"example": (datafile.example(), None),
                 "large": (baseline.large_evaluation(),
                           json.dumps(baseline.LARGE_TEMPLATE, ensure_ascii=False))}
        for name, (ev, template) in cases.items():
            if name not in wanted:
                continue
            folder = Path(tmp) / name
            folder.mkdir()
            path = folder / f"{name}.xlsm"
            build_workbook(path, ev, report_template=template)
            (state_b, before), (state_a, after) = (baseline.press(path, before=True),
                                                   baseline.press(path, before=False))
            print(baseline.table(name, before, after))
            print(f"same workbook after both: {state_a == state_b}\n")
            if state_a != state_b:
                sys.exit(1)


if __name__ == "__main__":
    main()
