"""selfeval-xl doctor: each check against a fake machine, and the command's output and exit code."""

from __future__ import annotations

import json
from pathlib import Path, PureWindowsPath

from click.testing import CliRunner

from selfeval_xl.cli import doctor as doc
from selfeval_xl.cli import main

REQUIRES = [
    "xlwings==0.37.8",
    "openpyxl==3.1.5",
    'pytest==9.2.0; extra == "test"',
]


class FakeProbe(doc.Probe):
    """A machine described by attributes; nothing real is probed."""

    def __init__(self, **kw):
        self.plat = kw.get("plat", "linux")
        self.py = kw.get("py", (3, 11, 7))
        self.bits = kw.get("bits", 64)
        self.versions = kw.get("versions", {"xlwings": "0.37.8", "openpyxl": "3.1.5"})
        self.requires = kw.get("requires", REQUIRES)
        self.files = set(kw.get("files", ()))
        self.office = kw.get("soffice", "/usr/bin/soffice")
        self.fonts = kw.get("fonts", ["Noto Sans CJK SC"])
        self.unwritable = kw.get("unwritable")
        self.broken = kw.get("broken", {})
        self.pre = kw.get("prefix", PureWindowsPath(r"C:\Py311"))
        self.exe = kw.get("exe", PureWindowsPath(r"C:\Py311\python.exe"))
        self.on_path = {"pythonw": kw.get("pythonw", PureWindowsPath(r"C:\Py311\pythonw.exe")),
                        "python": kw.get("python", PureWindowsPath(r"C:\Py311\python.exe"))}
        self.user_conf = kw.get("user_conf", {})

    def platform(self):
        return self.plat

    def python_version(self):
        return self.py

    def python_bits(self):
        return self.bits

    def prefix(self):
        return self.pre

    def executable(self):
        return self.exe

    def requirements(self):
        return list(self.requires)

    def version_of(self, dist):
        return self.versions.get(dist)

    def exists(self, path):
        return str(path) in self.files

    def import_error(self, module):
        return self.broken.get(module)

    def which(self, command):
        return self.on_path[command]

    def xlwings_user_config(self):
        return dict(self.user_conf)

    def soffice(self):
        return self.office

    def cjk_fonts(self):
        return self.fonts

    def writable(self, folder):
        return self.unwritable


def statuses(checks):
    return [(c.name, c.status) for c in checks]


def test_linux_all_present_is_ok():
    checks = doc.run_doctor(FakeProbe(), Path("/data"))
    assert statuses(checks) == [
        ("Python 版本", "ok"),
        ("程序包 xlwings", "ok"),
        ("程序包 openpyxl", "ok"),
        ("模块 selfeval_xl.excel", "ok"),
        ("模块 udfs.selfeval_udfs", "ok"),
        ("LibreOffice（PDF 与无 Excel 重算）", "ok"),
        ("中文字体（PDF）", "ok"),
        ("文件夹可写", "ok"),
    ]


def test_pins_skip_extras_and_unpinned():
    assert doc.pins(["a==1.0", 'b==2; extra == "test"', "c>=3", "d == 4 ; python_version>'3'"]) == [
        ("a", "1.0"), ("d", "4")]


def test_wrong_and_missing_package_versions_are_missing_with_the_pip_command():
    probe = FakeProbe(versions={"xlwings": "0.33.1"})
    checks = {c.name: c for c in doc.run_doctor(probe, Path("."))}
    assert checks["程序包 xlwings"].status == "missing"
    assert checks["程序包 xlwings"].detail == "已安装 0.33.1，需要 0.37.8"
    assert checks["程序包 xlwings"].fix == 'python -m pip install "xlwings==0.37.8"'
    assert checks["程序包 openpyxl"].detail == "未安装（需要 3.1.5）"


def test_module_excel_imports_must_import():
    probe = FakeProbe(broken={"udfs.selfeval_udfs": "ModuleNotFoundError: No module named 'udfs'"})
    checks = {c.name: c for c in doc.run_doctor(probe, Path("."))}
    assert checks["模块 udfs.selfeval_udfs"].status == "missing"
    assert checks["模块 selfeval_xl.excel"].status == "ok"


def test_real_probe_imports():
    assert doc.Probe().import_error("selfeval_xl.excel") is None
    assert doc.Probe().import_error("selfeval_xl.no_such_module").startswith("ModuleNotFoundError")


def test_old_python_is_missing():
    check = doc.check_python(FakeProbe(py=(3, 9, 13)))
    assert (check.status, check.detail) == ("missing", "3.9.13（64 位）")


def test_not_installed_project_is_missing():
    checks = doc.check_packages(FakeProbe(requires=[]))
    assert statuses(checks) == [("selfeval-xl 安装", "missing")]


def test_windows_dll_found_in_prefix_or_venv_root():
    base = dict(plat="win32")
    both = {r"C:\Py311\xlwings64-0.37.8.dll", r"C:\Py311\xlwings32-0.37.8.dll"}
    assert doc.check_xlwings_dll(FakeProbe(**base, files=both)).status == "ok"
    venv = FakeProbe(**base, prefix=PureWindowsPath(r"D:\env"),
                     exe=PureWindowsPath(r"D:\env\Scripts\python.exe"),
                     files={r"D:\env\xlwings64-0.37.8.dll", r"D:\env\xlwings32-0.37.8.dll"})
    assert doc.check_xlwings_dll(venv).detail == r"D:\env\xlwings64-0.37.8.dll；xlwings32-0.37.8.dll"
    only64 = doc.check_xlwings_dll(FakeProbe(**base, files={r"C:\Py311\xlwings64-0.37.8.dll"}))
    assert (only64.status, only64.detail) == (
        "warning", r"只有 C:\Py311\xlwings64-0.37.8.dll：仅 64 位 Office 可用")


def test_windows_missing_dll_is_missing():
    checks = {c.name: c for c in doc.run_doctor(FakeProbe(plat="win32"), Path("."))}
    assert checks["xlwings DLL"].status == "missing"
    assert checks["xlwings DLL"].detail == (
        r"找不到 xlwings64-0.37.8.dll 和 xlwings32-0.37.8.dll（查找了 C:\Py311）")
    assert checks["xlwings DLL"].fix == 'python -m pip install --force-reinstall "xlwings==0.37.8"'

    assert checks["Excel 启动的 Python"].status == "ok"


SHEET_ROW = r"工作簿“xlwings.conf”工作表 A 列第一个空行填 Interpreter_Win，同一行 B 列填 C:\Py311\python.exe"
USER_LINE = r'文件 %USERPROFILE%\.xlwings\xlwings.conf 中加一行："INTERPRETER_WIN","C:\Py311\python.exe"'


def test_windows_python_excel_starts_must_be_ours():
    none = doc.check_excel_python(FakeProbe(plat="win32", pythonw=None))
    assert (none.status, none.detail) == ("missing", "PATH 中没有 pythonw.exe，自定义函数会报“找不到解释器”")
    assert none.fix.endswith(f"；或在{SHEET_ROW}；或在{USER_LINE}")
    no_python = doc.check_excel_python(FakeProbe(plat="win32", python=None))
    assert no_python.detail == "PATH 中没有 python.exe，按钮会报“找不到解释器”"
    other = doc.check_excel_python(FakeProbe(plat="win32",
                                             python=PureWindowsPath(r"C:\Py39\python.exe")))
    assert other.status == "missing"
    assert other.detail == r"PATH 中的 python 是 C:\Py39\python.exe，而 selfeval-xl 装在 C:\Py311"
    assert other.fix == rf"把 C:\Py311 移到 PATH 最前面；或在{SHEET_ROW}；或在{USER_LINE}"
    same = doc.check_excel_python(FakeProbe(plat="win32",
                                            pythonw=PureWindowsPath(r"c:\py311\PYTHONW.EXE")))
    assert (same.status, same.detail) == (
        "ok", r"C:\Py311\python.exe（按钮）；PYTHONW.EXE（自定义函数）")


def test_the_officers_own_xlwings_conf_is_honoured():
    # Interpreter_Win in %USERPROFILE%\.xlwings\xlwings.conf wins over PATH (the workbook's
    # sheet names none), so an Anaconda or venv machine is checked against that path.
    venv = r"C:\envs\se\Scripts\python.exe"
    conf = {"INTERPRETER_WIN": venv}
    ours = doc.check_excel_python(FakeProbe(plat="win32", user_conf=conf, files=[venv],
                                            exe=PureWindowsPath(venv), python=None, pythonw=None))
    assert (ours.status, ours.detail) == ("ok", venv + "（xlwings 用户配置）")
    gone = doc.check_excel_python(FakeProbe(plat="win32", user_conf=conf))
    assert (gone.status, gone.detail) == (
        "missing", f"xlwings 用户配置的 Interpreter_Win 是 {venv}，该文件不存在")
    assert gone.fix == f"{SHEET_ROW}；或在{USER_LINE}"
    elsewhere = doc.check_excel_python(FakeProbe(plat="win32", user_conf=conf, files=[venv]))
    assert elsewhere.detail == f"xlwings 用户配置的 Interpreter_Win 是 {venv}，而 selfeval-xl 装在 C:\\Py311"


def test_user_config_is_read_as_xlwings_reads_it(tmp_path):
    conf = tmp_path / "xlwings.conf"
    conf.write_text('"INTERPRETER_WIN","C:\\envs\\se\\Scripts\\python.exe"\n'
                    '"UDF MODULES","other"\nnot a setting\n"Conda Env",""\n', encoding="utf-8")
    assert doc.read_xlwings_conf(conf) == {
        "INTERPRETER_WIN": r"C:\envs\se\Scripts\python.exe", "UDF MODULES": "other",
        "CONDA ENV": ""}
    assert doc.read_xlwings_conf(tmp_path / "missing.conf") == {}


def test_linux_has_no_dll_check():
    assert doc.check_xlwings_dll(FakeProbe()) is None
    assert doc.check_excel_python(FakeProbe()) is None


def test_optional_parts_are_warnings():
    probe = FakeProbe(soffice=None, fonts=[])
    checks = {c.name: c for c in doc.run_doctor(probe, Path("."))}
    assert checks["LibreOffice（PDF 与无 Excel 重算）"].status == "warning"
    assert checks["中文字体（PDF）"].status == "warning"
    assert doc.check_fonts(FakeProbe(fonts=None)).detail == "无法列出字体（没有 fc-list）"


def test_unwritable_folder_is_missing():
    check = doc.check_folder(FakeProbe(unwritable="PermissionError: denied"), Path("/ro"))
    assert (check.status, check.detail) == ("missing", "/ro：PermissionError: denied")


def test_real_probe_writable(tmp_path):
    assert doc.Probe().writable(tmp_path) is None
    assert doc.Probe().writable(tmp_path / "absent") is not None


def test_command_exit_codes_and_json(monkeypatch, tmp_path):
    monkeypatch.setattr(doc, "Probe", lambda: FakeProbe())
    result = CliRunner().invoke(main, ["doctor", "--json", "--folder", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] is True
    assert [c["status"] for c in data["checks"]] == ["ok"] * 8

    monkeypatch.setattr(doc, "Probe", lambda: FakeProbe(versions={}))
    result = CliRunner().invoke(main, ["doctor", "--folder", str(tmp_path)])
    assert result.exit_code == 1
    assert "[缺少] 程序包 xlwings：未安装（需要 0.37.8）" in result.output
    assert '解决：python -m pip install "xlwings==0.37.8"' in result.output
