"""The reader's :class:`~selfeval_xl.read.book_source.BookSource` over a live xlwings Book.

Inside Excel the buttons read the open workbook (values as Excel shows them now, typed
but unsaved changes included) through the same reader as the command line, so both see
the same data the same way. This module only turns xlwings' view of ranges into the plain
values the protocol promises; it never imports xlwings itself (it is handed a Book, or
the test fake of one).

xlwings' conventions differ from a file's in three ways, evened out here:
- every number comes back as a float: integral ones become ``int`` (a file stores 2022,
  not 2022.0, and the reader must not see a difference);
- cell errors come back as None unless asked for: they are read as text
  (``err_to_str``) and turned into :class:`CellError`;
- a table's range includes its totals row: it is left out, as the protocol says.
"""

from __future__ import annotations

from typing import Any

from selfeval_xl.read.book_source import CellError, bounds, split_sheet_ref

# A sheet whose used range is larger than this is read range by range instead of whole
# (formatting dragged to row 1,048,576 makes a used range of millions of cells).
MAX_WHOLE_SHEET_CELLS = 200_000

# What Excel shows for an error value; xlwings' err_to_str gives exactly these texts.
ERROR_TEXTS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
    "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!",
    "#UNKNOWN!",
})


def plain(value: Any) -> Any:
    """One value as xlwings gives it → the protocol's plain value."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, str) and value in ERROR_TEXTS:
        return CellError(value)
    return value


class XlwingsSource:
    """BookSource over an xlwings ``Book`` (or anything with the same few members).

    Uses: ``book.sheets`` (iteration, ``[name]``, ``.name``), ``book.names`` (iteration,
    ``.name``, ``.refers_to``), ``sheet.tables`` (iteration, ``.name``, ``.range``,
    ``.show_totals``), ``range.address``, ``sheet.used_range`` and
    ``range.options(...).value``.
    """

    def __init__(self, book: Any) -> None:
        self.book = book
        self._names: dict[str, str] | None = None
        self._tables: dict[str, tuple[str, str]] | None = None
        # sheet → (first row, first column, rows of values) of its used range, or None
        self._grids: dict[str, tuple[int, int, list[list[Any]]] | None] = {}

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def defined_name(self, name: str) -> tuple[str, str] | None:
        if self._names is None:
            # Sheet-scoped names come back as "Sheet!name" and so never match a plain name.
            self._names = {n.name.lower(): n.refers_to for n in self.book.names}
        text = self._names.get(name.lower())
        if text is None:
            return None
        return split_sheet_ref(text) or ("", text)

    def table(self, name: str) -> tuple[str, str] | None:
        if self._tables is None:
            self._tables = {}
            for sheet in self.book.sheets:
                for table in sheet.tables:
                    rng = table.range
                    if table.show_totals:
                        rng = rng.resize(rng.shape[0] - 1, rng.shape[1])
                    ref = rng.address.replace("$", "")
                    self._tables[table.name.lower()] = (sheet.name, ref)
        return self._tables.get(name.lower())

    def values(self, sheet: str, ref: str) -> list[list[object]]:
        # Each sheet's used range is read once (one COM round trip for its values) and
        # every range the reader asks for is cut from it: a button press asked Excel for
        # about 170 ranges one by one before.
        grid = self._grid(sheet)
        min_col, min_row, max_col, max_row = bounds(ref)
        if grid is None:
            rows = self.book.sheets[sheet].range(ref).options(ndim=2, err_to_str=True).value
            return [[plain(v) for v in row] for row in rows]
        top, left, cells = grid
        out = []
        for r in range(min_row - top, max_row - top + 1):
            row = cells[r] if 0 <= r < len(cells) else ()
            out.append([plain(row[c]) if 0 <= c < len(row) else None
                        for c in range(min_col - left, max_col - left + 1)])
        return out

    def _grid(self, sheet: str) -> tuple[int, int, list[list[Any]]] | None:
        if sheet not in self._grids:
            used = self.book.sheets[sheet].used_range
            min_col, min_row, max_col, max_row = bounds(used.address.replace("$", ""))
            if (max_row - min_row + 1) * (max_col - min_col + 1) > MAX_WHOLE_SHEET_CELLS:
                self._grids[sheet] = None
            else:
                cells = used.options(ndim=2, err_to_str=True).value
                self._grids[sheet] = (min_row, min_col, cells)
        return self._grids[sheet]
