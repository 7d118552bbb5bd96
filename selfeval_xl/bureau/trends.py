"""A department's score and execution rate across years, from the bureau's database.

A year may hold several submissions of one department (corrected files, versions in the
service); its trend point is the latest that was read (the verdicts that carry figures).
:func:`latest_per_year` is the pure part; :func:`department_trend` and
:func:`all_trends` query collect's SQLite database (docs/bureau.md).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Verdicts whose figures were read from a self-evaluation workbook of our template.
READ_VERDICTS = ("ok", "ok-with-warnings", "errors", "stale", "score-mismatch")


@dataclass(frozen=True)
class TrendPoint:
    """One year of one department.

    Attributes:
        year: 评价年度.
        score: the recomputed self-score (None when there is none).
        grade: 优/良/中/差 ("" when none).
        exec_rate: 部门整体支出 ÷ 全年预算数 (None when unknown).
        verdict: the verdict of the submission the point comes from.
        at: when that submission arrived (ISO text, as stored).
    """

    year: int
    score: Decimal | None
    grade: str
    exec_rate: float | None
    verdict: str
    at: str


def _decimal(text: object) -> Decimal | None:
    try:
        return Decimal(str(text)) if text not in (None, "") else None
    except InvalidOperation:
        return None


def latest_per_year(rows: Iterable[Mapping]) -> list[TrendPoint]:
    """Trend points, oldest year first, from rows with ``eval_year``, ``score``,
    ``grade``, ``exec_rate``, ``verdict`` and ``at``: per year the row with the latest
    ``at`` among the read verdicts (ties: the later row)."""
    best: dict[int, Mapping] = {}
    for row in rows:
        year = int(row.get("eval_year") or 0)
        if not year or row.get("verdict") not in READ_VERDICTS:
            continue
        if year not in best or str(row.get("at") or "") >= str(best[year].get("at") or ""):
            best[year] = row
    return [TrendPoint(year, _decimal(r.get("score")), r.get("grade") or "",
                       None if r.get("exec_rate") is None else float(r["exec_rate"]),
                       r.get("verdict") or "", str(r.get("at") or ""))
            for year, r in sorted(best.items())]


_QUERY = ("SELECT dept_name, eval_year, score, grade, exec_rate, verdict,"
          " first_collected_at AS at FROM submissions")


def department_trend(con: sqlite3.Connection, dept_name: str) -> list[TrendPoint]:
    """One department's trend from collect's database."""
    con.row_factory = sqlite3.Row
    rows = con.execute(_QUERY + " WHERE dept_name = ? ORDER BY rowid", (dept_name,))
    return latest_per_year(dict(r) for r in rows)


def all_trends(con: sqlite3.Connection) -> dict[str, list[TrendPoint]]:
    """Every department's trend, by name (sorted)."""
    con.row_factory = sqlite3.Row
    by_dept: dict[str, list[dict]] = {}
    for r in con.execute(_QUERY + " WHERE dept_name <> '' ORDER BY rowid"):
        by_dept.setdefault(r["dept_name"], []).append(dict(r))
    return {name: latest_per_year(rows) for name, rows in sorted(by_dept.items())}
