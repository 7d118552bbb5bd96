"""Collect's records on disk while a run lasts, so the collecting process stays small.

Every record (one per input file, ≈ 50–90 KB as Python objects: findings, 24 indicator
rows, details) used to stay in a list until the summary and the database were written:
853 MB at 10,000 files. The spool stores each one as it arrives (pickled, in a temporary
SQLite file) and hands them back in input order, as often as the summary's passes and the
database need, holding one at a time. It is a read-only sequence (``len``, indexing,
iteration), so code that took the list takes the spool.

Deviation warnings that compare files with each other are only known once every file is
in; :meth:`RecordSpool.add_deviations` keeps them (a few per file at most) and they are
appended to a record's ``deviations`` whenever it is read.
"""

from __future__ import annotations

import pickle
import shutil
import sqlite3
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path


class RecordSpool(Sequence):
    """Records by input index, in a temporary database removed when the spool goes."""

    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="selfeval-collect-")
        self._con = sqlite3.connect(str(Path(self._dir) / "records.sqlite"))
        self._con.execute("PRAGMA journal_mode = OFF")
        self._con.execute("PRAGMA synchronous = OFF")
        self._con.execute("CREATE TABLE r (idx INTEGER PRIMARY KEY, rec BLOB NOT NULL)")
        self._index: list[int] = []  # the stored indexes, sorted on demand
        self._sorted = True
        self._extra: dict[int, list[dict]] = {}
        self._finalizer = weakref.finalize(self, _remove, self._con, self._dir)

    def put(self, index: int, rec: dict) -> None:
        """Store the record of input ``index`` (each index once)."""
        self._con.execute("INSERT INTO r VALUES (?, ?)",
                          (index, pickle.dumps(rec, pickle.HIGHEST_PROTOCOL)))
        if self._index and index < self._index[-1]:
            self._sorted = False
        self._index.append(index)

    def add_deviations(self, position: int, found: list[dict]) -> None:
        """Deviation warnings (as JSON dicts) to append to the record at ``position``."""
        self._extra.setdefault(self._indexes()[position], []).extend(found)

    def close(self) -> None:
        self._finalizer()

    def _indexes(self) -> list[int]:
        if not self._sorted:
            self._index.sort()
            self._sorted = True
        return self._index

    def _load(self, index: int, blob: bytes) -> dict:
        rec = pickle.loads(blob)
        extra = self._extra.get(index)
        if extra:
            rec["deviations"] = list(rec.get("deviations") or ()) + extra
        return rec

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[dict]:
        # fetched in batches by the cursor: one record at a time in Python
        for index, blob in self._con.execute("SELECT idx, rec FROM r ORDER BY idx"):
            yield self._load(index, blob)

    def __getitem__(self, position):
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        indexes = self._indexes()
        index = indexes[position]
        (blob,) = self._con.execute("SELECT rec FROM r WHERE idx = ?", (index,)).fetchone()
        return self._load(index, blob)


def _remove(con: sqlite3.Connection, folder: str) -> None:
    con.close()
    shutil.rmtree(folder, ignore_errors=True)
