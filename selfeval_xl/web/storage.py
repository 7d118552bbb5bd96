"""The service's storage: SQLAlchemy Core tables in SQLite (WAL) plus a data folder.

Only Core (tables and statements, no ORM): every query is visible here, and a
``postgresql+psycopg://`` URL works unchanged when a province outgrows one machine.
Uploaded files are stored once by content hash under ``<data>/files/``; the database keeps
who uploaded what, every submission (one row per version, never overwritten) with its
findings and indicator scores, and an audit log.

The submission, finding and indicator columns carry the names of collect's database
(:mod:`selfeval_xl.bureau.store`), so the same queries read both. Tables are documented
in docs/server.md; new columns may be added freely (every insert names its columns).
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String,
                        Table, Text, UniqueConstraint, create_engine, event, func, insert,
                        select, update)
from sqlalchemy.engine import Engine

from selfeval_xl.bureau.verify import EXPENDITURE_FIELDS

metadata = MetaData()

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("dept_name", String(200), nullable=False),
    Column("role", String(10), nullable=False),          # "dept" or "bureau"
    Column("password_hash", Text, nullable=False),        # argon2id
    Column("must_change", Boolean, nullable=False, default=True),
    # Bumped when the password changes: every older session cookie becomes stale.
    Column("session_gen", Integer, nullable=False, default=1),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", String(32), nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the token
    Column("label", String(100), nullable=False, default=""),
    Column("created_at", String(32), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

# An uploaded file as examined: the result page and the downloads read it.
uploads = Table(
    "uploads", metadata,
    Column("id", String(32), primary_key=True),          # random, unguessable
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("dept_name", String(200), nullable=False),     # the uploader's department
    Column("file_hash", String(100), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("file_size", Integer, nullable=False),
    Column("stored_path", Text, nullable=False),          # relative to the data folder
    Column("verdict", String(30), nullable=False),
    Column("record_json", Text, nullable=False),          # verify.examine's record
    Column("report_html", Text, nullable=False, default=""),
    Column("report_md", Text, nullable=False, default=""),
    Column("evaluation_json", Text, nullable=False, default=""),  # datafile format
    Column("created_at", String(32), nullable=False),
)

_figures = [Column(name, Text) for name in EXPENDITURE_FIELDS]

submissions = Table(
    "submissions", metadata,
    Column("id", Integer, primary_key=True),
    Column("dept_name", String(200), nullable=False),
    Column("eval_year", Integer, nullable=False),
    Column("version", Integer, nullable=False),           # 1, 2, … per department and year
    Column("upload_id", String(32), ForeignKey("uploads.id"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("file_hash", String(100), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("file_size", Integer, nullable=False),
    Column("fingerprint", String(100), nullable=False, default=""),
    Column("verdict", String(30), nullable=False),
    Column("verdict_reason", Text, nullable=False, default=""),
    Column("template_version", Text), Column("preparer", Text), Column("phone", Text),
    Column("fill_date", Text),
    *_figures,
    Column("exec_rate", Float),
    Column("score", Text),                                # decimal text, e.g. "96.00"
    Column("grade", String(10)),
    Column("errors", Integer, nullable=False, default=0),
    Column("warnings", Integer, nullable=False, default=0),
    # Submitted with errors: the officer confirmed, and the notice says so.
    Column("errors_confirmed", Boolean, nullable=False, default=False),
    Column("notice", Text, nullable=False, default=""),
    # submitted → (the bureau's desk) accepted / returned …; free text so the desk can grow.
    Column("status", String(30), nullable=False, default="submitted"),
    Column("receipt", Text, nullable=False, default=""),  # signed receipt, when signing is on
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("dept_name", "eval_year", "version"),
)
Index("submissions_dept_year", submissions.c.dept_name, submissions.c.eval_year)

findings = Table(
    "findings", metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("code", String(60), nullable=False), Column("severity", String(10), nullable=False),
    Column("sheet", Text, nullable=False), Column("cell", Text, nullable=False),
    Column("name", Text, nullable=False), Column("message", Text, nullable=False),
)

indicator_scores = Table(
    "indicator_scores", metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("code", Text, nullable=False), Column("level1", Text), Column("level2", Text),
    Column("level3", Text), Column("weight", Text), Column("method", Text),
    Column("actual", Text), Column("score", Text), Column("stored_score", Text),
    Column("reason", Text),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String(32), nullable=False),
    Column("user_id", Integer),                          # None for a failed login
    Column("username", String(100), nullable=False, default=""),
    Column("dept_name", String(200), nullable=False, default=""),
    Column("action", String(30), nullable=False),        # login, login_failed, upload, …
    Column("target", Text, nullable=False, default=""),  # upload id, submission id, file
    Column("ip", String(64), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
)
Index("audit_action_at", audit_log.c.action, audit_log.c.at)

FINDING_COLUMNS = ("code", "severity", "sheet", "cell", "name", "message")
INDICATOR_COLUMNS = ("code", "level1", "level2", "level3", "weight", "method", "actual",
                     "score", "stored_score", "reason")
RECORD_COLUMNS = ("file_hash", "fingerprint", "verdict", "verdict_reason", "template_version",
                  "preparer", "phone", "fill_date", *EXPENDITURE_FIELDS, "exec_rate", "score",
                  "grade", "errors", "warnings")


def now() -> str:
    """UTC time as ISO text, seconds precision (sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Storage:
    """The database and the data folder of one service.

    Attributes:
        data_dir: the data folder (files, database, secret key).
        engine: the SQLAlchemy engine.
    """

    def __init__(self, data_dir: str | Path, db_url: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "files").mkdir(exist_ok=True)
        url = db_url or f"sqlite:///{self.data_dir / 'selfeval.sqlite'}"
        self.engine: Engine = create_engine(url)
        self._submit_lock = threading.Lock()
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        metadata.create_all(self.engine)

    # --- files ------------------------------------------------------------------------------

    def store_file(self, data: bytes, file_hash: str, suffix: str) -> str:
        """Keep ``data`` under its content hash (once); returns the path relative to data_dir."""
        digest = file_hash.split(":")[-1]
        rel = Path("files") / digest[:2] / f"{digest}{suffix.lower()}"
        target = self.data_dir / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
        return rel.as_posix()

    def path_of(self, rel: str) -> Path:
        return self.data_dir / rel

    # --- users ------------------------------------------------------------------------------

    def add_user(self, username: str, dept_name: str, role: str, password_hash: str,
                 must_change: bool = True) -> int:
        with self.engine.begin() as con:
            return con.execute(insert(users).values(
                username=username, dept_name=dept_name, role=role, password_hash=password_hash,
                must_change=must_change, session_gen=1, disabled=False,
                created_at=now())).inserted_primary_key[0]

    def user_by_name(self, username: str) -> dict | None:
        return self._one(select(users).where(users.c.username == username))

    def user_by_id(self, user_id: int) -> dict | None:
        return self._one(select(users).where(users.c.id == user_id))

    def list_users(self) -> list[dict]:
        return self._all(select(users).order_by(users.c.id))

    def has_bureau_account(self) -> bool:
        return self._one(select(users.c.id).where(users.c.role == "bureau",
                                                  users.c.disabled.is_(False))) is not None

    def set_password(self, user_id: int, password_hash: str, must_change: bool) -> None:
        with self.engine.begin() as con:
            con.execute(update(users).where(users.c.id == user_id).values(
                password_hash=password_hash, must_change=must_change,
                session_gen=users.c.session_gen + 1))

    # --- API tokens -------------------------------------------------------------------------

    def add_token(self, user_id: int, token_hash: str, label: str) -> None:
        with self.engine.begin() as con:
            con.execute(insert(api_tokens).values(user_id=user_id, token_hash=token_hash,
                                                  label=label, created_at=now(), revoked=False))

    def user_by_token(self, token_hash: str) -> dict | None:
        return self._one(select(users).join(api_tokens, api_tokens.c.user_id == users.c.id)
                         .where(api_tokens.c.token_hash == token_hash,
                                api_tokens.c.revoked.is_(False)))

    # --- uploads ----------------------------------------------------------------------------

    def add_upload(self, **values) -> str:
        upload_id = secrets.token_hex(12)
        with self.engine.begin() as con:
            con.execute(insert(uploads).values(id=upload_id, created_at=now(), **values))
        return upload_id

    def upload(self, upload_id: str) -> dict | None:
        return self._one(select(uploads).where(uploads.c.id == upload_id))

    def uploads_of(self, dept_name: str, limit: int = 10) -> list[dict]:
        """A department's latest uploads, newest first (without the stored report)."""
        return self._all(select(uploads.c.id, uploads.c.file_name, uploads.c.verdict,
                                uploads.c.created_at).where(uploads.c.dept_name == dept_name)
                         .order_by(uploads.c.created_at.desc(), uploads.c.id).limit(limit))

    # --- submissions ------------------------------------------------------------------------

    def add_submission(self, upload: dict, record: dict, *, user_id: int, year: int,
                       errors_confirmed: bool, notice: str) -> dict:
        """A new version of the department's submission for ``year``; history is kept."""
        values = {c: record.get(c) for c in RECORD_COLUMNS}
        # One writer at a time picks the next version (SQLite's deferred transactions would
        # let two read the same maximum; the unique constraint is the last line of defence).
        with self._submit_lock, self.engine.begin() as con:
            last = con.execute(select(func.max(submissions.c.version)).where(
                submissions.c.dept_name == upload["dept_name"],
                submissions.c.eval_year == year)).scalar()
            sid = con.execute(insert(submissions).values(
                dept_name=upload["dept_name"], eval_year=year, version=(last or 0) + 1,
                upload_id=upload["id"], user_id=user_id, file_name=upload["file_name"],
                file_size=upload["file_size"], errors_confirmed=errors_confirmed,
                notice=notice, status="submitted", created_at=now(),
                **values)).inserted_primary_key[0]
            rows = [{"submission_id": sid, "seq": i, **{c: f.get(c) or "" for c in FINDING_COLUMNS}}
                    for i, f in enumerate(record.get("findings") or ())]
            if rows:
                con.execute(insert(findings), rows)
            rows = [{"submission_id": sid, "seq": i, **{c: ind.get(c) for c in INDICATOR_COLUMNS}}
                    for i, ind in enumerate(record.get("indicators") or ())]
            if rows:
                con.execute(insert(indicator_scores), rows)
        return self.submission(sid)

    def set_receipt(self, submission_id: int, receipt: str) -> None:
        with self.engine.begin() as con:
            con.execute(update(submissions).where(submissions.c.id == submission_id)
                        .values(receipt=receipt))

    def submission(self, submission_id: int) -> dict | None:
        return self._one(select(submissions).where(submissions.c.id == submission_id))

    def submissions_of(self, dept_name: str | None = None) -> list[dict]:
        """Every submission (newest first), or only one department's."""
        q = select(submissions).order_by(submissions.c.eval_year.desc(),
                                         submissions.c.version.desc(), submissions.c.id.desc())
        if dept_name is not None:
            q = q.where(submissions.c.dept_name == dept_name)
        return self._all(q)

    def latest_submission(self, dept_name: str, year: int) -> dict | None:
        return self._one(select(submissions).where(
            submissions.c.dept_name == dept_name, submissions.c.eval_year == year)
            .order_by(submissions.c.version.desc()).limit(1))

    def findings_of(self, submission_id: int) -> list[dict]:
        return self._all(select(findings).where(findings.c.submission_id == submission_id)
                         .order_by(findings.c.seq))

    def indicators_of(self, submission_id: int) -> list[dict]:
        return self._all(select(indicator_scores)
                         .where(indicator_scores.c.submission_id == submission_id)
                         .order_by(indicator_scores.c.seq))

    # --- audit ------------------------------------------------------------------------------

    def audit(self, action: str, *, user: dict | None = None, username: str = "",
              target: str = "", ip: str = "", detail: str | dict = "") -> None:
        if isinstance(detail, dict):
            detail = json.dumps(detail, ensure_ascii=False)
        with self.engine.begin() as con:
            con.execute(insert(audit_log).values(
                at=now(), user_id=user["id"] if user else None,
                username=user["username"] if user else username,
                dept_name=user["dept_name"] if user else "", action=action,
                target=str(target), ip=ip, detail=detail))

    def audit_entries(self, action: str | None = None, limit: int = 200) -> list[dict]:
        q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if action:
            q = q.where(audit_log.c.action == action)
        return self._all(q)

    def failed_logins_since(self, since: str, *, username: str = "", ip: str = "") -> int:
        q = select(func.count()).select_from(audit_log).where(
            audit_log.c.action == "login_failed", audit_log.c.at >= since)
        q = q.where(audit_log.c.username == username) if username else q.where(
            audit_log.c.ip == ip)
        with self.engine.connect() as con:
            return con.execute(q).scalar() or 0

    # --- helpers ----------------------------------------------------------------------------

    def _one(self, query) -> dict | None:
        with self.engine.connect() as con:
            row = con.execute(query).mappings().first()
        return dict(row) if row is not None else None

    def _all(self, query) -> list[dict]:
        with self.engine.connect() as con:
            return [dict(r) for r in con.execute(query).mappings()]


def _sqlite_pragmas(dbapi_con, _record) -> None:
    # WAL: readers never wait for the one writer; busy_timeout: writers queue, not fail.
    cur = dbapi_con.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
