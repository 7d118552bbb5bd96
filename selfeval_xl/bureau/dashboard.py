"""The bureau's dashboard of a year, as pure functions over plain rows.

The service's desk (web/routes_desk.py) reads the year's departments, each department's
latest submission and the reviews from its database and hands them here as dicts; what
comes back is what the page, the JSON API and the benchmark show: one row per department
with its status, sorted, filtered and searched, and the figures of the charts.

Statuses (:data:`STATUSES`), first that applies:

- ``not-submitted``: no submission for the year;
- ``returned`` / ``accepted``: the bureau's decision on the latest version;
- ``changed``: the latest version's data changed after its report was generated (verdict
  ``stale``);
- ``errors``: submitted with errors (or a file that is not a sound self-evaluation);
- ``clean``: submitted without errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

STATUSES: dict[str, str] = {
    "not-submitted": "未报送",
    "errors": "已报送（有错误）",
    "clean": "已报送（无错误）",
    "returned": "已退回",
    "accepted": "已通过",
    "changed": "报告后数据被修改",
}
CLEAN_VERDICTS = ("ok", "ok-with-warnings")


@dataclass
class DeskRow:
    """One department on the dashboard.

    Attributes:
        name, code, contact: from the year's list ("" code and contact when the
            department submitted without being on the list: ``listed`` is False then).
        status: a key of :data:`STATUSES`.
        submission: the latest submission's row (None when not submitted).
        deviations: the latest submission's deviation warnings (finding dicts).
        spot_diff: spot-check total − self-score (None when not spot-checked).
        comment: the bureau's comment on the latest decision ("" when none).
    """

    name: str
    code: str = ""
    contact: str = ""
    listed: bool = True
    status: str = "not-submitted"
    submission: dict | None = None
    deviations: list = field(default_factory=list)
    spot_diff: Decimal | None = None
    comment: str = ""

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    def value(self, key: str):
        """The sort value of a column (None sorts last)."""
        sub = self.submission or {}
        if key in ("name", "code", "contact"):
            return getattr(self, key) or None  # a department off the list has no code
        if key == "status":
            return list(STATUSES).index(self.status)
        if key == "score":
            return _decimal(sub.get("score"))
        if key == "deviations":
            return len(self.deviations)
        if key == "spot_diff":
            return self.spot_diff
        if key == "last":
            return sub.get("created_at")
        return sub.get(key)


SORT_KEYS = ("name", "code", "status", "score", "grade", "exec_rate", "errors", "warnings",
             "deviations", "spot_diff", "last")


def _decimal(text: object) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def status_of(sub: Mapping | None) -> str:
    """The dashboard status of a department whose latest submission is ``sub``."""
    if sub is None:
        return "not-submitted"
    if sub.get("status") in ("returned", "accepted"):
        return sub["status"]
    if sub.get("verdict") == "stale":
        return "changed"
    if sub.get("verdict") in CLEAN_VERDICTS and not sub.get("errors"):
        return "clean"
    return "errors"


def build_rows(departments: Iterable[Mapping], latest: Mapping[str, Mapping],
               deviations: Mapping[int, list] | None = None,
               spot_diffs: Mapping[int, Decimal] | None = None,
               comments: Mapping[int, str] | None = None) -> list[DeskRow]:
    """Dashboard rows: every listed department, then every department that submitted for
    the year without being on the list.

    Args:
        departments: the year's list (dicts with name, code, contact).
        latest: department name → its latest submission of the year (a row with id,
            verdict, errors, warnings, score, grade, exec_rate, status, created_at …).
        deviations: submission id → deviation warnings.
        spot_diffs: submission id → spot-check total difference.
        comments: submission id → the bureau's latest comment.
    """
    deviations, spot_diffs, comments = deviations or {}, spot_diffs or {}, comments or {}
    rows = []
    seen = set()
    for d in departments:
        rows.append(DeskRow(d["name"], d.get("code") or "", d.get("contact") or ""))
        seen.add(d["name"])
    rows += [DeskRow(name, listed=False) for name in sorted(set(latest) - seen)]
    for row in rows:
        sub = latest.get(row.name)
        row.submission = dict(sub) if sub is not None else None
        row.status = status_of(sub)
        if sub is not None:
            row.deviations = list(deviations.get(sub["id"], ()))
            row.spot_diff = spot_diffs.get(sub["id"])
            row.comment = comments.get(sub["id"], "")
    return rows


def select_rows(rows: Sequence[DeskRow], *, status: str = "", q: str = "",
                sort: str = "name", descending: bool = False) -> list[DeskRow]:
    """Filter by status (a key of STATUSES, or "" for all), search ``q`` in name, code and
    contact, and sort by ``sort`` (one of SORT_KEYS; None values last either way)."""
    q = (q or "").strip().casefold()
    picked = [r for r in rows if (not status or r.status == status)
              and (not q or q in r.name.casefold() or q in r.code.casefold()
                   or q in r.contact.casefold())]
    key = sort if sort in SORT_KEYS else "name"
    present = [r for r in picked if r.value(key) is not None]
    absent = [r for r in picked if r.value(key) is None]
    present.sort(key=lambda r: (r.value(key), r.name), reverse=descending)
    return present + absent


def status_counts(rows: Iterable[DeskRow]) -> dict[str, int]:
    counts = {k: 0 for k in STATUSES}
    for r in rows:
        counts[r.status] += 1
    return counts


# --- charts ---------------------------------------------------------------------------------

SCORE_BANDS = ((0, 60, "<60"), (60, 70, "60–70"), (70, 80, "70–80"), (80, 90, "80–90"),
               (90, 95, "90–95"), (95, 100.001, "95–100"))
GRADES = ("优", "良", "中", "差")


def chart_data(rows: Sequence[DeskRow], averages: Iterable[tuple[str, str, float]] = ()) -> dict:
    """The four charts of the year, as plain data for ECharts.

    Args:
        rows: dashboard rows (only submitted ones count).
        averages: (code, 三级指标, average score rate in %) per indicator, e.g. from
            :func:`indicator_averages` or the database's own aggregate.
    """
    subs = [r for r in rows if r.submission is not None]
    scores = [(r, float(s)) for r in subs if (s := _decimal(r.submission.get("score"))) is not None]
    dist = [sum(lo <= v < hi for _, v in scores) for lo, hi, _ in SCORE_BANDS]
    grades = [sum(r.submission.get("grade") == g for r in subs) for g in GRADES]
    scatter = [[round(r.submission["exec_rate"] * 100, 2), v, r.name] for r, v in scores
               if r.submission.get("exec_rate") is not None]
    average = [[code, name, rate] for code, name, rate in sorted(averages, key=lambda a: _code_key(a[0]))]
    return {"score_bands": [b[2] for b in SCORE_BANDS], "score_counts": dist,
            "grades": list(GRADES), "grade_counts": grades, "scatter": scatter,
            "indicator_average": average}


def indicator_averages(indicators: Iterable[Mapping]) -> list[tuple[str, str, float]]:
    """(code, 三级指标, average of score ÷ weight in %, 2 decimals) over indicator rows
    (code, level3, weight, score); rows without a weight or a score are left out."""
    per: dict[str, list] = {}
    for ind in indicators:
        weight, got = _decimal(ind.get("weight")), _decimal(ind.get("score"))
        if weight and got is not None:
            entry = per.setdefault(ind["code"], [ind.get("level3") or "", Decimal(0), 0])
            entry[1] += got / weight
            entry[2] += 1
    return [(code, name, round(float(total / n * 100), 2)) for code, (name, total, n) in per.items()]


def _code_key(code: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in code.split(".")) + (code,)


# --- versions -------------------------------------------------------------------------------

FIGURES = (("budget_total", "全年预算数"), ("exp_total", "部门整体支出"),
           ("exp_general_budget", "一般公共预算支出"), ("exp_gov_fund", "政府性基金预算支出"),
           ("exp_other", "其他资金支出"), ("exp_basic", "基本支出"), ("exp_personnel", "人员经费"),
           ("exp_public", "公用经费"), ("exp_project", "项目支出"), ("score", "自评得分"),
           ("grade", "等级"), ("errors", "错误数"), ("warnings", "警告数"))


def _same(a: object, b: object) -> bool:
    da, db = _decimal(a), _decimal(b)
    if da is not None and db is not None:
        return da == db
    return (a or "") == (b or "")


def _show(value: object) -> str:
    return "" if value is None else str(value)


def changed_figures(old: Mapping, new: Mapping, old_indicators: Iterable[Mapping] = (),
                    new_indicators: Iterable[Mapping] = ()) -> list[tuple[str, str, str]]:
    """(what, before, after) for every figure that differs between two versions: the
    amounts, score, grade and counts, then each indicator's 实际值 and 得分 by code."""
    out = [(label, _show(old.get(k)), _show(new.get(k))) for k, label in FIGURES
           if not _same(old.get(k), new.get(k))]
    before = {i["code"]: i for i in old_indicators}
    after = {i["code"]: i for i in new_indicators}
    for code in sorted(set(before) | set(after), key=_code_key):
        a, b = before.get(code, {}), after.get(code, {})
        name = b.get("level3") or a.get("level3") or ""
        for key, label in (("actual", "实际值"), ("score", "得分")):
            if not _same(a.get(key), b.get(key)):
                out.append((f"{code} {name} {label}", _show(a.get(key)), _show(b.get(key))))
    return out
