"""Windows set-up: the Python floor, the interpreter xlwings starts (VBA, sheet, docs and doctor
agree), and what the guide tells an officer whose buttons do nothing."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import openpyxl
import xlwings

from selfeval_xl import layout
from selfeval_xl.build import builder_guide
from selfeval_xl.cli import doctor

ROOT = Path(__file__).resolve().parents[1]
WINDOWS_MD = (ROOT / "docs" / "windows.md").read_text(encoding="utf-8")
XLWINGS_BAS = (Path(xlwings.__file__).parent / "xlwings.bas").read_text(encoding="ascii")


def test_python_floor_is_the_same_in_pyproject_doctor_readme_and_guide():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    floor = ".".join(map(str, doctor.MIN_PYTHON))
    assert floor == "3.11"  # the first Python with Windows wheels of every pin (pip download)
    assert project["requires-python"] == f">={floor}"
    assert f"Python ≥ {floor}" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{floor} is the minimum" in WINDOWS_MD
    # The guide installs one named Python, and every command uses that one.
    assert "python-3.12.x-amd64.exe" in WINDOWS_MD
    assert set(re.findall(r"py -(\d\.\d+) ", WINDOWS_MD)) == {"3.12"}


def _sheet_settings(path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path)[layout.SHEET_XLWINGS]
    found, row = {}, 1
    while ws[f"A{row}"].value is not None:  # xlwings reads A1 down to the first blank
        found[str(ws[f"A{row}"].value).upper()] = ws[f"B{row}"].value
        row += 1
    return found


def test_settings_sheet_holds_only_keys_with_values(built_template):
    settings = _sheet_settings(built_template)
    assert settings == {"UDF MODULES": "udfs.selfeval_udfs", "DEBUG UDFS": False,
                        "USE UDF SERVER": False, "SHOW CONSOLE": False}
    # A key present in the sheet, even blank, hides the officer's own xlwings.conf: the
    # VBA looks the sheet up first and stops there when the key exists.
    assert re.search(r"GetConfigFromSheet\(ThisWorkbook\)\.Exists\(configKey\) = True Then\s+"
                     r"GetConfig = GetConfigFromSheet", XLWINGS_BAS)
    assert "Interpreter_Win" in " ".join(builder_guide.XLWINGS_NOTES)


def test_vba_docs_and_doctor_agree_on_which_python_starts():
    # xlwings.bas with no Interpreter_Win: RunPython (the buttons) falls back to "python",
    # the UDF server command to "pythonw".
    run_python = XLWINGS_BAS[XLWINGS_BAS.index("Public Function RunPython"):]
    assert re.search(r'interpreter = GetConfig\("INTERPRETER", "python"\)', run_python)
    udf_command = XLWINGS_BAS[XLWINGS_BAS.index("Function XLPyCommand"):]
    assert re.search(r'PYTHON_WIN = GetConfig\("INTERPRETER", "pythonw"\)', udf_command)
    assert ("the buttons start `python` and the worksheet functions start\n   `pythonw` from PATH"
            in WINDOWS_MD)
    # doctor checks exactly those two commands, and prints the line for sheet and user config.
    asked = []

    class Probe(doctor.Probe):
        def platform(self):
            return "win32"

        def executable(self):
            return Path("/py/python.exe")

        def xlwings_user_config(self):
            return {}

        def which(self, command):
            asked.append(command)
            return Path(f"/py/{command}.exe")

    assert doctor.check_excel_python(Probe()).status == "ok"
    assert asked == ["python", "pythonw"]
    sheet_row, user_line = doctor.interpreter_lines(r"C:\envs\se\Scripts")
    assert sheet_row.endswith(r"填 Interpreter_Win，同一行 B 列填 C:\envs\se\Scripts\python.exe")
    assert user_line.endswith(r'"INTERPRETER_WIN","C:\envs\se\Scripts\python.exe"')
    # the docs show the same two forms
    assert '`"INTERPRETER_WIN","C:\\envs\\selfeval\\Scripts\\python.exe"`' in WINDOWS_MD
    assert "`%USERPROFILE%\\.xlwings\\xlwings.conf`" in WINDOWS_MD


def test_guide_says_what_to_do_when_the_buttons_do_nothing(built_template):
    ws = openpyxl.load_workbook(built_template)[layout.SHEET_GUIDE]
    texts = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(1, ws.max_row + 1)
             if ws.cell(r, 2).value}
    help_text = texts["按钮没有反应时"]
    for words in ("右键 › 属性 › 常规", "解除锁定", "启用内容", "受信任位置", "selfeval-xl doctor",
                  "selfeval-xl check / score / report"):
        assert words in help_text, words
    # The same Chinese UI words as the Windows guide's section 5.
    for words in ("**属性**", "**常规**", "**解除锁定**", "**启用内容**", "**受信任位置**",
                  "**按钮没有反应时**"):
        assert words in WINDOWS_MD, words
