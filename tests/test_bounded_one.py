"""One file read bounded (bureau/bounded.py ``run_one``, what check, score, report and
export-data use) ends every way one of collect's sandbox workers ends, with the same
outcome: value, timeout, memory, crash by exit code or by signal, exception, a value that
cannot be sent back."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

import worker_probe
from selfeval_xl.bureau.bounded import run_one
from selfeval_xl.bureau.limits import MB
from selfeval_xl.bureau.sandbox import run_bounded

_task = worker_probe.task
EXPECTED = worker_probe.ENDINGS


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


def test_a_parent_thread_holding_stdout_at_the_fork_does_not_stall_the_child():
    # report runs rich's progress thread while the child reads. A thread that holds
    # stdout's buffer lock when the fork happens leaves it held for ever in the child:
    # the child's closing flush of the inherited stream hung until the time limit.
    code = """if True:
        import io, os, sys, threading, time
        from selfeval_xl.bureau.bounded import run_one
        r, w = os.pipe()
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(w, "w")), encoding="utf-8")
        holding = threading.Event()

        def hold_the_lock():
            holding.set()
            sys.stdout.write("x" * (1 << 20))  # nobody reads yet: blocks inside the lock
            sys.stdout.flush()

        def at_fork():  # after run_one's own flush, right before the fork
            threading.Thread(target=hold_the_lock, daemon=True).start()
            holding.wait()
            time.sleep(0.3)

        def drain():
            while os.read(r, 1 << 16):
                pass

        os.register_at_fork(before=at_fork,
                            after_in_parent=lambda: threading.Thread(target=drain,
                                                                     daemon=True).start())
        out = run_one(str.upper, "x", timeout=5.0)
        os.write(2, f"{out.failure}|{out.value}|{out.message}".encode())
        os._exit(0)
    """
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.stderr == "|X|"
