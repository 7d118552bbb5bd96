"""Backups of a workbook before a write-back: timestamped, never overwritten, the last
few kept.

``自评.xlsm`` → ``自评.bak-20240328-101502.xlsm`` (local time, to the second; a second
write in the same second gets ``-2``, ``-3`` …). The file is created exclusively, so an
earlier backup is never replaced; after a new one is written, all but the newest
:data:`KEEP` backups of that workbook are removed.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

KEEP = 5


def _pattern(path: Path) -> re.Pattern:
    return re.compile(re.escape(path.stem) + r"\.bak-(\d{8}-\d{6})(?:-(\d+))?"
                      + re.escape(path.suffix) + "$")


def backups_of(path: Path) -> list[Path]:
    """This workbook's backups, oldest first."""
    path = Path(path)
    pattern = _pattern(path)
    found = []
    for p in path.parent.iterdir() if path.parent.exists() else ():
        m = pattern.match(p.name)
        if m:
            found.append(((m.group(1), int(m.group(2) or 1)), p))
    return [p for _, p in sorted(found)]


def write_backup(path: Path, data: bytes, *, now: datetime | None = None,
                 keep: int = KEEP) -> Path:
    """Write ``data`` as a new backup of ``path`` (never over an existing file), keep the
    newest ``keep`` backups, and return the new backup's path."""
    path = Path(path)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666
    n = 1
    while True:
        name = f"{path.stem}.bak-{stamp}{'' if n == 1 else f'-{n}'}{path.suffix}"
        target = path.with_name(name)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            n += 1
            continue
        break
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    for old in backups_of(path)[:-keep]:
        old.unlink(missing_ok=True)
    return target
