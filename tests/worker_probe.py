"""Jobs that run in a sandbox worker and say where they run (tests of how workers start).

Small on purpose: a worker started from a fork server imports this module itself (the
service's fork server has already loaded selfeval_xl.web.analysis).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

# Bound now: the tests put analyse_and_tell in analyse_job's place in the server.
from selfeval_xl.web.analysis import analyse_job


def where(pid: int) -> dict:
    """The process ``pid``: its thread count and command line (Linux's /proc)."""
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return {"pid": pid, "threads": len(os.listdir(f"/proc/{pid}/task")), "cmdline": cmdline}


def analyse_and_tell(item) -> dict:
    """analysis.analyse_job, and beside the examined file a JSON note: the worker's parent
    process (which process it was started from) and what the job had to import."""
    before = set(sys.modules)
    result = analyse_job(item)
    note = {"worker": os.getpid(), "parent": where(os.getppid()),
            "imported": sorted(set(sys.modules) - before)}
    Path(item[0] + ".worker.json").write_text(json.dumps(note), encoding="utf-8")
    return result


def task(x: str):
    """The sandbox's cases: a value, a hang, a memory hog, a crash and an exception."""
    if x == "hang":
        time.sleep(60)
    if x == "exit":
        os._exit(7)
    if x == "raise":
        raise ValueError("boom")
    if x == "hog":
        return len(bytearray(4 * 1024 * 1024 * 1024))
    return x.upper()
