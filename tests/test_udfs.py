"""The UDFs as plain functions, called with what Excel passes (floats, text, None, nested
lists for ranges), checked against the core functions they wrap."""

from __future__ import annotations

import inspect
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfeval_xl import datafile
from selfeval_xl.core import scoring
from selfeval_xl.core.model import DEFAULT_GRADES, Indicator, Method
from selfeval_xl.core.money import quantize
from selfeval_xl.core.report import Heading, build_document
from udfs import selfeval_udfs as u


def excel(value):
    """A model value as Excel hands it to a UDF: numbers as floats, blanks as None."""
    if isinstance(value, Decimal):
        return float(value)
    if value is None or value == "":
        return None
    return value


def bands_range(indicators) -> list[list]:
    """tbl_bands as a 2-D range: 指标编码, 区间, 下限, 上限, 得分."""
    return [[ind.code, b.closed.value, excel(b.lower), excel(b.upper), excel(b.score)]
            for ind in indicators for b in ind.bands]


def udf_args(ind: Indicator, bands) -> list:
    return [ind.code, excel(ind.weight), ind.method_text or (ind.method.value if ind.method else None),
            excel(ind.target), excel(ind.actual), excel(ind.threshold), excel(ind.step),
            excel(ind.per_step), excel(ind.manual_score), bands]


# --- indicator scores ------------------------------------------------------------------------

def test_every_seed_indicator_scores_as_the_core():
    ev = datafile.example()
    bands = bands_range(ev.indicators)
    assert any(ind.bands for ind in ev.indicators)  # the band lookup is exercised
    for ind in ev.indicators:
        expected = scoring.score_indicator(ind)
        args = udf_args(ind, bands)
        assert u.se_indicator_score(*args) == float(expected.score), ind.code
        assert u.se_score_explanation(*args) == expected.explanation, ind.code


# Worked out by hand from each row of the seed (weight, method and the rule; DOMAIN.md),
# not by the scoring code: 人工 = the manual score; 是否 = weight when "是"; 比率 = weight ×
# min(1, actual ÷ target); 扣分 = weight − per_step × max(0, actual − threshold) ÷ step; 区间 =
# the score of the band holding the actual value. They add up to the published 96.
SEED_BY_HAND = {
    "1.1.1": 3.0, "1.1.2": 3.0,      # 人工 3, 3
    "1.2.1": 3.0,                    # 扣分: 0.95 ≤ threshold 1, nothing deducted
    "1.2.2": 3.0,                    # 扣分: −0.05 ≤ 0
    "1.2.3": 5.0,                    # 区间: 0.92 in [0.9, ∞) → 5
    "1.3.1": 3.0,                    # 区间: 0 in (−∞, 0] → 3
    "2.1.1": 10.0,                   # 比率: 10 × 1/1
    "2.1.2": 4.5,                    # 比率: 5 × 0.9/1
    "2.1.3": 3.5,                    # 扣分: 5 − 1 × (0.015 − 0)/0.01 = 5 − 1.5
    "2.1.4": 3.0, "2.1.5": 6.0,      # 扣分: 0.98 ≤ 1, 0.9 ≤ 1
    "2.1.6": 3.0,                    # 比率: 3 × 1/1
    "2.2.1": 3.0, "2.2.2": 3.0,      # 人工 3; 扣分: 0 ≤ 0
    "2.2.3": 3.0, "2.2.4": 3.0,      # 是否 "是" → 3; 人工 3
    "2.3.1": 2.0, "2.3.2": 2.0, "2.3.3": 2.0,  # 人工 2; 是否 "是"; 比率 2 × 1/1
    "3.1.1": 10.0, "3.1.2": 4.0,     # 比率 10 × 1/1; 人工 4
    "3.2.1": 5.0, "3.2.2": 4.0,      # 人工 5, 4
    "3.2.3": 5.0,                    # 比率: 1/0.9 > 1, capped: 5 × 1
}


def test_every_seed_indicator_scores_as_worked_out_by_hand():
    ev = datafile.example()
    bands = bands_range(ev.indicators)
    got = {ind.code: u.se_indicator_score(*udf_args(ind, bands)) for ind in ev.indicators}
    assert got == SEED_BY_HAND
    assert sum(SEED_BY_HAND.values()) == 96.0


@pytest.mark.parametrize("weight, target, actual, expected", [
    (10, 0.8, 0.6, 7.5),    # 10 × 0.75
    (8, 0.8, 0.3, 3.0),     # 8 × 0.375
    (3, 0.9, 0.45, 1.5),    # 3 × 0.5
    (5, 2, 3, 5.0),         # 3/2 > 1: capped at the weight
    (4, 0.5, 0, 0.0),       # nothing achieved
])
def test_ratio_worked_out_by_hand(weight, target, actual, expected):
    assert u.se_indicator_score("r", weight, "比率", target, actual) == expected


@pytest.mark.parametrize("actual, expected", [
    (1.0, 6.0),     # at the threshold: nothing deducted
    (1.02, 4.0),    # 2 steps of 0.01 over → −2
    (1.055, 0.5),   # 5.5 steps → −5.5
    (1.2, 0.0),     # 20 steps: never below 0
])
def test_deduction_worked_out_by_hand(actual, expected):
    assert u.se_indicator_score("d", 6, "扣分", None, actual, 1, 0.01, 1) == expected


@pytest.mark.parametrize("method, target, actual, expected", [
    ("比率", 1, 0.76, 7.6),        # DOMAIN.md: 执行率 76%, weight 10 → 7.6
    ("比率", 1, "76%", 7.6),       # typed as a percentage
    ("比率", 1, 1.2, 10.0),        # capped at the weight
    ("比率", None, 0.5, 0.0),      # no target: 0
    ("是否", None, "是", 10.0),
    ("是否", None, "否", 0.0),
    ("人工", None, None, 0.0),
    ("", None, None, ""),          # no method: not scored, blank cell
])
def test_methods(method, target, actual, expected):
    assert u.se_indicator_score("x", 10, method, target, actual) == expected


def test_bands_use_only_the_rows_of_the_code_and_accept_four_columns():
    # DOMAIN.md 预算调整率: 0 → 3; ≤10% → 2; ≤20% → 1; ≤30% → 0.5; >30% → 0
    rows = [["2.1", "(下限,上限]", None, 0, 3], ["2.1", "(下限,上限]", 0, 0.1, 2],
            ["2.1", "(下限,上限]", 0.1, 0.2, 1], ["2.1", "(下限,上限]", 0.2, 0.3, 0.5],
            ["9.9", "(下限,上限]", None, None, 99]]
    got = [u.se_indicator_score("2.1", 3, "区间", None, x, None, None, None, None, rows)
           for x in (0, 0.1, 0.15, 0.3, 0.31)]
    assert got == [3.0, 2.0, 1.0, 0.5, 0.0]
    four = [r[1:] for r in rows[:4]]
    assert u.se_indicator_score("", 3, "区间", None, 0.15, None, None, None, None, four) == 1.0


def test_deduction_by_steps():
    # "三公"经费控制率 ≤100% full 6; −1 per percentage point over
    args = ("d", 6, "扣分", None, 1.03, 1, 0.01, 1)
    assert u.se_indicator_score(*args) == 3.0
    assert u.se_score_explanation(*args).startswith("实际 1.03 超过扣分起点 1.00")


@settings(max_examples=40, deadline=None)
@given(weight=st.decimals(min_value=0, max_value=20, places=2),
       target=st.decimals(min_value="0.01", max_value=10, places=2),
       actual=st.decimals(min_value=0, max_value=20, places=2))
def test_ratio_agrees_with_the_core(weight, target, actual):
    ind = Indicator("r", "", "", "", weight, Method.RATIO, "比率", target=target, actual=actual)
    core = scoring.score_indicator(ind)
    assert u.se_indicator_score("r", float(weight), "比率", float(target), float(actual)) == float(core.score)
    assert u.se_score_explanation("r", float(weight), "比率", float(target), float(actual)) == core.explanation


def test_bad_argument_is_a_readable_text():
    assert u.se_indicator_score("x", "十分", "比率", 1, 1) == "错误：分值“十分”不是数字"
    assert u.se_indicator_score("x", 10, "区间", None, 1, None, None, None, None, [[1, 2]]) == (
        "错误：区间表应有“区间、下限、上限、得分”四列（可在前面加指标编码列）")


# --- grade, amounts, differences -------------------------------------------------------------

@pytest.mark.parametrize("score", [100, 96, 90, 89.99, 89.995, 80, 79.99, 60, 59.99, 0])
def test_grade_is_the_cores(score):
    expected = scoring.grade_of(quantize(Decimal(str(score))), DEFAULT_GRADES)
    assert u.se_grade(score) == expected


def test_grade_examples_and_custom_table():
    assert [u.se_grade(s) for s in (96, 89.99, 89.995, 60, 59.99)] == ["优", "良", "优", "中", "差"]
    table = [["A", 85, "很好"], ["B", 70, "一般"], ["C", 0, "差"]]
    assert [u.se_grade(s, table) for s in (85, 84.99, 10)] == ["A", "B", "C"]
    assert u.se_grade(None) == ""
    assert u.se_grade("abc") == "错误：得分“abc”不是数字"
    assert u.se_grade(90, [["A", None]]) == "错误：等级“A”的最低分空白"


@pytest.mark.parametrize("raw, text", [
    (921.52, "921.52"), (1011.575, "1011.58"), (390, "390.00"), ("９２１．５２", "921.52"),
    ("1,011.58万元", "1011.58"), (None, ""), ("", ""),
])
def test_wan(raw, text):
    assert u.se_wan(raw) == text


def test_wan_refuses_another_unit():
    assert u.se_wan("9215200元") == "错误：金额“9215200元”单位“元”与本栏单位“万元”不一致"


def test_diff_of_the_seed_total_and_its_parts():
    e = datafile.example().expenditure
    assert u.se_diff(excel(e.exp_total), excel(e.exp_basic), excel(e.exp_project)) == -90.06
    assert u.se_diff(excel(e.exp_total), [[excel(e.exp_general_budget)], [0.0], [None]]) == 0.0
    assert u.se_diff(excel(e.exp_basic), [excel(e.exp_personnel), excel(e.exp_public)]) == 0.0
    assert u.se_diff(0.1, 0.2) == -0.1  # to the cent, not 0.1 - 0.2 in floats


# --- the expenditure paragraph ---------------------------------------------------------------

def expenditure_args(ev):
    e, b = ev.expenditure, ev.basics
    return [float(b.eval_year), b.dept_self_ref, *(excel(getattr(e, f)) for f in (
        "exp_total", "exp_general_budget", "exp_gov_fund", "exp_other", "exp_basic",
        "exp_personnel", "exp_public", "exp_project"))]


def test_expenditure_text_is_the_reports_and_the_seeds():
    ev = datafile.example()
    text = u.se_expenditure_text(*expenditure_args(ev))
    # the seed report's own wording (seed/000_96ac6039259ceae9.txt, 一（四）)
    assert text == ("2022年我中心预算支出为：总的支出为921.52万元，其中：\n"
                    "1.一般公共预算实际支出为921.52万元；\n"
                    "2.基本支出390.73万元，其中人员经费355.99万元，公用经费34.74万元；"
                    "项目支出620.85万元。")
    doc = build_document(ev, scoring.score(ev))
    blocks = list(doc.blocks)
    start = next(i for i, b in enumerate(blocks)
                 if isinstance(b, Heading) and "部门整体支出情况" in b.plain) + 1
    end = next(i for i in range(start, len(blocks)) if isinstance(blocks[i], Heading))
    assert text == "\n".join(b.plain for b in blocks[start:end])


def test_expenditure_text_without_parts():
    assert u.se_expenditure_text(2023, "我局", 100) == "2023年我局预算支出为：总的支出为100.00万元。"
    assert u.se_expenditure_text(2023, "我局", "一百") == "错误：部门整体支出“一百”不是数字"


# --- what Excel sees -------------------------------------------------------------------------

def test_every_udf_has_a_chinese_tooltip_that_fits_excel():
    for name in u.__all__:
        doc = getattr(u, name).__doc__
        assert doc and len(doc) <= 255, name  # Application.MacroOptions limit
        assert any("\u4e00" <= ch <= "\u9fff" for ch in doc), name


def test_only_positional_arguments():
    # xlwings refuses UDFs with keyword-only arguments
    for name in u.__all__:
        kinds = {p.kind for p in inspect.signature(getattr(u, name)).parameters.values()}
        assert kinds <= {inspect.Parameter.POSITIONAL_OR_KEYWORD,
                         inspect.Parameter.VAR_POSITIONAL}, name


def test_windows_guide_documents_every_udf():
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[1] / "docs" / "windows.md").read_text(encoding="utf-8")
    for name in u.__all__:
        params = ", ".join(
            (f"[{p.name}]" if p.default is not p.empty else
             f"{p.name}…" if p.kind is p.VAR_POSITIONAL else p.name)
            for p in inspect.signature(getattr(u, name)).parameters.values())
        assert f"`{name}(" in guide, name
        if name != "se_score_explanation":
            assert f"`{name}({params})`" in guide, (name, params)
