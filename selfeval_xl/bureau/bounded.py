"""One file read in a child process bounded in time and memory, and what the sandbox's
workers share: an item's :class:`Outcome`, the memory limit, the failure messages.

:mod:`selfeval_xl.bureau.sandbox` runs a pool of workers for an inbox; a command that reads
one file (``check``, ``score``, ``report``, ``export-data``) needs one child for one item.
:func:`run_one` gives it the same limits and the same outcomes with a bare ``os.fork`` and
a pipe where there is one (POSIX): no multiprocessing to import and no worker protocol
to set up, a few milliseconds of an officer's wait (docs/report.md, start-up). The caller
may do work of its own while the child reads (``meanwhile``): the child's deadline runs
from its start all the same.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

try:  # POSIX only; on Windows the time limit still applies
    import resource
except ImportError:  # pragma: no cover
    resource = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Outcome:
    """What happened to one item.

    Attributes:
        index: position of the item in the input sequence.
        value: the function's return value when ``failure`` is "".
        failure: "" on success, else "timeout", "memory", "crash" or "exception".
        message: Chinese explanation of the failure.
        seconds: wall time the item took.
    """

    index: int
    value: Any = None
    failure: str = ""
    message: str = ""
    seconds: float = 0.0


def _address_space() -> int:
    """Current virtual size of this process in bytes (Linux), else 0."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def limit_memory(budget: int) -> None:
    """Let this process grow by ``budget`` bytes of address space at most (0: no limit)."""
    if resource is None or budget <= 0:
        return
    limit = _address_space() + budget
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # not permitted here: the time limit still holds
        pass


# Exit status of a worker that ran out of memory (so the parent can say so even when the
# worker could not send its report).
MEMORY_EXIT = 86
MEMORY_MESSAGE = "读取时内存超出上限，已中止"


def apply(fn: Callable[[Any], Any], item: Any) -> tuple[Any, str, str]:
    """``fn(item)`` as a worker runs it: (value, failure, message)."""
    value, failure, message = None, "", ""
    try:
        value = fn(item)
    except MemoryError:
        failure, message = "memory", MEMORY_MESSAGE
    except BaseException as exc:  # noqa: BLE001 - one file must never stop the run
        failure, message = "exception", f"{type(exc).__name__}: {exc}"[:500]
    return value, failure, message


def died(index: int, code: int | None, seconds: float) -> Outcome:
    """The outcome of a worker that ended without a word, by its exit code (negative: the
    signal that ended it)."""
    if code == MEMORY_EXIT:
        return Outcome(index, None, "memory", MEMORY_MESSAGE, seconds)
    if code is not None and code < 0:
        how = f"被信号 {-code} 终止（多为内存耗尽）"
    else:
        how = f"异常退出（退出码 {code}）"
    return Outcome(index, None, "crash", f"读取进程{how}", seconds)


def timed_out(index: int, timeout: float, seconds: float) -> Outcome:
    return Outcome(index, None, "timeout", f"读取超过 {timeout:g} 秒时限，已中止", seconds)


def run_one(fn: Callable[[Any], Any], item: Any, *, timeout: float = 60.0,
            memory_bytes: int = 0, meanwhile: Callable[[], object] | None = None) -> Outcome:
    """``fn(item)`` in a child process, as one of :func:`sandbox.run_bounded`'s workers
    would run it (same limits, same outcomes, index 0).

    Args:
        fn: a module-level function; its value must pickle.
        item: its argument.
        timeout: seconds the item may take, counted from the child's start.
        memory_bytes: address space the child may grow by (0: no limit).
        meanwhile: called in this process once the child runs (work the caller needs next).
    """
    if not hasattr(os, "fork"):  # Windows: the sandbox's spawned worker
        from selfeval_xl.bureau.sandbox import run_bounded

        runs = run_bounded([item], fn, workers=1, timeout=timeout, memory_bytes=memory_bytes)
        if meanwhile is not None:
            meanwhile()
        return next(runs)
    for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    read_end, write_end = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.close(read_end)
            code = _child(write_end, fn, item, memory_bytes)
        finally:
            os._exit(code)
    os.close(write_end)
    reaped = False
    try:
        if meanwhile is not None:
            meanwhile()
        data, deadline = bytearray(), started + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read_end], [], [], left)[0]:
                return timed_out(0, timeout, time.monotonic() - started)
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            data += chunk
        seconds = time.monotonic() - started
        _, status = os.waitpid(pid, 0)
        reaped = True
        try:
            failure, value, message = pickle.loads(data)
        except Exception:  # noqa: BLE001 - nothing or half a report: it died
            return died(0, os.waitstatus_to_exitcode(status), seconds)
        return Outcome(0, value, failure, message, seconds)
    finally:
        os.close(read_end)
        if not reaped:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)


def own_streams() -> None:
    """Give the child stream objects of its own over the same descriptors 1 and 2.

    The parent may run threads that write (``report``'s progress display): one of them may
    hold a stream's buffer lock at the moment of the fork, and in the child that lock is
    never released, so the inherited stream's flush at the end would wait until the time
    limit and the file would be called too slow to read. What the parent had buffered was
    flushed before the fork; what the child writes goes out through these.
    """
    for name, fd in (("stdout", 1), ("stderr", 2)):
        old = getattr(sys, name)
        try:
            new = open(fd, "w", encoding=getattr(old, "encoding", None) or "utf-8",  # noqa: SIM115
                       errors="backslashreplace", buffering=1, closefd=False)
        except (OSError, ValueError):  # the descriptor is closed: nothing to write to
            new = None
        setattr(sys, name, new)


def _child(fd: int, fn: Callable[[Any], Any], item: Any, memory_bytes: int) -> int:
    """Run the item, write its report to ``fd``; the exit status."""
    own_streams()
    limit_memory(memory_bytes)
    value, failure, message = apply(fn, item)
    try:
        data = pickle.dumps((failure, value, message), protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except MemoryError:
        return MEMORY_EXIT
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
    return MEMORY_EXIT if failure == "memory" else 0
