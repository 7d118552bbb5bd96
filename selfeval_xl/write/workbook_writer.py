"""Write results into the officer's workbook without losing anything.

What is written (all located through the workbook's own defined names and table parts, never
by address, so rows the officer inserted are respected):

- the 校验结果 table ``tbl_findings`` (one row per finding, the cell a clickable link),
- the indicator output columns 校核得分 / 得分说明 of ``tbl_indicators``,
- the status block on 使用说明 (``status_checked_at`` … ``report_score``),
- the 自评报告 sheet (the report laid out by :mod:`selfeval_xl.write.render_sheet`),
- beside every layout formula, its current result (:mod:`selfeval_xl.write.cached_values`),
  so previews and readers that do not recalculate see the figures; the formulas stay.

How nothing is lost: the .xlsm is edited at the level of its zip parts
(:mod:`selfeval_xl.read.ooxml_parts`). Only the parts that must change are parsed,
edited in place and re-serialised: the worksheets written to, the findings table part, the
styles part (report formats are appended, never altered), ``workbook.xml`` (only
``calcPr/@fullCalcOnLoad`` so Excel recalculates) and, if a formula cell was replaced,
``calcChain.xml``. Every other entry (``vbaProject.bin``, VML buttons, drawings, controls,
shared strings, other sheets) is copied byte for byte in its original order. The new file is
written to a temporary file in the same folder and renamed over the original; the previous
bytes are kept as a timestamped backup next to it (``SelfEvaluation.bak-20240328-101502.xlsm``;
the last five kept, none overwritten: write/backups.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from lxml import etree

from selfeval_xl import layout
from selfeval_xl.datafile import write_atomic
from selfeval_xl.write import cached_values, render_sheet, safe_write
from selfeval_xl.write import text_numbers as text_numbers_mod
from selfeval_xl.a1 import col_index, col_letter, split_ref
from selfeval_xl.read.ooxml_parts import (
    Package,
    PackageError,
    WorkbookMap,
    load_map,
    parse_name_ref,
    q,
    serialize,
)
from selfeval_xl.write.sheet_xml import SheetXml, StyleBook
from selfeval_xl.core.findings import Finding

# The status cells Python may write: layout OUTPUTS without a native formula, except the
# template version (the builder's, it says which template the officer started from).
STATUS_NAMES = tuple(o.name for o in layout.OUTPUTS
                     if o.sheet == layout.SHEET_GUIDE and o.formula is None
                     and o.name != "template_version")

# The report anchor's defined name; used when the file has it.
REPORT_START_NAME = layout.REPORT_START_NAME
# The cell 计算得分 writes Python's total into (校核总分), beside the native self_score.
PY_TOTAL_NAME = layout.OUTPUTS_BY_NAME["py_self_score"].name

_WORKBOOK_ORDER = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews",
                   "sheets", "functionGroups", "externalReferences", "definedNames", "calcPr")


class WorkbookWriteError(Exception):
    """The results cannot be written safely; the message (Chinese) says why. Nothing changed."""


def latest_backup(path: Path) -> Path | None:
    """The newest backup of ``path`` (write/backups.py: ``BOOK.bak-YYYYMMDD-HHMMSS.xlsm``,
    the last few kept, none ever overwritten)."""
    from selfeval_xl.write.backups import backups_of

    found = backups_of(path)
    return found[-1] if found else None


def write_results(path: str | Path, *, report_doc=None, findings: list[Finding] | None = None,
                  scorecard=None, status: dict | None = None, backup: bool = True,
                  footer: str | None = None, force: bool = False, text_numbers=None,
                  replaced: list | None = None) -> Path | None:
    """Write results into the workbook at ``path`` in place.

    Args:
        path: the officer's .xlsm (or .xlsx).
        report_doc: a report Document to lay out on the 自评报告 sheet; None leaves it.
        findings: findings for the 校验结果 table; None leaves the table as it is.
        scorecard: a Scorecard whose rows fill 校核得分/得分说明; None leaves them.
        status: {defined name: value} for the status block (names in :data:`STATUS_NAMES`);
            datetimes are written as "YYYY-MM-DD HH:MM:SS" text.
        backup: keep the previous bytes as a new timestamped backup (write/backups.py).
        footer: last line of the report sheet; by default built from ``status``
            (generated-at time and data fingerprint).
        force: replace a read-only workbook too.
        text_numbers: the caller's reading's ``text_numbers`` (numbers typed as text): each
            one whose cell still holds that very text is replaced by its number, the text
            kept in the cell's note, its finding turned into WRITE_TEXT_NUMBER_REPLACED
            (write/text_numbers.py); None replaces nothing.
        replaced: a list that receives the TextNumbers actually replaced.

    Returns:
        The backup's path, or None when no backup was asked for or nothing changed.

    Raises:
        WorkbookWriteError: the file is not a workbook we can edit safely, a needed name or
            table is missing, a target cell holds the officer's input, a rewritten part
            holds a DTD or the result would not open again, the file changed while we
            worked, it is read-only (without ``force``), another writer holds it past the
            lock's wait, or it cannot be replaced (open in Excel on Windows). The file is
            then unchanged (see :mod:`selfeval_xl.write.safe_write`).
        OSError: any other failure to read or replace the file (disk full); unchanged too,
            and no temporary file is left (the callers say so in one sentence).
    """
    path = safe_write.target(Path(path))  # a symbolic link is written through
    try:
        with safe_write.workbook_lock(path):
            # Under the lock no other writer of ours is at work on this workbook: what it
            # last wrote is on disk, and a temporary beside it is a killed write's.
            safe_write.clean_stale_temporaries(path)
            safe_write.refuse_read_only(path, force)
            return _write_locked(path, report_doc=report_doc, findings=findings,
                                 scorecard=scorecard, status=status, backup=backup,
                                 footer=footer, text_numbers=text_numbers, replaced=replaced)
    except safe_write.SafeWriteError as exc:
        raise WorkbookWriteError(str(exc)) from None


def _write_locked(path: Path, *, report_doc, findings, scorecard, status, backup,
                  footer, text_numbers=None, replaced=None) -> Path | None:
    seen = _stamp(path)
    raw = path.read_bytes()
    try:
        pkg = Package(raw)
        book = _Book(pkg, load_map(pkg))
        now = _read(raw) if text_numbers else None  # read again only when it is needed
        done, findings, status = text_numbers_mod.replace_in_file(
            book, now, text_numbers, findings, status)
        if findings is not None:
            _write_findings(book, findings)
        if scorecard is not None:
            _write_scores(book, scorecard)
        if status:
            _write_status(book, status)
        if report_doc is not None:
            if footer is None:
                footer = report_footer(status or {})
            sheet, anchor = book.report_target()
            placed = render_sheet.render(report_doc, sheet, book.styles(), anchor, footer)
            last_col = col_index(split_ref(anchor)[0]) + render_sheet.grid_width(report_doc) - 1
            last_row = placed[-1].row if placed else split_ref(anchor)[1]
            book.print_extent[book.report_sheet_name] = (last_col, last_row)
        if book.dirty:
            _store_cached_values(book, raw, now, {(t.sheet, t.cell) for t in done})
        book.flush()
    except PackageError as exc:
        raise WorkbookWriteError(str(exc)) from exc
    if replaced is not None:
        replaced.extend(done)
    if not pkg.changed:
        return None
    out = pkg.to_bytes()
    # The new package must open again, every rewritten part through the reader's safe
    # parser, before it replaces the officer's file.
    safe_write.reopen(out, sorted(pkg.changed))
    if _stamp(path) != seen:
        # Saved by Excel while we worked (our own writers wait for the lock): replacing it
        # would lose that save.
        raise WorkbookWriteError(f"{path.name} 在写入期间被其他程序修改，未写入；请重新运行。")
    saved = None
    try:
        if backup:
            from selfeval_xl.write.backups import write_backup

            saved = write_backup(path, raw)
        write_atomic(path, out, like=path)
    except PermissionError as exc:
        raise WorkbookWriteError(
            f"无法替换 {exc.filename or path}（文件可能正在 Excel 或其他程序中打开）："
            "请关闭后重试；工作簿未改动。") from exc
    return saved


def _read(raw: bytes):
    """The reader's result for the bytes being edited (None when they are not readable)."""
    from selfeval_xl.read.ooxml_source import OoxmlSource
    from selfeval_xl.read.reader import read_source

    result = read_source(OoxmlSource.from_bytes(raw))
    return None if result.meta.get("readable", True) is False else result


def _store_cached_values(book: "_Book", raw: bytes, result=None, numbers=frozenset()) -> None:
    """Each formula's current result beside it (write/cached_values.py), from the inputs
    as they are in the file (``result``: its reading, when already made); the cells whose
    text was just replaced by the number the reader read (``numbers``) are plain inputs now."""
    result = result if result is not None else _read(raw)
    if result is None:
        return
    values = cached_values.formula_values(result, book.map, plain=numbers)
    book.dirty |= cached_values.store(values, book.sheet)


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


# --- the book being edited ---------------------------------------------------------------

class _Book:
    """Parsed parts being edited; serialised back into the package by :meth:`flush`."""

    def __init__(self, pkg: Package, wmap: WorkbookMap) -> None:
        self.pkg = pkg
        self.map = wmap
        self._sheets: dict[str, SheetXml] = {}
        self._styles: StyleBook | None = None
        self._tables: dict[str, etree._Element] = {}
        self.dirty: set[str] = set()  # sheet and table names actually edited
        # sheet → (last column index, last row) the print area must reach (exactly)
        self.print_extent: dict[str, tuple[int, int]] = {}
        self.removed_formulas: set[tuple[str, str]] = set()
        self._inputs = self._input_cells()

    def sheet(self, name: str) -> SheetXml:
        if name not in self._sheets:
            part = self.map.sheets.get(name)
            if part is None:
                raise WorkbookWriteError(f"工作簿中没有工作表“{name}”，无法写入结果。")
            self._sheets[name] = SheetXml(self.pkg.xml(part))
        return self._sheets[name]

    def styles(self) -> StyleBook:
        if self._styles is None:
            if not self.map.styles_part:
                raise WorkbookWriteError("工作簿没有样式部件（styles.xml），无法写入报告。")
            self._styles = StyleBook(self.pkg.xml(self.map.styles_part))
        return self._styles

    def table(self, name: str):
        t = self.map.tables.get(name)
        if t is None:
            raise WorkbookWriteError(f"工作簿中没有表格“{name}”，无法写入结果。")
        if name not in self._tables:
            self._tables[name] = self.pkg.xml(t.part)
        return t, self._tables[name]

    def name(self, name: str) -> tuple[str, str]:
        found = self.map.names.get(name)
        if found is None:
            raise WorkbookWriteError(f"工作簿中没有定义名称“{name}”，无法写入结果。")
        return found

    def report_target(self) -> tuple[SheetXml, str]:
        """The report sheet and its first cell: the defined name when the file has one
        (rows inserted above move it), else the layout's anchor."""
        sheet_name, anchor = self.map.names.get(REPORT_START_NAME, layout.REPORT_ANCHOR)
        anchor = anchor.split(":")[0]
        self.dirty.add(sheet_name)
        self.report_sheet_name = sheet_name
        return self.sheet(sheet_name), anchor

    def put(self, sheet_name: str, ref: str, value, style: str | None = None) -> None:
        """Write one output cell; refuses the officer's input cells and shared formulas."""
        if (sheet_name, ref) in self._inputs:
            raise WorkbookWriteError(f"{sheet_name}!{ref} 是填报单元格，不能写入计算结果。")
        sheet = self.sheet(sheet_name)
        c = sheet.cell(ref)
        if c is not None:
            f = c.find(q("f"))
            if f is not None:
                if f.get("t") == "shared" and f.get("ref"):
                    raise WorkbookWriteError(
                        f"{sheet_name}!{ref} 含有共享公式，写入会破坏其他单元格的公式。")
                self.removed_formulas.add((sheet_name, ref))
        sheet.set(ref, value, style)
        self.dirty.add(sheet_name)

    def _input_cells(self) -> set[tuple[str, str]]:
        """Every cell the officer types into, as found in this file (fields and table cells)."""
        cells = {self.map.names[f.name] for f in layout.FIELDS if f.name in self.map.names}
        for spec in layout.TABLES:
            t = self.map.tables.get(spec.name)
            if t is None or ":" not in t.ref:
                continue
            (c1, r1), (_, r2) = (split_ref(x) for x in t.ref.split(":"))
            typed = {c.header for c in spec.columns if c.kind not in ("formula", "output")}
            for i, header in enumerate(t.columns):
                if header in typed:
                    col = col_letter(col_index(c1) + i)
                    cells.update((t.sheet, f"{col}{r}") for r in range(r1 + 1, r2 + 1))
        return cells

    def flush(self) -> None:
        # Parts only read (to find codes, names) are left as they were, byte for byte.
        for name, sheet in self._sheets.items():
            if name in self.dirty:
                sheet.update_dimension()
                self.pkg.put(self.map.sheets[name], serialize(sheet.root))
        for name, root in self._tables.items():
            if name in self.dirty:
                self.pkg.put(self.map.tables[name].part, serialize(root))
        if self._styles is not None and self._styles.changed:
            self.pkg.put(self.map.styles_part, serialize(self._styles.root))
        if self.pkg.changed:
            self._edit_workbook_xml()
            self._prune_calc_chain()

    def _edit_workbook_xml(self) -> None:
        """The two workbook-level edits: recalculate on load, and print areas that cover
        what was written (a print area fixed at build time would cut the report off)."""
        wb = self.pkg.xml(self.map.workbook_part)
        changed = False
        calc = wb.find(q("calcPr"))
        # Excel would otherwise show cached values until the officer presses F9.
        if calc is None or calc.get("fullCalcOnLoad") not in ("1", "true"):
            if calc is None:
                calc = etree.Element(q("calcPr"))
                known = [etree.QName(e).localname in _WORKBOOK_ORDER for e in wb
                         if isinstance(e.tag, str)]
                wb.insert(known.index(False) if False in known else len(known), calc)
            calc.set("fullCalcOnLoad", "1")
            changed = True
        index = {name: str(i) for i, name in enumerate(self.map.sheet_order)}
        for dn in wb.iter(q("definedName")):
            if dn.get("name") != "_xlnm.Print_Area":
                continue
            sheet = next((n for n, i in index.items() if i == dn.get("localSheetId")), None)
            if sheet in self.print_extent:
                new = _print_area(dn.text or "", *self.print_extent[sheet])
                if new and new != dn.text:
                    dn.text = new
                    changed = True
        if changed:
            self.pkg.put(self.map.workbook_part, serialize(wb))

    def _prune_calc_chain(self) -> None:
        """Drop calcChain entries of cells whose formula we replaced (Excel repairs the file
        otherwise). The chain is only a hint; Excel rebuilds it."""
        part = "xl/calcChain.xml"
        if not self.removed_formulas or not self.pkg.has(part):
            return
        ids = {}
        wb = self.pkg.xml(self.map.workbook_part)
        for s in wb.iter(q("sheet")):
            ids[s.get("sheetId")] = s.get("name")
        root = self.pkg.xml(part)
        current = None
        for c in list(root):
            current = c.get("i", current)
            if (ids.get(current), c.get("r")) in self.removed_formulas:
                nxt = c.getnext()
                if nxt is not None and nxt.get("i") is None and c.get("i") is not None:
                    nxt.set("i", c.get("i"))  # keep the sheet id for the entries after it
                root.remove(c)
        self.pkg.put(part, serialize(root))


# --- what is written -----------------------------------------------------------------------

def _table_geometry(book: _Book, name: str) -> tuple[int, int, int, int]:
    t, _ = book.table(name)
    (c1, r1), (c2, r2) = (split_ref(x) for x in t.ref.split(":"))
    return col_index(c1), r1, col_index(c2), r2


def _column(book: _Book, table: str, key: str) -> str:
    """Column letter of a layout column in the table as found (by its header text)."""
    t, _ = book.table(table)
    header = layout.table(table).column(key).header
    if header not in t.columns:
        raise WorkbookWriteError(f"表格“{table}”缺少列“{header}”，无法写入结果。")
    first_col = split_ref(t.ref.split(":")[0])[0]
    return col_letter(col_index(first_col) + t.columns.index(header))


def _write_findings(book: _Book, findings: list[Finding]) -> None:
    spec = layout.table("tbl_findings")
    t, troot = book.table(spec.name)
    c1, r1, c2, r2 = _table_geometry(book, spec.name)
    sheet = book.sheet(t.sheet)
    cols = {c.key: _column(book, spec.name, c.key) for c in spec.columns}
    n = max(1, len(findings))
    new_end = r1 + n
    # Growing the table must not swallow anything the officer put below it.
    for r in range(r2 + 1, new_end + 1):
        for ci in range(c1, c2 + 1):
            if sheet.value(f"{col_letter(ci)}{r}", book.map.shared_strings) not in (None, ""):
                raise WorkbookWriteError(
                    f"{t.sheet}!{col_letter(ci)}{r} 有内容，校验结果表无法向下扩展。")
    book.dirty.update((t.sheet, spec.name))
    # rows the table grows into look like its first data row (as Excel's own expansion does)
    first = {col: sheet.cell(f"{col}{r1 + 1}") for col in cols.values()}
    first_style = {col: (c.get("s") if c is not None else None) for col, c in first.items()}
    sheet.remove_hyperlinks(r1 + 1, max(r2, new_end), (c1, c2))
    for r in range(r1 + 1, max(r2, new_end) + 1):
        i = r - r1 - 1
        f = findings[i] if i < len(findings) else None
        values = {
            "severity": f.severity.label if f else None,
            "code": f.code if f else None,
            "sheet": f.sheet if f else None,
            "cell": f.cell if f else None,
            "name": f.name if f else None,
            "message": f.message if f else None,
        }
        for key, col in cols.items():
            book.put(t.sheet, f"{col}{r}", values[key], first_style[col] if r > r2 else None)
        if f and f.sheet and f.cell:
            location = "'" + f.sheet.replace("'", "''") + "'!" + f.cell
            sheet.add_internal_hyperlink(f"{cols['cell']}{r}", location, f.cell)
    new_ref = f"{col_letter(c1)}{r1}:{col_letter(c2)}{new_end}"
    troot.set("ref", new_ref)
    af = troot.find(q("autoFilter"))
    if af is not None:
        af.set("ref", new_ref)
    t.ref = new_ref
    book.print_extent[t.sheet] = (c2, new_end)


def _print_area(text: str, last_col: int, last_row: int) -> str | None:
    """"自评报告!$A$1:$B$1" → same start, ending at the given column (or further) and row."""
    found = parse_name_ref(text)
    if found is None or "," in text:
        return None  # several areas: the officer set them up; leave them alone
    prefix = text.rsplit("!", 1)[0]
    start, _, end = found[1].partition(":")
    c1, r1 = split_ref(start)
    c2 = col_index(split_ref(end or start)[0])
    if last_row < r1:
        return None
    return f"{prefix}!${c1}${r1}:${col_letter(max(c2, last_col))}${last_row}"


def _write_scores(book: _Book, scorecard) -> None:
    spec = layout.table("tbl_indicators")
    t, _ = book.table(spec.name)
    _, r1, _, r2 = _table_geometry(book, spec.name)
    code_col = _column(book, spec.name, "code")
    score_col = _column(book, spec.name, "py_score")
    explain_col = _column(book, spec.name, "py_explain")
    sheet = book.sheet(t.sheet)
    pending: dict[str, list] = {}
    for row in scorecard.rows:
        pending.setdefault(_code_text(row.code), []).append(row)
    for r in range(r1 + 1, r2 + 1):
        code = _code_text(sheet.value(f"{code_col}{r}", book.map.shared_strings))
        queue = pending.get(code) if code else None
        row = queue.pop(0) if queue else None
        book.put(t.sheet, f"{score_col}{r}", row.score if row else None)
        book.put(t.sheet, f"{explain_col}{r}", row.explanation if row else None)
    # The Python total beside the native self_score (older templates lack the name).
    if PY_TOTAL_NAME in book.map.names:
        sheet_name, ref = book.name(PY_TOTAL_NAME)
        book.put(sheet_name, ref.split(":")[0], scorecard.total)


def _code_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    return str(value).strip()


def status_now() -> dt.datetime:
    """The time the status block records: local time with its offset, whole seconds.

    One clock for the buttons and the CLI, so both write the same kind of stamp."""
    return dt.datetime.now(dt.timezone.utc).astimezone().replace(microsecond=0)


def _status_value(value):
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _write_status(book: _Book, status: dict) -> None:
    for name, value in status.items():
        if name not in STATUS_NAMES:
            raise ValueError(f"{name!r} is not a status cell (one of {STATUS_NAMES})")
        sheet_name, ref = book.name(name)
        book.put(sheet_name, ref.split(":")[0], _status_value(value))


def report_footer(status: dict) -> str:
    """The report sheet's last line: generated-at time and data fingerprint ("" if neither)."""
    parts = []
    if status.get("status_report_at"):
        parts.append(f"报告生成时间：{_status_value(status['status_report_at'])}")
    if status.get("report_fingerprint"):
        parts.append(f"数据指纹：{status['report_fingerprint']}")
    return "；".join(parts)


