"""One file read bounded (bureau/bounded.py ``run_one``, what check, score, report and
export-data use) ends every way one of collect's sandbox workers ends, with the same
outcome: value, timeout, memory, crash by exit code or by signal, exception, a value that
cannot be sent back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from selfeval_xl.bureau.bounded import run_one
from selfeval_xl.bureau.limits import MB
from selfeval_xl.bureau.sandbox import run_bounded


def _task(x: str):
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


EXPECTED = {
    "a": ("", "A", ""),
    "hang": ("timeout", None, "读取超过 1 秒时限，已中止"),
    "hog": ("memory", None, "读取时内存超出上限，已中止"),
    "exit": ("crash", None, "读取进程异常退出（退出码 7）"),
    "kill": ("crash", None, "读取进程被信号 9 终止（多为内存耗尽）"),
    "raise": ("exception", None, "ValueError: boom"),
    "unpicklable": ("crash", None, "读取进程异常退出（退出码 1）"),
    "big": ("", "x" * (3 * MB), ""),
}


@pytest.mark.parametrize("item", list(EXPECTED))
def test_one_item_ends_as_a_sandbox_worker_ends(item):
    one = run_one(_task, item, timeout=1.0, memory_bytes=256 * MB)
    pooled = next(run_bounded([item], _task, workers=1, timeout=1.0, memory_bytes=256 * MB))
    assert (one.index, one.failure, one.value, one.message) == (0, *EXPECTED[item])
    assert (pooled.index, pooled.failure, pooled.value, pooled.message) == (0, *EXPECTED[item])


def test_the_deadline_runs_from_the_childs_start_while_the_caller_works():
    done = []
    start = time.monotonic()
    out = run_one(_task, "hang", timeout=1.0, meanwhile=lambda: done.append(time.sleep(0.6)))
    took = time.monotonic() - start
    assert done == [None] and out.failure == "timeout"
    assert 1.0 <= took < 1.5  # not 1.6: the caller's work counted towards the deadline


def test_nothing_printed_before_the_child_starts_is_printed_twice():
    # A child that exits flushes what it inherited unless it was flushed before the fork.
    code = ("import sys; from selfeval_xl.bureau.bounded import run_one; "
            "sys.stdout.write('once'); print(run_one(str.upper, 'x').value)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as piped
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout
    assert out == "onceX\n"


def test_no_child_is_left_behind():
    before = _children()
    for item in ("a", "hang", "exit"):
        run_one(_task, item, timeout=0.5)
    assert _children() == before


def _children() -> set[int]:
    me = str(os.getpid())
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me:
                found.add(int(entry))
    return found
