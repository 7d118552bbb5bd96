"""Officer text checks: placeholders, score statements, conclusions, analysis, grades."""

from dataclasses import replace
from decimal import Decimal

from selfeval_xl import datafile
from selfeval_xl.core.checks import narrative, run_checks
from selfeval_xl.core.model import DEFAULT_GRADES, AnalysisParagraph, GradeBand, KeyTask

C, G, B = "自评结论", "绩效目标", "基本情况"


def run(ev):
    return run_checks(ev, registry=narrative.CHECKS)


def where(ev):
    return [f.where for f in run(ev)]


def test_seed_narrative_is_clean():
    assert run(datafile.example()) == []


def test_unknown_and_blank_placeholders_in_every_text():
    ev = datafile.example()
    outputs = tuple(replace(o, actual=None) if o.name == "进驻部门" else o for o in ev.outputs)
    ev = replace(
        ev, outputs=outputs,
        basics=replace(ev.basics, dept_functions="负责{不存在}。", other_notes="{评价年度}{部门名称}"),
        tasks=(KeyTask(1, "{甲}", "说明{乙}", ("要点{丙}",)), KeyTask(2, "题", "", ("{丁}",))),
        conclusions=ev.conclusions + ("共{进驻部门}个，{ 进驻部门 }，{{字面}}",),
    )
    found = run(ev)
    assert [f.where for f in found] == [
        ("PLACEHOLDER_UNKNOWN", B, "C11"),
        ("PLACEHOLDER_UNKNOWN", G, "C5"), ("PLACEHOLDER_UNKNOWN", G, "D5"),
        ("PLACEHOLDER_UNKNOWN", G, "G5"), ("PLACEHOLDER_UNKNOWN", G, "G6"),
        ("PLACEHOLDER_BLANK", C, "C8"),  # once per text, although used twice
        ("PLACEHOLDER_BLANK", C, "G10"),  # the analysis paragraph that uses {进驻部门}
    ]
    assert found[0].message == ("部门职能引用了{不存在}，但没有名为“不存在”的产出/效益指标"
                                "（可用：指标名称、评价年度、部门名称、自称）")
    assert found[5].severity.value == "warning"


def test_placeholder_in_goal_and_analysis():
    ev = datafile.example()
    ev = replace(ev, goals=ev.goals[:1] + (replace(ev.goals[1], text="{目标X}"),),
                 analysis=(AnalysisParagraph("预算编制情况", 1, "{分析Y}"),))
    assert where(ev) == [("PLACEHOLDER_UNKNOWN", G, "J6"), ("PLACEHOLDER_UNKNOWN", C, "G5")]


def test_score_statement_disagreeing_with_the_computed_score():
    ev = datafile.example()
    ev = replace(ev, conclusions=ev.conclusions + ("较好地完成设定绩效目标，自评95分。",),
                 analysis=ev.analysis + (AnalysisParagraph("总体", 1, "自评得分为９６．５分，自评等级为良"),))
    found = run(ev)
    assert [f.where for f in found] == [
        ("NARRATIVE_SCORE_MISMATCH", C, "C8"), ("NARRATIVE_SCORE_MISMATCH", C, "G11"),
        ("NARRATIVE_GRADE_MISMATCH", C, "G11")]
    assert found[0].message == "自评结论第 4 点写“自评95分”，但按指标评分表计算的自评得分为 96 分"
    assert found[2].message == "指标分析“总体”写“自评等级为良”，但按自评得分 96 分计算的等级为“优”"


def test_agreeing_score_sentence_in_conclusions_is_info():
    ev = datafile.example()
    ev = replace(ev, conclusions=ev.conclusions + ("自评96分。",),
                 analysis=ev.analysis + (AnalysisParagraph("总体", 1, "自评96.00分，自评等级为优。"),))
    found = run(ev)
    assert [(f.where, f.severity.value) for f in found] == [
        (("NARRATIVE_SCORE_SENTENCE", C, "C8"), "info")]
    assert found[0].message == ("自评结论第 4 点含“自评96分”；报告会自动生成“较好地完成设定绩效目标，"
                                "自评96分。”，此处可删去以免重复")


def test_conclusions_and_analysis_tables():
    ev = replace(datafile.example(), conclusions=(), analysis=())
    assert where(ev) == [("CONCLUSIONS_EMPTY", C, "B4"), ("ANALYSIS_EMPTY", C, "E4")]
    ev = replace(datafile.example(), conclusions=("a", " "),
                 analysis=(AnalysisParagraph("", 1, "x"), AnalysisParagraph("h", 3, " ")))
    assert where(ev) == [("CONCLUSION_BLANK", C, "C6"), ("ANALYSIS_HEADING_BLANK", C, "E5"),
                         ("ANALYSIS_LEVEL", C, "F6"), ("ANALYSIS_TEXT_BLANK", C, "G6")]


def test_grade_table():
    g = list(DEFAULT_GRADES)
    ev = replace(datafile.example(), grades=tuple(g[:3]))
    assert where(ev) == [("GRADES_COUNT", C, "I4")]
    bad = (g[0], GradeBand("良", Decimal(95), "x"), GradeBand("甲", Decimal(60), ""), g[3])
    found = run(replace(datafile.example(), grades=bad))
    assert [f.where for f in found] == [("GRADES_ORDER", C, "J6"), ("GRADE_UNKNOWN", C, "I7"),
                                        ("GRADE_WORDING_BLANK", C, "K7")]
    assert found[0].message == "等级“良”的最低分 95 不低于上一等级“优”的 90；等级表应从高到低排列"
