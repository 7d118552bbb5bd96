"""Prove that two versions of the code collect an inbox alike: records, summary, database.

Each version runs ``collect`` on the same inbox in its own child process (its own
``PYTHONPATH``), writing the summary workbook and the database; then this script compares

- **records**: every record as canonical JSON (sorted keys, exact text), byte for byte,
  leaving out only ``seconds`` (how long the file took);
- **the summary workbook**: every part of the .xlsx zip, byte for byte; a part that
  differs is compared again with its ISO timestamps (the run's time, written in 说明 and
  in the document properties) masked, and reported either way;
- **the database**: every row of every table, leaving out the two timestamp columns
  (``first_collected_at``, ``last_collected_at``) and nothing else.

The reference is a git revision of this repository (``--ref-rev``, default ``main``,
exported with ``git archive`` into a temporary folder) or a folder holding a
``selfeval_xl`` package (``--ref``); the new side is this checkout (or ``--new``).

Usage:
    python bench/compare_collect.py --inbox INBOX [--ref-rev main | --ref DIR] [--new DIR]
                                    [--workers 2] [--keep DIR]

Exits 0 when records and database are equal and the summary differs at most in its
timestamps, 1 otherwise (printing the first differences).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMESTAMP = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")
DB_TIME_COLUMNS = {"first_collected_at", "last_collected_at"}


def child(inbox: str, out: str, workers: int) -> None:
    """Run collect in this process (the PYTHONPATH chooses the code) and dump its records."""
    from selfeval_xl.bureau.collect import collect

    out_dir = Path(out)
    result = collect([inbox], out_dir / "summary.xlsx", db=out_dir / "bureau.sqlite",
                     workers=workers)
    with open(out_dir / "records.jsonl", "w", encoding="utf-8") as fh:
        for rec in result.records:
            rec = {k: v for k, v in rec.items() if k != "seconds"}
            fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")


def _run(code_dir: Path, inbox: Path, out: Path, workers: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(code_dir)}
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(inbox),
                    str(out), str(workers)], check=True, env=env)


def _export(rev: str, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "selfeval_xl", "udfs"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def compare_records(a: Path, b: Path) -> list[str]:
    ra = (a / "records.jsonl").read_bytes().splitlines()
    rb = (b / "records.jsonl").read_bytes().splitlines()
    problems = []
    if len(ra) != len(rb):
        problems.append(f"records: {len(ra)} against {len(rb)}")
    for i, (x, y) in enumerate(zip(ra, rb)):
        if x != y:
            xa, yb = json.loads(x), json.loads(y)
            keys = sorted(k for k in set(xa) | set(yb) if xa.get(k) != yb.get(k))
            problems.append(f"record {i} ({xa.get('file_name')}): differs in {keys}")
            if len(problems) > 10:
                break
    return problems


def compare_summary(a: Path, b: Path) -> tuple[list[str], list[str]]:
    """(problems, parts differing only in their timestamps)."""
    za, zb = zipfile.ZipFile(a / "summary.xlsx"), zipfile.ZipFile(b / "summary.xlsx")
    na, nb = za.namelist(), zb.namelist()
    if na != nb:
        return [f"summary parts differ: {sorted(set(na) ^ set(nb))}"], []
    problems, stamped = [], []
    for name in na:
        x, y = za.read(name), zb.read(name)
        if x == y:
            continue
        if TIMESTAMP.sub(b"T", x) == TIMESTAMP.sub(b"T", y):
            stamped.append(name)
        else:
            problems.append(f"summary part {name} differs")
    return problems, stamped


def _table_rows(path: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out = {}
        for t in tables:
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{t}")')]
            keep = [c for c in cols if c not in DB_TIME_COLUMNS]
            sel = ", ".join(f'"{c}"' for c in keep)
            out[t] = sorted(con.execute(f'SELECT {sel} FROM "{t}"').fetchall(), key=repr)
        return out
    finally:
        con.close()


def compare_db(a: Path, b: Path) -> list[str]:
    ta, tb = _table_rows(a / "bureau.sqlite"), _table_rows(b / "bureau.sqlite")
    if ta.keys() != tb.keys():
        return [f"database tables differ: {sorted(set(ta) ^ set(tb))}"]
    return [f"database table {t}: {len(ta[t])} against {len(tb[t])} rows, contents differ"
            for t in ta if ta[t] != tb[t]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inbox", type=Path)
    ap.add_argument("--ref", type=Path, help="folder holding the reference selfeval_xl package")
    ap.add_argument("--ref-rev", default="main", help="git revision to export as the reference")
    ap.add_argument("--new", type=Path, default=ROOT, help="folder holding the new code")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="write both runs' outputs here (kept)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return 0
    if args.inbox is None:
        ap.error("--inbox is required")

    with tempfile.TemporaryDirectory(prefix="selfeval-compare-") as tmp:
        work = args.keep or Path(tmp)
        ref = args.ref or _export(args.ref_rev, Path(tmp) / "ref-code")
        _run(ref, args.inbox, work / "ref", args.workers)
        _run(args.new, args.inbox, work / "new", args.workers)
        n = len((work / "ref" / "records.jsonl").read_bytes().splitlines())
        problems = compare_records(work / "ref", work / "new")
        print(f"records: {n} compared as canonical JSON (all keys but 'seconds'): "
              + ("byte-identical" if not problems else f"{len(problems)} differ"))
        summary_problems, stamped = compare_summary(work / "ref", work / "new")
        print("summary workbook: every part byte-identical" + (
            f" except the timestamps in {', '.join(stamped)}" if stamped else "")
              if not summary_problems else "summary workbook: DIFFERS")
        db_problems = compare_db(work / "ref", work / "new")
        print("database: every row of every table equal (timestamp columns "
              f"{', '.join(sorted(DB_TIME_COLUMNS))} left out)" if not db_problems
              else "database: DIFFERS")
        problems += summary_problems + db_problems
        for p in problems[:20]:
            print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
