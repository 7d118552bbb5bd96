"""Benchmark: what storing the formulas' results (write/cached_values.py) costs.

In one process, median of ``--repeat`` runs, each case against its own baseline with the
step switched off (the same code path otherwise):

* ``build``      — ``build_bytes(example)``, against the build without stored results;
* ``write-back`` — ``write_results(findings=…, status=…)`` on the example workbook (校验数据),
  against the same write without stored results.

Not a test: prints figures and ratios.

    python bench/bench_cached_values.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from timing import median_seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    from selfeval_xl import datafile
    from selfeval_xl.build import builder
    from selfeval_xl.core.checks import run_checks
    from selfeval_xl.write import cached_values, workbook_writer

    ev = datafile.example()
    findings = run_checks(ev)
    status = {"status_checked_at": "2026-11-26 06:00:00", "status_check_summary": "错误 2"}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "example.xlsm"
        builder.build_workbook(src, ev)
        work = Path(tmp) / "work.xlsm"

        def write_back() -> None:
            shutil.copyfile(src, work)
            workbook_writer.write_results(work, findings=findings, status=status, backup=False)

        builder.build_bytes(ev)  # warm caches (VBA project, imports) before any clock
        write_back()
        cases = {"build": lambda: builder.build_bytes(ev), "write-back": write_back}
        stored = {name: median_seconds(fn, args.repeat) for name, fn in cases.items()}
        real_build, real_store = cached_values.with_cached_values, workbook_writer._store_cached_values
        cached_values.with_cached_values = lambda raw: raw
        workbook_writer._store_cached_values = lambda book, raw, *rest: None
        try:
            plain = {name: median_seconds(fn, args.repeat) for name, fn in cases.items()}
        finally:
            cached_values.with_cached_values = real_build
            workbook_writer._store_cached_values = real_store
    print(f"{'case':<12}{'without (s)':>13}{'with (s)':>11}{'ratio':>8}")
    for name in cases:
        print(f"{name:<12}{plain[name]:>13.3f}{stored[name]:>11.3f}{stored[name] / plain[name]:>8.2f}")


if __name__ == "__main__":
    main()
