"""The bureau's desk in the database: the year's departments, review decisions, spot-check
scores, and a cache of each submission's deviation digests.

Tables of their own (``desk_metadata``, created beside the service's tables on the same
engine), SQLAlchemy Core like :mod:`selfeval_xl.web.storage`. A review also sets the
submission's ``status`` (``accepted`` / ``returned``), which is what the department sees;
the ``reviews`` table keeps every decision with its comment.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import (Column, Float, Integer, MetaData, String, Table, Text, UniqueConstraint,
                        cast, delete, func, insert, select, update)

from selfeval_xl.bureau.departments import Department
from selfeval_xl.web.storage import Storage, indicator_scores, now, submissions, uploads

desk_metadata = MetaData()

departments = Table(
    "departments", desk_metadata,
    Column("id", Integer, primary_key=True),
    Column("eval_year", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("code", String(40), nullable=False),
    Column("contact", Text, nullable=False, default=""),
    UniqueConstraint("eval_year", "name"),
    UniqueConstraint("eval_year", "code"),
)

reviews = Table(
    "reviews", desk_metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, nullable=False, index=True),
    Column("decision", String(10), nullable=False),       # accepted / returned
    Column("comment", Text, nullable=False, default=""),
    Column("user_id", Integer, nullable=False),
    Column("username", String(100), nullable=False),
    Column("at", String(32), nullable=False),
)

spot_scores = Table(
    "spot_scores", desk_metadata,
    Column("submission_id", Integer, primary_key=True),
    Column("code", String(60), primary_key=True),
    Column("score", Text, nullable=False),                # decimal text
    Column("user_id", Integer, nullable=False),
    Column("at", String(32), nullable=False),
)

# What the deviation rules need of a submission, read once from its upload's record.
digests = Table(
    "submission_digests", desk_metadata,
    Column("submission_id", Integer, primary_key=True),
    Column("narrative_digest", Text, nullable=False, default=""),
    Column("content_digest", Text, nullable=False, default=""),
    Column("deviations", Text, nullable=False, default="[]"),  # per-file warnings, JSON
)

DECISIONS = {"accepted": "通过", "returned": "退回"}


class DeskStore:
    """The desk's reads and writes over the service's :class:`Storage`."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.engine = storage.engine
        desk_metadata.create_all(self.engine)

    # --- departments ----------------------------------------------------------------------

    def departments(self, year: int) -> list[dict]:
        return self.storage._all(select(departments).where(departments.c.eval_year == year)
                                 .order_by(departments.c.code, departments.c.name))

    def department(self, dept_id: int) -> dict | None:
        return self.storage._one(select(departments).where(departments.c.id == dept_id))

    def import_departments(self, year: int, found: Sequence[Department]) -> tuple[int, int]:
        """Add the departments not on the year's list yet (by name) and update the code and
        contact of those that are; returns (added, updated). One transaction."""
        added = updated = 0
        with self.engine.begin() as con:
            have = {r.name: r.id for r in con.execute(
                select(departments.c.name, departments.c.id)
                .where(departments.c.eval_year == year))}
            for d in found:
                if d.name in have:
                    con.execute(update(departments).where(departments.c.id == have[d.name])
                                .values(code=d.code, contact=d.contact))
                    updated += 1
                else:
                    con.execute(insert(departments).values(eval_year=year, name=d.name,
                                                           code=d.code, contact=d.contact))
                    added += 1
        return added, updated

    def save_department(self, year: int, dept_id: int | None, name: str, code: str,
                        contact: str) -> int:
        """Add (``dept_id`` None) or edit one department; IntegrityError when the name or
        code is taken that year."""
        with self.engine.begin() as con:
            if dept_id is None:
                return con.execute(insert(departments).values(
                    eval_year=year, name=name, code=code, contact=contact)).inserted_primary_key[0]
            con.execute(update(departments).where(departments.c.id == dept_id)
                        .values(name=name, code=code, contact=contact))
            return dept_id

    def delete_department(self, dept_id: int) -> None:
        with self.engine.begin() as con:
            con.execute(delete(departments).where(departments.c.id == dept_id))

    # --- submissions of a year ------------------------------------------------------------

    def latest_of_year(self, year: int) -> dict[str, dict]:
        """Department name → its latest submission (highest version) for ``year``."""
        top = (select(submissions.c.dept_name, func.max(submissions.c.version).label("v"))
               .where(submissions.c.eval_year == year)
               .group_by(submissions.c.dept_name).subquery())
        q = select(submissions).join(top, (submissions.c.dept_name == top.c.dept_name)
                                     & (submissions.c.version == top.c.v)).where(
            submissions.c.eval_year == year)
        return {r["dept_name"]: r for r in self._rows(q)}

    def versions(self, dept_name: str, year: int) -> list[dict]:
        """Every version of a department's submission for a year, oldest first."""
        return self.storage._all(select(submissions).where(
            submissions.c.dept_name == dept_name, submissions.c.eval_year == year)
            .order_by(submissions.c.version))

    def submissions_of_years(self, years: Iterable[int]) -> list[dict]:
        return self._rows(select(submissions.c.id, submissions.c.dept_name,
                                 submissions.c.eval_year)
                          .where(submissions.c.eval_year.in_(list(years))))

    def indicators_of_many(self, ids: Sequence[int]) -> list[dict]:
        """The indicator rows (code, level3, weight, score) of the submissions ``ids``."""
        if not ids:
            return []
        c = indicator_scores.c
        return self._rows(select(c.submission_id, c.code, c.level3, c.weight, c.score)
                          .where(c.submission_id.in_(list(ids))).order_by(c.submission_id, c.seq))

    def indicator_averages(self, ids: Sequence[int]) -> list[tuple[str, str, float]]:
        """(code, 三级指标, average score ÷ weight in %) over the submissions ``ids``, for
        the chart (floats: a chart needs no cents); one query instead of 24 rows a file."""
        if not ids:
            return []
        c = indicator_scores.c
        weight, score = cast(c.weight, Float), cast(c.score, Float)
        q = (select(c.code, func.max(c.level3), func.avg(score / weight * 100))
             .where(c.submission_id.in_(list(ids)), weight > 0, c.score.is_not(None),
                    c.score != "").group_by(c.code))
        with self.engine.connect() as con:
            return [(code, name or "", round(avg, 2)) for code, name, avg in con.execute(q)]

    def _rows(self, query) -> list[dict]:
        """Rows as dicts, built from plain tuples (SQLAlchemy's mappings cost ~10 µs a row)."""
        with self.engine.connect() as con:
            result = con.execute(query)
            keys = list(result.keys())
            return [dict(zip(keys, row)) for row in result.all()]

    def record(self, sub: dict) -> dict:
        """The examine record of a submission's file (findings, indicators, deviations…)."""
        row = self.storage._one(select(uploads.c.record_json)
                                .where(uploads.c.id == sub["upload_id"]))
        return json.loads(row["record_json"]) if row else {}

    def digests_of(self, ids: Sequence[int]) -> dict[int, dict]:
        """Submission id → {narrative_digest, content_digest, deviations}; read from the
        uploads' records the first time and kept (a submission never changes)."""
        ids = list(ids)
        found = {r["submission_id"]: r for r in self._rows(
            select(digests).where(digests.c.submission_id.in_(ids)))} if ids else {}
        missing = [i for i in ids if i not in found]
        if missing:
            rows = []
            with self.engine.connect() as con:
                for sid, text in con.execute(
                        select(submissions.c.id, uploads.c.record_json)
                        .join(uploads, uploads.c.id == submissions.c.upload_id)
                        .where(submissions.c.id.in_(missing))):
                    rec = json.loads(text)
                    rows.append({"submission_id": sid,
                                 "narrative_digest": rec.get("narrative_digest") or "",
                                 "content_digest": rec.get("content_digest") or "",
                                 "deviations": json.dumps(rec.get("deviations") or [],
                                                          ensure_ascii=False)})
            if rows:
                with self.engine.begin() as con:
                    con.execute(insert(digests).prefix_with("OR IGNORE")
                                if self.engine.dialect.name == "sqlite" else insert(digests), rows)
            found.update({r["submission_id"]: r for r in rows})
        return {i: {"narrative_digest": r["narrative_digest"],
                    "content_digest": r["content_digest"],
                    "deviations": json.loads(r["deviations"])} for i, r in found.items()}

    # --- reviews --------------------------------------------------------------------------

    def review(self, sub: dict, decision: str, comment: str, user: dict) -> None:
        """Record the decision and set the submission's status (one transaction)."""
        with self.engine.begin() as con:
            con.execute(insert(reviews).values(
                submission_id=sub["id"], decision=decision, comment=comment, user_id=user["id"],
                username=user["username"], at=now()))
            con.execute(update(submissions).where(submissions.c.id == sub["id"])
                        .values(status=decision))

    def reviews_of(self, submission_id: int) -> list[dict]:
        """Every decision on a submission, newest first."""
        return self.storage._all(select(reviews).where(reviews.c.submission_id == submission_id)
                                 .order_by(reviews.c.id.desc()))

    def returned_of(self, dept_name: str) -> list[dict]:
        """The department's years whose latest version the bureau returned: the submission
        with the decision's comment and time (what its home page shows)."""
        out = []
        for sub in self.storage.submissions_of(dept_name):
            latest = self.versions(dept_name, sub["eval_year"])[-1]
            if latest["id"] == sub["id"] and sub["status"] == "returned":
                last = self.reviews_of(sub["id"])[:1]
                out.append({**sub, "comment": last[0]["comment"] if last else "",
                            "reviewed_at": last[0]["at"] if last else ""})
        return out

    def latest_comments(self, ids: Sequence[int]) -> dict[int, str]:
        ids = list(ids)
        if not ids:
            return {}
        out: dict[int, str] = {}
        for r in self.storage._all(select(reviews.c.submission_id, reviews.c.comment)
                                   .where(reviews.c.submission_id.in_(ids))
                                   .order_by(reviews.c.id)):
            out[r["submission_id"]] = r["comment"]
        return out

    # --- spot-check -----------------------------------------------------------------------

    def set_spot_scores(self, submission_id: int, scores: dict, user: dict) -> None:
        """Replace the submission's spot-check scores ({code: Decimal})."""
        with self.engine.begin() as con:
            con.execute(delete(spot_scores).where(spot_scores.c.submission_id == submission_id))
            if scores:
                con.execute(insert(spot_scores), [
                    {"submission_id": submission_id, "code": code, "score": format(v, "f"),
                     "user_id": user["id"], "at": now()} for code, v in scores.items()])

    def spot_scores_of(self, ids: Sequence[int]) -> dict[int, dict[str, str]]:
        ids = list(ids)
        out: dict[int, dict[str, str]] = {}
        if ids:
            for r in self.storage._all(select(spot_scores).where(
                    spot_scores.c.submission_id.in_(ids))):
                out.setdefault(r["submission_id"], {})[r["code"]] = r["score"]
        return out
