"""Build the macro-enabled workbook from :mod:`selfeval_xl.layout` (XlsxWriter + pyOpenVBA).

``build_workbook(path)`` writes the blank template (the default indicator framework and
grade bands pre-filled); ``build_workbook(path, ev)`` writes a workbook filled with an
evaluation's inputs. Every total, score and grade is a native formula that Excel and
LibreOffice calculate on opening; each is stored with its current result
(:mod:`selfeval_xl.write.cached_values`), so previews and readers that do not recalculate
show the figures instead of XlsxWriter's 0.

The output is deterministic: the same inputs give the same bytes (fixed document dates,
fixed zip timestamps, a deterministic VBA project), so the committed template can be
compared with a fresh build.

Protection: input sheets are protected without a password. Input cells (yellow) and the
cells the buttons write (grey) are unlocked; formula cells are locked. Excel cannot
insert rows into a table on a protected sheet, so the tables come with spare rows and the
guide explains how to unprotect (no password) when more are needed. The sheets Python
fills wholesale (校验结果, 自评报告) and the xlwings settings sheet are not protected.
"""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_cell_to_rowcol, xl_rowcol_to_cell

from selfeval_xl import TEMPLATE_VERSION, __version__, layout
from selfeval_xl.build import builder_guide, builder_sheets, vba_project
from selfeval_xl.build.builder_sheets import SheetContext, Styles
from selfeval_xl.core.model import Evaluation

# Fixed document date: a timestamp would make every build differ.
DOCUMENT_DATE = datetime(2024, 1, 1)

PROTECTED_SHEETS = (
    layout.SHEET_GUIDE, layout.SHEET_BASICS, layout.SHEET_GOALS, layout.SHEET_EXPENDITURE,
    layout.SHEET_INDICATORS, layout.SHEET_CONCLUSION,
)
LANDSCAPE_SHEETS = (layout.SHEET_GOALS, layout.SHEET_INDICATORS, layout.SHEET_CONCLUSION,
                    layout.SHEET_FINDINGS)
# What the officer may still do on a protected sheet: select, resize rows and columns
# (long text), filter. Inserting rows is left off: Excel refuses it inside tables anyway.
# ``objects`` True = drawing objects stay editable, so 校验数据 can put notes (comments) on
# the cells it finds fault with; on 使用说明 they are protected so the buttons stay put.
PROTECTION_OPTIONS = {
    "objects": True, "scenarios": False, "format_cells": False, "format_columns": True,
    "format_rows": True, "insert_columns": False, "insert_rows": False,
    "insert_hyperlinks": False, "delete_columns": False, "delete_rows": False,
    "select_locked_cells": True, "sort": False, "autofilter": True, "pivot_tables": False,
    "select_unlocked_cells": True,
}
TAB_COLORS = {layout.SHEET_GUIDE: "#4472C4", layout.SHEET_FINDINGS: "#A5A5A5",
              layout.SHEET_REPORT: "#A5A5A5", layout.SHEET_XLWINGS: "#A5A5A5"}


def template_evaluation() -> Evaluation:
    """What the blank template holds: the default framework and grades, nothing else."""
    from selfeval_xl.datafile import default_framework

    return Evaluation(indicators=default_framework())


def build_bytes(ev: Evaluation | None = None, report_template: str | None = None) -> bytes:
    """The workbook as bytes (see :func:`build_workbook`)."""
    ev = template_evaluation() if ev is None else ev
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})
    book.set_properties({
        "title": "部门整体支出绩效自评",
        "subject": "部门整体支出绩效自评工作簿",
        "author": "selfeval-xl",
        "comments": f"{TEMPLATE_VERSION}; built by selfeval-xl {__version__}",
        "created": DOCUMENT_DATE,
    })
    book.set_vba_name(vba_project.WORKBOOK_CODE_NAME)
    book.set_calc_mode("auto")
    styles = Styles(book)
    sheets: dict[str, SheetContext] = {}
    for name in layout.SHEETS:
        ws = book.add_worksheet(name)
        ws.set_vba_name(layout.CODE_NAMES[name])
        if name in TAB_COLORS:
            ws.set_tab_color(TAB_COLORS[name])
        sheets[name] = SheetContext(ws)

    builder_guide.write_titles(sheets, styles)
    list_sources = builder_guide.write_guide(sheets[layout.SHEET_GUIDE], styles, book)
    builder_sheets.write_fields(sheets, styles, ev)
    builder_sheets.write_outputs(sheets, styles, {"report_template": report_template})
    builder_sheets.add_output_rules(sheets, styles)
    _write_section_headers(sheets, styles)
    for table in layout.TABLES:
        builder_sheets.write_table(sheets[table.sheet], styles, table, ev, list_sources)
    builder_guide.write_xlwings_conf(sheets[layout.SHEET_XLWINGS], styles)

    for name, (sheet, cell) in layout.defined_names().items():
        row, col = xl_cell_to_rowcol(cell)
        ref = xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)
        book.define_name(name, f"={quote_sheetname(sheet)}!{ref}")

    for name, ctx in sheets.items():
        _page_setup(name, ctx)
    sheets[layout.SHEET_GUIDE].ws.activate()
    book.add_vba_project(vba_project.project_stream(), is_stream=True)
    book.close()
    from selfeval_xl.write.cached_values import with_cached_values

    return with_cached_values(out.getvalue())


def build_workbook(path: str | os.PathLike, ev: Evaluation | None = None,
                   report_template: str | None = None) -> None:
    """Write the macro-enabled workbook.

    Args:
        path: where to write (.xlsm); written atomically (temporary file, then rename).
        ev: the evaluation to fill in; None writes the blank template.
        report_template: a report template to store in the workbook (compact JSON,
            ``config.stored_text``); None leaves the built-in one.
    """
    from selfeval_xl.datafile import write_atomic

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, build_bytes(ev, report_template))


def _write_section_headers(sheets: dict[str, SheetContext], styles: Styles) -> None:
    """Column headings above the field blocks and the check block of 支出情况."""
    header = styles.get("header")
    for sheet, headings in ((layout.SHEET_BASICS, ("项目", "填写内容")),
                            (layout.SHEET_EXPENDITURE, ("项目", "金额（万元）"))):
        rows = [xl_cell_to_rowcol(f.cell) for f in layout.FIELDS if f.sheet == sheet]
        top, col = min(r for r, _ in rows), min(c for _, c in rows)
        ctx = sheets[sheet]
        builder_sheets.write_value(ctx, top - 1, col - 1, headings[0], header)
        builder_sheets.write_value(ctx, top - 1, col, headings[1], header)
        ctx.ws.set_column(col - 1, col - 1, 30)
        ctx.ws.set_column(col, col, 80 if sheet == layout.SHEET_BASICS else 18)
    checks = [xl_cell_to_rowcol(o.cell) for o in layout.OUTPUTS
              if o.sheet == layout.SHEET_EXPENDITURE]
    top = min(r for r, _ in checks)
    first_col = min(c for _, c in checks)
    ctx = sheets[layout.SHEET_EXPENDITURE]
    for offset, text in enumerate(("核对项目", "合计 / 比率", "差额（应为 0）")):
        builder_sheets.write_value(ctx, top - 1, first_col - 1 + offset, text, header)
    ctx.ws.set_column(first_col + 1, first_col + 1, 18)
    indicator_outputs = [xl_cell_to_rowcol(o.cell) for o in layout.OUTPUTS
                         if o.sheet == layout.SHEET_INDICATORS]
    ctx = sheets[layout.SHEET_INDICATORS]
    for row, _ in indicator_outputs:
        ctx.ws.set_row(row, 22)


# Sheets the writer fills after the build → last column (0-based) their content uses:
# the report is laid out on the grid B–I (render_sheet), the findings table is A–F.
GROWING_SHEETS = {layout.SHEET_REPORT: 8, layout.SHEET_FINDINGS: 5}
GROWING_ROWS = 2000


def _page_setup(name: str, ctx: SheetContext) -> None:
    """A4, fitted to the page width, headers repeated, frozen panes, protection."""
    ws = ctx.ws
    ws.set_paper(9)  # A4
    if name in LANDSCAPE_SHEETS:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    if name in GROWING_SHEETS:
        # Filled later by the writer: print whole columns, not just the header written now.
        # (a bounded range: openpyxl cannot read a whole-column print area back).
        ws.print_area(0, 0, GROWING_ROWS - 1, max(ctx.extent.last_col, GROWING_SHEETS[name]))
    else:
        ws.print_area(0, 0, ctx.extent.last_row, ctx.extent.last_col)
    freeze = _freeze_row(name)
    if freeze:
        ws.freeze_panes(freeze, 0)
        ws.repeat_rows(freeze - 1)
    if name in PROTECTED_SHEETS:
        ws.protect("", {**PROTECTION_OPTIONS, "objects": name != layout.SHEET_GUIDE})


def _freeze_row(sheet: str) -> int:
    """Rows above the first table's data or the first field stay visible when scrolling."""
    # A sheet of fields (基本情况, with the extra-sections table beside them) freezes above
    # its first field: freezing below a table header would hide 部门名称.
    fields = [xl_cell_to_rowcol(f.cell)[0] for f in layout.FIELDS if f.sheet == sheet]
    if fields:
        return min(fields)
    tables = [xl_cell_to_rowcol(t.anchor)[0] for t in layout.TABLES if t.sheet == sheet]
    return max(tables) + 1 if tables else 0
