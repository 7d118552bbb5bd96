"""Run one function per file in worker processes, each file bounded in time and memory.

Why not ``concurrent.futures.ProcessPoolExecutor``: a running future cannot be cancelled,
so a file that hangs could only be stopped by breaking the whole pool and every file in
it. Here each worker is a process with a pipe; the parent hands it one file at a time,
waits on all pipes and process sentinels with the nearest deadline as timeout, and when a
file overruns or its worker dies (memory limit, crash) only that worker is killed and
replaced, and the file gets an outcome saying why. The rest of the inbox goes on.

Memory: each worker lowers its own ``RLIMIT_AS`` to its current address space plus the
per-file budget, so an allocation beyond it fails with ``MemoryError`` inside the worker
(which then reports and exits) instead of exhausting the machine.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from selfeval_xl.bureau.bounded import (  # noqa: F401 - Outcome and the exit code: sandbox's API
    MEMORY_EXIT, MEMORY_MESSAGE, Outcome, apply, died, limit_memory, own_streams, timed_out)


def _context() -> mp.context.BaseContext:
    # fork: workers start in milliseconds with every module already imported. Right for a
    # single-threaded caller (the CLI); a threaded one (the service) passes ``context``.
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def _worker_main(conn: Connection, fn: Callable[[Any], Any], memory_bytes: int) -> None:
    own_streams()  # collect's progress bar is a thread of the parent (bounded.own_streams)
    limit_memory(memory_bytes)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        index, item = msg
        # apply() has returned: the traceback (and the memory it pins) is released.
        value, failure, message = apply(fn, item)
        try:
            conn.send((index, failure, value, message))
        except MemoryError:
            os._exit(MEMORY_EXIT)
        if failure == "memory":
            os._exit(MEMORY_EXIT)  # the heap may be in any state: start afresh


class _Worker:
    def __init__(self, ctx: mp.context.BaseContext, fn: Callable, memory_bytes: int) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, fn, memory_bytes), daemon=True)
        self.proc.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


def run_bounded(items: Sequence[Any], fn: Callable[[Any], Any], *, workers: int | None = None,
                timeout: float = 60.0, memory_bytes: int = 0,
                context: mp.context.BaseContext | None = None) -> Iterator[Outcome]:
    """Apply ``fn`` to every item in worker processes; yield outcomes as they finish.

    Args:
        items: picklable inputs (paths).
        fn: a module-level function (it runs in the workers).
        workers: number of processes (default: ``os.cpu_count()``, at most len(items)).
        timeout: seconds per item; an item past it is stopped and its worker replaced.
        memory_bytes: extra address space a worker may use (0: no limit).
        context: the multiprocessing context workers start in (default: "fork" where
            there is one). Forking a process that runs other threads copies the locks they
            hold into the worker, so a threaded caller passes a "forkserver" context
            (``selfeval_xl.web.workers``); the limits and outcomes are the same in both.

    Yields:
        One :class:`Outcome` per item, in completion order.
    """
    if not items:
        return
    ctx = context or _context()
    n = max(1, min(workers or os.cpu_count() or 1, len(items)))
    queue = deque(range(len(items)))
    pool = [_Worker(ctx, fn, memory_bytes) for _ in range(n)]
    try:
        while queue or any(w.task is not None for w in pool):
            for i, w in enumerate(pool):
                if w.task is None and queue:
                    if not w.proc.is_alive():  # died while idle: never hand it a file
                        w.kill()
                        pool[i] = w = _Worker(ctx, fn, memory_bytes)
                    w.task = queue.popleft()
                    w.started = time.monotonic()
                    try:
                        w.conn.send((w.task, items[w.task]))
                    except OSError:  # it died just now: the wait below reports a crash
                        pass
            busy = [w for w in pool if w.task is not None]
            wait_for = min(w.started + timeout for w in busy) - time.monotonic()
            ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy],
                             timeout=max(0.0, wait_for)))
            now = time.monotonic()
            for i, w in enumerate(pool):
                if w.task is None:
                    continue
                outcome, recycle = _collect(w, ready, now, timeout)
                if outcome is None:
                    continue
                yield outcome
                w.task = None
                if recycle:
                    w.kill()
                    pool[i] = _Worker(ctx, fn, memory_bytes)
    finally:
        for w in pool:
            try:
                if w.task is None and w.proc.is_alive():
                    w.conn.send(None)
            except OSError:
                pass
            w.kill()


def _collect(w: _Worker, ready: set, now: float, timeout: float) -> tuple[Outcome | None, bool]:
    """The outcome of worker ``w``'s item if it is over (and whether to replace the worker)."""
    seconds = now - w.started
    if w.conn in ready:
        try:
            index, failure, value, message = w.conn.recv()
            return Outcome(index, value, failure, message, seconds), failure == "memory"
        except (EOFError, OSError):
            pass  # died without a word: handled as a crash below
    if w.conn in ready or w.proc.sentinel in ready:
        w.proc.join(1)
        return died(w.task, w.proc.exitcode, seconds), True
    if seconds >= timeout:
        return timed_out(w.task, timeout, seconds), True
    return None, False
