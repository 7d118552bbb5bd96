"""Read one Excel table (ListObject) by name, its columns matched by header text.

Extra columns the officer added are ignored; a missing input column is an error finding
and reads as blank; blank rows are skipped. Each row read keeps its worksheet row number,
so findings and the Locator point at the real cell even after rows were inserted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from selfeval_xl import layout
from selfeval_xl.a1 import cell_ref, col_letter
from selfeval_xl.read.book_source import BookSource, bounds
from selfeval_xl.read.cell_parse import Where
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.locations import Locator

# What the contract allows a table (docs/reading.md): the template gives 1–30 data rows
# and a dozen columns; 10,000 rows is a hundred times any real department, and 64 columns
# beyond the table's own leave room for any the officer adds. A table stretched past
# either (to row 100,000 or column XFD) is cut there, before a cell of it is looked at,
# with READ_TABLE_TOO_LARGE (an error: the report is refused on it).
MAX_TABLE_ROWS = 10_000
MAX_EXTRA_COLUMNS = 64

# Columns that do not make a row "filled" on their own: a template row may carry a
# pre-typed number or category with nothing else, and that is still a blank row.
NOT_CONTENT = {
    "tbl_tasks": {"no"},
    "tbl_task_points": {"task_no"},
    "tbl_goals": {"no"},
    "tbl_conclusions": {"no"},
    "tbl_analysis": {"level"},
    "tbl_outputs": {"category"},
    "tbl_bands": {"closed"},
}

_OFFICER_KINDS = {"formula", "output"}

# Tables added to the template later: a workbook built before them simply has none.
OPTIONAL_TABLES = frozenset({"tbl_extra_sections"})


def _norm(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip() if value is not None else ""


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class TableRows:
    """The rows read from one table.

    Attributes:
        table: the layout table.
        sheet: sheet it was found on.
        cols: column key → worksheet column index, for the columns present.
        rows: (worksheet row, {column key: raw value}) for every non-blank row, in order.
    """

    table: layout.Table
    sheet: str
    cols: dict[str, int]
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    _where_parts: dict[str, tuple[str, str]] = field(default_factory=dict, init=False,
                                                     repr=False, compare=False)

    def where(self, row: int, key: str) -> Where:
        # Called for every cell parsed: the column letter and label of each key are
        # worked out once per table, not once per cell.
        try:
            letters, label = self._where_parts[key]
        except KeyError:
            col = self.cols.get(key)
            letters = col_letter(col) if col else ""
            label = f"{self.table.title}“{self.table.column(key).header}”"
            self._where_parts[key] = (letters, label)
        return Where(self.sheet, f"{letters}{row}" if letters else "", "", label)


class TableReader:
    """Reads tables from a :class:`BookSource`, reporting through ``add``."""

    def __init__(self, source: BookSource, resolve_sheet: Callable[[str], str | None],
                 locator: Locator, add: Callable[[list[Finding]], None]) -> None:
        self.src = source
        self.resolve_sheet = resolve_sheet
        self.locator = locator
        self.add = add

    def read(self, name: str) -> TableRows | None:
        """The table's rows, or None (with a finding) when it cannot be found."""
        t = layout.table(name)
        found = self.src.table(name)
        if found is None and name in OPTIONAL_TABLES:
            return None
        if found is None:
            self.add([Finding("READ_TABLE_MISSING", Severity.ERROR, t.sheet, "", name,
                              f"工作簿中缺少表格 {name}（{t.title}），无法读取该表的内容。"
                              "请使用自评模板，不要删除表格或“转换为区域”。")])
            return None
        sheet, ref = found
        real = self.resolve_sheet(sheet)
        if real is None:
            self.add([Finding("READ_SHEET_MISSING", Severity.ERROR, sheet, ref, name,
                              f"表格 {name}（{t.title}）所在的工作表“{sheet}”不存在，无法读取。")])
            return None
        min_col, min_row, max_col, max_row = bounds(ref)
        max_col, max_row = self._bounded(t, name, real, ref, min_col, min_row, max_col, max_row)
        header = self.src.values(real, f"{cell_ref(min_col, min_row)}:{cell_ref(max_col, min_row)}")
        by_header: dict[str, int] = {}
        for offset, value in enumerate(header[0] if header else []):
            by_header.setdefault(_norm(value), min_col + offset)
        cols: dict[str, int] = {}
        header_ref = f"{cell_ref(min_col, min_row)}:{cell_ref(max_col, min_row)}"
        for column in t.columns:
            col = by_header.get(_norm(column.header))
            if col is not None:
                cols[column.key] = col
                continue
            officer = column.kind not in _OFFICER_KINDS
            self.add([Finding(
                "READ_COLUMN_MISSING", Severity.ERROR if officer else Severity.WARNING,
                real, header_ref, name,
                f"表格 {name}（{t.title}）缺少列“{column.header}”"
                + ("，该列按空白读取。请恢复该列（表头文字须与模板一致）。" if officer
                   else "（公式或结果列），工作簿自身的计算结果无法读取。"))])
        self.locator.table_sheet[name] = real
        self.locator.table_cols[name] = {k: col_letter(c) for k, c in cols.items()}
        out = TableRows(t, real, cols)
        if not cols or max_row <= min_row:
            return out
        last = max_row
        lo, hi = min(cols.values()), max(cols.values())
        block = self.src.values(real, f"{cell_ref(lo, min_row + 1)}:{cell_ref(hi, last)}")
        content = [k for k, c in cols.items()
                   if t.column(k).kind not in _OFFICER_KINDS and k not in NOT_CONTENT.get(name, ())]
        for i, values in enumerate(block):
            item = {k: values[c - lo] if c - lo < len(values) else None for k, c in cols.items()}
            if all(_blank(item[k]) for k in content):
                continue
            out.rows.append((min_row + 1 + i, item))
        return out

    def _bounded(self, t: layout.Table, name: str, sheet: str, ref: str, min_col: int,
                 min_row: int, max_col: int, max_row: int) -> tuple[int, int]:
        """The table's last column and row, cut to what the contract allows (with one
        READ_TABLE_TOO_LARGE finding saying what was left out)."""
        rows, cols = max_row - min_row, max_col - min_col + 1
        max_cols = len(t.columns) + MAX_EXTRA_COLUMNS
        if rows <= MAX_TABLE_ROWS and cols <= max_cols:
            return max_col, max_row
        self.add([Finding("READ_TABLE_TOO_LARGE", Severity.ERROR, sheet, ref, name,
                          f"表格 {name}（{t.title}）的范围 {ref} 有 {rows} 行、{cols} 列，超过上限"
                          f"（{MAX_TABLE_ROWS} 行、{max_cols} 列），只读取了前 "
                          f"{min(rows, MAX_TABLE_ROWS)} 行、{min(cols, max_cols)} 列。"
                          "请把表格范围调整到实际填写的行列。")])
        return min(max_col, min_col + max_cols - 1), min(max_row, min_row + MAX_TABLE_ROWS)
