"""Where each piece of the model sits in the workbook, so pure checks can cite cells.

The reader builds a :class:`Locator` from the workbook it actually read (defined names and
table ranges as found, so inserted rows are accounted for). For an Evaluation that came
from a data file, :meth:`Locator.from_layout` gives the positions the builder would write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selfeval_xl import layout
from selfeval_xl.a1 import cell_ref, col_index, col_letter, split_ref


@dataclass(frozen=True)
class Place:
    """A location: sheet, A1 cell (or range), and the defined name when there is one."""

    sheet: str
    cell: str
    name: str = ""


@dataclass
class Locator:
    """Maps fields and table cells to places.

    Attributes:
        fields: defined name → Place of its cell.
        table_rows: table name → list of worksheet row numbers, one per model item, in the
            order the reader produced them (blank rows skipped).
        table_cols: table name → {column key: column letter}.
        table_sheet: table name → sheet.
    """

    fields: dict[str, Place] = field(default_factory=dict)
    table_rows: dict[str, list[int]] = field(default_factory=dict)
    table_cols: dict[str, dict[str, str]] = field(default_factory=dict)
    table_sheet: dict[str, str] = field(default_factory=dict)

    def field(self, name: str) -> Place:
        """Place of a named field; falls back to the template position."""
        if name in self.fields:
            return self.fields[name]
        sheet, cell = layout.defined_names()[name]
        return Place(sheet, cell, name)

    def cell(self, table: str, index: int, key: str) -> Place:
        """Place of column ``key`` of the ``index``-th item (0-based) read from ``table``."""
        rows = self.table_rows.get(table)
        sheet = self.table_sheet.get(table) or layout.table(table).sheet
        col = self.table_cols.get(table, {}).get(key)
        if col is None:
            t = layout.table(table)
            first_col, header_row = split_ref(t.anchor)
            col = _col_letter(first_col, [c.key for c in t.columns].index(key))
        if rows is not None and index < len(rows):
            row = rows[index]
        else:
            _, header_row = split_ref(layout.table(table).anchor)
            row = header_row + 1 + index
        return Place(sheet, f"{col}{row}")

    def table(self, table: str) -> Place:
        """The table as a whole (its anchor), for findings about the list itself."""
        t = layout.table(table)
        return Place(self.table_sheet.get(table) or t.sheet, t.anchor, table)

    @classmethod
    def from_layout(cls) -> "Locator":
        """Positions as the builder writes them: item i of a table is on data row i."""
        return cls()


def _col_letter(first_col: str, offset: int) -> str:
    return col_letter(col_index(first_col) + offset)


__all__ = ["Locator", "Place", "cell_ref"]
