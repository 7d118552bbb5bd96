"""LibreOffice headless: convert files and recalculate workbooks.

LibreOffice is the real office suite available everywhere (Linux, CI, servers); the tests
use it as the truth test for the native formulas, and the report uses it to make PDFs.

Every call runs ``soffice`` with its own throw-away user profile, because (1) several
processes may convert at once and LibreOffice refuses to share a profile, and (2) the
profile is where we switch formula recalculation on load to "always" (by default a
command-line conversion keeps the cached values, which XlsxWriter writes as 0) and
switch macro execution off (collected workbooks may be hostile).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

# Environment variable naming the soffice executable explicitly (checked first).
SOFFICE_ENV = "SELFEVAL_SOFFICE"

_CANDIDATES = (
    "soffice",
    "libreoffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
)

# Recalculation modes: 0 = always, 1 = never, 2 = ask. Macro security level 3 = very
# high (only signed macros from trusted locations), plus execution disabled outright.
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstStartWizardCompleted" oor:op="fuse"><value>true</value></prop></item>
</oor:items>
"""

NOT_FOUND_MESSAGE = (
    "未找到 LibreOffice（soffice）。请安装 LibreOffice（Debian/Ubuntu：apt-get install "
    "libreoffice-calc-nogui libreoffice-writer-nogui），或用环境变量 "
    f"{SOFFICE_ENV} 指定 soffice 程序的完整路径。"
)


class LibreOfficeError(RuntimeError):
    """A conversion failed; the message is Chinese and says what to do."""


class LibreOfficeNotFound(LibreOfficeError):
    """soffice is not installed (or not where we looked)."""


def find_soffice() -> str | None:
    """Locate the soffice executable.

    Returns:
        The path of soffice, or None when LibreOffice is not installed.
    """
    explicit = os.environ.get(SOFFICE_ENV)
    if explicit:
        return explicit if Path(explicit).is_file() else shutil.which(explicit)
    for candidate in _CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
        if os.path.isabs(candidate) and Path(candidate).is_file():
            return candidate
    return None


def _write_profile(profile: Path) -> None:
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")


def convert(src: str | os.PathLike, fmt: str, outdir: str | os.PathLike, *,
            timeout: float = 180) -> Path:
    """Convert a file with LibreOffice headless, recalculating every formula on load.

    Args:
        src: the file to convert (.xlsm, .xlsx, .docx …).
        fmt: the target, as soffice's ``--convert-to`` takes it: ``"pdf"``, ``"xlsx"``
            or with an explicit filter, ``"xlsx:Calc MS Excel 2007 XML"``.
        outdir: directory for the result (created if missing).
        timeout: seconds before soffice is killed.

    Returns:
        Path of the converted file (``outdir / (src stem + "." + extension)``).

    Raises:
        LibreOfficeNotFound: soffice is not installed.
        LibreOfficeError: the conversion failed or timed out.
    """
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeNotFound(NOT_FOUND_MESSAGE)
    src = Path(src).resolve()
    if not src.is_file():
        raise LibreOfficeError(f"要转换的文件不存在：{src}")
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    extension = fmt.split(":", 1)[0]
    target = outdir / f"{src.stem}.{extension}"
    with tempfile.TemporaryDirectory(prefix="lo-profile-selfeval-") as tmp:
        profile = Path(tmp) / "profile"
        _write_profile(profile)
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless", "--invisible", "--nologo", "--nodefault", "--nolockcheck",
            "--norestore", "--convert-to", fmt, "--outdir", str(outdir), str(src),
        ]
        # Own process group, so a hung soffice (and its oosplash child) can be killed.
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, env={**os.environ, "HOME": tmp})
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, AttributeError):
                proc.kill()
            proc.communicate()
            raise LibreOfficeError(
                f"LibreOffice 转换超时（{timeout:g} 秒）：{src.name}") from None
    if proc.returncode != 0 or not target.is_file():
        detail = (err or out).decode("utf-8", "replace").strip()[-500:]
        raise LibreOfficeError(
            f"LibreOffice 转换失败（{src.name} → {extension}，退出码 {proc.returncode}）：{detail}")
    return target


def recalculated_values(path: str | os.PathLike, *,
                        timeout: float = 180) -> dict[str, dict[str, object]]:
    """Open a workbook in LibreOffice, recalculate it, and return every non-empty value.

    Args:
        path: the workbook (.xlsx/.xlsm/.ods).
        timeout: seconds before soffice is killed.

    Returns:
        ``{sheet name: {"A1": value}}`` after recalculation (numbers as int/float, text as
        str, dates as datetime, errors as their text such as ``"#NAME?"``).
    """
    from openpyxl import load_workbook  # only needed here

    with tempfile.TemporaryDirectory(prefix="selfeval-recalc-") as tmp:
        converted = convert(path, "xlsx:Calc MS Excel 2007 XML", tmp, timeout=timeout)
        book = load_workbook(converted, data_only=True, read_only=True)
        try:
            values: dict[str, dict[str, object]] = {}
            for sheet in book.worksheets:
                cells: dict[str, object] = {}
                for row in sheet.iter_rows():
                    for cell in row:
                        if getattr(cell, "value", None) is not None:
                            cells[cell.coordinate] = cell.value
                values[sheet.title] = cells
            return values
        finally:
            book.close()
