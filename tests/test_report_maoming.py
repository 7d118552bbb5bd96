"""A second department with its own outline gets a report that needs no hand edits.

茂名市公共资源交易中心, 2023 (tests/data/maoming_2023.json, written for this test, not
derived from the built-in example): its outline inserts 一（二）设置机构及人员情况, whose
facts are data (an extra section in the workbook's 增设章节 table), numbers tasks "1、",
writes the goals as 一是/二是 in one paragraph and the conclusions as （1）（2）, dates the
header 2024年3月28日, and adds the score table to 二（二）. The expected text
(tests/data/maoming_2023_report.md) was read line by line: figures, numbering and wording
are what the department would publish.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from selfeval_xl import datafile
from selfeval_xl.cli import main
from selfeval_xl.core import scoring
from selfeval_xl.core.report import build_document
from selfeval_xl.core.report import config as report_config
from selfeval_xl.render import render_markdown

DATA = Path(__file__).parent / "data"
EV_FILE, TEMPLATE = DATA / "maoming_2023.json", DATA / "maoming_template.json"
GOLDEN = DATA / "maoming_2023_report.md"


def test_the_report_is_the_golden_text():
    ev = datafile.load(EV_FILE)
    doc = build_document(ev, scoring.score(ev), [], config=report_config.load(TEMPLATE))
    assert render_markdown.render(doc) == GOLDEN.read_text(encoding="utf-8")
    assert doc.meta["missing_placeholders"] == []
    assert doc.meta["unplaced_extra_sections"] == []


def test_the_golden_text_is_what_the_department_publishes():
    text = GOLDEN.read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# 部门整体支出绩效自评报告",
        "## 一、部门基本情况", "### （一）部门职能", "### （二）设置机构及人员情况",
        "### （三）年度总体工作和重点工作任务", "### （四）部门整体支出绩效目标",
        "### （五）部门整体支出情况（以决算数为统计口径）",
        "## 二、绩效自评", "### （一）自评结论", "### （二）部门整体支出绩效指标分析",
        "## 三、其他自评情况"]
    for line in ("填报日期：2024年3月28日",
                 "核定事业编制32名，2023年末实有在职人员29人，离退休人员11人。",
                 "1、推进全流程电子化交易。2023年进场交易项目1686宗，全部实现不见面开标。"
                 "一是上线远程异地评标系统，与省内6个地市实现专家资源共享。"
                 "二是推行电子保函，为投标企业释放保证金约2.3亿元。",
                 "2、规范交易服务。修订进场交易服务指南，统一全市交易规则和文件范本。",
                 "一是全年进场交易项目全流程电子化率达到100%。二是交易服务满意度不低于90%。",
                 "（1）交易服务全流程电子化，进场项目全部实现不见面开标。",
                 "较好地完成设定绩效目标，自评95.34分。",
                 "| 预算执行 | 预算执行 | 支付进度率 | 5 | 4.73 |",
                 "| 合计 |  |  | 100 | 95.34 |"):
        assert line in text.splitlines(), line
    for leak in ("惠州", "政务服务中心", "{", "}", "注意："):
        assert leak not in text


def test_workbook_round_trip_and_cli_give_the_same_report(tmp_path):
    book = tmp_path / "茂名.xlsm"
    runner = CliRunner()
    res = runner.invoke(main, ["build", "--data", str(EV_FILE), "-o", str(book)])
    assert res.exit_code == 0, res.output
    exported = tmp_path / "back.json"
    res = runner.invoke(main, ["export-data", str(book), "-o", str(exported)])
    assert res.exit_code == 0, res.output
    back = json.loads(exported.read_text(encoding="utf-8"))
    assert back["extra_sections"] == json.loads(EV_FILE.read_text(encoding="utf-8"))[
        "extra_sections"]
    assert datafile.from_dict(back) == datafile.load(EV_FILE)
    res = runner.invoke(main, ["report", str(book), "--template", str(TEMPLATE), "-o",
                               str(tmp_path / "out"), "--format", "md"])
    assert res.exit_code == 0, res.output
    md = (tmp_path / "out" / "茂名-自评报告.md").read_text(encoding="utf-8")
    assert md == GOLDEN.read_text(encoding="utf-8")


def test_an_extra_section_the_template_does_not_place_is_reported(tmp_path):
    res = CliRunner().invoke(main, ["report", "--data", str(EV_FILE), "-o", str(tmp_path),
                                    "--format", "md"])
    assert res.exit_code == 0, res.output
    assert ("注意：增设章节“设置机构及人员情况”已填写，但报告模板没有指定它的位置，未写入报告"
            "（在模板的章节中加入 {\"extra\": \"设置机构及人员情况\"}）") in res.output


def test_the_template_travels_with_the_workbook(tmp_path):
    # build --template stores it; report without --template, and the button's
    # orchestration (pipeline.evaluate → outcome.config), use it: same report everywhere.
    from selfeval_xl import pipeline
    from selfeval_xl.read import reader

    book = tmp_path / "茂名.xlsm"
    runner = CliRunner()
    res = runner.invoke(main, ["build", "--data", str(EV_FILE), "--template", str(TEMPLATE),
                               "-o", str(book)])
    assert res.exit_code == 0, res.output
    outcome = pipeline.evaluate(reader.read(book))
    assert outcome.config == report_config.load(TEMPLATE)
    res = runner.invoke(main, ["report", str(book), "-o", str(tmp_path / "out"),
                               "--format", "md,sheet"])
    assert res.exit_code == 0, res.output
    md = (tmp_path / "out" / "茂名-自评报告.md").read_text(encoding="utf-8")
    assert md == GOLDEN.read_text(encoding="utf-8")


def test_report_template_is_stored_by_report_and_a_bad_stored_one_is_a_finding(tmp_path):
    from selfeval_xl import layout, pipeline
    from selfeval_xl.build.builder import build_workbook
    from selfeval_xl.read import reader
    from selfeval_xl.write.workbook_writer import write_results

    book = tmp_path / "b.xlsm"
    build_workbook(book, datafile.load(EV_FILE))
    assert pipeline.evaluate(reader.read(book)).config is None  # built-in
    res = CliRunner().invoke(main, ["report", str(book), "--template", str(TEMPLATE), "-o",
                                    str(tmp_path / "o"), "--format", "sheet"])
    assert res.exit_code == 0, res.output
    assert pipeline.evaluate(reader.read(book)).config == report_config.load(TEMPLATE)
    write_results(book, status={"report_template": '{"numbring": {}}'})
    outcome = pipeline.evaluate(reader.read(book))
    out = layout.OUTPUTS_BY_NAME["report_template"]
    found = [f for f in outcome.findings if f.code == "REPORT_TEMPLATE_INVALID"]
    assert [(f.sheet, f.cell, f.severity.value) for f in found] == [(out.sheet, out.cell, "error")]
    assert found[0].message == ("报告模板“工作簿“使用说明”C27（report_template）”中有程序不认识的设置："
                                "numbring。请检查拼写（可用的设置见 docs/report.md）。"
                                "报告改用内置模板。")
    assert outcome.config is None
