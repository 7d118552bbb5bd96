"""Table rows → model lists: tasks with their points, goals, outputs, indicators with their
bands, conclusions, analysis paragraphs, grades.

The Locator's ``table_rows`` lists one worksheet row per model item in model order: for
``tbl_task_points`` the points task by task, for ``tbl_bands`` the bands indicator by
indicator (rows that belong to nothing are reported and not listed).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from selfeval_xl import layout
from selfeval_xl.read import cell_parse as cp
from selfeval_xl.read.table_read import TableReader, TableRows
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.locations import Locator
from selfeval_xl.core.model import (
    DEFAULT_GRADES,
    AnalysisParagraph,
    ExtraSection,
    Band,
    Closed,
    Goal,
    GradeBand,
    Indicator,
    KeyTask,
    Method,
    OutputIndicator,
)

Add = Callable[[list[Finding]], None]
_PERCENT_KEYS = {"target", "actual", "threshold", "step", "lower", "upper"}
_MONEY_UNITS = ("万元", "元", "万")


class _Rows:
    """Parses the cells of one table, collecting findings."""

    def __init__(self, rows: TableRows | None, add: Add) -> None:
        self.t = rows
        self.add = add

    def __iter__(self):
        return iter(self.t.rows if self.t else ())

    # The fast paths below give exactly what cell_parse gives for a blank cell or plain
    # text (no finding), without building the cell's Where: most cells are one of those.

    def text(self, row: int, item: dict, key: str) -> str:
        raw = item.get(key)
        if raw is None:
            return ""
        if type(raw) is str:
            return raw.strip()
        value, findings = cp.as_text(raw, self.t.where(row, key))
        self.add(findings)
        return value

    def number(self, row: int, item: dict, key: str, **kw) -> Decimal | None:
        raw = item.get(key)
        if raw is None:
            return None
        value = cp.plain_number(raw)
        if value is not None:
            return value
        value, findings = cp.as_number(raw, self.t.where(row, key), **kw)
        if findings:
            self.add(findings)
        return value

    def integer(self, row: int, item: dict, key: str) -> int | None:
        raw = item.get(key)
        if raw is None:
            return None
        value, findings = cp.as_int(raw, self.t.where(row, key))
        if findings:
            self.add(findings)
        return value

    def defaulted(self, row: int, key: str, value: object, why: str) -> None:
        where = self.t.where(row, key)
        self.add([where.finding("READ_DEFAULTED", Severity.WARNING,
                                f"{where.text}{why}，已按 {value} 读取。")])


def build_lists(tables: TableReader, locator: Locator, add: Add) -> tuple[dict, dict]:
    """The list attributes of Evaluation, and meta about cached scores."""
    lists: dict = {}
    lists["tasks"] = _tasks(tables, locator, add)
    lists["goals"] = _goals(tables, locator, add)
    lists["outputs"] = _outputs(tables, locator, add)
    lists["indicators"], scores = _indicators(tables, locator, add)
    rows = _Rows(tables.read("tbl_conclusions"), add)
    conclusions = [(r, rows.text(r, item, "text")) for r, item in rows]
    locator.table_rows["tbl_conclusions"] = [r for r, _ in conclusions]
    lists["conclusions"] = tuple(text for _, text in conclusions)
    lists["analysis"] = _analysis(tables, locator, add)
    lists["grades"] = _grades(tables, locator, add)
    lists["extra_sections"] = _extra_sections(tables, locator, add)
    return lists, scores


def _extra_sections(tables: TableReader, locator: Locator, add: Add) -> tuple[ExtraSection, ...]:
    # A workbook built before this table existed has none: no sections, no finding.
    rows = _Rows(tables.read("tbl_extra_sections"), add)
    out, where = [], []
    for r, item in rows:
        out.append(ExtraSection(rows.text(r, item, "title"), rows.text(r, item, "text")))
        where.append(r)
    locator.table_rows["tbl_extra_sections"] = where
    return tuple(out)


def _numbered(rows: _Rows, row: int, item: dict, key: str, previous: int) -> int:
    """The 序号 of a row; a blank (or unreadable) one continues from the previous row."""
    no = rows.integer(row, item, key)
    if no is None:
        no = previous + 1
        if key in item and cp.is_blank(item[key]):
            rows.defaulted(row, key, no, "序号为空")
    return no


def _tasks(tables: TableReader, locator: Locator, add: Add) -> tuple[KeyTask, ...]:
    rows = _Rows(tables.read("tbl_tasks"), add)
    heads: list[tuple[int, int, str, str]] = []
    for r, item in rows:
        no = _numbered(rows, r, item, "no", heads[-1][1] if heads else 0)
        heads.append((r, no, rows.text(r, item, "title"), rows.text(r, item, "body")))
    points: dict[int, list[tuple[int, str]]] = {no: [] for _, no, _, _ in heads}
    prows = _Rows(tables.read("tbl_task_points"), add)
    for r, item in prows:
        text = prows.text(r, item, "text")
        task_no = prows.integer(r, item, "task_no")
        if task_no in points:
            points[task_no].append((r, text))
            continue
        where = prows.t.where(r, "task_no")
        shown = "空白" if task_no is None else f"任务序号 {task_no}"
        add([where.finding("READ_ORPHAN_POINT", Severity.ERROR,
                           f"{where.text}为{shown}，重点任务表中没有这个序号，该要点"
                           f"“{cp.shown(text)}”无法归入任何任务，报告中不会出现。")])
    tasks, task_rows, point_rows = [], [], []
    seen: set[int] = set()
    for r, no, title, body in heads:
        mine = points[no] if no not in seen else []  # a repeated 序号 gets no points twice
        seen.add(no)
        tasks.append(KeyTask(no=no, title=title, body=body, points=tuple(t for _, t in mine)))
        task_rows.append(r)
        point_rows.extend(pr for pr, _ in mine)
    locator.table_rows["tbl_tasks"] = task_rows
    locator.table_rows["tbl_task_points"] = point_rows
    return tuple(tasks)


def _goals(tables: TableReader, locator: Locator, add: Add) -> tuple[Goal, ...]:
    rows = _Rows(tables.read("tbl_goals"), add)
    goals, where = [], []
    for r, item in rows:
        no = _numbered(rows, r, item, "no", goals[-1].no if goals else 0)
        goals.append(Goal(no=no, text=rows.text(r, item, "text")))
        where.append(r)
    locator.table_rows["tbl_goals"] = where
    return tuple(goals)


def _outputs(tables: TableReader, locator: Locator, add: Add) -> tuple[OutputIndicator, ...]:
    rows = _Rows(tables.read("tbl_outputs"), add)
    out, where = [], []
    for r, item in rows:
        unit = rows.text(r, item, "unit")
        kw = {"unit": unit if unit in _MONEY_UNITS else "", "keep_percent": True}
        out.append(OutputIndicator(
            category=rows.text(r, item, "category"),
            name=rows.text(r, item, "name"),
            unit=unit,
            target=rows.number(r, item, "target", **kw),
            actual=rows.number(r, item, "actual", **kw),
            parent=rows.text(r, item, "parent"),
            note=rows.text(r, item, "note"),
        ))
        where.append(r)
    locator.table_rows["tbl_outputs"] = where
    return tuple(out)


def _indicators(tables: TableReader, locator: Locator, add: Add) -> tuple[tuple[Indicator, ...], dict]:
    rows = _Rows(tables.read("tbl_indicators"), add)
    parsed: list[tuple[int, dict]] = []
    cached, checked = {}, {}
    for r, item in rows:
        d: dict = {k: rows.text(r, item, k) for k in ("code", "level1", "level2", "level3", "rule", "reason")}
        d["method_text"] = rows.text(r, item, "method")
        d["method"] = Method.from_label(d["method_text"])
        for key in ("weight", "per_step", "manual_score"):
            d[key] = rows.number(r, item, key)
        for key in ("target", "threshold", "step"):
            d[key] = rows.number(r, item, key, percent=True)
        d["actual"] = _actual(rows, r, item, d["method"])
        parsed.append((r, d))
        if "score" in item:
            cached[d["code"]] = cp.cached_value(item["score"])
        if "py_score" in item:
            checked[d["code"]] = cp.cached_value(item["py_score"])
    bands_by_code: dict[str, list[tuple[int, Band]]] = {}
    brows = _Rows(tables.read("tbl_bands"), add)
    codes = {d["code"] for _, d in parsed}
    for r, item in brows:
        code = brows.text(r, item, "code")
        closed, findings = cp.as_choice(item.get("closed"), brows.t.where(r, "closed"),
                                        layout.BAND_CHOICES, Closed.UPPER.value) \
            if "closed" in item else (Closed.UPPER.value, [])
        add(findings)
        score = brows.number(r, item, "score")
        if score is None:
            score = Decimal(0)
            if "score" in item and cp.is_blank(item["score"]):
                brows.defaulted(r, "score", 0, "得分为空")
        band = Band(lower=brows.number(r, item, "lower", percent=True),
                    upper=brows.number(r, item, "upper", percent=True),
                    score=score, closed=Closed(closed))
        if code not in codes:
            where = brows.t.where(r, "code")
            add([where.finding("READ_ORPHAN_BAND", Severity.WARNING,
                               f"{where.text}为“{cp.shown(code)}”，指标评分表中没有这个编码，该区间不参与评分。")])
            continue
        bands_by_code.setdefault(code, []).append((r, band))
    indicators, ind_rows, band_rows = [], [], []
    for r, d in parsed:
        mine = bands_by_code.get(d["code"], [])
        indicators.append(Indicator(**d, bands=tuple(b for _, b in mine)))
        ind_rows.append(r)
        band_rows.extend(br for br, _ in mine)
    locator.table_rows["tbl_indicators"] = ind_rows
    locator.table_rows["tbl_bands"] = band_rows
    return tuple(indicators), {"indicator_cached_scores": cached, "indicator_checked_scores": checked}


def _actual(rows: _Rows, r: int, item: dict, method: Method | None) -> Decimal | str | None:
    if "actual" not in item:
        return None
    where = rows.t.where(r, "actual")
    raw = item["actual"]
    if method is Method.BOOLEAN:
        value, findings = cp.as_boolean(raw, where)
        rows.add(findings)
        return value
    if method is None and isinstance(raw, str) and raw.strip() in cp.BOOLEAN_VALUES:
        return raw.strip()  # the method is unknown: keep the words, the checks will say why
    return rows.number(r, item, "actual", percent=True)


def _analysis(tables: TableReader, locator: Locator, add: Add) -> tuple[AnalysisParagraph, ...]:
    rows = _Rows(tables.read("tbl_analysis"), add)
    out, where = [], []
    for r, item in rows:
        level = rows.integer(r, item, "level")
        if level is None:
            level = 1
            if "level" in item and cp.is_blank(item["level"]):
                rows.defaulted(r, "level", 1, "层级为空")
        out.append(AnalysisParagraph(heading=rows.text(r, item, "heading"), level=level,
                                     text=rows.text(r, item, "text")))
        where.append(r)
    locator.table_rows["tbl_analysis"] = where
    return tuple(out)


def _grades(tables: TableReader, locator: Locator, add: Add) -> tuple[GradeBand, ...]:
    t = tables.read("tbl_grades")
    rows = _Rows(t, add)
    grades, where = [], []
    problem = "" if t is not None else "表格缺失"
    for r, item in rows:
        grade = rows.text(r, item, "grade")
        min_score = rows.number(r, item, "min_score")
        if not grade or min_score is None:
            problem = problem or f"第 {r} 行的等级或最低分为空或无法读取"
        grades.append(GradeBand(grade, min_score if min_score is not None else Decimal(0),
                                rows.text(r, item, "wording")))
        where.append(r)
    if t is not None and not grades:
        problem = "表格中没有等级"
    if problem:
        tt = layout.table("tbl_grades")
        add([Finding("READ_GRADES_DEFAULT", Severity.WARNING, t.sheet if t else tt.sheet,
                     "", "tbl_grades",
                     f"等级表 tbl_grades（{tt.title}）{problem}，已改用默认等级"
                     "（优 ≥90、良 ≥80、中 ≥60、差 <60）。")])
        locator.table_rows["tbl_grades"] = []
        return DEFAULT_GRADES
    locator.table_rows["tbl_grades"] = where
    return tuple(grades)
