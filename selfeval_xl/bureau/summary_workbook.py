"""The summary workbook (.xlsx, no macros) the bureau opens after a collect run.

Sheets (the three tables are listed, column by column, in :data:`TABLES`: the one place to
add a column):

- ``汇总``: one row per collected file (department, year, preparer, the nine expenditure
  figures, execution rate, score, grade, stored score, error/warning counts, verdict,
  reason, file name, hash);
- ``问题清单``: every finding and deviation warning, with the file and department it came from;
- ``指标得分``: one long table, one row per department and indicator (code, the three level
  names, weight, method, actual value, score, stored score, score rate, reason): filter it
  on a code to compare departments, or pivot it in Excel;
- ``指标矩阵``: departments × indicator codes (recomputed scores), the overview;
- ``抽评``: the bureau's spot-check scores beside the self-scores, when there are any
  (:mod:`~selfeval_xl.bureau.spotcheck_sheet`);
- ``图表``: score distribution, grade counts, execution rates and verdict counts, as native
  Excel charts over the small tables beside them;
- ``说明``: when and what was collected, and what each verdict means.

Every sheet prints as a bureau prints it: A4 landscape, fitted to the page width, header
row repeated on every page, panes frozen under it and a filter on every table; the charts
sheet fits on one page.

The records are read in two passes (the tables, then the matrix, whose columns are the
codes the first pass found), so ``records`` may be any collection that can be iterated
twice — a list, or the collect run's spool — and nothing but counts is held between rows.

Everything that came from a department is written with ``write_string`` and the workbook
has ``strings_to_formulas`` off, so text such as ``=HYPERLINK(…)`` or ``+cmd|…`` stays
text in Excel, WPS and LibreOffice: it can never run as a formula.
"""

from __future__ import annotations

import io
import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import xlsxwriter

from selfeval_xl.bureau.spotcheck_sheet import write_spot_sheet
from selfeval_xl.bureau.verify import EXPENDITURE_FIELDS, VERDICTS
from selfeval_xl.core.findings import Severity
from selfeval_xl.datafile import write_atomic

# The matrix gets one column per code up to this many; an inbox whose frameworks diverge
# further is compared in the long table only (and a sheet has 16,384 columns at most).
MAX_MATRIX_CODES = 200


class Column(NamedTuple):
    """One column of a table: the row dict's key, the header, how it is written
    (text, int, year — blank when 0 —, money, rate, score, or auto: a number where it
    is one, else the text as typed) and the width in characters."""

    key: str
    header: str
    kind: str
    width: float


SUMMARY_COLUMNS: tuple[Column, ...] = tuple(Column(*c) for c in (
    ("dept_name", "部门名称", "text", 26),
    ("eval_year", "评价年度", "year", 9),
    ("preparer", "填报人", "text", 10),
    ("budget_total", "全年预算数（万元）", "money", 12),
    ("exp_total", "部门整体支出（万元）", "money", 12),
    ("exp_general_budget", "一般公共预算支出", "money", 12),
    ("exp_gov_fund", "政府性基金预算支出", "money", 12),
    ("exp_other", "其他资金支出", "money", 12),
    ("exp_basic", "基本支出", "money", 12),
    ("exp_personnel", "人员经费", "money", 12),
    ("exp_public", "公用经费", "money", 12),
    ("exp_project", "项目支出", "money", 12),
    ("exec_rate", "预算执行率", "rate", 10),
    ("score", "自评得分（重算）", "score", 10),
    ("grade", "等级", "text", 6),
    ("stored_score", "工作簿中得分", "score", 10),
    ("errors", "错误数", "int", 7),
    ("warnings", "警告数", "int", 7),
    ("deviation_count", "偏差预警数", "int", 8),
    ("verdict_label", "核验结论", "text", 16),
    ("verdict_reason", "结论说明", "text", 50),
    ("file_name", "文件名", "text", 30),
    ("template_version", "模板版本", "text", 14),
    ("file_hash", "文件 SHA-256", "text", 20),
))
assert all(k in {c.key for c in SUMMARY_COLUMNS} for k in EXPENDITURE_FIELDS)

FINDING_COLUMNS: tuple[Column, ...] = tuple(Column(*c) for c in (
    ("file_name", "文件名", "text", 28), ("dept_name", "部门名称", "text", 24),
    ("eval_year", "评价年度", "year", 9), ("severity", "级别", "text", 6),
    ("code", "代码", "text", 26), ("sheet", "工作表", "text", 10), ("cell", "单元格", "text", 9),
    ("name", "名称", "text", 16), ("message", "说明", "text", 80)))

INDICATOR_COLUMNS: tuple[Column, ...] = tuple(Column(*c) for c in (
    ("dept_name", "部门名称", "text", 24), ("eval_year", "评价年度", "year", 9),
    ("code", "指标编码", "text", 9), ("level1", "一级指标", "text", 10),
    ("level2", "二级指标", "text", 12), ("level3", "三级指标", "text", 20),
    ("weight", "分值", "score", 7), ("method", "评分方法", "text", 9),
    ("actual", "实际值", "auto", 10), ("score", "得分", "score", 8),
    ("stored_score", "工作簿中得分", "score", 10), ("score_rate", "得分率", "rate", 8),
    ("reason", "扣分原因", "text", 40), ("file_name", "文件名", "text", 28)))

_SEVERITY_LABELS = {s.value: s.label for s in Severity}


def _summary_rows(rec: dict) -> Iterable[dict]:
    return ({**rec, "deviation_count": len(rec.get("deviations") or ())},)


def _finding_rows(rec: dict) -> Iterable[dict]:
    for f in (*(rec.get("findings") or ()), *(rec.get("deviations") or ())):
        yield {**f, "file_name": rec.get("file_name"), "dept_name": rec.get("dept_name"),
               "eval_year": rec.get("eval_year"),
               "severity": _SEVERITY_LABELS.get(f.get("severity"), f.get("severity"))}


def _indicator_rows(rec: dict) -> Iterable[dict]:
    for ind in rec.get("indicators") or ():
        score, weight = _num(ind.get("score")), _num(ind.get("weight"))
        yield {**ind, "file_name": rec.get("file_name"), "dept_name": rec.get("dept_name"),
               "eval_year": rec.get("eval_year"),
               "score_rate": score / weight if score is not None and weight else None}


@dataclass(frozen=True)
class Table:
    """A sheet holding one table: its columns, the rows one record gives, and how many
    leading columns stay in view when scrolling right."""

    sheet: str
    columns: tuple[Column, ...]
    rows: Callable[[dict], Iterable[dict]]
    frozen_columns: int


TABLES: tuple[Table, ...] = (
    Table("汇总", SUMMARY_COLUMNS, _summary_rows, 1),
    Table("问题清单", FINDING_COLUMNS, _finding_rows, 0),
    Table("指标得分", INDICATOR_COLUMNS, _indicator_rows, 1),
)
MATRIX_SHEET, SPOT_SHEET, CHARTS_SHEET, ABOUT_SHEET = "指标矩阵", "抽评", "图表", "说明"
# 抽评 only when the bureau entered spot-check scores
SHEETS = tuple(t.sheet for t in TABLES) + (MATRIX_SHEET, SPOT_SHEET, CHARTS_SHEET, ABOUT_SHEET)

SCORE_BINS = (0, 60, 65, 70, 75, 80, 85, 90, 95, 100.001)
SCORE_LABELS = ("<60", "60–65", "65–70", "70–75", "75–80", "80–85", "85–90", "90–95", "95–100")
RATE_BINS = (-1e9, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0000001, 1e9)
RATE_LABELS = ("<60%", "60–70%", "70–80%", "80–90%", "90–95%", "95–100%", ">100%")
GRADES = ("优", "良", "中", "差")


def _blank(value: object) -> bool:
    """None, "" or a NaN."""
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _num(text: object) -> float | None:
    if _blank(text):
        return None
    if isinstance(text, (int, float)):
        return float(text) if math.isfinite(text) else None
    if type(text) is str:
        return _num_text(text)
    try:
        return float(Decimal(str(text)))
    except (InvalidOperation, ValueError):
        return None


@lru_cache(maxsize=65536)
def _num_text(text: str) -> float | None:
    """_num of a string, memoised: the summary converts the same few hundred score and
    weight texts tens of thousands of times."""
    try:
        number = float(Decimal(text))
    except (InvalidOperation, ValueError):
        return None
    return number if math.isfinite(number) else None


class _Writer:
    """Cell writing with the right type for every kind; text always as text."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                     "text_wrap": True, "valign": "top"})
        self.fmt = {"text": None, "int": wb.add_format({"num_format": "0"}),
                    "money": wb.add_format({"num_format": "#,##0.00"}),
                    "rate": wb.add_format({"num_format": "0.0%"}),
                    "score": wb.add_format({"num_format": "0.00"}),
                    "number": wb.add_format({"num_format": "General"})}
        self.title = wb.add_format({"bold": True, "font_size": 14})

    def cell(self, ws, row: int, col: int, value: object, kind: str = "text") -> None:
        if kind == "auto":  # a number where it is one (实际值), else the text as typed
            kind = "number" if _num(value) is not None else "text"
        if kind == "text":
            text = "" if _blank(value) else str(value)
            if text:
                ws.write_string(row, col, text)
            return
        number = _num(value)
        if number is None:
            if not _blank(value):
                ws.write_string(row, col, str(value))
            return
        if kind == "year":
            if number == 0:
                return  # 0 stands for "unknown year"; a blank says so better
            kind = "int"
        ws.write_number(row, col, number, self.fmt[kind])

    def headers(self, ws, row: int, columns: Iterable[tuple[str, float]]) -> None:
        ws.set_row(row, 30)  # two lines: long Chinese headers wrap in narrow numeric columns
        for col, (header, width) in enumerate(columns):
            ws.write_string(row, col, header, self.header)
            ws.set_column(col, col, width)


def _print_as_bureau(ws, header_row: int, last_row: int, last_col: int, frozen_cols: int,
                     *, one_page: bool = False) -> None:
    """A4 landscape, fitted to the page width (to one page for the charts), the header row
    repeated on every page, panes frozen under it and a filter over the table."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 1 if one_page else 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    if header_row >= 0:
        ws.repeat_rows(header_row)
        ws.freeze_panes(header_row + 1, frozen_cols)
        ws.autofilter(header_row, 0, max(header_row + 1, last_row), last_col)


class _Tally:
    """What the charts and the 说明 sheet count, gathered as the records go by."""

    def __init__(self) -> None:
        self.files = 0
        self.score = Counter()
        self.rate = Counter()
        self.grade = Counter()
        self.verdict = Counter()
        self.codes: dict[str, Counter] = {}  # code → its 三级指标 names, first-seen order

    def add(self, rec: dict) -> None:
        self.files += 1
        self.verdict[rec.get("verdict")] += 1
        score = _num(rec.get("score")) if rec.get("score") else None
        i = bisect_right(SCORE_BINS, score) - 1 if score is not None else -1
        if 0 <= i < len(SCORE_LABELS):
            self.score[SCORE_LABELS[i]] += 1
        rate = rec.get("exec_rate")
        rate = _num(rate) if rate is not None else None
        i = bisect_right(RATE_BINS, rate) - 1 if rate is not None else -1
        if 0 <= i < len(RATE_LABELS):
            self.rate[RATE_LABELS[i]] += 1
        if rec.get("grade"):
            self.grade[rec["grade"]] += 1
        for ind in rec.get("indicators") or ():
            names = self.codes.setdefault(ind.get("code"), Counter())
            if ind.get("level3") is not None:
                names[ind["level3"]] += 1

    def code_name(self, code: str) -> str:
        """The most common 三级指标 name of a code (the first in sorting order on a tie)."""
        names = self.codes.get(code)
        if not names:
            return ""
        top = max(names.values())
        return min(n for n, k in names.items() if k == top)

    def tables(self) -> dict[str, list[tuple[str, int]]]:
        return {
            "score": [(label, self.score[label]) for label in SCORE_LABELS],
            "grade": [(g, self.grade[g]) for g in GRADES],
            "rate": [(label, self.rate[label]) for label in RATE_LABELS],
            "verdict": [(v.label, self.verdict[v.key]) for v in VERDICTS],
        }


def chart_tables(records: Iterable[dict]) -> dict[str, list[tuple[str, int]]]:
    """The counts the charts show: (label, count) per bin, for every chart."""
    tally = _Tally()
    for rec in records:
        tally.add(rec)
    return tally.tables()


def write_summary(records: Collection[dict], out: str | Path, *, now: datetime | None = None,
                  constant_memory: bool = False) -> Path:
    """Write the summary workbook to ``out`` atomically; returns the path.

    ``records`` is iterated twice. With ``constant_memory`` XlsxWriter keeps one row of
    each sheet in memory (and writes strings inline) instead of the whole workbook.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": not constant_memory,
                                   "constant_memory": constant_memory,
                                   "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    w = _Writer(wb)
    sheets = {name: wb.add_worksheet(name) for name in SHEETS[:SHEETS.index(SPOT_SHEET)]}
    tally = _Tally()
    next_row = {t.sheet: 1 for t in TABLES}
    for t in TABLES:
        w.headers(sheets[t.sheet], 0, ((c.header, c.width) for c in t.columns))
    for rec in records:  # pass 1: every table, row by row
        tally.add(rec)
        for t in TABLES:
            ws, r = sheets[t.sheet], next_row[t.sheet]
            for row in t.rows(rec):
                for c, col in enumerate(t.columns):
                    w.cell(ws, r, c, row.get(col.key), col.kind)
                r += 1
            next_row[t.sheet] = r
    for t in TABLES:
        _print_as_bureau(sheets[t.sheet], 0, next_row[t.sheet] - 1, len(t.columns) - 1,
                         t.frozen_columns)
    _colour_verdicts(wb, sheets["汇总"], next_row["汇总"] - 1)
    _write_matrix(w, sheets[MATRIX_SHEET], records, tally)  # pass 2
    write_spot_sheet(wb, w, records)  # pass 3, when there are spot-check scores
    spot = wb.get_worksheet_by_name(SPOT_SHEET)
    if spot is not None:  # it froze and filtered itself; it prints as the others do
        spot.set_paper(9)
        spot.set_landscape()
        spot.fit_to_pages(1, 0)
        spot.repeat_rows(0)
    _write_charts(wb, w, wb.add_worksheet(CHARTS_SHEET), tally.tables())
    _write_about(w, wb.add_worksheet(ABOUT_SHEET), tally, now or datetime.now(timezone.utc))
    wb.close()
    write_atomic(out, buf.getvalue())
    return out


def _colour_verdicts(wb, ws, last_row: int) -> None:
    """Verdict colours: green passes, amber "look again", red failures."""
    col = [c.key for c in SUMMARY_COLUMNS].index("verdict_label")
    colours = {"ok": "#C6EFCE", "ok-with-warnings": "#C6EFCE", "stale": "#FFEB9C",
               "wrong-version": "#FFEB9C", "not-selfeval": "#FFEB9C"}
    for v in VERDICTS:
        fmt = wb.add_format({"bg_color": colours.get(v.key, "#FFC7CE")})
        ws.conditional_format(1, col, max(1, last_row), col, {
            "type": "cell", "criteria": "==", "value": f'"{v.label}"', "format": fmt})


def _write_matrix(w: _Writer, ws, records: Iterable[dict], tally: _Tally) -> None:
    """Departments × indicator codes: one row per file with indicators, its recomputed
    score under each code (the first row of a code the file repeats)."""
    codes = list(tally.codes)
    if not codes:
        ws.write_string(0, 0, "没有可读取的指标数据")
        return
    shown = codes[:MAX_MATRIX_CODES]
    heads = [("部门名称", 24), ("评价年度", 9), ("文件名", 28)]
    heads += [(f"{code} {tally.code_name(code)}".strip(), 12) for code in shown]
    w.headers(ws, 0, heads)
    column = {code: c for c, code in enumerate(shown, start=3)}
    r = 0
    for rec in records:
        indicators = rec.get("indicators")
        if not indicators:
            continue
        r += 1
        w.cell(ws, r, 0, rec.get("dept_name"))
        w.cell(ws, r, 1, rec.get("eval_year"), "year")
        w.cell(ws, r, 2, rec.get("file_name"))
        done: set[str] = set()
        for ind in indicators:
            c = column.get(ind.get("code"))
            score = _num(ind.get("score"))
            if c is not None and score is not None and c not in done:
                done.add(c)
                ws.write_number(r, c, score, w.fmt["score"])
    if len(codes) > MAX_MATRIX_CODES:
        ws.write_string(r + 2, 0, f"本批工作簿共有 {len(codes)} 个不同的指标编码，矩阵只列前 "
                        f"{MAX_MATRIX_CODES} 个；全部指标见“指标得分”表")
    _print_as_bureau(ws, 0, r, len(heads) - 1, 1)


_CHARTS = (("score", "自评得分分布", "得分区间", "column"), ("grade", "等级分布", "等级", "column"),
           ("rate", "预算执行率分布", "执行率区间", "column"), ("verdict", "核验结论", "结论", "bar"))
# Two charts side by side fill a landscape A4 page's width (≈ 1,000 px at 100 %).
_CHART_SIZE = {"width": 480, "height": 288}


def _write_charts(wb, w: _Writer, ws, tables: dict[str, list[tuple[str, int]]]) -> None:
    # Row by row across the four small tables (constant_memory writes rows in order).
    for i, (key, _title, axis, _kind) in enumerate(_CHARTS):
        ws.write_string(0, 3 * i, axis, w.header)
        ws.write_string(0, 3 * i + 1, "份数", w.header)
        ws.set_column(3 * i, 3 * i, 16)
    for r in range(1, 1 + max(len(rows) for rows in tables.values())):
        for i, (key, *_rest) in enumerate(_CHARTS):
            if r <= len(tables[key]):
                label, count = tables[key][r - 1]
                ws.write_string(r, 3 * i, label)
                ws.write_number(r, 3 * i + 1, count)
    for i, (key, title, _axis, kind) in enumerate(_CHARTS):
        n, col = len(tables[key]), 3 * i
        chart = wb.add_chart({"type": kind})
        chart.add_series({"name": title, "categories": [CHARTS_SHEET, 1, col, n, col],
                          "values": [CHARTS_SHEET, 1, col + 1, n, col + 1],
                          "data_labels": {"value": True}})
        chart.set_title({"name": title})
        chart.set_legend({"none": True})
        chart.set_size(_CHART_SIZE)
        ws.insert_chart(12 + (i // 2) * 16, 0, chart,
                        {"x_offset": (i % 2) * (_CHART_SIZE["width"] + 10), "y_offset": 0})
    _print_as_bureau(ws, -1, 0, 0, 0, one_page=True)


def _write_about(w: _Writer, ws, tally: _Tally, now: datetime) -> None:
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 70)
    ws.write_string(0, 0, "部门整体支出绩效自评汇总", w.title)
    ws.write_string(1, 0, "汇总时间（UTC）")
    ws.write_string(1, 1, now.isoformat(timespec="seconds"))
    ws.write_string(2, 0, "文件数")
    ws.write_number(2, 1, tally.files)
    w.headers(ws, 4, [("核验结论", 22), ("份数", 14), ("含义", 70)])
    for r, v in enumerate(VERDICTS, start=5):
        ws.write_string(r, 0, v.label)
        ws.write_number(r, 1, tally.verdict[v.key])
        ws.write_string(r, 2, v.meaning)
    _print_as_bureau(ws, -1, 0, 0, 0, one_page=True)
