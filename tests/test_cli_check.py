"""``selfeval-xl check`` and ``selfeval-xl score``: output, JSON formats, exit status."""

import json
import os
from dataclasses import replace
from decimal import Decimal

import pytest
from click.testing import CliRunner

from selfeval_xl import datafile
from selfeval_xl.cli import main

SEED = [
    ["FIELD_REQUIRED", "error", "支出情况", "C4", "budget_total"],
    ["EXP_PARTS_MISMATCH", "error", "支出情况", "C5", "exp_total"],
    ["OUTPUT_TARGET_BLANK", "info", "绩效目标", "O5:O14", ""],
]


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def example_book(tmp_path_factory):
    from selfeval_xl.build.builder import build_workbook

    path = tmp_path_factory.mktemp("book") / "example.xlsm"
    build_workbook(path, datafile.example())
    return path


def _rows(payload):
    return [[f["code"], f["severity"], f["sheet"], f["cell"], f["name"]] for f in payload["findings"]]


def test_check_json_on_the_data_file():
    path = str(datafile.example_path())
    result = invoke("check", path, "--json")
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert list(payload) == ["file", "findings", "counts"]
    assert payload["file"] == path
    assert _rows(payload) == SEED
    assert list(payload["findings"][0]) == ["code", "severity", "sheet", "cell", "name", "message"]
    assert payload["findings"][1]["message"] == (
        "部门整体支出 921.52 万元 ≠ 基本支出 390.73 万元 + 项目支出 620.85 万元 = 1011.58 万元，相差 90.06 万元")
    assert payload["counts"] == {"error": 2, "warning": 0, "info": 1}


def test_check_on_the_built_workbook_reads_through_the_reader(example_book):
    result = invoke("check", str(example_book), "--json")
    assert result.exit_code == 1
    assert _rows(json.loads(result.output)) == SEED


def test_check_human_output_grouped_by_sheet_in_workbook_order(example_book):
    result = invoke("check", str(example_book))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == str(example_book)
    body = [line for line in lines[1:] if line.strip()]
    assert body == [
        "绩效目标",
        "  提示 O5:O14  OUTPUT_TARGET_BLANK  全部 10 项产出和效益指标均未填目标值，无法计算完成率",
        "支出情况",
        "  错误 C4 budget_total  FIELD_REQUIRED  “全年预算数（调整后）”未填写，无法计算预算执行率；"
        "此项为必填（万元，保留两位小数）",
        "  错误 C5 exp_total  EXP_PARTS_MISMATCH  部门整体支出 921.52 万元 ≠ 基本支出 390.73 万元 + "
        "项目支出 620.85 万元 = 1011.58 万元，相差 90.06 万元",
        "错误 2，警告 0，提示 1",
    ]


def test_check_exit_zero_without_errors(tmp_path):
    ev = datafile.example()
    fixed = replace(ev, expenditure=replace(ev.expenditure, budget_total=Decimal("1011.58"),
                                            exp_total=Decimal("1011.58"),
                                            exp_general_budget=Decimal("1011.58")))
    path = tmp_path / "fixed.json"
    datafile.save(fixed, path)
    result = invoke("check", str(path))
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "错误 0，警告 0，提示 1"


def test_check_clean_data_says_so(tmp_path):
    ev = datafile.example()
    outputs = tuple(replace(o, target=o.actual) for o in ev.outputs)
    clean = replace(ev, outputs=outputs, expenditure=replace(
        ev.expenditure, budget_total=Decimal("921.52"), exp_project=Decimal("530.79")))
    path = tmp_path / "clean.json"
    datafile.save(clean, path)
    result = invoke("check", str(path))
    assert (result.exit_code, result.output.splitlines()[-3:]) == (
        0, ["未发现问题。", "", "错误 0，警告 0，提示 0"])


def test_unreadable_inputs_exit_2_with_one_finding(tmp_path):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{}", encoding="utf-8")
    result = invoke("check", str(bad_json), "--json")
    assert result.exit_code == 2
    assert _rows(json.loads(result.output)) == [["DATA_FILE_INVALID", "error", "", "", ""]]
    not_a_book = tmp_path / "x.xlsm"
    not_a_book.write_bytes(b"not a zip")
    for command in ("check", "score"):
        result = invoke(command, str(not_a_book), "--json")
        payload = json.loads(result.output)
        assert result.exit_code == 2
        assert len(payload["findings"]) == 1 and payload["findings"][0]["severity"] == "error"
        assert payload["findings"][0]["code"].startswith("READ_")


def test_score_json_format(example_book):
    result = invoke("score", str(example_book), "--json")
    assert result.exit_code == 0
    payload = json.loads(result.output)
    assert list(payload) == ["file", "total", "grade", "weight_total", "sentence", "indicators"]
    assert (payload["total"], payload["grade"], payload["weight_total"], payload["sentence"]) == (
        "96.00", "优", "100", "较好地完成设定绩效目标，自评96分。")
    assert len(payload["indicators"]) == 24
    assert payload["indicators"][7] == {
        "code": "2.1.2", "level1": "预算执行", "level2": "预算执行", "level3": "支付进度率",
        "weight": "5", "method": "比率", "score": "4.50",
        "explanation": "实际 0.90 ÷ 目标 1.00 × 分值 5 = 4.50"}
    assert sum(Decimal(i["score"]) for i in payload["indicators"]) == Decimal(96)


def test_score_human_tree():
    result = invoke("score", str(datafile.example_path()))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "自评得分 96 分，等级 优"
    assert lines[1] == "├── 预算编制（分值 20，得分 20.00）"
    assert lines[2] == "│   ├── 目标设定（分值 6，得分 6.00）"
    assert lines[3] == "│   │   ├── 1.1.1 绩效目标合理性  分值 3  得分 3.00  人工评分 3.00"
    assert "│   │   ├── 2.1.2 支付进度率  分值 5  得分 4.50  实际 0.90 ÷ 目标 1.00 × 分值 5 = 4.50" in lines
    assert "├── 预算执行（分值 50，得分 48.00）" in lines
    assert "└── 预算使用效益（分值 30，得分 28.00）" in lines
    assert lines[-1] == "总分 96 分，等级 优。较好地完成设定绩效目标，自评96分。"


def test_score_warns_when_weights_do_not_sum_to_100(tmp_path):
    ev = datafile.example()
    path = tmp_path / "w.json"
    datafile.save(replace(ev, indicators=ev.indicators[:-1]), path)
    result = invoke("score", str(path))
    assert "注意：分值合计 95 分，应为 100 分（运行 check 查看详情）" in result.output
    assert result.output.splitlines()[-1] == "总分 91 分，等级 优。较好地完成设定绩效目标，自评91分。"


def test_docstrings_have_examples():
    for name in ("check", "score"):
        assert "示例：" in main.load_all()[name].help
        assert "--json" in {o for p in main.load_all()[name].params for o in getattr(p, "opts", [])}


@pytest.mark.libreoffice
def test_recalculated_workbook_agrees_with_python(example_book, tmp_path):
    """LibreOffice recalculates the native formulas; the cached 得分/自评得分/等级 it saves
    must agree with Python, so report_state adds nothing to the seed's findings."""
    from selfeval_xl.render import libreoffice
    from selfeval_xl.read import reader

    if libreoffice.find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI but was not found")
        pytest.skip("LibreOffice is not installed on this machine")
    recalculated = libreoffice.convert(example_book, "xlsx:Calc MS Excel 2007 XML", tmp_path)
    meta = reader.read(recalculated).meta
    assert (meta["self_score"], meta["self_grade"]) == (Decimal(96), "优")
    assert meta["indicator_cached_scores"]["2.1.3"] == Decimal("3.5")
    result = invoke("check", str(recalculated), "--json")
    assert _rows(json.loads(result.output)) == SEED


def test_check_typed_text_in_a_workbook(example_book, tmp_path):
    """Officer-typed text: the reader's findings come first, and a cell the reader could
    not read is not also called blank."""
    import shutil

    import openpyxl

    book = tmp_path / "typed.xlsm"
    shutil.copy(example_book, book)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["支出情况"]["C4"] = "abc"
    wb["支出情况"]["C12"] = "６２０．８５"
    wb["基本情况"]["C6"] = "无"
    wb.save(book)
    result = invoke("check", str(book), "--json")
    assert result.exit_code == 1
    assert _rows(json.loads(result.output)) == [
        ["READ_NORMALISED_NUMBER", "warning", "基本情况", "C6", "sub_unit_count"],
        ["READ_UNPARSED_NUMBER", "error", "支出情况", "C4", "budget_total"],
        ["READ_NORMALISED_NUMBER", "warning", "支出情况", "C12", "exp_project"],
        ["EXP_PARTS_MISMATCH", "error", "支出情况", "C5", "exp_total"],
        ["OUTPUT_TARGET_BLANK", "info", "绩效目标", "O5:O14", ""],
    ]


# --- --write: what the buttons write, from the command line ------------------------------

@pytest.fixture
def fresh_book(tmp_path):
    from selfeval_xl.build.builder import build_workbook

    path = tmp_path / "example.xlsm"
    build_workbook(path, datafile.example())
    return path


def _named(wb, name):
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][ref.replace("$", "")].value


def test_check_write_fills_the_findings_sheet_and_status(fresh_book):
    import openpyxl

    from selfeval_xl.read.reader import read

    before = read(fresh_book).evaluation
    result = CliRunner().invoke(main, ["check", str(fresh_book), "--write"])
    assert result.exit_code == 1  # the seed's errors are still errors
    assert "已写入工作簿" in result.output
    from selfeval_xl.write.workbook_writer import latest_backup

    assert latest_backup(fresh_book) is not None
    wb = openpyxl.load_workbook(fresh_book)
    ws = wb["校验结果"]
    ref = ws.tables["tbl_findings"].ref
    rows = [[c.value for c in row] for row in ws[ref][1:]]
    assert [r[1:4] for r in rows] == [[code, sheet, cell] for code, _, sheet, cell, _ in SEED]
    assert [r[0] for r in rows] == ["错误", "错误", "提示"]
    assert _named(wb, "status_check_summary") == "错误 2 项，警告 0 项，提示 1 项"
    assert _named(wb, "status_checked_at")
    # the officer's data is untouched
    assert read(fresh_book).evaluation == before


def test_score_write_fills_the_check_scores_and_total(fresh_book):
    import openpyxl

    result = CliRunner().invoke(main, ["score", str(fresh_book), "--write", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["total"] == "96.00"  # stdout stays pure JSON
    assert "已写入工作簿" in result.stderr
    wb = openpyxl.load_workbook(fresh_book)
    assert _named(wb, "py_self_score") == 96
    assert _named(wb, "status_scored_at")
    ws = wb["指标评分"]
    ref = ws.tables["tbl_indicators"].ref
    header = [c.value for c in ws[ref][0]]
    scores = {row[0].value: row[header.index("校核得分")].value for row in ws[ref][1:]
              if row[0].value}
    assert (scores["2.1.2"], scores["2.1.3"], scores["3.1.2"], scores["1.1.1"]) == (4.5, 3.5, 4, 3)
    assert sum(scores.values()) == 96


def test_write_refuses_a_data_file():
    result = CliRunner().invoke(main, ["score", str(datafile.example_path()), "--write"])
    assert result.exit_code == 2
    assert "--write 只能用于工作簿" in result.output


def test_check_groups_a_code_repeated_on_one_sheet_in_the_terminal():
    from rich.console import Console

    from selfeval_xl.cli.check import print_findings
    from selfeval_xl.core.findings import Finding, Severity

    many = [Finding("CELL_NOT_NUMBER", Severity.ERROR, "指标评分", f"F{r}", "", f"第{r}行不是数字")
            for r in range(8, 8 + 40)]
    few = [Finding("IND_REASON_MISSING", Severity.WARNING, "指标评分", f"L{r}", "", f"第{r}行缺原因")
           for r in (9, 10)]
    console = Console(width=400, record=True, highlight=False)
    print_findings(console, "x.xlsm", many[:2] + few + many[2:])
    lines = console.export_text().splitlines()
    body = [line for line in lines[2:] if line.strip()][1:-1]  # between the sheet and count
    assert body == [
        "  错误 F8  CELL_NOT_NUMBER  第8行不是数字",
        "  错误 F9  CELL_NOT_NUMBER  第9行不是数字",
        "  警告 L9  IND_REASON_MISSING  第9行缺原因",
        "  警告 L10  IND_REASON_MISSING  第10行缺原因",
        "  错误 F10  CELL_NOT_NUMBER  第10行不是数字",
        "  … CELL_NOT_NUMBER 另有 37 处（本表共 40 处；全部见 --json 或工作簿的“校验结果”表）",
    ]
    assert lines[-1] == "错误 40，警告 2，提示 0"
