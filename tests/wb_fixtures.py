"""Workbooks to prove the writer against, and part-by-part comparison helpers.

Used by tests/test_workbook_writer.py and tests/test_render_sheet.py (helper module, not a
test module). ``mini_book`` is a small XlsxWriter .xlsm with the layout's sheets, names and
tables, a VBA project, a Form Control button, validations and protection: it lets the writer
be proven without the real builder, and the same proofs run on the builder's workbooks.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import xlsxwriter
from lxml import etree

from selfeval_xl import layout
from selfeval_xl.a1 import col_index, split_ref

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _vba_bin() -> bytes:
    import xlwings

    src = Path(xlwings.__file__).with_name("quickstart.xlsm")
    with zipfile.ZipFile(src) as z:
        return z.read("xl/vbaProject.bin")


def mini_book(path: Path, offset: int = 0) -> Path:
    """A small .xlsm shaped like the template (layout's sheets, names, tables).

    ``offset`` moves every cell down that many rows, as if the officer had inserted rows
    above: a writer that used layout addresses instead of the file's names would miss.
    """

    def at(cell: str) -> str:
        col, row = split_ref(cell)
        return f"{col}{row + offset}"

    wb = xlsxwriter.Workbook(str(path))
    wb.set_vba_name("ThisWorkbook")
    wb.add_vba_project(io.BytesIO(_vba_bin()), is_stream=True)
    unlocked = wb.add_format({"locked": False, "bg_color": "#FFF2CC"})
    money = wb.add_format({"locked": False, "num_format": "0.00"})
    sheets = {}
    for name in layout.SHEETS:
        ws = wb.add_worksheet(name)
        ws.set_vba_name(layout.CODE_NAMES[name])
        sheets[name] = ws
    for f in layout.FIELDS:
        ws = sheets[f.sheet]
        fmt = money if f.kind == "money" else unlocked
        value = {"money": 1.5, "int": 0, "year": 2022}.get(f.kind, f"=officer {f.name}")
        if isinstance(value, str):
            ws.write_string(at(f.cell), value, fmt)
        else:
            ws.write_number(at(f.cell), value, fmt)
        wb.define_name(f.name, f"='{f.sheet}'!${_abs(at(f.cell))}")
        if f.kind == "money":
            ws.data_validation(at(f.cell), {"validate": "decimal", "criteria": ">=", "value": 0})
    for o in layout.OUTPUTS:
        ws = sheets[o.sheet]
        if o.formula and "tbl_" not in o.formula:
            ws.write_formula(at(o.cell), o.formula, None, 3)
        elif o.formula is None:
            ws.write_string(at(o.cell), "旧值")
        wb.define_name(o.name, f"='{o.sheet}'!${_abs(at(o.cell))}")
    for t in layout.TABLES:
        ws = sheets[t.sheet]
        col, row = split_ref(t.anchor)
        c0, r0 = col_index(col) - 1, row - 1 + offset
        columns = []
        for c in t.columns:
            spec = {"header": c.header}
            if c.kind == "formula":
                spec["formula"] = "=1" if t.name == "tbl_indicators" else "=2"
            columns.append(spec)
        n = 3 if t.name != "tbl_findings" else 1
        ws.add_table(r0, c0, r0 + n, c0 + len(t.columns) - 1,
                     {"name": t.name, "columns": columns})
        if t.name == "tbl_indicators":
            for i, code in enumerate(("A1", "A2", "7")):
                ws.write(r0 + 1 + i, c0, int(code) if code.isdigit() else code)
                ws.write_number(r0 + 1 + i, c0 + 4, 10)
                ws.write_string(r0 + 1 + i, c0 + 12, "+officer rule")
    guide = sheets[layout.SHEET_GUIDE]
    guide.insert_button("E3", {"macro": "GenerateReport", "caption": "生成报告"})
    guide.write_comment("B3", "说明批注")
    guide.conditional_format("B30:B40", {"type": "cell", "criteria": ">", "value": 5,
                                          "format": unlocked})
    sheets[layout.SHEET_BASICS].protect("", {"format_cells": True})
    sheets[layout.SHEET_FINDINGS].print_area(f"A1:F{5 + offset}")
    report = sheets[layout.SHEET_REPORT]
    report.print_area("A1:B1")
    report.write_string("B1", "报告区（由程序生成）")
    report.write_string(at(layout.REPORT_ANCHOR[1]), "旧报告")
    report.merge_range(f"B{3 + offset}:D{3 + offset}", "旧合并", None)
    wb.define_name("report_start", f"='{layout.SHEET_REPORT}'!${_abs(at(layout.REPORT_ANCHOR[1]))}")
    wb.close()
    return path


def _abs(cell: str) -> str:
    col, row = split_ref(cell)
    return f"{col}${row}"


# --- comparison ---------------------------------------------------------------------------

def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def part_order(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [i.filename for i in z.infolist()]


def canon(el) -> bytes:
    return etree.tostring(el, method="c14n")


def cells(xml: bytes) -> dict[str, bytes]:
    """Every cell of a worksheet part: ref → canonical XML."""
    root = etree.fromstring(xml)
    return {c.get("r"): canon(c) for c in root.iter(NS + "c")}


def rows_attrs(xml: bytes) -> dict[int, dict]:
    root = etree.fromstring(xml)
    return {int(r.get("r")): dict(r.attrib) for r in root.iter(NS + "row")}
