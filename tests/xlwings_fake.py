"""A small fake of exactly the xlwings calls the buttons use, backed by openpyxl.

It behaves as xlwings does where that matters to the code under test: numbers come back
as floats, error cells as None unless ``err_to_str``, one cell as a scalar and one row or
column as a flat list unless ``ndim`` says otherwise, a scalar written to a block fills
it, ``add_note`` refuses a cell that has one. Formula cells show the value cached in the
file (what Excel showed when it last saved it). Sheet protection is kept as Excel keeps it:
on a protected sheet a value cannot go into a locked cell, and notes cannot be added,
edited or deleted where the sheet protects its objects (``ws.protection.objects``). Formats,
merges, links and row heights are recorded, not rendered; a union of areas ("B5:H5,B7:H9",
at most 255 characters) takes formats and row heights as Excel's ``Range()`` does, and
``merge(across=True)`` merges each row. ``FakeBook.calls`` logs every write (one entry a
call), for assertions and for counting COM round trips.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter, range_boundaries

ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def typed(value: Any, number_format: str) -> Any:
    """What Excel stores when a string is assigned to a cell: parsed as if typed, unless
    the cell is formatted as text or the string starts with the text prefix "'"."""
    if not isinstance(value, str):
        return value
    if value.startswith("'"):
        return value[1:]
    if number_format == "@":
        return value
    if value.startswith("="):
        raise AssertionError(f"the fake cannot evaluate the formula {value!r}")
    if _NUMBER.match(value.strip()):
        return float(value)
    m = _DATE.match(value.strip())
    if m:
        return dt.datetime(*(int(g) for g in m.groups() if g is not None))
    return value


class FakeApp:
    """``book.app``: records alerts and answers them from a script (default "yes"/"ok")."""

    def __init__(self) -> None:
        self.alerts: list[dict] = []
        self.answers: deque[str] = deque()

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        if buttons == "ok":
            return "ok"
        return self.answers.popleft() if self.answers else "yes"


class FakeBook:
    """An open workbook.

    Args:
        path: the .xlsm to open.
        computed: {sheet: {A1: value}} to show for formula cells, as Excel would after
            recalculating (e.g. ``libreoffice.recalculated_values``); by default formula
            cells show the value cached in the file.
    """

    def __init__(self, path: str | Path, computed: dict | None = None) -> None:
        path = Path(path)
        self.computed = computed
        self.fullname = str(path)
        self.name = path.name
        self.wb = openpyxl.load_workbook(path, keep_vba=True)
        self.cached = openpyxl.load_workbook(path, data_only=True)
        self.app = FakeApp()
        self.links: dict[tuple[str, str], str] = {}
        self.formats: dict[tuple[str, str], dict[str, Any]] = {}
        self.row_heights: dict[tuple[str, int], float] = {}
        self.col_widths: dict[tuple[str, int], float] = {}
        self.calls: list[tuple] = []

    @property
    def sheets(self) -> "FakeSheets":
        return FakeSheets(self)

    @property
    def names(self) -> list["FakeName"]:
        out = [FakeName(self, n, d.attr_text) for n, d in self.wb.defined_names.items()]
        for ws in self.wb.worksheets:
            out += [FakeName(self, f"{ws.title}!{n}", d.attr_text)
                    for n, d in ws.defined_names.items()]
        return out

    def fmt(self, sheet: str, coord: str) -> dict[str, Any]:
        return self.formats.setdefault((sheet, coord), {})


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book

    def __iter__(self):
        return (FakeSheet(self.book, ws.title) for ws in self.book.wb.worksheets)

    def __getitem__(self, key):
        if isinstance(key, int):
            return FakeSheet(self.book, self.book.wb.worksheets[key].title)
        if key not in self.book.wb.sheetnames:
            raise KeyError(key)
        return FakeSheet(self.book, key)


class FakeName:
    def __init__(self, book: FakeBook, name: str, text: str) -> None:
        self.book, self.name, self.refers_to = book, name, "=" + text

    @property
    def refers_to_range(self) -> "FakeRange":
        sheet, ref = self.refers_to[1:].rsplit("!", 1)
        return FakeSheet(self.book, sheet.strip("'").replace("''", "'")).range(ref.replace("$", ""))


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book, self.name = book, name
        self.ws = book.wb[name]
        self.cws = book.cached[name]

    def __eq__(self, other):
        return isinstance(other, FakeSheet) and other.name == self.name

    def range(self, a, b=None) -> "FakeRange | FakeAreas":
        if isinstance(a, str) and "," in a:
            return FakeAreas(self, a)
        if b is not None:
            return FakeRange(self, a[0], a[1], b[0], b[1])
        if isinstance(a, tuple):
            return FakeRange(self, a[0], a[1], a[0], a[1])
        if ":" in a and a.replace(":", "").isdigit():  # whole rows "5:9"
            r1, r2 = (int(x) for x in a.split(":"))
            return FakeRange(self, r1, 1, r2, 16384)
        c1, r1, c2, r2 = range_boundaries(a.replace("$", ""))
        return FakeRange(self, r1, c1, r2, c2)

    @property
    def tables(self) -> list["FakeTable"]:
        return [FakeTable(self, name) for name in self.ws.tables]

    @property
    def notes(self) -> list["FakeNote"]:
        return [FakeNote(self.range(c.coordinate)) for row in self.ws.iter_rows()
                for c in row if c.comment is not None]

    @property
    def used_range(self) -> "FakeRange":
        return FakeRange(self, 1, 1, self.ws.max_row, self.ws.max_column)


class FakeAreas:
    """A union of areas ("B5:H5,B7:H9,5:6"), as Excel's ``Range()`` takes one: a format or
    row height set on it applies to every area and is one call. Excel refuses an address
    over 255 characters, and so does the fake."""

    def __init__(self, sheet: FakeSheet, address: str) -> None:
        if len(address) > 255:
            raise ValueError(f"Range() address over 255 characters ({len(address)})")
        object.__setattr__(self, "sheet", sheet)
        object.__setattr__(self, "address", address)
        object.__setattr__(self, "areas", [sheet.range(a) for a in address.split(",")])

    font = property(lambda self: _Font(self))
    borders = property(lambda self: _Borders(self))

    def _format(self, key: str, value: Any) -> None:
        for area in self.areas:
            area._format_cells(key, value)
        self.sheet.book.calls.append(("format", self.sheet.name, self.address, key, value))

    def __setattr__(self, key, value):
        if key in FakeRange._FORMATS:
            return self._format(key, value)
        if key == "row_height":
            for area in self.areas:
                area._set_row_height(value)
            self.sheet.book.calls.append(("row_height", self.sheet.name, self.address, value))
            return None
        raise AttributeError(f"the fake does not support setting {key} on several areas")


class FakeTable:
    def __init__(self, sheet: FakeSheet, name: str) -> None:
        self.sheet, self.name = sheet, name
        self.t = sheet.ws.tables[name]

    @property
    def show_totals(self) -> bool:
        return bool(self.t.totalsRowCount)

    @property
    def range(self) -> "FakeRange":
        return self.sheet.range(self.t.ref)

    @property
    def header_row_range(self) -> "FakeRange":
        r = self.range
        return FakeRange(self.sheet, r.r1, r.c1, r.r1, r.c2)

    @property
    def data_body_range(self) -> "FakeRange | None":
        r = self.range
        last = r.r2 - (1 if self.show_totals else 0)
        return FakeRange(self.sheet, r.r1 + 1, r.c1, last, r.c2) if last > r.r1 else None

    def resize(self, rng: "FakeRange") -> None:
        ref = rng.address.replace("$", "")
        self.t.ref = ref
        if self.t.autoFilter is not None:
            self.t.autoFilter.ref = ref
        self.sheet.book.calls.append(("table.resize", self.name, ref))


class Protected(Exception):
    """What Excel raises (a COM error) for a change the sheet's protection forbids."""


def _objects_protected(sheet: "FakeSheet") -> bool:
    return bool(sheet.ws.protection.sheet and sheet.ws.protection.objects)


class FakeNote:
    def __init__(self, cell: "FakeRange") -> None:
        self.cell = cell

    @property
    def text(self) -> str:
        return self.cell._cell().comment.text

    @text.setter
    def text(self, value: str) -> None:
        if _objects_protected(self.cell.sheet):
            raise Protected("the sheet protects its objects")
        self.cell._cell().comment.text = value
        self.cell.sheet.book.calls.append(("note.text", self.cell.sheet.name, self.cell.address))

    @property
    def location(self) -> "FakeRange":
        return self.cell

    def delete(self) -> None:
        if _objects_protected(self.cell.sheet):
            raise Protected("the sheet protects its objects")
        self.cell._cell().comment = None
        self.cell.sheet.book.calls.append(("note.delete", self.cell.sheet.name, self.cell.address))


class _Font:
    def __init__(self, rng: "FakeRange") -> None:
        object.__setattr__(self, "rng", rng)

    def __setattr__(self, key, value):
        self.rng._format("font." + key, value)


class _Borders:
    def __init__(self, rng: "FakeRange") -> None:
        object.__setattr__(self, "rng", rng)

    def __setattr__(self, key, value):
        self.rng._format("borders." + key, value)


class FakeRange:
    _FORMATS = ("number_format", "color", "wrap_text", "horizontal_alignment",
                "vertical_alignment")

    def __init__(self, sheet: FakeSheet, r1: int, c1: int, r2: int, c2: int,
                 ndim: int | None = None, err_to_str: bool = False) -> None:
        object.__setattr__(self, "sheet", sheet)
        object.__setattr__(self, "dims", (r1, c1, r2, c2, ndim, err_to_str))

    r1 = property(lambda self: self.dims[0])
    c1 = property(lambda self: self.dims[1])
    r2 = property(lambda self: self.dims[2])
    c2 = property(lambda self: self.dims[3])
    row = property(lambda self: self.r1)
    column = property(lambda self: self.c1)
    shape = property(lambda self: (self.r2 - self.r1 + 1, self.c2 - self.c1 + 1))
    font = property(lambda self: _Font(self))
    borders = property(lambda self: _Borders(self))

    @property
    def address(self) -> str:
        a = f"${get_column_letter(self.c1)}${self.r1}"
        if self.shape == (1, 1):
            return a
        return f"{a}:${get_column_letter(self.c2)}${self.r2}"

    @property
    def last_cell(self) -> "FakeRange":
        return FakeRange(self.sheet, self.r2, self.c2, self.r2, self.c2)

    def options(self, ndim=None, err_to_str=False, **_):
        return FakeRange(self.sheet, self.r1, self.c1, self.r2, self.c2, ndim, err_to_str)

    def resize(self, rows, cols) -> "FakeRange":
        return FakeRange(self.sheet, self.r1, self.c1, self.r1 + rows - 1, self.c1 + cols - 1)

    def _cells(self):
        return [[(r, c) for c in range(self.c1, self.c2 + 1)] for r in range(self.r1, self.r2 + 1)]

    def _cell(self):
        return self.sheet.ws.cell(self.r1, self.c1)

    def _read(self, r: int, c: int) -> Any:
        v = self.sheet.cws.cell(r, c).value
        computed = self.sheet.book.computed
        if computed is not None:
            formula = self.sheet.ws.cell(r, c).value
            if isinstance(formula, str) and formula.startswith("=") or (
                    formula is not None and not isinstance(formula, (str, int, float, bool,
                                                                     dt.date, dt.datetime))):
                v = computed.get(self.sheet.name, {}).get(f"{get_column_letter(c)}{r}")
        if isinstance(v, str) and v in ERRORS:
            return v if self.dims[5] else None
        if isinstance(v, bool) or v is None or isinstance(v, (str, dt.datetime)):
            return v
        if isinstance(v, dt.date):
            return dt.datetime(v.year, v.month, v.day)
        if isinstance(v, (int, float)):
            return float(v)
        return v

    @property
    def value(self) -> Any:
        rows = [[self._read(r, c) for r, c in row] for row in self._cells()]
        ndim = self.dims[4]
        if ndim == 2:
            return rows
        if ndim == 1:
            return [v for row in rows for v in row]
        if self.shape == (1, 1):
            return rows[0][0]
        if self.shape[0] == 1 or self.shape[1] == 1:
            return [v for row in rows for v in row]
        return rows

    @value.setter
    def value(self, data: Any) -> None:
        if isinstance(data, (list, tuple)):
            rows = [list(r) for r in data] if data and isinstance(data[0], (list, tuple)) else [list(data)]
        else:
            rows = [[data] * self.shape[1] for _ in range(self.shape[0])]
        if self.sheet.ws.protection.sheet:
            for i, row in enumerate(rows):
                for j, _ in enumerate(row):
                    if self.sheet.ws.cell(self.r1 + i, self.c1 + j).protection.locked:
                        raise Protected(f"{self.sheet.name}: a locked cell on a protected sheet")
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                r, c = self.r1 + i, self.c1 + j
                fmt = self.sheet.book.formats.get((self.sheet.name, f"{get_column_letter(c)}{r}"),
                                                  {}).get("number_format")
                self._put(r, c, typed(v, fmt or self.sheet.ws.cell(r, c).number_format))
        self.sheet.book.calls.append(("value", self.sheet.name, self.address))

    def _put(self, r: int, c: int, v: Any) -> None:
        for ws in (self.sheet.ws, self.sheet.cws):
            ws.cell(r, c).value = v

    def __setattr__(self, key, value):
        if key == "value":
            FakeRange.value.fset(self, value)
            return None
        if key in self._FORMATS:
            return self._format(key, value)
        if key == "row_height":
            self._set_row_height(value)
            self.sheet.book.calls.append(("row_height", self.sheet.name, self.address, value))
            return None
        if key == "column_width":
            for c in range(self.c1, self.c2 + 1):
                self.sheet.book.col_widths[(self.sheet.name, c)] = value
            self.sheet.book.calls.append(("column_width", self.sheet.name, self.address, value))
            return None
        raise AttributeError(f"the fake does not support setting {key}")

    def _set_row_height(self, value: float) -> None:
        for r in range(self.r1, self.r2 + 1):
            self.sheet.book.row_heights[(self.sheet.name, r)] = value

    def _format(self, key: str, value: Any) -> None:
        self._format_cells(key, value)
        self.sheet.book.calls.append(("format", self.sheet.name, self.address, key, value))

    def _format_cells(self, key: str, value: Any) -> None:
        for row in self._cells():
            for r, c in row:
                self.sheet.book.fmt(self.sheet.name, f"{get_column_letter(c)}{r}")[key] = value

    def clear_contents(self) -> None:
        for row in self._cells():
            for r, c in row:
                self._put(r, c, None)

    def clear(self) -> None:
        self.clear_contents()
        for row in self._cells():
            for r, c in row:
                coord = f"{get_column_letter(c)}{r}"
                self.sheet.ws.cell(r, c).comment = None
                self.sheet.book.links.pop((self.sheet.name, coord), None)
                self.sheet.book.formats.pop((self.sheet.name, coord), None)
        self.sheet.book.calls.append(("clear", self.sheet.name, self.address))

    def delete(self) -> None:
        """Whole rows only (what the writer deletes): shift everything below up."""
        assert self.c1 == 1 and self.c2 == 16384, "the fake deletes whole rows only"
        for ws in (self.sheet.ws, self.sheet.cws):
            for merged in list(ws.merged_cells.ranges):
                if merged.max_row >= self.r1:
                    ws.unmerge_cells(str(merged))
            ws.delete_rows(self.r1, self.r2 - self.r1 + 1)
        book = self.sheet.book
        for store in (book.links, book.formats):
            for key in [k for k in store if k[0] == self.sheet.name
                        and int("".join(ch for ch in k[1] if ch.isdigit())) >= self.r1]:
                store.pop(key)
        for key in [k for k in book.row_heights if k[0] == self.sheet.name and k[1] >= self.r1]:
            book.row_heights.pop(key)
        book.calls.append(("delete", self.sheet.name, f"{self.r1}:{self.r2}"))

    def merge(self, across: bool = False) -> None:
        """One merged cell, or with ``across`` one per row (Excel's ``Merge(Across)``)."""
        rows = [(r, r) for r in range(self.r1, self.r2 + 1)] if across else [(self.r1, self.r2)]
        for r1, r2 in rows:
            self.sheet.ws.merge_cells(start_row=r1, start_column=self.c1, end_row=r2,
                                      end_column=self.c2)
        self.sheet.book.calls.append(("merge", self.sheet.name, self.address, across))

    @property
    def formula(self) -> str:
        """As Excel gives it: the formula, or a constant as its text."""
        v = self._cell().value
        return "" if v is None else str(v) if not hasattr(v, "text") else "=" + str(v.text)

    @property
    def note(self) -> FakeNote | None:
        return FakeNote(self) if self._cell().comment is not None else None

    def add_note(self, text: str) -> FakeNote:
        if self.shape != (1, 1):
            raise ValueError("A note can only be added to a single cell")
        if self.note is not None:
            raise ValueError("This cell already has a note")
        if _objects_protected(self.sheet):
            raise Protected("the sheet protects its objects")
        self._cell().comment = Comment(text, "selfeval-xl")
        self.sheet.book.calls.append(("add_note", self.sheet.name, self.address))
        return FakeNote(self)

    def add_hyperlink(self, address: str, text_to_display=None, screen_tip=None) -> None:
        assert self.shape == (1, 1)
        self._put(self.r1, self.c1, address if text_to_display is None else text_to_display)
        self.sheet.book.links[(self.sheet.name, self.address.replace("$", ""))] = address
        self.sheet.book.calls.append(("add_hyperlink", self.sheet.name, self.address, address))
