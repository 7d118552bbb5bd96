"""The summary workbook (.xlsx, no macros) the bureau opens after a collect run.

Sheets:

- ``汇总``: one row per collected file (department, year, preparer, the nine expenditure
  figures, execution rate, score, grade, stored score, error/warning counts, verdict,
  reason, file name, hash);
- ``问题清单``: every finding and deviation warning, with the file and department it came from;
- ``指标得分``: departments × indicators (recomputed scores), the overview;
- ``指标 <code>``: one sheet per indicator code (as the issue asks: comparing departments
  on that indicator: weight, method, actual value, score, score rate, reason), sorted by
  score; when the inbox uses more than :data:`MAX_INDICATOR_SHEETS` distinct codes only
  the overview is written (frameworks that diverge that much do not compare sheet by sheet);
- ``抽评``: the bureau's spot-check scores beside the self-scores, when there are any
  (:mod:`~selfeval_xl.bureau.spotcheck_sheet`);
- ``图表``: score distribution, grade counts, execution rates and verdict counts, as native
  Excel charts over the small tables beside them;
- ``说明``: when and what was collected, and what each verdict means.

Everything that came from a department is written with ``write_string`` and the workbook
has ``strings_to_formulas`` off, so text such as ``=HYPERLINK(…)`` or ``+cmd|…`` stays
text in Excel, WPS and LibreOffice: it can never run as a formula.
"""

from __future__ import annotations

import io
from collections import namedtuple
from functools import lru_cache
import math
import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
import xlsxwriter

from selfeval_xl.bureau.spotcheck_sheet import write_spot_sheet
from selfeval_xl.bureau.verify import EXPENDITURE_FIELDS, VERDICTS
from selfeval_xl.core.findings import Severity
from selfeval_xl.datafile import write_atomic

MAX_INDICATOR_SHEETS = 60

# (record key, header, kind, width); kinds: text, int, year (blank when 0), money, rate, score
SUMMARY_COLUMNS: tuple[tuple[str, str, str, float], ...] = (
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
)
assert all(k in {c[0] for c in SUMMARY_COLUMNS} for k in EXPENDITURE_FIELDS)

FINDING_COLUMNS = (("file_name", "文件名", 28), ("dept_name", "部门名称", 24),
                   ("eval_year", "评价年度", 9), ("severity", "级别", 6), ("code", "代码", 26),
                   ("sheet", "工作表", 10), ("cell", "单元格", 9), ("name", "名称", 16),
                   ("message", "说明", 80))

SCORE_BINS = (0, 60, 65, 70, 75, 80, 85, 90, 95, 100.001)
SCORE_LABELS = ("<60", "60–65", "65–70", "70–75", "75–80", "80–85", "85–90", "90–95", "95–100")
RATE_BINS = (-1e9, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0000001, 1e9)
RATE_LABELS = ("<60%", "60–70%", "70–80%", "80–90%", "90–95%", "95–100%", ">100%")
GRADES = ("优", "良", "中", "差")


def _blank(value: object) -> bool:
    """None, "" or a pandas NaN (what a missing value becomes in a numeric column)."""
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
        return float(Decimal(text))
    except (InvalidOperation, ValueError):
        return None


def _tuples(df: pd.DataFrame):
    """``df.itertuples(index=False)``, the same values, without pandas' per-element access
    to string columns (≈ 10 % of writing the summary)."""
    row = namedtuple("Row", df.columns)
    return map(row._make, zip(*(df[c].to_numpy(dtype=object) for c in df.columns)))


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

    def headers(self, ws, row: int, columns: list[tuple[str, float]]) -> None:
        ws.set_row(row, 30)  # two lines: long Chinese headers wrap in narrow numeric columns
        for col, (header, width) in enumerate(columns):
            ws.write_string(row, col, header, self.header)
            ws.set_column(col, col, width)


def _sheet_name(text: str, used: set[str]) -> str:
    """A legal, unique sheet name (≤ 31 chars, none of []:*?/\\, no leading quote or sign)."""
    name = re.sub(r"[\[\]:*?/\\]", "_", text).strip().lstrip("'=+-@")[:31] or "指标"
    base, n = name, 2
    while name.casefold() in used:
        suffix = f"~{n}"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.casefold())
    return name


def summary_frames(records: list[dict]) -> dict[str, pd.DataFrame]:
    """The tables of the summary workbook as DataFrames (also handy for tests and CSV)."""
    summary = pd.DataFrame([{k: r.get(k) for k, *_ in SUMMARY_COLUMNS}
                            | {"deviation_count": len(r.get("deviations") or ())} for r in records],
                           columns=[k for k, *_ in SUMMARY_COLUMNS])
    findings = pd.DataFrame(
        [{"file_name": r["file_name"], "dept_name": r["dept_name"], "eval_year": r["eval_year"],
          **f} for r in records for f in (*r.get("findings", ()), *r.get("deviations", ()))],
        columns=[c[0] for c in FINDING_COLUMNS])
    indicators = pd.DataFrame(
        [{"file_name": r["file_name"], "dept_name": r["dept_name"], "eval_year": r["eval_year"],
          **ind} for r in records for ind in r.get("indicators", ())],
        columns=["file_name", "dept_name", "eval_year", "code", "level1", "level2", "level3",
                 "weight", "method", "actual", "score", "stored_score", "reason"])
    return {"summary": summary, "findings": findings, "indicators": indicators}


def write_summary(records: list[dict], out: str | Path, *, now: datetime | None = None) -> Path:
    """Write the summary workbook to ``out`` atomically; returns the path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    frames = summary_frames(records)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False})
    w = _Writer(wb)
    _write_summary_sheet(wb, w, frames["summary"])
    _write_findings(wb, w, frames["findings"])
    _write_indicators(wb, w, frames["indicators"])
    write_spot_sheet(wb, w, records)
    _write_charts(wb, w, records)
    _write_about(wb, w, records, now or datetime.now(timezone.utc))
    wb.close()
    write_atomic(out, buf.getvalue())
    return out


def _write_summary_sheet(wb, w: _Writer, df: pd.DataFrame) -> None:
    ws = wb.add_worksheet("汇总")
    w.headers(ws, 0, [(h, width) for _, h, _, width in SUMMARY_COLUMNS])
    for r, row in enumerate(_tuples(df), start=1):
        for c, (value, (_, _, kind, _)) in enumerate(zip(row, SUMMARY_COLUMNS)):
            w.cell(ws, r, c, value, kind)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(1, len(df)), len(SUMMARY_COLUMNS) - 1)
    # Verdict colours: green passes, amber "look again", red failures.
    col = [k for k, *_ in SUMMARY_COLUMNS].index("verdict_label")
    colours = {"ok": "#C6EFCE", "ok-with-warnings": "#C6EFCE", "stale": "#FFEB9C",
               "wrong-version": "#FFEB9C", "not-selfeval": "#FFEB9C"}
    for v in VERDICTS:
        fmt = wb.add_format({"bg_color": colours.get(v.key, "#FFC7CE")})
        ws.conditional_format(1, col, max(1, len(df)), col, {
            "type": "cell", "criteria": "==", "value": f'"{v.label}"', "format": fmt})


def _write_findings(wb, w: _Writer, df: pd.DataFrame) -> None:
    ws = wb.add_worksheet("问题清单")
    w.headers(ws, 0, [(h, width) for _, h, width in FINDING_COLUMNS])
    labels = {s.value: s.label for s in Severity}
    for r, row in enumerate(_tuples(df), start=1):
        for c, (value, (key, _, _)) in enumerate(zip(row, FINDING_COLUMNS)):
            if key == "severity":
                value = labels.get(value, value)
            w.cell(ws, r, c, value, "year" if key == "eval_year" else "text")
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(1, len(df)), len(FINDING_COLUMNS) - 1)


def _write_indicators(wb, w: _Writer, df: pd.DataFrame) -> None:
    ws = wb.add_worksheet("指标得分")
    if df.empty:
        ws.write_string(0, 0, "没有可读取的指标数据")
        return
    df = df.assign(score_num=df["score"].map(_num), weight_num=df["weight"].map(_num))
    # Codes in first-seen order; the most common 三级指标 name labels each code.
    codes = list(dict.fromkeys(df["code"]))
    names = df.groupby("code")["level3"].agg(lambda s: s.mode().iat[0] if len(s) else "")
    matrix = df.pivot_table(index=["file_name", "dept_name", "eval_year"], columns="code",
                            values="score_num", aggfunc="first", sort=False)
    heads = [("部门名称", 24), ("评价年度", 9), ("文件名", 28)]
    heads += [(f"{code} {names.get(code, '')}".strip(), 12) for code in codes]
    w.headers(ws, 0, heads)
    for r, ((file_name, dept, year), row) in enumerate(matrix.iterrows(), start=1):
        w.cell(ws, r, 0, dept)
        w.cell(ws, r, 1, year, "year")
        w.cell(ws, r, 2, file_name)
        for c, code in enumerate(codes, start=3):
            value = row.get(code)
            if value is not None and not pd.isna(value):
                ws.write_number(r, c, float(value), w.fmt["score"])
    ws.freeze_panes(1, 3)
    if len(codes) > MAX_INDICATOR_SHEETS:
        ws.write_string(len(matrix) + 2, 0, f"本批工作簿共有 {len(codes)} 个不同的指标编码，"
                        f"超过 {MAX_INDICATOR_SHEETS} 个，未逐指标分表")
        return
    used = {s.name.casefold() for s in wb.worksheets()} | {"图表", "说明"}
    cols = [("部门名称", 24), ("评价年度", 9), ("分值", 7), ("评分方法", 9), ("实际值", 10),
            ("得分", 8), ("工作簿中得分", 10), ("得分率", 8), ("扣分原因", 40), ("文件名", 28)]
    for code in codes:
        part = df[df["code"] == code].sort_values(["score_num", "dept_name"],
                                                   ascending=[False, True], na_position="last")
        sheet = wb.add_worksheet(_sheet_name(f"指标 {code}", used))
        sheet.write_string(0, 0, f"{code} {names.get(code, '')}".strip(), w.title)
        w.headers(sheet, 1, cols)
        for r, row in enumerate(_tuples(part), start=2):
            rate = (row.score_num / row.weight_num if row.score_num is not None
                    and row.weight_num and not pd.isna(row.score_num) else None)
            values = [(row.dept_name, "text"), (row.eval_year, "year"), (row.weight, "score"),
                      (row.method, "text"), (row.actual, "auto"), (row.score, "score"),
                      (row.stored_score, "score"), (rate, "rate"), (row.reason, "text"),
                      (row.file_name, "text")]
            for c, (value, kind) in enumerate(values):
                w.cell(sheet, r, c, value, kind)
        sheet.freeze_panes(2, 1)


def chart_tables(records: list[dict]) -> dict[str, list[tuple[str, int]]]:
    """The counts the charts show: (label, count) per bin, for every chart."""
    scores = pd.Series([_num(r["score"]) for r in records if r.get("score")], dtype="float64")
    rates = pd.Series([r["exec_rate"] for r in records if r.get("exec_rate") is not None],
                      dtype="float64")
    by_score = pd.cut(scores, SCORE_BINS, labels=SCORE_LABELS, right=False).value_counts()
    by_rate = pd.cut(rates, RATE_BINS, labels=RATE_LABELS, right=False).value_counts()
    grades = pd.Series([r["grade"] for r in records if r.get("grade")]).value_counts()
    verdicts = pd.Series([r["verdict"] for r in records]).value_counts()
    return {
        "score": [(label, int(by_score.get(label, 0))) for label in SCORE_LABELS],
        "grade": [(g, int(grades.get(g, 0))) for g in GRADES],
        "rate": [(label, int(by_rate.get(label, 0))) for label in RATE_LABELS],
        "verdict": [(v.label, int(verdicts.get(v.key, 0))) for v in VERDICTS],
    }


_CHARTS = (("score", "自评得分分布", "得分区间", "column"), ("grade", "等级分布", "等级", "column"),
           ("rate", "预算执行率分布", "执行率区间", "column"), ("verdict", "核验结论", "结论", "bar"))


def _write_charts(wb, w: _Writer, records: list[dict]) -> None:
    ws = wb.add_worksheet("图表")
    tables = chart_tables(records)
    col = 0
    for i, (key, title, axis, kind) in enumerate(_CHARTS):
        rows = tables[key]
        ws.write_string(0, col, axis, w.header)
        ws.write_string(0, col + 1, "份数", w.header)
        ws.set_column(col, col, 16)
        for r, (label, count) in enumerate(rows, start=1):
            ws.write_string(r, col, label)
            ws.write_number(r, col + 1, count)
        chart = wb.add_chart({"type": kind})
        chart.add_series({"name": title, "categories": ["图表", 1, col, len(rows), col],
                          "values": ["图表", 1, col + 1, len(rows), col + 1],
                          "data_labels": {"value": True}})
        chart.set_title({"name": title})
        chart.set_legend({"none": True})
        chart.set_size({"width": 520, "height": 300})
        ws.insert_chart(12 + (i // 2) * 16, (i % 2) * 6, chart)
        col += 3


def _write_about(wb, w: _Writer, records: list[dict], now: datetime) -> None:
    ws = wb.add_worksheet("说明")
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 70)
    ws.write_string(0, 0, "部门整体支出绩效自评汇总", w.title)
    ws.write_string(1, 0, "汇总时间（UTC）")
    ws.write_string(1, 1, now.isoformat(timespec="seconds"))
    ws.write_string(2, 0, "文件数")
    ws.write_number(2, 1, len(records))
    w.headers(ws, 4, [("核验结论", 22), ("份数", 14), ("含义", 70)])
    counts = pd.Series([r["verdict"] for r in records], dtype="object").value_counts()
    for r, v in enumerate(VERDICTS, start=5):
        ws.write_string(r, 0, v.label)
        ws.write_number(r, 1, int(counts.get(v.key, 0)))
        ws.write_string(r, 2, v.meaning)
