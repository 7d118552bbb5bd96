"""Numbering styles and unknown keys are template settings (issue 11); findings that point at
the report name its sections as the template numbers them."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner

from selfeval_xl import datafile
from selfeval_xl.cli import main
from selfeval_xl.core import scoring
from selfeval_xl.core.checks import CheckContext, run_checks
from selfeval_xl.core.model import Goal, KeyTask
from selfeval_xl.core.report import build_document
from selfeval_xl.core.report import config as report_config
from test_report_document import _section_texts

EV = dataclasses.replace(
    datafile.example(),
    tasks=(KeyTask(1, "抓好预算。", "全年收支平衡。", ("严控支出。", "加快执行。")),
           KeyTask(2, "加强管理。", "健全制度。", ("完善内控。",))),
    goals=(Goal(1, "完成年度预算执行。"), Goal(2, "提升服务满意度。")),
    conclusions=("目标基本完成。",))


def _texts(cfg, ev=EV, title="年度总体工作和重点工作任务") -> list[str]:
    return _section_texts(build_document(ev, scoring.score(ev), [], config=cfg), title)


def _cfg(**numbering):
    return report_config.from_dict({"numbering": numbering})


def test_default_numbering_is_the_seeds():
    assert report_config.default().numbering == {
        "tasks": "1.", "goals": "list", "goal_items": "1.", "conclusions": "1.",
        "expenditure": "1."}
    assert _texts(report_config.default()) == [
        "1.抓好预算。全年收支平衡。一是严控支出。二是加快执行。",
        # a single point is not numbered: "一是" needs a "二是"
        "2.加强管理。健全制度。完善内控。"]


@pytest.mark.parametrize("style, first, second", [
    ("1、", "1、抓好预算。", "2、加强管理。"),
    ("（1）", "（1）抓好预算。", "（2）加强管理。"),
])
def test_task_numbering_styles(style, first, second):
    texts = _texts(_cfg(tasks=style))
    assert texts[0].startswith(first) and texts[1].startswith(second)


def test_goal_layouts():
    title = "部门整体支出绩效目标"
    assert _texts(_cfg(), title=title) == ["1.完成年度预算执行。", "2.提升服务满意度。"]
    assert _texts(_cfg(goal_items="（1）"), title=title) == [
        "（1）完成年度预算执行。", "（2）提升服务满意度。"]
    assert _texts(_cfg(goals="points"), title=title) == [
        "一是完成年度预算执行。二是提升服务满意度。"]
    assert _texts(_cfg(goals="paragraph"), title=title) == [
        "完成年度预算执行。提升服务满意度。"]


EXPENDITURE = "部门整体支出情况（以决算数为统计口径）"


@pytest.mark.parametrize("style, numbers", [
    (None, ["1.", "2."]),  # the default is the seed's
    ("1.", ["1.", "2."]),
    ("1、", ["1、", "2、"]),
    ("（1）", ["（1）", "（2）"]),
])
def test_expenditure_numbering_style(style, numbers):
    cfg = _cfg() if style is None else _cfg(expenditure=style)
    assert _texts(cfg, title=EXPENDITURE) == [
        "2022年我中心预算支出为：总的支出为921.52万元，其中：",
        f"{numbers[0]}一般公共预算实际支出为921.52万元；",
        f"{numbers[1]}基本支出390.73万元，其中人员经费355.99万元，公用经费34.74万元；"
        "项目支出620.85万元。"]


def test_a_single_goal_task_or_conclusion_is_not_numbered():
    ev = dataclasses.replace(EV, goals=(Goal(1, "完成年度预算执行。"),),
                             tasks=(KeyTask(1, "抓好预算。", "全年收支平衡。", ()),))
    cfg = report_config.default()
    assert _texts(cfg, ev, "部门整体支出绩效目标") == ["完成年度预算执行。"]
    assert _texts(_cfg(goals="points"), ev, "部门整体支出绩效目标") == ["完成年度预算执行。"]
    assert _texts(cfg, ev) == ["抓好预算。全年收支平衡。"]
    assert _texts(cfg, ev, "自评结论")[0] == "目标基本完成。"


@pytest.mark.parametrize("template, unknown", [
    ({"numbring": {"tasks": "1、"}}, "numbring"),
    ({"wording": {"blanc": "无"}}, "wording.blanc"),
    ({"wording": {"expenditure": {"leed": "x"}}}, "wording.expenditure.leed"),
    ({"header": {"lines": [{"label": "部门", "feild": "dept_name"}]}}, "header.lines[0].feild"),
    ({"sections": [{"title": "一", "contnet": ["tasks"]}]}, "sections[0].contnet"),
    ({"numbering": {"task": "1、"}}, "numbering.task"),
])
def test_unknown_template_keys_are_refused_naming_key_and_file(template, unknown):
    with pytest.raises(report_config.ConfigError) as info:
        report_config.from_dict(template, source="茂名.json")
    assert str(info.value) == (f"报告模板“茂名.json”中有程序不认识的设置：{unknown}。"
                               "请检查拼写（可用的设置见 docs/report.md）；未生成任何文件。")


def test_comments_are_not_unknown_keys():
    report_config.from_dict({"_comment": "说明", "wording": {"_note": "x"}})


def test_bad_numbering_values_are_refused():
    with pytest.raises(report_config.ConfigError, match="numbering.tasks“一、”不受支持"):
        _cfg(tasks="一、")
    with pytest.raises(report_config.ConfigError, match="numbering.goals“table”不受支持"):
        _cfg(goals="table")
    with pytest.raises(report_config.ConfigError) as info:
        _cfg(expenditure="一、")
    assert str(info.value) == "模板 numbering.expenditure“一、”不受支持，可用：1.、1、、（1）"


def test_report_with_a_misspelt_template_writes_nothing(tmp_path):
    template = tmp_path / "city.json"
    template.write_text(json.dumps({"wording": {"blanc": "无"}}, ensure_ascii=False),
                        encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["report", "--example", "-o", str(out),
                                    "--template", str(template)])
    assert res.exit_code == 2
    assert res.output.strip() == (f"错误：报告模板“{template}”中有程序不认识的设置：wording.blanc。"
                                  "请检查拼写（可用的设置见 docs/report.md）；未生成任何文件。")
    assert not out.exists()


def test_findings_name_report_sections_as_the_template_numbers_them():
    empty = dataclasses.replace(EV, tasks=(), goals=(), conclusions=(), analysis=())
    default = {f.code: f.message for f in run_checks(empty, CheckContext())}
    assert default["TASKS_EMPTY"] == ("未填写年度总体工作和重点工作任务，"
                                      "报告“一（二）年度总体工作和重点工作任务”将为空")
    assert default["GOALS_EMPTY"] == "未填写部门整体支出绩效目标，报告“一（三）部门整体支出绩效目标”将为空"
    assert default["ANALYSIS_EMPTY"] == ("未填写部门整体支出绩效指标分析，"
                                         "报告“二（二）部门整体支出绩效指标分析”将为空")
    assert default["CONCLUSIONS_EMPTY"] == "未填写自评结论要点，报告“二（一）自评结论”只有得分句"
    # 茂名 inserts （二）设置机构及人员情况: everything after it moves down one.
    base = report_config.default()
    first = base.sections[0]
    extra = report_config.Section("设置机构及人员情况", ({"text": "略"},))
    moved = dataclasses.replace(base, sections=(
        dataclasses.replace(first, sections=(first.sections[0], extra, *first.sections[1:])),
        *base.sections[1:]))
    ctx = CheckContext(sections=report_config.section_titles(moved))
    found = {f.code: f.message for f in run_checks(empty, ctx)}
    assert found["TASKS_EMPTY"].endswith("报告“一（三）年度总体工作和重点工作任务”将为空")
    assert found["GOALS_EMPTY"].endswith("报告“一（四）部门整体支出绩效目标”将为空")
