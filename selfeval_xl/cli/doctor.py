"""``selfeval-xl doctor``: check the local installation and say what is missing and how to fix it.

Every probe of the machine goes through :class:`Probe`, so the checks themselves are plain
functions that tests run against a fake machine (a Windows box with a missing DLL, a Linux
server without LibreOffice …) without touching this one.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import click

from selfeval_xl.cli import main

DIST_NAME = "selfeval-xl"
# The pinned wheels (python-calamine 0.9.1, xlwings 0.37.8) start at 3.11 on Windows.
MIN_PYTHON = (3, 11)

_PIN = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)\s*(;.*)?$")


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report.

    Attributes:
        name: what was checked (Chinese, shown to the officer or IT).
        status: "ok", "missing" (required: exit 1) or "warning" (optional feature off).
        detail: what was found.
        fix: how to fix it ("" when ok).
    """

    name: str
    status: str
    detail: str
    fix: str = ""


class Probe:
    """The machine as the checks see it. Tests replace it with a fake."""

    def platform(self) -> str:
        return sys.platform

    def python_version(self) -> tuple[int, int, int]:
        return tuple(sys.version_info[:3])  # type: ignore[return-value]

    def python_bits(self) -> int:
        return 64 if sys.maxsize > 2**32 else 32

    def prefix(self) -> Path:
        return Path(sys.prefix)

    def executable(self) -> Path:
        return Path(sys.executable)

    def requirements(self) -> list[str]:
        """The project's declared dependencies (``Requires-Dist``), pins included."""
        try:
            return list(metadata.requires(DIST_NAME) or [])
        except metadata.PackageNotFoundError:
            return []

    def version_of(self, dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    def exists(self, path: Path) -> bool:
        return path.exists()

    def import_error(self, module: str) -> str | None:
        """None when ``module`` imports, else the error."""
        import importlib

        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - any failure means the button cannot run
            return f"{type(exc).__name__}: {exc}"
        return None

    def which(self, command: str) -> Path | None:
        found = shutil.which(command)
        return Path(found) if found else None

    def xlwings_user_config(self) -> dict[str, str]:
        """The officer's own ``%USERPROFILE%\\.xlwings\\xlwings.conf`` (KEY → value), as
        xlwings.bas reads it (``"KEY","value"`` a line); empty when there is none."""
        return read_xlwings_conf(Path(os.environ.get("USERPROFILE", Path.home()))
                                 / ".xlwings" / "xlwings.conf")

    def soffice(self) -> str | None:
        from selfeval_xl.render.libreoffice import find_soffice

        return find_soffice()

    def cjk_fonts(self) -> list[str] | None:
        """Font families with Chinese glyphs; None when the font list cannot be read."""
        if sys.platform.startswith("win"):
            fonts = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
            names = ("simsun.ttc", "simhei.ttf", "simfang.ttf", "simkai.ttf", "msyh.ttc")
            return [n for n in names if (fonts / n).exists()]
        fc_list = shutil.which("fc-list")
        if not fc_list:
            return None
        try:
            out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True,
                                 text=True, timeout=30, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        return sorted({line.split(",")[0].strip() for line in out.splitlines() if line.strip()})

    def writable(self, folder: Path) -> str | None:
        """None when a file can be created in ``folder``, else the reason."""
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".selfeval-doctor-"):
                pass
        except OSError as exc:
            return f"{type(exc).__name__}: {exc}"
        return None


def check_python(probe: Probe) -> Check:
    version = probe.python_version()
    text = ".".join(map(str, version)) + f"（{probe.python_bits()} 位）"
    if version[:2] < MIN_PYTHON:
        need = ".".join(map(str, MIN_PYTHON))
        return Check("Python 版本", "missing", text,
                     f"安装 Python {need} 或更高版本（Windows 建议 3.12，64 位，python.org 安装程序），"
                     "再重新 pip install 本项目")
    return Check("Python 版本", "ok", text)


def pins(requirements: list[str]) -> list[tuple[str, str]]:
    """(distribution, pinned version) of every runtime ``name==version`` requirement."""
    out = []
    for req in requirements:
        m = _PIN.match(req)
        if m and "extra" not in (m.group(3) or ""):
            out.append((m.group(1), m.group(2)))
    return out


def check_packages(probe: Probe) -> list[Check]:
    requirements = probe.requirements()
    if not requirements:
        return [Check("selfeval-xl 安装", "missing", "找不到 selfeval-xl 的安装信息",
                      "在项目文件夹运行：python -m pip install .")]
    checks = []
    for dist, pinned in pins(requirements):
        found = probe.version_of(dist)
        if found is None:
            checks.append(Check(f"程序包 {dist}", "missing", f"未安装（需要 {pinned}）",
                                f'python -m pip install "{dist}=={pinned}"'))
        elif found != pinned:
            checks.append(Check(f"程序包 {dist}", "missing", f"已安装 {found}，需要 {pinned}",
                                f'python -m pip install "{dist}=={pinned}"'))
        else:
            checks.append(Check(f"程序包 {dist}", "ok", found))
    return checks


def dll_name(xlwings_version: str, bits: int) -> str:
    return f"xlwings{bits}-{xlwings_version}.dll"


def check_xlwings_dll(probe: Probe) -> Check | None:
    """Windows only: the DLL the workbook's VBA declares must sit where xlwings.bas loads it.

    The DLL is loaded into Excel, so its bitness follows Office's, not Python's: the
    xlwings wheel installs both (in ``sys.prefix``; for a virtualenv
    ``venv\\Scripts\\python.exe`` xlwings.bas looks one folder up, which is ``sys.prefix``).
    """
    if not probe.platform().startswith("win"):
        return None
    version = probe.version_of("xlwings")
    if version is None:
        return None  # already reported by check_packages
    exe_dir = probe.executable().parent
    folders = [probe.prefix(), exe_dir, exe_dir.parent]
    found = {bits: next((f / dll_name(version, bits) for f in folders
                         if probe.exists(f / dll_name(version, bits))), None)
             for bits in (64, 32)}
    fix = f'python -m pip install --force-reinstall "xlwings=={version}"'
    if found[64] and found[32]:
        return Check("xlwings DLL", "ok", f"{found[64]}；{found[32].name}")
    if found[64] or found[32]:
        bits, path = (64, found[64]) if found[64] else (32, found[32])
        return Check("xlwings DLL", "warning", f"只有 {path}：仅 {bits} 位 Office 可用", fix)
    return Check("xlwings DLL", "missing",
                 f"找不到 {dll_name(version, 64)} 和 {dll_name(version, 32)}（查找了 {folders[0]}）",
                 fix)


def read_xlwings_conf(path: Path) -> dict[str, str]:
    """``"KEY","value"`` lines (VBA's ``Input #``) → {KEY upper-cased: value}."""
    try:
        text = path.read_text(encoding="mbcs" if sys.platform.startswith("win") else "utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    found = {}
    for line in text.splitlines():
        m = re.match(r'^\s*"([^"]*)"\s*,\s*"([^"]*)"\s*$', line)
        if m:
            found.setdefault(m.group(1).upper(), m.group(2))
    return found


def interpreter_lines(folder) -> tuple[str, str]:
    """Where to name this Python for xlwings: (the xlwings.conf sheet row, the user config
    line). ``python.exe``, not ``pythonw.exe``: the buttons run it through cmd.exe and the
    UDFs through xlwings' DLL, which hides its window either way."""
    exe = f"{folder}\\python.exe"
    return (f"工作簿“xlwings.conf”工作表 A 列第一个空行填 Interpreter_Win，同一行 B 列填 {exe}",
            f'文件 %USERPROFILE%\\.xlwings\\xlwings.conf 中加一行："INTERPRETER_WIN","{exe}"')


def check_excel_python(probe: Probe) -> Check | None:
    """Windows only: the Python that Excel will start must be the one selfeval-xl is in.

    The workbook's ``xlwings.conf`` sheet names no interpreter, so xlwings takes
    Interpreter_Win from the officer's own ``%USERPROFILE%\\.xlwings\\xlwings.conf`` when it
    is set there, else the buttons start ``python`` and the UDFs ``pythonw`` from PATH (and
    Windows finds the xlwings DLL through PATH too). Both must be this Python.
    """
    if not probe.platform().startswith("win"):
        return None
    name = "Excel 启动的 Python"
    mine = probe.executable().parent
    sheet_row, user_line = interpreter_lines(mine)
    fix = f"{sheet_row}；或在{user_line}"
    configured = probe.xlwings_user_config().get("INTERPRETER_WIN", "").strip()
    if configured:
        path = type(mine)(configured)
        if not probe.exists(path):
            return Check(name, "missing", f"xlwings 用户配置的 Interpreter_Win 是 {configured}，该文件不存在", fix)
        if str(path.parent).lower() != str(mine).lower():
            return Check(name, "missing",
                         f"xlwings 用户配置的 Interpreter_Win 是 {configured}，而 selfeval-xl 装在 {mine}", fix)
        return Check(name, "ok", f"{configured}（xlwings 用户配置）")
    found = {command: probe.which(command) for command in ("python", "pythonw")}
    for command, role in (("python", "按钮"), ("pythonw", "自定义函数")):
        path = found[command]
        if path is None:
            return Check(name, "missing", f"PATH 中没有 {command}.exe，{role}会报“找不到解释器”",
                         "重新运行 Python 安装程序，选 Modify 并勾选“Add Python to environment "
                         f"variables”；或在{fix}")
        if str(path.parent).lower() != str(mine).lower():
            return Check(name, "missing", f"PATH 中的 {command} 是 {path}，而 selfeval-xl 装在 {mine}",
                         f"把 {mine} 移到 PATH 最前面；或在{fix}")
    return Check(name, "ok", f"{found['python']}（按钮）；{found['pythonw'].name}（自定义函数）")


# What the workbook asks Python to import: the buttons' module and the UDF module.
EXCEL_MODULES = ("selfeval_xl.excel", "udfs.selfeval_udfs")


def check_excel_modules(probe: Probe) -> list[Check]:
    checks = []
    for module in EXCEL_MODULES:
        error = probe.import_error(module)
        if error is None:
            checks.append(Check(f"模块 {module}", "ok", "可以导入"))
        else:
            checks.append(Check(f"模块 {module}", "missing", error,
                                "在项目文件夹重新运行：python -m pip install ."))
    return checks


def check_libreoffice(probe: Probe) -> Check:
    found = probe.soffice()
    if found:
        return Check("LibreOffice（PDF 与无 Excel 重算）", "ok", found)
    fix = ("Debian/Ubuntu：apt-get install libreoffice-calc-nogui libreoffice-writer-nogui；"
           "Windows：从 libreoffice.org 安装")
    return Check("LibreOffice（PDF 与无 Excel 重算）", "warning", "未找到 soffice，报告只生成 .docx", fix)


def check_fonts(probe: Probe) -> Check:
    fonts = probe.cjk_fonts()
    if fonts is None:
        return Check("中文字体（PDF）", "warning", "无法列出字体（没有 fc-list）",
                     "Debian/Ubuntu：apt-get install fontconfig fonts-noto-cjk")
    if not fonts:
        return Check("中文字体（PDF）", "warning", "没有中文字体，PDF 中的汉字会显示为方框",
                     "Debian/Ubuntu：apt-get install fonts-noto-cjk；Windows 自带宋体、黑体、仿宋、楷体")
    shown = "、".join(fonts[:4]) + ("……" if len(fonts) > 4 else "")
    return Check("中文字体（PDF）", "ok", f"{len(fonts)} 种：{shown}")


def check_folder(probe: Probe, folder: Path) -> Check:
    reason = probe.writable(folder)
    if reason is None:
        return Check("文件夹可写", "ok", str(folder))
    return Check("文件夹可写", "missing", f"{folder}：{reason}",
                 "把工作簿放在可写的文件夹（如“文档”下），不要放在只读的网络盘或压缩包里")


def run_doctor(probe: Probe, folder: Path) -> list[Check]:
    """All checks, in the order they are printed."""
    checks = [check_python(probe), *check_packages(probe), *check_excel_modules(probe)]
    for optional in (check_xlwings_dll(probe), check_excel_python(probe)):
        if optional is not None:
            checks.append(optional)
    checks += [check_libreoffice(probe), check_fonts(probe), check_folder(probe, folder)]
    return checks


_MARK = {"ok": "正常", "missing": "缺少", "warning": "提示"}


@main.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出各项检查。")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path), default=".",
              metavar="目录", show_default=True, help="将写入工作簿和报告的文件夹。")
def doctor(as_json: bool, folder: Path) -> None:
    """检查本机安装：Python、固定版本的依赖包、xlwings DLL、LibreOffice、中文字体、可写文件夹。

    缺少必需的组件时退出码为 1。

    示例：

        selfeval-xl doctor
        selfeval-xl doctor --json --folder D:\\自评
    """
    checks = run_doctor(Probe(), folder)
    failed = any(c.status == "missing" for c in checks)
    if as_json:
        click.echo(json.dumps({"ok": not failed, "platform": platform.platform(),
                               "checks": [asdict(c) for c in checks]},
                              ensure_ascii=False, indent=2))
    else:
        for c in checks:
            click.echo(f"[{_MARK[c.status]}] {c.name}：{c.detail}")
            if c.fix:
                click.echo(f"        解决：{c.fix}")
        click.echo("需要的组件都已就绪。" if not failed else "有必需的组件缺少，请按上面的“解决”处理。")
    sys.exit(1 if failed else 0)
