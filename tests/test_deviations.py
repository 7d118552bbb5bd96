"""Deviation warnings (core/deviations.py): each rule on data that triggers it and on data
that must not, at the edge of its threshold."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

from selfeval_xl.core import deviations as d
from selfeval_xl.core.deviations import Digest
from selfeval_xl.core.model import AnalysisParagraph
from selfeval_xl.core.scoring import score
from selfeval_xl.datafile import example

ROOT = Path(__file__).resolve().parents[1]


def spent(exp_total: str, budget: str = "1000.00", ev=None):
    """The seed (96 分, 优; output/benefit indicators 28 of 30 = 93.33 %) with a budget and
    a total spent, so the execution rate is exp_total ÷ budget."""
    ev = ev or example()
    x = dataclasses.replace(ev.expenditure, budget_total=Decimal(budget),
                            exp_total=Decimal(exp_total))
    return dataclasses.replace(ev, expenditure=x)


def findings(ev):
    return [(f.code, f.severity.value, f.sheet, f.cell, f.name, f.message)
            for f in d.check_submission(ev, score(ev))]


def test_output_benefit_share_counts_the_third_level_one_indicator():
    ev = example()
    assert d.output_benefit_share(ev, score(ev)) == (Decimal(28), Decimal(30))
    assert [d.is_output_benefit(x) for x in ("预算使用效益", "产出", "效果", "预算执行", "预算编制")] \
        == [True, True, True, False, False]


def test_score_share_more_than_5_points_above_execution_rate():
    # 28/30 = 93.333…%; 883.33 / 1000 = 88.333 %: 5.0003 points apart → warning.
    assert findings(spent("883.33")) == [(
        "DEVIATION_SCORE_OVER_EXECUTION", "warning", "支出情况", "C18", "exec_rate",
        "产出和效益指标得分 28 / 30 分，得分率 93.33%，高于预算执行率 88.33% 5.00 个百分点"
        "（超过 5 个百分点）：资金未用完而产出效益得分偏高，请核实")]


def test_score_share_at_most_5_points_above_is_no_warning():
    assert findings(spent("883.34")) == []  # 4.9993 points
    assert findings(spent("1000.00")) == []
    assert findings(example()) == []  # no budget: no execution rate, nothing to compare


def test_top_grade_with_execution_under_80_percent():
    # 799.99 / 1000: both rules apply (93.33 % share is also far above 80 %).
    assert [(c, s, sh, cell) for c, s, sh, cell, *_ in findings(spent("799.99"))] == [
        ("DEVIATION_SCORE_OVER_EXECUTION", "warning", "支出情况", "C18"),
        ("DEVIATION_TOP_GRADE_LOW_EXECUTION", "warning", "指标评分", "G2")]
    assert findings(spent("799.99"))[1][5] == \
        "预算执行率 79.99%，低于 80%，而自评等级为“优”（96.00 分），请核实"


def test_execution_exactly_80_percent_or_a_lower_grade_is_no_top_grade_warning():
    assert "DEVIATION_TOP_GRADE_LOW_EXECUTION" not in [f[0] for f in findings(spent("800.00"))]
    ev = spent("500.00")
    # 良: the manual indicators scored lower (with reasons), total 86.
    inds = tuple(dataclasses.replace(i, manual_score=Decimal(0), reason="未达标")
                 if i.code in ("1.1.1", "1.1.2") else i for i in ev.indicators)
    ev = dataclasses.replace(ev, indicators=inds)
    assert (score(ev).total, score(ev).grade) == (Decimal("90.00"), "优")
    inds = tuple(dataclasses.replace(i, manual_score=Decimal(0), reason="未达标")
                 if i.code in ("2.2.1", "2.2.4") else i for i in ev.indicators)
    ev = dataclasses.replace(ev, indicators=inds)
    assert score(ev).grade == "良"
    assert "DEVIATION_TOP_GRADE_LOW_EXECUTION" not in [f[0] for f in findings(ev)]


def _digest(key, ev, dept=None):
    return Digest(key, dept or ev.basics.dept_name, ev.basics.eval_year,
                  d.narrative_digest(ev), d.content_digest(ev))


def _year(ev, year, **basics):
    return dataclasses.replace(ev, basics=dataclasses.replace(ev.basics, eval_year=year, **basics))


def test_narrative_copied_from_last_year_with_only_the_years_moved_on():
    seed = example()
    last = dataclasses.replace(_year(seed, 2021), conclusions=(
        "2021年，" + seed.conclusions[0] + "2022年继续推进。",) + seed.conclusions[1:])
    # the same text a year on, years moved and re-spaced: neither counts
    this = dataclasses.replace(seed, conclusions=(
        "2022 年，" + seed.conclusions[0].replace("，", "， ") + "2023年继续推进。",)
        + seed.conclusions[1:])
    out = d.cross_deviations([_digest("now", this)], [_digest("before", last)])
    assert [(f.code, f.sheet, f.cell, f.name, f.message) for f in out["now"]] == [(
        "DEVIATION_NARRATIVE_COPIED", "自评结论", "B4", "tbl_conclusions",
        "自评结论和指标分析与本部门 2021 年度提交的内容相同（不计空白和年份），疑似照抄上年，请核实")]
    assert "before" not in out  # history is compared with, never judged


def test_narrative_rewritten_or_another_department_or_another_year_is_not_copied():
    last = _year(example(), 2021)
    this = example()
    rewritten = dataclasses.replace(this, analysis=this.analysis[:-1] + (AnalysisParagraph(
        this.analysis[-1].heading, this.analysis[-1].level, this.analysis[-1].text + "新增。"),))
    assert d.cross_deviations([_digest("now", rewritten)], [_digest("before", last)]) == {}
    assert d.cross_deviations([_digest("now", this)], [_digest("before", last, dept="别的局")]) == {}
    two_back = _year(example(), 2020)
    assert d.cross_deviations([_digest("now", this)], [_digest("before", two_back)]) == {}
    empty = dataclasses.replace(this, conclusions=(), analysis=())
    assert d.narrative_digest(empty) == ""
    assert d.cross_deviations([_digest("a", empty)], [_digest("b", _year(empty, 2021))]) == {}


def test_identical_submissions_from_two_departments():
    a = example()
    b = dataclasses.replace(a, basics=dataclasses.replace(
        a.basics, dept_name="惠州市某某局", dept_self_ref="我局", preparer="李四", phone="0752-1234567"))
    out = d.cross_deviations([_digest("a", a), _digest("b", b)])
    assert {k: [(f.code, f.sheet, f.cell, f.message) for f in v] for k, v in out.items()} == {
        "a": [("DEVIATION_IDENTICAL_SUBMISSION", "", "",
               "与惠州市某某局提交的 2022 年度自评数据完全相同（部门名称、填报人、电话、日期除外），请核实")],
        "b": [("DEVIATION_IDENTICAL_SUBMISSION", "", "",
               "与惠州市政务服务中心提交的 2022 年度自评数据完全相同（部门名称、填报人、电话、日期除外），请核实")]}
    # against an earlier run's submission of the same year, too
    assert list(d.cross_deviations([_digest("b", b)], [_digest("a", a)])) == ["b"]


def test_one_figure_apart_or_the_same_department_twice_is_not_identical():
    a = example()
    b = dataclasses.replace(a, basics=dataclasses.replace(a.basics, dept_name="惠州市某某局"),
                            expenditure=dataclasses.replace(a.expenditure, exp_public=Decimal("34.75")))
    assert d.cross_deviations([_digest("a", a), _digest("b", b)]) == {}
    assert d.cross_deviations([_digest("v1", a), _digest("v2", a)]) == {}  # two versions
    c = _year(dataclasses.replace(b, expenditure=a.expenditure), 2023)
    assert d.cross_deviations([_digest("a", a), _digest("c", c)]) == {}  # another year
    blank = dataclasses.replace(a, expenditure=dataclasses.replace(a.expenditure, exp_total=None))
    assert d.content_digest(blank) == ""


def test_every_deviation_code_is_documented_in_bureau_md_and_back():
    doc = (ROOT / "docs" / "bureau.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(DEVIATION_[A-Z_]+)` \|", doc, re.M))
    assert documented == set(d.CODES)
    source = set(re.findall(r'"(DEVIATION_[A-Z_]+)"', (ROOT / "selfeval_xl" / "core" /
                                                       "deviations.py").read_text(encoding="utf-8")))
    assert source == set(d.CODES)
