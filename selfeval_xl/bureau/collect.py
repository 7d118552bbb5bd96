"""Collect an inbox: examine every workbook in parallel, then write the summary and database.

Each file is examined by :func:`selfeval_xl.bureau.verify.examine` in a sandbox worker
(bounded time and memory per file); a file that fails in any way still yields exactly one
record saying why, so the summary has one row per input file, always.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from selfeval_xl.bureau.preflight import Limits
from selfeval_xl.bureau.sandbox import run_bounded
from selfeval_xl.bureau.spool import RecordSpool
from selfeval_xl.bureau.verify import examine, sandbox_failure
from selfeval_xl.core.deviations import Digest, cross_deviations

# XlsxWriter holds the whole summary in memory up to this many files (≈ 70 MB a thousand);
# above it, constant_memory writes row by row (≈ 2 MB whatever the count) at ≈ 12 % more
# CPU, with its strings inline, which Excel moves to a shared-strings table on its first
# save (valid, but not what the small summaries' office-file audit expects).
SUMMARY_IN_MEMORY_FILES = 1000

# What a directory is searched for; files named explicitly are always taken.
WORKBOOK_SUFFIXES = (".xlsm", ".xlsx", ".xltm", ".xltx", ".xls")


def find_inputs(args: Iterable[str | Path]) -> list[Path]:
    """Files named, plus workbooks found (recursively) in directories named; sorted, unique.

    Excel's lock files (``~$name.xlsm``) are skipped: they are not workbooks.
    """
    found: dict[str, Path] = {}
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if (child.is_file() and child.suffix.lower() in WORKBOOK_SUFFIXES
                        and not child.name.startswith("~$")):
                    found.setdefault(str(child.resolve()), child)
        else:
            found.setdefault(str(p.resolve()), p)
    return sorted(found.values(), key=lambda q: str(q))


@dataclass
class CollectResult:
    """What a collect run produced.

    Attributes:
        records: one record per input file, in input order (a :class:`RecordSpool`:
            a sequence read back from disk, one record at a time).
        summary_path: the summary workbook written (None when not asked).
        db_path: the database written (None when not asked).
        db_counts: row counts of the database tables after saving.
    """

    records: Sequence[dict]
    summary_path: Path | None = None
    db_path: Path | None = None
    db_counts: dict | None = None


def examine_all(paths: Sequence[Path], *, limits: Limits = Limits(), workers: int | None = None,
                on_done: Callable[[dict], None] | None = None,
                spool: RecordSpool | None = None) -> Sequence[dict]:
    """Examine every path in worker processes; records in input order.

    Args:
        paths: files to examine.
        limits: per-file limits (preflight sizes, time, memory).
        workers: processes (default: the machine's cores).
        on_done: called with each record as it completes (progress bars).
        spool: store each record there as it arrives and return the spool, instead of
            keeping them all in a list.
    """
    records: list[dict | None] = [None] * (0 if spool is not None else len(paths))
    job = partial(examine, limits=limits)
    for outcome in run_bounded(list(paths), job, workers=workers or os.cpu_count(),
                               timeout=limits.timeout, memory_bytes=limits.memory_bytes):
        path = Path(paths[outcome.index])
        rec = outcome.value if not outcome.failure else sandbox_failure(
            path, outcome.failure, outcome.message)
        rec["seconds"] = round(outcome.seconds, 4)
        if spool is not None:
            spool.put(outcome.index, rec)
        else:
            records[outcome.index] = rec
        if on_done is not None:
            on_done(rec)
    if spool is not None:
        return spool
    return [r for r in records if r is not None]


def add_cross_deviations(records: Sequence[dict], history: Sequence[Digest] = ()) -> None:
    """Append the deviation warnings that compare files (last year's text, two departments
    with the same data) to each record's ``deviations``; ``history`` holds the database's
    earlier submissions, keyed as the store keys them. On a :class:`RecordSpool` only the
    small digests are gathered, one record at a time, and the warnings kept beside it."""
    from selfeval_xl.bureau.store import submission_id

    keyed: dict[str, list[int]] = {}
    first: dict[str, Digest] = {}
    for position, rec in enumerate(records):
        if rec.get("dept_name") and rec.get("file_hash"):
            key = submission_id(rec["file_hash"], rec["dept_name"], int(rec["eval_year"] or 0))
            keyed.setdefault(key, []).append(position)
            if key not in first:
                first[key] = Digest(key, rec["dept_name"], int(rec["eval_year"] or 0),
                                    rec.get("narrative_digest") or "",
                                    rec.get("content_digest") or "")
    for key, found in cross_deviations(list(first.values()), history).items():
        warnings = [f.to_json() for f in found]
        for position in keyed[key]:
            if isinstance(records, RecordSpool):
                records.add_deviations(position, warnings)
            else:
                rec = records[position]
                rec["deviations"] = list(rec.get("deviations") or ()) + warnings


def collect(inputs: Iterable[str | Path], out: str | Path | None, *, db: str | Path | None = None,
            limits: Limits = Limits(), workers: int | None = None,
            on_start: Callable[[int], None] | None = None,
            on_done: Callable[[dict], None] | None = None) -> CollectResult:
    """Examine the inbox, then write the summary workbook (``out``) and the database (``db``).

    Args:
        inputs: files and directories.
        out: summary .xlsx path, or None for no workbook.
        db: SQLite path, or None for no database.
        limits, workers, on_done: as for :func:`examine_all`.
        on_start: called with the number of files found, before reading starts.
    """
    # An earlier summary saved inside the inbox is our own output, not a department's file.
    ours = {str(Path(p).resolve()) for p in (out, db) if p is not None}
    paths = [p for p in find_inputs(inputs) if str(p.resolve()) not in ours]
    if on_start is not None:
        on_start(len(paths))
    # Records go to disk as they arrive; the summary and the database read them back one at
    # a time, so the collecting process stays the same size whatever the inbox's.
    records = examine_all(paths, limits=limits, workers=workers, on_done=on_done,
                          spool=RecordSpool())
    history = []
    if db is not None and Path(db).exists():
        from selfeval_xl.bureau import store

        con = store.connect(db)
        try:
            history = [Digest(*row) for row in store.digests(con)]
        finally:
            con.close()
    add_cross_deviations(records, history)
    result = CollectResult(records)
    if out is not None:
        from selfeval_xl.bureau.summary_workbook import write_summary

        result.summary_path = write_summary(
            records, out, constant_memory=len(records) > SUMMARY_IN_MEMORY_FILES)
    if db is not None:
        from selfeval_xl.bureau import store

        con = store.connect(db)
        try:
            store.save(con, records)
            result.db_counts = store.counts(con)
        finally:
            con.close()
        result.db_path = Path(db)
    return result
