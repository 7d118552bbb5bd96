"""Jobs that run in a sandbox worker and say where they run (tests of how workers start).

Small on purpose: a worker started from a fork server imports this module itself (the
service's fork server has already loaded selfeval_xl.web.analysis).
"""

from __future__ import annotations

import json
import os
import signal
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


MB = 1024 * 1024


def task(x: str):
    """Every way a sandbox item ends: a value, a hang, a memory hog, an exit code, a kill by
    a signal, an exception, a value that cannot be sent back, one larger than a pipe holds."""
    if x == "hang":
        time.sleep(60)
    if x == "exit":
        os._exit(7)
    if x == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if x == "raise":
        raise ValueError("boom")
    if x == "hog":
        return len(bytearray(4 * 1024 * MB))
    if x == "unpicklable":
        return lambda: None
    if x == "big":
        return "x" * (3 * MB)  # several times a pipe's buffer
    return x.upper()


# How each item of ``task`` ends with a 1 s time limit and a 256 MB memory budget:
# (failure, value, message), the sandbox's own words.
ENDINGS = {
    "a": ("", "A", ""),
    "hang": ("timeout", None, "读取超过 1 秒时限，已中止"),
    "hog": ("memory", None, "读取时内存超出上限，已中止"),
    "exit": ("crash", None, "读取进程异常退出（退出码 7）"),
    "kill": ("crash", None, "读取进程被信号 9 终止（多为内存耗尽）"),
    "raise": ("exception", None, "ValueError: boom"),
    "unpicklable": ("crash", None, "读取进程异常退出（退出码 1）"),
    "big": ("", "x" * (3 * MB), ""),
}

# A pool of two workers given good items among bad ones: each bad one ends alone, the
# worker is replaced, and the good ones after it still get their values.
POOL_ITEMS = ["a", "hang", "hog", "b", "exit", "raise", "c"]
POOL_ENDINGS = [
    ("", "A", ""),
    ("timeout", None, "读取超过 1 秒时限，已中止"),
    ("memory", None, "读取时内存超出上限，已中止"),
    ("", "B", ""),
    ("crash", None, "读取进程异常退出（退出码 7）"),
    ("exception", None, "ValueError: boom"),
    ("", "C", ""),
]
