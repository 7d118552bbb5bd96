"""Benchmark: reading one filled workbook, next to the floors other ways pay.

Builds the example workbook (and a copy saved by LibreOffice, when it is installed) in a
temporary directory, then measures in one process, median of ``--repeat`` runs:

* ``reader.read`` — the project's reader (safe zip + defusedxml, only the parts it needs);
* ``openpyxl data_only`` — ``openpyxl.load_workbook(path, data_only=True)``, which still
  lacks formulas and does no zip-bomb check: the floor a naive openpyxl reader would pay;
* ``calamine`` — python-calamine opening the workbook and reading every sheet's values
  (fast, but it knows no defined names or tables, so it cannot find data by the contract).

The bureau reads ~1,000 workbooks: the target is well under 0.2 s per file. Not a test:
figures and ratios only.

    python bench/bench_reader.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from timing import median_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    import openpyxl
    from python_calamine import CalamineWorkbook

    from selfeval_xl import datafile
    from selfeval_xl.render import libreoffice
    from selfeval_xl.read import reader
    from selfeval_xl.build.builder import build_workbook

    with tempfile.TemporaryDirectory() as tmp:
        books = {"built example": Path(tmp) / "example.xlsm"}
        build_workbook(books["built example"], datafile.example())
        if libreoffice.find_soffice():
            books["saved by LibreOffice"] = libreoffice.convert(books["built example"], "xlsx",
                                                                Path(tmp) / "lo")
        for label, path in books.items():
            assert reader.read(path).findings == []

            def calamine() -> None:
                wb = CalamineWorkbook.from_path(str(path))
                for name in wb.sheet_names:
                    wb.get_sheet_by_name(name).to_python()

            cases = {
                "reader.read": lambda: reader.read(path),
                "openpyxl data_only": lambda: openpyxl.load_workbook(path, data_only=True),
                "calamine (all sheets)": calamine,
            }
            figures = {name: median_seconds(fn, args.repeat) for name, fn in cases.items()}
            base = figures["reader.read"]
            print(f"\n{label} ({path.stat().st_size // 1024} KB), median of {args.repeat}:")
            for name, secs in figures.items():
                print(f"  {name:24s} {secs * 1000:8.1f} ms   {secs / base:5.2f} × reader")
            print(f"  → 1,000 files ≈ {base * 1000:.0f} s with reader.read")


if __name__ == "__main__":
    main()
