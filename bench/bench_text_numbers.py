"""Benchmark: what replacing numbers typed as text costs a write-back (write/text_numbers.py).

The example workbook with three amounts typed as text (355.99万元, " 34.74 ", full-width
９２１．５２). In one process, median of ``--repeat`` runs of ``write_results(findings=…,
status=…)`` (校验数据), against its baseline in the same run:

* ``plain``    — the same write without ``text_numbers`` (nothing replaced; the texts stay);
* ``replaced`` — with the reading's ``text_numbers``: the file is read once more under the
  lock (that reading then also gives the stored formula results), the three cells get their
  numbers and the sheet its first notes (comments part, VML drawing, relationships).

Not a test: prints figures and the ratio.

    python bench/bench_text_numbers.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from timing import median_seconds


def _typed_as_text(raw: bytes) -> bytes:
    from selfeval_xl import layout
    from selfeval_xl.read.ooxml_parts import Package, load_map, serialize
    from selfeval_xl.write.sheet_xml import SheetXml

    texts = {"exp_personnel": "355.99万元", "exp_public": " 34.74 ", "exp_total": "９２１．５２"}
    pkg = Package(raw)
    wmap = load_map(pkg)
    part = wmap.sheets[layout.SHEET_EXPENDITURE]
    sheet = SheetXml(pkg.xml(part))
    for name, text in texts.items():
        sheet.set(wmap.names[name][1], text)
    pkg.put(part, serialize(sheet.root))
    return pkg.to_bytes()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    from selfeval_xl import datafile, pipeline
    from selfeval_xl.build import builder
    from selfeval_xl.read import reader
    from selfeval_xl.write import workbook_writer

    status = {"status_checked_at": "2026-11-26 06:00:00", "status_check_summary": "错误 2"}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "example.xlsm"
        src.write_bytes(_typed_as_text(builder.build_bytes(datafile.example())))
        result = reader.read(src)
        assert len(result.text_numbers) == 3, result.text_numbers
        findings = pipeline.evaluate(result).findings
        work = Path(tmp) / "work.xlsm"

        def write_back(text_numbers) -> None:
            shutil.copyfile(src, work)
            workbook_writer.write_results(work, findings=findings, status=status, backup=False,
                                          text_numbers=text_numbers)

        cases = {"plain": lambda: write_back(None),
                 "replaced": lambda: write_back(result.text_numbers)}
        for fn in cases.values():  # warm imports and caches before any clock
            fn()
        figures = {name: median_seconds(fn, args.repeat) for name, fn in cases.items()}
        assert reader.read(work).text_numbers == []  # the last run did replace them
    print(f"{'case':<10}{'seconds':>9}{'ratio':>8}")
    for name, seconds in figures.items():
        print(f"{name:<10}{seconds:>9.3f}{seconds / figures['plain']:>8.2f}")


if __name__ == "__main__":
    main()
