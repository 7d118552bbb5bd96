"""Numbers typed as text, replaced by their numbers at write-back; the text kept in a note.

An amount typed as text ("77.40万元", full-width "７７．４０", " 77.4 ", "1,234.50",
"1234.5万") is read by the reader without ambiguity (READ_NORMALISED_NUMBER), but the
workbook's own formulas cannot add text: 支出情况 C17/D17 show #VALUE! after a
recalculation, and whoever opens the file without this program (the finance bureau) sees
error values. So every write-back (the buttons, ``check --write``, ``score --write``,
``report``) replaces such a cell's text with the number the reader used, and keeps the
officer's original text in the cell's note, on a line of its own:

    原填写为文本“77.40万元”，已由自评程序改为数字 77.40（万元）。

The rules, the same for the file writer (:mod:`selfeval_xl.write.workbook_writer`, notes by
:mod:`selfeval_xl.write.notes`) and the buttons' writer (:mod:`selfeval_xl.excel.writer`):

- only the officer's input cells of a numeric kind (:data:`NUMERIC_KINDS` of layout.py:
  amounts, weights, rates, counts, years, the numbers of the tables), only texts the reader
  understood (its :class:`~selfeval_xl.read.cell_parse.TextNumber` list); a refused text
  stays as typed with its error finding; text fields are never touched;
- only when the cell still holds exactly the text that was read (checked again at the
  moment of writing); its style and number format stay;
- the number is the one the reader used: "90%" in a rate cell becomes 0.9;
- the note line never starts with :data:`MARK`, so the next check (which deletes the
  notes starting with it) keeps it; an officer's own note keeps its text and gets the line
  added; a note of ours from an earlier check (starting with MARK) is replaced by it;
- replacing is idempotent: once a number, the cell is no longer text, and a note that
  already has the line is not changed;
- each replaced cell's READ_NORMALISED_NUMBER finding becomes :data:`CODE` (info), naming
  the original text and the number.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from selfeval_xl import layout
from selfeval_xl.a1 import col_index, col_letter, split_ref
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.money import fmt_plain
from selfeval_xl.read.cell_parse import TextNumber

# Every note of a finding starts with this; the next check deletes such notes (and only them).
MARK = "【自评校验】"
# The line that keeps the officer's text starts with this (never with MARK).
NOTE_PREFIX = "原填写为文本“"
CODE = "WRITE_TEXT_NUMBER_REPLACED"
READ_CODE = "READ_NORMALISED_NUMBER"

NUMERIC_KINDS = layout.NUMERIC_KINDS


def shown_number(tn: TextNumber) -> str:
    """The number as the note and the finding write it: an amount in 万元 with the decimals
    the reader read (77.40), anything else without trailing zeros (a rate "90%" is 0.9)."""
    if tn.unit == "万元":
        return format(tn.value, "f")
    return fmt_plain(tn.value)


def note_line(tn: TextNumber) -> str:
    """原填写为文本“77.40万元”，已由自评程序改为数字 77.40（万元）。"""
    unit = f"（{tn.unit}）" if tn.unit else ""
    return f"{NOTE_PREFIX}{tn.text}”，已由自评程序改为数字 {shown_number(tn)}{unit}。"


def merged_note(existing: str | None, line: str) -> str | None:
    """The cell's note with ``line`` in it; None when the note already has it.

    A note of ours from a check (starting with :data:`MARK`) is deleted by the next check,
    so the line replaces it rather than joining it; any other note is the officer's and is
    kept, the line added below it.
    """
    if not existing or existing.startswith(MARK):
        return line
    if line in existing.splitlines():
        return None
    return existing + ("" if existing.endswith("\n") else "\n") + line


def finding(tn: TextNumber, name: str = "") -> Finding:
    unit = f" {tn.unit}" if tn.unit else ""
    return Finding(CODE, Severity.INFO, tn.sheet, tn.cell, name,
                   f"原填写为文本“{tn.text}”，已改为数字 {shown_number(tn)}{unit}"
                   "（原文字保存在该单元格的批注中）。")


def findings_after(findings: list[Finding], replaced: Iterable[TextNumber]) -> list[Finding]:
    """The findings as they stand once ``replaced`` are numbers: each replaced cell's
    READ_NORMALISED_NUMBER becomes an info finding saying what was done, in its place."""
    done = {(tn.sheet, tn.cell): tn for tn in replaced}
    if not done:
        return list(findings)
    out = []
    for f in findings:
        tn = done.get((f.sheet, f.cell)) if f.code == READ_CODE else None
        out.append(finding(tn, f.name) if tn is not None else f)
    return out


def numeric_input_cells(names: dict[str, tuple[str, str]],
                        tables: dict[str, tuple[str, str, list[str]]]) -> set[tuple[str, str]]:
    """(sheet, cell) of every input cell of a numeric kind, as found in this file.

    Args:
        names: defined name → (sheet, ref) of the file.
        tables: table name → (sheet, ref "B4:R34", header texts in order) of the file.
    """
    cells = {(names[f.name][0], names[f.name][1].split(":")[0]) for f in layout.FIELDS
             if f.kind in NUMERIC_KINDS and f.name in names}
    for spec in layout.TABLES:
        found = tables.get(spec.name)
        if found is None or ":" not in found[1]:
            continue
        sheet, ref, headers = found
        (c1, r1), (_, r2) = (split_ref(x) for x in ref.split(":"))
        numeric = {c.header for c in spec.columns if c.kind in NUMERIC_KINDS}
        for i, header in enumerate(headers):
            if header in numeric:
                col = col_letter(col_index(c1) + i)
                cells.update((sheet, f"{col}{r}") for r in range(r1 + 1, r2 + 1))
    return cells


def candidates(asked: Iterable[TextNumber], now: Iterable[TextNumber],
               numeric: set[tuple[str, str]]) -> list[TextNumber]:
    """The text numbers to replace: those the caller read (``asked``) that a reading of the
    very bytes or book being edited (``now``) finds again, same text, same number, in a
    numeric input cell. One per cell, in the caller's order."""
    again = {(tn.sheet, tn.cell): tn for tn in now}
    out, seen = [], set()
    for tn in asked:
        key = (tn.sheet, tn.cell)
        if key in seen or key not in numeric or again.get(key) != tn:
            continue
        seen.add(key)
        out.append(tn)
    return out


# --- the file writer's side ---------------------------------------------------------------

def replace_in_file(book, now, asked, findings, status):
    """Replace, in the package being edited, the text numbers of ``asked`` that still stand.

    Args:
        book: the file writer's book (``pkg``, ``map``, ``sheet(name)``, ``dirty``).
        now: the reader's result for the very bytes being edited (under the lock), or None.
        asked: the caller's reading's text numbers (what its findings told the officer);
            None or empty replaces nothing.
        findings, status: what the writer was asked to write (either may be None).

    Returns:
        (the TextNumbers replaced, the findings as written, the status as written): a
        replaced cell's finding says what was done, and the status summary counts the
        findings as the 校验结果 table then lists them.

    Each cell is replaced only when its note was written first (a sheet whose notes cannot
    be edited keeps its texts), and only when the part still holds exactly that text as a
    constant (no formula).
    """
    if not asked or now is None:
        return [], findings, status
    replaced = _replace(book, now.text_numbers, asked)
    if findings is not None and replaced:
        from selfeval_xl.core.findings import summary

        findings = findings_after(findings, replaced)
        if status and "status_check_summary" in status:
            status = {**status, "status_check_summary": summary(findings)}
    return replaced, findings, status


def _replace(book, now: Iterable[TextNumber], asked: Iterable[TextNumber]) -> list[TextNumber]:
    from selfeval_xl.write.notes import NoteError, set_notes

    wmap = book.map
    numeric = numeric_input_cells(
        wmap.names, {n: (t.sheet, t.ref, t.columns) for n, t in wmap.tables.items()})
    by_sheet: dict[str, list[TextNumber]] = {}
    for tn in candidates(asked, now, numeric):
        by_sheet.setdefault(tn.sheet, []).append(tn)
    replaced: list[TextNumber] = []
    for sheet_name, items in by_sheet.items():
        part = wmap.sheets.get(sheet_name)
        if part is None:
            continue
        sheet = book.sheet(sheet_name)
        items = [tn for tn in items if not sheet.has_formula(tn.cell)
                 and sheet.value(tn.cell, wmap.shared_strings) == tn.text]
        if not items:
            continue
        lines = {tn.cell: note_line(tn) for tn in items}
        try:
            set_notes(book.pkg, part, sheet,
                      {ref: (lambda before, line=line: merged_note(before, line))
                       for ref, line in lines.items()})
        except NoteError:
            continue  # the notes cannot be written: the texts stay as typed
        for tn in items:
            sheet.set(tn.cell, tn.value)
            replaced.append(tn)
        book.dirty.add(sheet_name)
    return replaced
