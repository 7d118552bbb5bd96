"""The guards around replacing the officer's workbook (used by :mod:`workbook_writer`).

Kept apart from the part editing so the rules are in one place:

- :func:`target` — a symbolic link is written through: the file it points at is the one
  edited, backed up and locked (replacing the link with a regular file would leave the
  officer's real workbook unchanged);
- :func:`refuse_read_only` — a workbook without write permission (0444) is not replaced
  unless the caller forces it (the officer or an administrator made it read-only);
- :func:`workbook_lock` — an OS lock (``flock`` / ``msvcrt.locking``) on a sibling lock
  file ``.<name>.lock`` held for the whole read–edit–replace, so two of our writers on the
  same workbook (``check --write`` and ``score --write`` at once) take turns instead of
  one silently replacing the other's results; the lock file is removed afterwards;
- :func:`clean_stale_temporaries` — under the lock no other writer of ours is at work on
  this workbook, so a ``.<name>XXXXXXXX.tmp`` beside it was left by a killed write: removed;
- :func:`reopen` — the new bytes are read back with the reader before they replace the
  workbook: a result that would not open again is never written.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

# How long a writer waits for another writer of the same workbook (a write takes well
# under a second; a minute means something is stuck).
LOCK_TIMEOUT = 60.0


class SafeWriteError(Exception):
    """The workbook must not be replaced; the message (Chinese) says why."""


def target(path: Path) -> Path:
    """The file actually written: ``path`` with every symbolic link resolved."""
    return Path(os.path.realpath(path))


def refuse_read_only(path: Path, force: bool) -> None:
    """Refuse a workbook nobody may write to (mode without any write bit), unless forced.

    The permission bits are looked at, not ``os.access``: an administrator (root) may
    write anywhere, yet a file made read-only was made so on purpose.
    """
    mode = path.stat().st_mode
    if not force and not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise SafeWriteError(f"{path.name} 是只读文件，未写入；如确需写入，请先取消只读属性，"
                             "或加 --force。")


def lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


@contextmanager
def workbook_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock of workbook ``path`` (waiting up to ``timeout`` seconds).

    The lock file is removed when the lock is released, so nothing stays beside the
    workbook. That is safe because a waiter that gets the lock checks that the file it
    locked is still the one at the lock's path (a holder may have removed it meanwhile)
    and starts over if not.
    """
    lock = lock_path(path)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:
            raise SafeWriteError(f"无法在 {path.parent} 建立写入锁文件（{exc.strerror or exc}），"
                                 "未写入。") from None
        try:
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    raise SafeWriteError(f"{path.name} 正由另一个程序写入，等待 {timeout:g} 秒后"
                                         "仍未完成，未写入；请稍后重试。")
                time.sleep(0.05)
            if _same_file(fd, lock):
                break
            _unlock(fd)  # removed by the holder before us: lock the new one
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield
    finally:
        try:
            os.unlink(lock)
        except OSError:  # Windows keeps an open file; it is reused next time
            pass
        _unlock(fd)
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, errno.EDEADLK):
            return False
        raise


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def clean_stale_temporaries(*paths: Path) -> list[Path]:
    """Remove what killed writes of ``paths`` left: ``.<name>XXXXXXXX.tmp`` beside each, as
    :func:`selfeval_xl.datafile.write_atomic` names its temporaries (backups are written
    straight to their own new file, write/backups.py). Call under the lock."""
    removed = []
    for path in paths:
        pattern = re.compile(re.escape("." + path.name) + r"[a-z0-9_]{8}\.tmp")
        try:
            entries = list(os.scandir(path.parent))
        except OSError:
            continue
        for entry in entries:
            if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                try:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
                except OSError:
                    pass
    return removed


def reopen(data: bytes, parts=()) -> None:
    """Read the new workbook bytes with the reader; :class:`SafeWriteError` unless every
    part it reads, and every part in ``parts`` (those rewritten), parses with the reader's
    safe parser and the contract's names are found."""
    from selfeval_xl.read.ooxml_source import BookError, OoxmlSource
    from selfeval_xl.read.reader import read_source

    try:
        source = OoxmlSource.from_bytes(data)
        for name in parts:
            source._xml(name)
        result = read_source(source)
    except BookError as exc:
        raise SafeWriteError(f"写入后的工作簿无法再次打开（{exc.message}），未写入；原文件未改动。") from None
    if not result.meta.get("readable", True):
        why = result.findings[0].message if result.findings else "无法读取"
        raise SafeWriteError(f"写入后的工作簿无法再次打开（{why}），未写入；原文件未改动。")
