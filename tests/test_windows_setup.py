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


def _step(number: int) -> str:
    return next(line for line in WINDOWS_MD.splitlines() if line.startswith(f"| {number} |"))


def _excel_value(ev_values: dict, name: str):
    value = ev_values[name]
    return float(value) if hasattr(value, "is_finite") else value  # Decimal → Excel's double


def test_the_release_tests_udf_steps_can_be_done_in_the_built_workbook(built_example):
    # Every formula the manual test types goes into a cell that is unlocked on its protected
    # sheet, empty, inside the trial area; every name it uses exists in the workbook; and
    # the UDF, fed the workbook's values, gives what the step expects.
    from selfeval_xl import datafile
    from selfeval_xl.core import scoring
    from udfs import selfeval_udfs

    wb = openpyxl.load_workbook(built_example)
    ws = wb[layout.SHEET_GUIDE]
    assert ws.protection.sheet and not ws.protection.selectUnlockedCells
    trial = wb.defined_names[builder_guide.TRIAL_NAME].attr_text
    first, last = re.findall(r"\$C\$(\d+)", trial)
    trial_cells = {f"C{r}" for r in range(int(first), int(last) + 1)}
    assert f"C{first}:C{last}" in _step(14) and f"C{first}:C{last}" in WINDOWS_MD

    ev = datafile.example()
    values = {**vars(ev.expenditure), **vars(ev.basics),
              "self_score": scoring.score(ev).total}
    typed = re.findall(r"(C\d+) `(=se_\w+\([^`]*\))`", _step(14))
    typed += re.findall(r"In (C\d+) type `(=se_grade\(96\))`", WINDOWS_MD)
    assert len(typed) == 5
    results = {}
    for cell, formula in typed:
        assert cell in trial_cells, cell
        assert ws[cell].protection.locked is False and ws[cell].value is None, cell
        function, args = re.fullmatch(r"=(se_\w+)\((.*)\)", formula).groups()
        arguments = []
        for arg in args.split(","):
            if re.fullmatch(r"[\d.]+", arg):
                arguments.append(float(arg))
            else:
                assert arg in wb.defined_names, (formula, arg)
                arguments.append(_excel_value(values, arg))
        results[formula] = getattr(selfeval_udfs, function)(*arguments)
    assert results["=se_grade(96)"] == "优"
    assert results["=se_diff(exp_total,exp_basic,exp_project)"] == -90.06
    assert results["=se_grade(self_score)"] == "优"
    assert results["=se_wan(exp_total)"] == "921.52"
    paragraph = next(v for k, v in results.items() if k.startswith("=se_expenditure_text"))
    step11 = re.findall(r"`([^`]+)`", _step(11))
    assert step11 and all(part.strip(" …") in paragraph for part in step11 if "万元" in part)
    # what fx shows, as step 14 quotes it, is what udf_help registers
    from selfeval_xl.build import udf_vba

    doc, args = udf_vba.function_help()["se_grade"]
    assert "绩效自评" in _step(14) and udf_vba.HELP_CATEGORY == "绩效自评"
    assert doc.startswith("自评等级：给出得分对应的等级") and f"`{args[0]}`" in _step(14)
