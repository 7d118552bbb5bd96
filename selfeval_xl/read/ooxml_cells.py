"""The cell-decoding half of :class:`~selfeval_xl.read.ooxml_source.OoxmlSource`.

Worksheet XML → ``{(row, col): value}``: shared and inline strings, numbers, dates by the
cell's style, booleans, error values, and formulas whose cached value cannot be trusted
(:class:`Uncached`). Kept apart from the package handling (zip, parts, relationships,
names, tables) because this loop is the reader's hot path and has rules of its own.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime
from xml.etree.ElementTree import Element


from selfeval_xl.a1 import col_index
from selfeval_xl.read.book_source import BookError, CellError, Uncached, valid_ref
from selfeval_xl.read.numfmt import format_code, from_excel, is_date_format

_A1 = re.compile(r"^([A-Z]{1,3})(\d+)$")
# Column index by the letters of a cell reference ("AB" → 28), filled as references are
# seen: bounded by the 18,278 one-to-three-letter names. (It was keyed by the whole
# reference, bounded at 200,000: a 10,000-row table missed it on every cell, which made
# reading cost per row grow with the table.)
_LETTERS: dict[str, int] = {}
# Rows past this on any sheet are not read (READ_SHEET_TOO_LARGE): every table is cut at
# 10,000 data rows (table_read.MAX_TABLE_ROWS) and the template's blocks end before row
# 100, so nothing the contract allows lies beyond. One comparison per row.
MAX_SHEET_ROWS = 20_000


def _column_of(ref: str) -> int | None:
    """"AB12" → 28; None for anything but an upper-case A1 cell reference."""
    letters = ref.rstrip("0123456789")
    col = _LETTERS.get(letters)
    if col is not None and len(letters) < len(ref):
        return col
    m = _A1.match(ref)
    if not m:
        return None
    col = col_index(m.group(1))
    if m.group(1) == letters:  # the digits are ASCII: the fast path will find it
        _LETTERS[letters] = col
    return col


def _row_columns(row: Element) -> list[int]:
    """The column of every cell of ``row``: its reference's, or for a cell without a usable
    one, the column after the previous cell's (blank cells included)."""
    cols = []
    col_no = 0
    for c in row:
        ref = c.get("r")
        col = _column_of(ref) if ref else None
        col_no = col if col is not None else col_no + 1
        cols.append(col_no)
    return cols


@contextmanager
def malformed(part: str):
    """Junk where a number belongs (r="abc", numFmtId="x") is a broken part, not a crash."""
    try:
        yield
    except (ValueError, TypeError, OverflowError) as exc:
        raise BookError("READ_XML_INVALID", f"部件 {part} 的内容不符合工作簿格式：{exc}。") from None


class SheetCells:
    """Mixin: worksheet parsing for a source that has ``_xml``, ``_ns``, the part paths and
    the caches set up by :class:`OoxmlSource`'s constructor."""

    def _shared_strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            if self._strings_path and self._strings_path in self._names:
                ns = self._ns
                for si in self._xml(self._strings_path):
                    self._strings.append(self._rich_text(si, ns))
        return self._strings

    @staticmethod
    def _rich_text(el: Element, ns: str) -> str:
        """Text of <si>/<is>: plain <t> or the runs' <t>, never phonetic (<rPh>) text."""
        t = el.find(ns + "t")
        if t is not None:
            return t.text or ""
        return "".join(rt.text or "" for r in el.findall(ns + "r") for rt in r.findall(ns + "t"))

    def _date_style_ids(self) -> set[int]:
        if self._date_styles is None:
            self._date_styles = set()
            if self._styles_path and self._styles_path in self._names:
                with malformed(self._styles_path):
                    self._date_styles = self._parse_date_styles(self._xml(self._styles_path))
        return self._date_styles

    def _parse_date_styles(self, root: Element) -> set[int]:
        ns = self._ns
        # only the top-level <numFmts>: conditional formats (<dxf>) carry their own
        nfs = root.find(ns + "numFmts")
        custom = {int(nf.get("numFmtId", "-1") or -1): nf.get("formatCode", "")
                  for nf in (nfs if nfs is not None else ())}
        xfs = root.find(ns + "cellXfs")
        found: set[int] = set()
        for i, xf in enumerate(xfs if xfs is not None else ()):
            fmt_id = int(xf.get("numFmtId", "0") or 0)
            if is_date_format(format_code(fmt_id, custom)):
                found.add(i)
        return found

    def _sheet_cells(self, sheet: str) -> dict[tuple[int, int], object]:
        sheet = self._resolve(sheet)
        if sheet in self._cells:
            return self._cells[sheet]
        part = self._sheets[sheet]
        cells: dict[tuple[int, int], object] = {}
        merged: list[str] = []
        max_row = 0
        if part in self._names:
            root = self._xml(part)
            self._parsing = sheet
            with malformed(part):
                max_row = self._parse_cells(root, cells)
            mc = root.find(self._ns + "mergeCells")
            merged = [r for r in (m.get("ref", "").upper() for m in (mc if mc is not None else ()))
                      if valid_ref(r)]
        self._cells[sheet] = cells
        self._merged[sheet] = merged
        self._max_row[sheet] = max_row
        return cells

    def _parse_cells(self, root: Element, cells: dict[tuple[int, int], object]) -> int:
        """Fill ``cells`` from a worksheet; return the last row holding a value.

        Most stored cells are a shared string or a number: a single ``<v>`` child and
        ``t`` "s" or none. Those are decoded here inline (this loop runs for every cell of
        every collected file); everything else goes through :meth:`_cell_value`, and both
        give the same value for the same cell.
        """
        ns = self._ns
        data = root.find(ns + "sheetData")
        row_no = max_row = 0
        cell_value = self._cell_value
        number = self._number
        tag_v = ns + "v"
        strings: list[str] | None = None
        letters_of = _LETTERS.get
        for row in data if data is not None else ():
            row_no = int(row.get("r") or row_no + 1)
            if row_no > MAX_SHEET_ROWS:
                self.rows_cut.add(self._parsing)
                break
            columns = None  # the whole row's, worked out only when a cell needs them
            for i, c in enumerate(row):
                # A cell without children (no <v>, <f> or <is>) is blank, whatever its
                # type or style: most cells of a template are such styled blanks. Its
                # reference is not even looked at: only a later cell without a usable
                # reference needs it (the column after the previous cell), and that
                # rare cell has the row's columns worked out, once per row.
                n = len(c)
                if not n:
                    continue
                ref = c.get("r")
                col = None
                if ref:
                    letters = ref.rstrip("0123456789")
                    col = letters_of(letters) if len(letters) < len(ref) else None
                    if col is None:
                        col = _column_of(ref)
                if col is None:
                    if columns is None:
                        columns = _row_columns(row)
                    col = columns[i]
                v = c[0]
                if n == 1 and v.tag == tag_v and v.text is not None:
                    kind = c.get("t")
                    if kind == "s":
                        if strings is None:
                            strings = self._shared_strings()
                        try:
                            value = strings[int(v.text)]
                        except (ValueError, IndexError):
                            value = CellError("#REF!")  # an index into nothing
                    elif kind is None or kind == "n":
                        value = number(c, v.text)
                    else:
                        value = cell_value(c, ns)
                else:
                    value = cell_value(c, ns)
                if value is not None:
                    cells[(row_no, col)] = value
                    if row_no > max_row:
                        max_row = row_no
        return max_row

    def _number(self, c: Element, text: str) -> object:
        """The value of a numeric cell's stored text: int, float, a date in a date-formatted
        cell, or the text itself when it is not a number."""
        try:
            number: int | float = (float(text) if "." in text or "e" in text or "E" in text
                                   or "n" in text or "N" in text else int(text))
        except ValueError:
            return text  # a numeric cell holding junk: hand the text to the parser
        style = c.get("s")
        if style:
            is_date = self._style_is_date.get(style)
            if is_date is None:
                is_date = self._style_is_date[style] = (
                    style.isdigit() and int(style) in self._date_style_ids())
            if is_date:
                try:
                    return from_excel(number, self._epoch)
                except (ValueError, OverflowError, TypeError):
                    return number
        return number

    def _cell_value(self, c: Element, ns: str) -> object:
        kind = c.get("t", "n")
        # One pass over the children instead of a find() per tag; the first of each
        # tag wins, as find() would give.
        v = f = is_ = None
        tag_v, tag_f, tag_is = self._cell_tags
        for child in c:
            tag = child.tag
            if tag == tag_v:
                if v is None:
                    v = child
            elif tag == tag_f:
                if f is None:
                    f = child
            elif tag == tag_is:
                if is_ is None:
                    is_ = child
        if kind == "inlineStr":
            return self._rich_text(is_, ns) if is_ is not None else None
        if f is not None and self.calc_stale:
            return Uncached((f.text or "").strip())
        if v is None or (v.text is None and kind not in ("str", "s")):
            return Uncached((f.text or "").strip()) if f is not None else None
        text = v.text or ""
        if kind == "s":
            strings = self._shared_strings()
            try:
                return strings[int(text)]
            except (ValueError, IndexError):
                return CellError("#REF!")  # an index into nothing: report, don't crash
        if kind == "str":
            return text
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "e":
            return CellError(text.strip() or "#N/A")
        if kind == "d":
            try:
                return datetime.fromisoformat(text.strip())
            except ValueError:
                return text
        return self._number(c, text)
