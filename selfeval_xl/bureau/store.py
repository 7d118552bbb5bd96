"""The bureau's database: every collected workbook, year after year, in one SQLite file.

SQLite (Python's own ``sqlite3``) needs nothing installed and any tool can query it.
A submission is keyed by the file's content hash, the department and the year, so
collecting the same files again replaces their rows instead of adding new ones, while a
corrected file (new hash) is a new submission, kept beside the old one.

Tables (documented in docs/bureau.md):

``submissions``
    one row per (file content, department, year): file name, verdict, figures, score.
``findings``
    every finding of a submission, in order (``seq``).
``deviations``
    the deviation warnings of a submission (core/deviations), in order (``seq``).
``indicator_scores``
    every indicator row of a submission: weight, method, recomputed and stored score.
``meta``
    ``schema_version``.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    submission_id   TEXT PRIMARY KEY,   -- sha256 of file_hash|dept_name|eval_year
    file_hash       TEXT NOT NULL,      -- "sha256:…" of the file's bytes
    dept_name       TEXT NOT NULL,      -- '' when the file could not be read
    eval_year       INTEGER NOT NULL,   -- 0 when unknown
    file_name       TEXT NOT NULL,
    file_path       TEXT NOT NULL,
    file_size       INTEGER NOT NULL,
    verdict         TEXT NOT NULL,      -- ok, ok-with-warnings, errors, stale, …
    verdict_reason  TEXT NOT NULL,
    template_version TEXT,
    preparer        TEXT,
    phone           TEXT,
    fill_date       TEXT,               -- ISO date
    budget_total    TEXT, exp_total TEXT, exp_general_budget TEXT, exp_gov_fund TEXT,
    exp_other TEXT, exp_basic TEXT, exp_personnel TEXT, exp_public TEXT, exp_project TEXT,
                                        -- 万元 as exact decimal text ("921.52")
    exec_rate       REAL,               -- exp_total / budget_total
    score           TEXT,               -- recomputed self-score, decimal text
    grade           TEXT,
    stored_score    TEXT,               -- the workbook's own self_score (cached value)
    report_score    TEXT,               -- the score written when the report was generated
    report_at       TEXT,
    fingerprint     TEXT,               -- fingerprint of the data as it is now
    report_fingerprint TEXT,            -- fingerprint stored when the report was generated
    errors          INTEGER NOT NULL,
    warnings        INTEGER NOT NULL,
    narrative_digest TEXT,              -- core/deviations: the 自评 text, normalised
    content_digest  TEXT,               -- core/deviations: the data without who filled it in
    first_collected_at TEXT NOT NULL,
    last_collected_at  TEXT NOT NULL,
    UNIQUE (file_hash, dept_name, eval_year)
);
CREATE INDEX IF NOT EXISTS submissions_dept_year ON submissions (dept_name, eval_year);
CREATE TABLE IF NOT EXISTS findings (
    submission_id TEXT NOT NULL REFERENCES submissions (submission_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    code TEXT NOT NULL, severity TEXT NOT NULL, sheet TEXT NOT NULL, cell TEXT NOT NULL,
    name TEXT NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (submission_id, seq)
);
CREATE TABLE IF NOT EXISTS deviations (
    submission_id TEXT NOT NULL REFERENCES submissions (submission_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    code TEXT NOT NULL, severity TEXT NOT NULL, sheet TEXT NOT NULL, cell TEXT NOT NULL,
    name TEXT NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (submission_id, seq)
);
CREATE TABLE IF NOT EXISTS indicator_scores (
    submission_id TEXT NOT NULL REFERENCES submissions (submission_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    code TEXT NOT NULL, level1 TEXT, level2 TEXT, level3 TEXT,
    weight TEXT, method TEXT, actual TEXT,
    score TEXT,                          -- recomputed
    stored_score TEXT,                   -- the workbook's cached 得分
    reason TEXT,
    PRIMARY KEY (submission_id, seq)
);
"""

_SUBMISSION_COLUMNS = (
    "file_name", "file_path", "file_size", "verdict", "verdict_reason", "template_version",
    "preparer", "phone", "fill_date", "budget_total", "exp_total", "exp_general_budget",
    "exp_gov_fund", "exp_other", "exp_basic", "exp_personnel", "exp_public", "exp_project",
    "exec_rate", "score", "grade", "stored_score", "report_score", "report_at", "fingerprint",
    "report_fingerprint", "errors", "warnings", "narrative_digest", "content_digest",
)
_FINDING_COLUMNS = ("code", "severity", "sheet", "cell", "name", "message")
_INDICATOR_COLUMNS = ("code", "level1", "level2", "level3", "weight", "method", "actual",
                      "score", "stored_score", "reason")


# A submission seen before keeps its first_collected_at; everything else is replaced.
_UPSERT_SUBMISSION = (
    f"INSERT INTO submissions (submission_id, file_hash, dept_name, eval_year,"
    f" {', '.join(_SUBMISSION_COLUMNS)}, first_collected_at, last_collected_at)"
    f" VALUES (?, ?, ?, ?, {', '.join('?' for _ in _SUBMISSION_COLUMNS)}, ?, ?)"
    f" ON CONFLICT (submission_id) DO UPDATE SET"
    f" {', '.join(f'{c} = excluded.{c}' for c in _SUBMISSION_COLUMNS)},"
    " last_collected_at = excluded.last_collected_at")


def submission_id(file_hash: str, dept_name: str, eval_year: int) -> str:
    """The submission key: one file's content as one department's return for one year."""
    key = f"{file_hash}|{dept_name}|{eval_year}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) the database and make sure the schema is there."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path))
    con.execute("PRAGMA foreign_keys = ON")
    con.executescript(SCHEMA)
    # A database written before the deviation digests existed gains their columns.
    have = {row[1] for row in con.execute("PRAGMA table_info(submissions)")}
    for column in ("narrative_digest", "content_digest"):
        if column not in have:
            con.execute(f"ALTER TABLE submissions ADD COLUMN {column} TEXT")
    con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    con.commit()
    return con


def save(con: sqlite3.Connection, records: Iterable[dict], *, now: datetime | None = None) -> int:
    """Insert or replace the submissions in ``records`` (rows as made by collect); returns how many.

    Each record is a dict with the submission columns plus ``file_hash``, ``dept_name``,
    ``eval_year``, ``findings`` (list of dicts) and ``indicators`` (list of dicts). A
    submission seen before keeps its ``first_collected_at``; its findings and indicator
    rows are replaced, never appended.
    """
    stamp = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    count = 0
    with con:  # one transaction: a crash leaves the database as it was
        for rec in records:
            dept = rec.get("dept_name") or ""
            year = int(rec.get("eval_year") or 0)
            sid = submission_id(rec["file_hash"], dept, year)
            row = [rec.get(c) for c in _SUBMISSION_COLUMNS]
            con.execute(_UPSERT_SUBMISSION, [sid, rec["file_hash"], dept, year, *row, stamp, stamp])
            con.execute("DELETE FROM findings WHERE submission_id = ?", (sid,))
            con.executemany(
                "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(sid, i, *(f.get(c) or "" for c in _FINDING_COLUMNS))
                 for i, f in enumerate(rec.get("findings") or ())])
            con.execute("DELETE FROM deviations WHERE submission_id = ?", (sid,))
            con.executemany(
                "INSERT INTO deviations VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(sid, i, *(f.get(c) or "" for c in _FINDING_COLUMNS))
                 for i, f in enumerate(rec.get("deviations") or ())])
            con.execute("DELETE FROM indicator_scores WHERE submission_id = ?", (sid,))
            con.executemany(
                "INSERT INTO indicator_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(sid, i, *(ind.get(c) for c in _INDICATOR_COLUMNS))
                 for i, ind in enumerate(rec.get("indicators") or ())])
            count += 1
    return count


def digests(con: sqlite3.Connection) -> list[tuple[str, str, int, str, str]]:
    """(submission_id, dept_name, eval_year, narrative_digest, content_digest) of every
    submission read, for the deviation rules that compare with earlier runs."""
    return con.execute(
        "SELECT submission_id, dept_name, eval_year, COALESCE(narrative_digest, ''),"
        " COALESCE(content_digest, '') FROM submissions WHERE dept_name <> ''").fetchall()


def counts(con: sqlite3.Connection) -> dict[str, int]:
    """Row counts of the data tables (what a re-collect must leave unchanged)."""
    return {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("submissions", "findings", "indicator_scores")}
