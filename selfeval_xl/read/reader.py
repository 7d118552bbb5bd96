"""Read a filled workbook into the model, with findings for everything that was not clean.

Everything is found through the workbook contract (``layout.py``): scalar fields by their
workbook-scoped defined names, lists by their table names, table columns by header text.
No cell address is assumed, so a workbook in which the officer inserted rows or moved
blocks still reads, and the :class:`Locator` records where each item actually was.

Reading never raises and never writes: a file that cannot be read at all gives exactly one
error finding (``meta["readable"]`` is False), anything else a finding per problem cell.
See docs/reading.md for the parsing rules and the finding codes.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path

from selfeval_xl import layout
from selfeval_xl.read import cell_parse as cp
from selfeval_xl.a1 import cell_ref
from selfeval_xl.read.book_source import BookSource, CellError, Uncached, bounds
from selfeval_xl.read import report_sheet
from selfeval_xl.read.model_tables import build_lists
from selfeval_xl.read.ooxml_cells import MAX_SHEET_ROWS
from selfeval_xl.read.ooxml_source import BookError, OoxmlSource, read_file
from selfeval_xl.read.table_read import TableReader
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.locations import Locator, Place
from selfeval_xl.core.model import Basics, Evaluation, Expenditure


# The code of a file whose reading ran past the time or memory limit of a command that
# reads one file (pipeline.evaluate_path_bounded): the reader itself never emits it.
READ_LIMIT_EXCEEDED = "READ_LIMIT_EXCEEDED"


@dataclass
class ReadResult:
    """What reading a workbook gives.

    Attributes:
        evaluation: the officer's data (an empty Evaluation when the file was unreadable).
        findings: reader findings (codes READ_*), in reading order.
        locator: where every field and table item was found.
        meta: output/status cells by defined name (numbers as Decimal, errors as their code
            text, formulas without a stored result as None), plus ``readable``,
            ``uncached`` (output names whose formula had no stored result),
            ``indicator_cached_scores`` / ``indicator_checked_scores`` ({code: 得分 / 校核得分}),
            ``calc_stale`` (the file was written by a program and never recalculated, so
            no formula result in it is trustworthy: all of them are read as None),
            and for files ``path``, ``size``, ``sha256``.
        text_numbers: every number typed as text that was read without ambiguity (one per
            READ_NORMALISED_NUMBER cell, with its exact text and the value read): what the
            write-backs replace with numbers (docs/writing.md).
    """

    evaluation: Evaluation
    findings: list[Finding]
    locator: Locator = field(default_factory=Locator)
    meta: dict = field(default_factory=dict)
    text_numbers: list[cp.TextNumber] = field(default_factory=list)


def read(path: str | Path) -> ReadResult:
    """Read a workbook file (.xlsm/.xlsx). Never raises (but :class:`MemoryError`, which
    is the caller's limit, not the file's fault), never modifies the file."""
    path = Path(path)
    with _no_cyclic_gc():
        return _read_path(path)


def _read_path(path: Path) -> ReadResult:
    data = None
    try:
        data = read_file(path)  # regular files only, never more than the limit
        source = OoxmlSource.from_bytes(data)
    except BookError as exc:
        result = _unreadable(exc.code, exc.message)
    except MemoryError:  # not the file's fault: the caller's memory limit (bureau sandbox)
        raise
    except Exception as exc:  # noqa: BLE001 - the bureau reads thousands of files: report, go on
        result = _unreadable("READ_INTERNAL_ERROR", f"读取时发生内部错误：{exc!r}")
    else:
        result = read_source(source)
    result.meta.update(_file_meta(path, data))
    return result


def load(path: str | Path) -> tuple[Evaluation, list[Finding]]:
    """The evaluation and the reader's findings (the agreed short form of :func:`read`)."""
    result = read(path)
    return result.evaluation, result.findings


def read_source(source: BookSource) -> ReadResult:
    """Read from any :class:`BookSource` (a file, or Excel through xlwings). Never raises
    for anything in the workbook; :class:`MemoryError` is passed on to the caller."""
    try:
        with _no_cyclic_gc(), cp.collecting_text_numbers() as text_numbers:
            result = _Reader(source).run()
            result.text_numbers = list(text_numbers) if result.meta.get("readable") else []
            return result
    except BookError as exc:  # a part parsed lazily (a sheet) turned out broken or hostile
        return _unreadable(exc.code, exc.message)
    except MemoryError:
        # Out of memory says nothing about the file: it is the caller's limit (the bureau
        # sandbox gives each worker one), so the caller must see it and recover.
        raise
    except Exception as exc:  # noqa: BLE001
        return _unreadable("READ_INTERNAL_ERROR", f"读取时发生内部错误：{exc!r}")


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Python's cycle collector paused while a workbook is read.

    Parsing a sheet allocates an element per cell, and every 700 allocations the collector
    runs; its older generations re-scan everything alive, so a 10,000-row table cost 25 %
    more per row than a 1,000-row one (measured: flat without it). The reader makes no
    reference cycles; whatever garbage there is goes at the next collection after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _unreadable(code: str, message: str) -> ReadResult:
    return ReadResult(Evaluation(), [Finding(code, Severity.ERROR, "", "", "", message)],
                      Locator(), {"readable": False})


def _file_meta(path: Path, data: bytes | None) -> dict:
    """Size and hash of the bytes that were read (the file is never read a second time:
    it may have been refused for its size or kind)."""
    if data is None:
        return {"path": str(path)}
    return {"path": str(path), "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


# How each layout field kind is parsed (docs/reading.md, "Parsing what the officer typed").
_PARSERS = {
    "text": (cp.as_text, {}),
    "longtext": (cp.as_text, {}),
    "int": (cp.as_int, {"zero_words": True}),  # 下属单位数量: "无" means 0
    "year": (cp.as_year, {}),
    "date": (cp.as_date, {}),
    "money": (cp.as_number, {"unit": "万元"}),
}


class _Reader:
    def __init__(self, source: BookSource) -> None:
        self.src = source
        self.findings: list[Finding] = []
        self.locator = Locator()
        self.sheets = source.sheet_names()
        self.sheet_keys = {s.casefold(): s for s in self.sheets}
        self.merged: dict[str, list[tuple[int, int, int, int]]] = {}

    def add(self, findings: list[Finding]) -> None:
        self.findings.extend(findings)

    def sheet(self, name: str) -> str | None:
        return self.sheet_keys.get(name.casefold())

    def run(self) -> ReadResult:
        names_found = [f for f in layout.FIELDS if self.src.defined_name(f.name) is not None]
        tables_found = [t for t in layout.TABLES if self.src.table(t.name) is not None]
        if not names_found and not tables_found:
            return _unreadable("READ_NOT_SELFEVAL", "工作簿中没有自评模板的名称和表格（如 dept_name、"
                               "tbl_indicators），不是部门整体支出绩效自评工作簿。")
        raw = {f.name: self.field_value(f.name, f.label, f.sheet, input_cell=True)
               for f in layout.FIELDS}
        basics, expenditure = self.scalars(raw)
        meta = self.outputs()
        tables = TableReader(self.src, self.sheet, self.locator, self.add)
        lists, scores = build_lists(tables, self.locator, self.add)
        meta.update(scores)
        for sheet in sorted(getattr(self.src, "rows_cut", ())):
            self.add([Finding("READ_SHEET_TOO_LARGE", Severity.ERROR, sheet, "", "",
                              f"工作表“{sheet}”在第 {MAX_SHEET_ROWS} 行之后还有内容，超过自评模板"
                              f"允许的范围，第 {MAX_SHEET_ROWS} 行以后未读取。请删除多余的行。")])
        meta["readable"] = True
        meta["calc_stale"] = bool(getattr(self.src, "calc_stale", False))
        ev = Evaluation(basics=basics, expenditure=expenditure, **lists)
        return ReadResult(ev, self.findings, self.locator, meta)

    # --- named cells -------------------------------------------------------------------

    def field_value(self, name: str, label: str, home_sheet: str, *, input_cell: bool,
                    severity: Severity = Severity.ERROR) -> tuple[object, cp.Where | None]:
        """Raw value of a named cell and where it is; (None, None) with a finding if lost."""
        label = label.strip("　 ")
        found = self.src.defined_name(name)
        if found is None:
            self.add([Finding("READ_NAME_MISSING", severity, home_sheet, "", name,
                              f"工作簿中缺少名称 {name}（{label}），无法读取该项。"
                              "请使用自评模板，不要删除或改名已定义的名称。")])
            return None, None
        sheet, ref = found
        if not sheet:
            self.add([Finding("READ_NAME_BROKEN", severity, home_sheet, "", name,
                              f"名称 {name}（{label}）指向“{cp.shown(ref)}”，不是单元格"
                              "（所在行列或工作表可能已被删除），无法读取。")])
            return None, None
        real = self.sheet(sheet)
        if real is None:
            self.add([Finding("READ_SHEET_MISSING", severity, sheet, ref, name,
                              f"名称 {name}（{label}）指向的工作表“{sheet}”不存在"
                              "（可能已被删除或改名），无法读取。")])
            return None, None
        min_col, min_row, _, _ = bounds(ref)
        cell = cell_ref(min_col, min_row)
        self.locator.fields[name] = Place(real, cell, name)
        where = cp.Where(real, cell, name, label)
        if input_cell:
            self.check_merged(real, min_col, min_row, where)
        rows = self.src.values(real, cell)
        value = rows[0][0] if rows and rows[0] else None
        return value, where

    def check_merged(self, sheet: str, col: int, row: int, where: cp.Where) -> None:
        if sheet not in self.merged:
            ranges = getattr(self.src, "merged_ranges", lambda s: [])(sheet)
            self.merged[sheet] = [bounds(r) for r in ranges if r]
        for c1, r1, c2, r2 in self.merged[sheet]:
            if c1 <= col <= c2 and r1 <= row <= r2 and (c1, r1) != (col, row):
                self.add([where.finding(
                    "READ_MERGED_INPUT", Severity.WARNING,
                    f"{where.text}被合并进单元格区域 {cell_ref(c1, r1)}:{cell_ref(c2, r2)}，Excel 只保留"
                    f"左上角 {cell_ref(c1, r1)} 的内容，此处无法输入。请取消合并。")])

    def scalars(self, raw: dict) -> tuple[Basics, Expenditure]:
        """Parse the named input cells, in layout order (so findings come in that order)."""
        values = {}
        for f in layout.FIELDS:
            parse, kw = _PARSERS[f.kind]
            value, where = raw[f.name]
            if where is None:  # the name is lost: already reported
                values[f.name] = "" if parse is cp.as_text else None
                continue
            values[f.name], findings = parse(value, where, **kw)
            self.add(findings)
        return (Basics(**{k.name: values[k.name] for k in fields(Basics)}),
                Expenditure(**{k.name: values[k.name] for k in fields(Expenditure)}))

    def outputs(self) -> dict:
        """Output and status cells, as found (they are the workbook's, not the officer's)."""
        meta: dict = {"uncached": []}
        for out in layout.OUTPUTS:
            value, where = self.field_value(out.name, out.label, out.sheet, input_cell=False,
                                            severity=Severity.WARNING)
            meta[out.name] = cp.cached_value(value)
            if where is not None and isinstance(value, Uncached):
                meta["uncached"].append(out.name)
            if where is not None and out.formula and isinstance(value, CellError):
                self.add([formula_error(where, value)])
        try:
            meta.update(report_sheet.claims(self.src))
        except (KeyError, ValueError):  # a broken anchor name: the sheet says nothing
            pass
        return meta


def formula_error(where: cp.Where, value: CellError) -> Finding:
    """The workbook's own formula shows an error value (#VALUE! …): the figures a reader
    without Python sees are broken, whatever the Python result says. The usual cause is an
    amount typed as text ("77.40万元") in a cell the formula adds."""
    return where.finding(
        "READ_FORMULA_ERROR", Severity.ERROR,
        f"{where.text}的公式结果为错误值 {value.code}：不用本程序打开工作簿的人（如财政局）"
        "看到的是错误值。通常是它引用的某个金额填成了文字（如“77.40万元”），"
        "请改为数字后在 Excel 中重新计算并保存。")
