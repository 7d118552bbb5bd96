"""Write results into the open workbook through xlwings ranges (the buttons' side of
:mod:`selfeval_xl.write.workbook_writer`, which edits a closed file).

What is written, and nothing else (never a value the officer typed):

- the 校验结果 table ``tbl_findings``: one row per finding, the cell a link to the place;
- notes on the cells with errors and warnings, starting with :data:`MARK`; the next check
  deletes every note that starts with it, and never touches any other note;
- the indicator output columns 校核得分 / 得分说明 of ``tbl_indicators``;
- the status block (the layout's formula-less outputs on 使用说明);
- the 自评报告 sheet, laid out by the same code as the file writer
  (:func:`selfeval_xl.write.render_sheet.render`, here drawing onto a recorder that is
  then applied to the live sheet), so Excel and the command line show the same page;
- numbers the officer typed as text ("77.40万元") that the reader understood: the number
  replaces the text, the text is kept in the cell's note (the rules of
  :mod:`selfeval_xl.write.text_numbers`, the same as the file writer's).

Everything is found through defined names, table names and header texts, as the reader
does. The module never imports xlwings: it is handed a Book (or the tests' fake of one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from selfeval_xl import layout
from selfeval_xl.write import render_sheet
from selfeval_xl.write import text_numbers as tn_rules
from selfeval_xl.a1 import col_index, split_ref
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.excel.batches import merge_blocks, row_unions, runs, style_blocks, unions
from selfeval_xl.excel.source import plain

# Every note of a finding starts with this; only such notes are ever removed (the notes
# that keep a replaced text start otherwise: write/text_numbers.py).
MARK = tn_rules.MARK
MARKED = (Severity.ERROR, Severity.WARNING)
# Excel parses a string written to a cell as if typed ("2026-03-01 09:30" becomes a date,
# "=..." a formula). On the unprotected output sheets the cells get the text format first;
# on protected sheets formats cannot change, so strings get Excel's text prefix "'"
# (not part of the value).
TEXT = "@"
NOTE_LIMIT = 1000

# Status cells Python writes: the guide sheet's outputs without a native formula.
STATUS_NAMES = tuple(o.name for o in layout.OUTPUTS
                     if o.sheet == layout.SHEET_GUIDE and o.formula is None)
REPORT_START_NAME = layout.REPORT_START_NAME


class WriteRefused(Exception):
    """A write that would lose the officer's content or cannot find its target (Chinese)."""


def status_text(value: Any) -> Any:
    """A status value as the file writer stores it: times as "YYYY-MM-DD HH:MM:SS" text."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def literal(value: Any) -> Any:
    """A value to assign on a protected sheet: strings marked as text with the "'" prefix."""
    return "'" + value if isinstance(value, str) else value


def _code_text(value: Any) -> str:
    value = plain(value)
    return "" if value is None else str(value).strip()


def _first_cell(ref: str) -> str:
    return ref.split(":")[0].replace("$", "")


class XlwingsWriter:
    """Writes into an xlwings Book (uses: ``sheets``, ``names[n].refers_to_range``,
    ``sheet.tables``, ``sheet.notes``, and plain Range reads/writes/formats)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self._names: dict[str, Any] | None = None

    # --- locating ---------------------------------------------------------------------------

    def _sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def names(self) -> dict[str, Any]:
        """The book's defined names by lower-case name, read in one pass (every pass over
        ``book.names`` is a COM round trip per name in Excel; a press made 7–11 of them)."""
        if self._names is None:
            self._names = {n.name.lower(): n for n in self.book.names}
        return self._names

    def _named(self, name: str) -> Any:
        n = self.names().get(name.lower())
        if n is not None:
            return n.refers_to_range
        raise WriteRefused(f"工作簿中没有定义名称“{name}”，无法写入结果。")

    def _table(self, name: str) -> tuple[Any, Any]:
        for sheet in self.book.sheets:
            for table in sheet.tables:
                if table.name.lower() == name.lower():
                    return sheet, table
        raise WriteRefused(f"工作簿中没有表格“{name}”，无法写入结果。")

    @staticmethod
    def _columns(name: str, table: Any, keys: list[str]) -> dict[str, int]:
        """0-based column offsets of layout columns in the table as found (by header)."""
        headers = [str(h or "").strip() for h in table.header_row_range.options(ndim=1).value]
        out = {}
        for key in keys:
            header = layout.table(name).column(key).header
            if header not in headers:
                raise WriteRefused(f"表格“{name}”缺少列“{header}”，无法写入结果。")
            out[key] = headers.index(header)
        return out

    # --- status -------------------------------------------------------------------------------

    def write_status(self, status: dict) -> None:
        for name, value in status.items():
            if name not in STATUS_NAMES:
                raise ValueError(f"{name!r} is not a status cell (one of {STATUS_NAMES})")
            self._named(name).value = literal(status_text(value))

    def write_total(self, name: str, total: Decimal) -> None:
        """The Python total into a named output cell (never one of the officer's fields)."""
        if name in layout.FIELDS_BY_NAME:
            raise ValueError(f"{name!r} is an input field")
        self._named(name).value = float(total)

    # --- findings -----------------------------------------------------------------------------

    def write_findings(self, findings: list[Finding]) -> None:
        """Refill ``tbl_findings`` (at least one row, blank when there is nothing to say)."""
        spec = layout.table("tbl_findings")
        sheet, table = self._table(spec.name)
        cols = self._columns(spec.name, table, [c.key for c in spec.columns])
        header = table.header_row_range
        r0, c0, width = header.row, header.column, header.shape[1]
        body = table.data_body_range
        old = body.shape[0] if body is not None else 0
        n = max(1, len(findings))
        if n > old:  # growing must not swallow what the officer put below the table
            below = sheet.range((r0 + old + 1, c0), (r0 + n, c0 + width - 1))
            if any(v not in (None, "") for row in below.options(ndim=2).value for v in row):
                raise WriteRefused(f"“{sheet.name}”工作表中校验结果表的下方有内容，"
                                   "表格无法向下扩展；请移走这些内容后重试。")
        if body is not None:
            body.clear()  # values, and the links of the previous run with them
        rows = [[None] * width for _ in range(n)]
        for i, f in enumerate(findings):
            values = {"severity": f.severity.label, "code": f.code, "sheet": f.sheet,
                      "cell": f.cell, "name": f.name, "message": f.message}
            for key, offset in cols.items():
                rows[i][offset] = values[key] or None
        target = sheet.range((r0 + 1, c0), (r0 + n, c0 + width - 1))
        target.number_format = TEXT
        target.value = rows
        table.resize(sheet.range((r0, c0), (r0 + n, c0 + width - 1)))
        message = sheet.range((r0 + 1, c0 + cols["message"]), (r0 + n, c0 + cols["message"]))
        message.wrap_text = True
        sheets = set(self._sheet_names())
        for i, f in enumerate(findings):
            if f.sheet in sheets and f.cell:
                where = "'" + f.sheet.replace("'", "''") + "'!" + f.cell
                sheet.range((r0 + 1 + i, c0 + cols["cell"])).add_hyperlink(
                    "#" + where, f.cell, f"转到 {f.sheet}!{f.cell}")

    def clear_marks(self) -> int:
        """Delete this tool's notes on every sheet; returns how many."""
        removed = 0
        for sheet in self.book.sheets:
            for note in list(sheet.notes):
                if (note.text or "").startswith(MARK):
                    try:
                        note.delete()
                    except Exception:  # noqa: BLE001 - a protected object: leave it, go on
                        continue
                    removed += 1
        return removed

    def mark(self, findings: list[Finding]) -> int:
        """Put a note on each cell with an error or warning (the first cell of a range).

        A cell that already has a note of the officer's keeps it and gets none; a cell
        Excel refuses a note (sheet protection) goes without: the finding is still listed
        in 校验结果. Returns the number of notes written.
        """
        sheets = set(self._sheet_names())
        texts: dict[tuple[str, str], list[str]] = {}
        for f in findings:
            if f.severity in MARKED and f.sheet in sheets and f.cell:
                texts.setdefault((f.sheet, _first_cell(f.cell)), []).append(
                    f"{f.severity.label}：{f.message}")
        written = 0
        by_name: dict[str, Any] = {}  # one lookup a sheet, not one a note
        for (sheet_name, cell), lines in texts.items():
            if sheet_name not in by_name:
                by_name[sheet_name] = self.book.sheets[sheet_name]
            try:
                # add_note refuses a cell that has a note (xlwings checks, and Excel's
                # AddComment fails): no probe of its own, one round trip a note saved.
                by_name[sheet_name].range(cell).add_note(
                    (MARK + "\n" + "\n".join(lines))[:NOTE_LIMIT])
            except Exception:  # noqa: BLE001 - the officer's note, or a protected sheet
                continue
            written += 1
        return written

    # --- numbers typed as text ---------------------------------------------------------------

    def replace_text_numbers(self, text_numbers: list) -> list:
        """Replace each number typed as text (the reader's ``text_numbers``) by its number,
        keeping the text in the cell's note; returns the TextNumbers replaced.

        A cell is replaced only when it is an input cell of a numeric kind and still holds
        exactly that text (not a formula). The note is written first; a cell Excel refuses a
        note or a value (sheet protection) keeps its text and its note as they were.
        """
        if not text_numbers:
            return []
        numeric = tn_rules.numeric_input_cells(self._name_places(), self._table_places())
        replaced = []
        for tn in tn_rules.candidates(text_numbers, text_numbers, numeric):
            if tn.sheet not in self._sheet_names():
                continue
            rng = self.book.sheets[tn.sheet].range(tn.cell)
            formula = getattr(rng, "formula", None)
            if rng.value != tn.text or (isinstance(formula, str) and formula.startswith("=")):
                continue  # changed since it was read
            if self._replace(rng, tn):
                replaced.append(tn)
        return replaced

    @staticmethod
    def _replace(rng: Any, tn: Any) -> bool:
        note = rng.note
        before = note.text if note is not None else None
        text = tn_rules.merged_note(before, tn_rules.note_line(tn))
        try:
            if text is not None:
                if note is not None:
                    note.text = text  # the officer's note stays (author, box, size)
                else:
                    rng.add_note(text)
        except Exception:  # noqa: BLE001 - a protected object: leave the cell as typed
            return False
        try:
            rng.value = float(tn.value)
        except Exception:  # noqa: BLE001 - a locked cell: put the note back as it was
            try:
                if text is not None and before is not None:
                    rng.note.text = before
                elif text is not None:
                    rng.note.delete()
            except Exception:  # noqa: BLE001 - nothing more can be done; the text stays
                pass
            return False
        return True

    def _name_places(self) -> dict[str, tuple[str, str]]:
        out = {}
        for f in layout.FIELDS:
            n = self.names().get(f.name.lower())
            if n is None or f.kind not in tn_rules.NUMERIC_KINDS:
                continue
            rng = n.refers_to_range
            out[f.name] = (rng.sheet.name, _first_cell(rng.address))
        return out

    def _table_places(self) -> dict[str, tuple[str, str, list[str]]]:
        out = {}
        for sheet in self.book.sheets:
            for table in sheet.tables:
                if table.name in layout.TABLES_BY_NAME:
                    headers = [str(h or "").strip()
                               for h in table.header_row_range.options(ndim=1).value]
                    out[table.name] = (sheet.name, table.range.address.replace("$", ""), headers)
        return out

    # --- scores -------------------------------------------------------------------------------

    def write_scores(self, scorecard: Any) -> None:
        """校核得分 and 得分说明 of each indicator row, matched by 编码 in row order."""
        spec = layout.table("tbl_indicators")
        sheet, table = self._table(spec.name)
        cols = self._columns(spec.name, table, ["code", "py_score", "py_explain"])
        body = table.data_body_range
        if body is None:
            return
        r1, c0, n = body.row, body.column, body.shape[0]
        codes = sheet.range((r1, c0 + cols["code"]), (r1 + n - 1, c0 + cols["code"]))
        pending: dict[str, list] = {}
        for row in scorecard.rows:
            pending.setdefault(_code_text(row.code), []).append(row)
        scores, texts = [], []
        for (value,) in codes.options(ndim=2).value:
            code = _code_text(value)
            queue = pending.get(code) if code else None
            row = queue.pop(0) if queue else None
            scores.append([None if row is None or row.score is None else float(row.score)])
            texts.append([literal(row.explanation) if row else None])
        sheet.range((r1, c0 + cols["py_score"]), (r1 + n - 1, c0 + cols["py_score"])).value = scores
        sheet.range((r1, c0 + cols["py_explain"]), (r1 + n - 1, c0 + cols["py_explain"])).value = texts

    # --- report sheet -------------------------------------------------------------------------

    def report_anchor(self) -> tuple[Any, str]:
        """The report sheet and first cell: the defined name when there is one, else the layout's."""
        n = self.names().get(REPORT_START_NAME)
        if n is not None:
            rng = n.refers_to_range
            return rng.sheet, _first_cell(rng.address)
        sheet_name, anchor = layout.REPORT_ANCHOR
        if sheet_name not in self._sheet_names():
            raise WriteRefused(f"工作簿中没有工作表“{sheet_name}”，无法写入报告。")
        return self.book.sheets[sheet_name], anchor

    def write_report(self, doc: Any, footer: str = "") -> list[render_sheet.Placed]:
        """Replace the report sheet from its anchor row down with ``doc``."""
        sheet, anchor = self.report_anchor()
        plan, styles = _SheetPlan(), _StylePlan()
        placed = render_sheet.render(doc, plan, styles, anchor, footer)
        _, r_first = split_ref(anchor)
        last = sheet.used_range.last_cell.row
        if last >= r_first:
            sheet.range(f"{r_first}:{last}").delete()
        _apply(sheet, plan)
        return placed


# --- the recorder render_sheet draws on, and applying it --------------------------------------

@dataclass(frozen=True)
class _Style:
    font: tuple  # (name, size, bold, color)
    fill: str | None
    border: bool
    horizontal: str | None
    vertical: str
    wrap: bool


class _StylePlan:
    """Stands in for the styles part: a format is just its description."""

    def font(self, *, name: str, size: float, bold: bool = False, color: str | None = None,
             **_: Any) -> tuple:
        return (name, size, bold, color)

    def fill(self, rgb: str | None) -> str | None:
        return rgb

    def border(self, thin: bool) -> bool:
        return bool(thin)

    def xf(self, *, font: tuple, fill: str | None = None, border: bool = False,
           horizontal: str | None = None, vertical: str = "top", wrap: bool = True,
           **_: Any) -> _Style:
        return _Style(font, fill, border, horizontal, vertical, wrap)


class _RowAttributes:
    def __init__(self, heights: dict[int, float], r: int) -> None:
        self.heights, self.r = heights, r

    def set(self, key: str, value: str) -> None:
        if key == "ht":
            self.heights[self.r] = float(value)


class _SheetPlan:
    """Stands in for the worksheet part: records cells, merges, widths and heights."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], tuple[Any, _Style | None]] = {}
        self.merges: list[str] = []
        self.heights: dict[int, float] = {}
        self.widths: dict[int, float] = {}

    # clearing is done on the live sheet (rows deleted) before the plan is applied
    def rows(self) -> dict:
        return {}

    def delete_row(self, r: int) -> None:
        pass

    def remove_merges(self, first_row: int) -> None:
        pass

    def remove_hyperlinks(self, first_row: int, last_row: int | None = None) -> None:
        pass

    def update_dimension(self) -> None:
        pass

    def set_col_width(self, ci: int, width: float) -> None:
        self.widths[ci] = width

    def set(self, ref: str, value: Any, style: Any = None) -> None:
        col, row = split_ref(ref)
        self.cells[(row, col_index(col))] = (value, style)

    def add_merge(self, ref: str) -> None:
        self.merges.append(ref)

    def row(self, r: int, create: bool = True) -> _RowAttributes:
        return _RowAttributes(self.heights, r)


def _hex(argb: str | None) -> str | None:
    return None if argb is None else "#" + argb[-6:]


def _apply(sheet: Any, plan: _SheetPlan) -> None:
    """Draw the recorded page onto the live sheet in few COM calls: values in one block,
    each distinct style once per union of the cells that share it, stacked merged rows in
    one ``Merge(Across)``, rows of one height and columns of one width together."""
    if not plan.cells:
        return
    for (ca, cb), width in runs(sorted(plan.widths.items())):
        sheet.range((1, ca), (1, cb)).column_width = width
    plan_rows = {r for r, _ in plan.cells}
    cols = sorted({c for _, c in plan.cells})
    r0, r1, c0, c1 = min(plan_rows), max(plan_rows), cols[0], cols[-1]
    block = sheet.range((r0, c0), (r1, c1))
    block.number_format = TEXT
    block.value = [[plan.cells.get((r, c), (None, None))[0] for c in range(c0, c1 + 1)]
                   for r in range(r0, r1 + 1)]
    for (ra, ca, rb, cb), across in merge_blocks(plan.merges):
        if across:  # stacked one-row merges of the same columns: Excel merges each row
            sheet.range((ra, ca), (rb, cb)).merge(across=True)
        else:
            sheet.range((ra, ca), (rb, cb)).merge()
    styles = {rc: style for rc, (_, style) in plan.cells.items() if style is not None}
    for style, rects in style_blocks(styles).items():
        for address in unions(rects):
            _format(sheet.range(address), style)
    heights = {r: h for r, h in plan.heights.items() if r in plan_rows}
    for height, address in row_unions(heights):
        sheet.range(address).row_height = height


def _format(rng: Any, style: _Style) -> None:
    name, size, bold, color = style.font
    rng.font.name = name
    rng.font.size = size
    rng.font.bold = bold
    if color:
        rng.font.color = _hex(color)
    if style.fill:
        rng.color = _hex(style.fill)
    if style.border:
        rng.borders.line_style = "continuous"
    rng.horizontal_alignment = style.horizontal or "left"
    rng.vertical_alignment = style.vertical
    rng.wrap_text = style.wrap


__all__ = ["MARK", "STATUS_NAMES", "WriteRefused", "XlwingsWriter", "status_text"]
