"""What the bureau's desk shows, put together from the database and the pure functions:
the dashboard of a year (bureau/dashboard.py), the deviation warnings (core/deviations.py),
spot-check differences (core/spotcheck.py), trends (bureau/trends.py) and the summary
workbook and database collect writes (bureau/summary_workbook.py, bureau/store.py).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from selfeval_xl.bureau.dashboard import DeskRow, build_rows, chart_data
from selfeval_xl.bureau.trends import TrendPoint, latest_per_year
from selfeval_xl.core.deviations import Digest, cross_deviations
from selfeval_xl.core.spotcheck import Comparison, IndicatorLine, compare
from selfeval_xl.web.desk_store import DeskStore


def _dec(text: object) -> Decimal | None:
    try:
        return Decimal(str(text)) if text not in (None, "") else None
    except InvalidOperation:
        return None


def lines_of(indicators: list[dict]) -> list[IndicatorLine]:
    return [IndicatorLine(i["code"], i.get("level3") or "", _dec(i.get("weight")),
                          _dec(i.get("score"))) for i in indicators]


def deviations_of(desk: DeskStore, subs: list[dict], year: int,
                  latest: dict[str, dict] | None = None) -> dict[int, list[dict]]:
    """Every deviation warning of ``subs`` (submissions of ``year``): their own (stored
    with the upload's record) plus those that compare them with the year's other
    departments (latest versions, ``latest`` when the caller has them) and with every
    submission of the year before."""
    mine = {x["id"] for x in subs}
    latest = desk.latest_of_year(year) if latest is None else latest
    others = [s for s in latest.values() if s["id"] not in mine]
    before = desk.submissions_of_years([year - 1])
    digests = desk.digests_of([s["id"] for s in subs] + [s["id"] for s in others]
                              + [s["id"] for s in before])

    def digest(s: dict) -> Digest:
        d = digests[s["id"]]
        return Digest(str(s["id"]), s["dept_name"], s["eval_year"], d["narrative_digest"],
                      d["content_digest"])

    cross = cross_deviations([digest(s) for s in subs], [digest(s) for s in others + before])
    return {s["id"]: list(digests[s["id"]]["deviations"])
            + [f.to_json() for f in cross.get(str(s["id"]), ())] for s in subs}


@dataclass
class YearView:
    """The dashboard's data for a year."""

    year: int
    rows: list[DeskRow]
    charts: dict
    listed: int


def year_view(desk: DeskStore, year: int) -> YearView:
    """Every department of the year with its status, score, warnings, spot-check."""
    depts = desk.departments(year)
    latest = desk.latest_of_year(year)
    subs = list(latest.values())
    ids = [s["id"] for s in subs]
    deviations = deviations_of(desk, subs, year, latest) if subs else {}
    spot = desk.spot_scores_of(ids)
    by_sub: dict[int, list[dict]] = {}
    for ind in desk.indicators_of_many(list(spot)):  # only the spot-checked need their rows
        by_sub.setdefault(ind["submission_id"], []).append(ind)
    diffs = {}
    for sid, scores in spot.items():
        c = compare(lines_of(by_sub.get(sid, [])), {k: Decimal(v) for k, v in scores.items()})
        if c.diff_total is not None:
            diffs[sid] = c.diff_total
    rows = build_rows(depts, latest, deviations, diffs, desk.latest_comments(ids))
    return YearView(year, rows, chart_data(rows, desk.indicator_averages(ids)), len(depts))


def spot_comparison(desk: DeskStore, sub: dict) -> Comparison:
    indicators = desk.storage.indicators_of(sub["id"])
    scores = desk.spot_scores_of([sub["id"]]).get(sub["id"], {})
    return compare(lines_of(indicators), {k: Decimal(v) for k, v in scores.items()})


def trend(desk: DeskStore, dept_name: str) -> list[TrendPoint]:
    """The department's score and execution rate across years (latest version a year)."""
    subs = sorted(desk.storage.submissions_of(dept_name), key=lambda s: (s["eval_year"], s["version"]))
    # in version order, so that of two versions stored within the same second the later wins
    return latest_per_year({"eval_year": s["eval_year"], "score": s["score"], "grade": s["grade"],
                            "exec_rate": s["exec_rate"], "verdict": s["verdict"],
                            "at": s["created_at"]} for s in subs)


def records_of_year(desk: DeskStore, year: int, *, every_version: bool = False) -> list[dict]:
    """collect's records for the year's submissions (the latest version of each department,
    or every version), with their deviation warnings and spot-check scores."""
    if every_version:
        subs = [s for s in desk.storage.submissions_of(None) if s["eval_year"] == year]
        subs.sort(key=lambda s: (s["dept_name"], s["version"]))
    else:
        subs = sorted(desk.latest_of_year(year).values(), key=lambda s: s["dept_name"])
    deviations = deviations_of(desk, subs, year) if subs else {}
    spot = desk.spot_scores_of([s["id"] for s in subs])
    records = []
    for s in subs:
        rec = desk.record(s)
        rec.update(file_name=s["file_name"], file_path=f"submission:{s['id']}",
                   deviations=deviations.get(s["id"], []),
                   spot_scores=spot.get(s["id"], {}))
        records.append(rec)
    return records


def summary_bytes(desk: DeskStore, year: int) -> bytes:
    """The summary workbook collect writes, over the year's latest submissions."""
    from selfeval_xl.bureau.summary_workbook import write_summary

    with tempfile.TemporaryDirectory() as tmp:
        out = write_summary(records_of_year(desk, year), Path(tmp) / "summary.xlsx")
        return out.read_bytes()


def database_bytes(desk: DeskStore, year: int) -> bytes:
    """collect's SQLite database over every version submitted for the year."""
    from selfeval_xl.bureau import store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "db.sqlite"
        con = store.connect(path)
        try:
            store.save(con, records_of_year(desk, year, every_version=True))
        finally:
            con.close()
        return path.read_bytes()
