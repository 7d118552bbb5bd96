"""支出情况 checks: identities to the cent, signs, decimals, execution rate."""

from dataclasses import replace
from decimal import Decimal

import pytest

from selfeval_xl import datafile
from selfeval_xl.core.checks import expenditure, run_checks
from selfeval_xl.core.checks.base import CheckContext
from selfeval_xl.core.locations import Locator, Place

D = Decimal
SHEET = "支出情况"


def with_exp(**kw):
    """The example with a budget and consistent parts (921.52 = 390.73 + 530.79), then kw."""
    ev = datafile.example()
    base = dict(budget_total=D("1000.00"), exp_project=D("530.79"))
    base.update({k: (None if v is None else D(v)) for k, v in kw.items()})
    return replace(ev, expenditure=replace(ev.expenditure, **base))


# The amounts' own checks; the indicator cross-check has its own test at the end.
AMOUNT_CHECKS = tuple(c for c in expenditure.CHECKS if c is not expenditure.check_exec_rate_indicator)


def run(ev, ctx=None, registry=AMOUNT_CHECKS):
    return run_checks(ev, ctx, registry=registry)


def where(findings):
    return [f.where for f in findings]


def test_consistent_figures_give_no_finding():
    assert run(with_exp()) == []


def test_seed_parts_mismatch_one_finding_at_the_total():
    (f,) = run(with_exp(budget_total=None, exp_project="620.85"))
    assert (f.code, f.severity.value, f.sheet, f.cell, f.name) == (
        "EXP_PARTS_MISMATCH", "error", SHEET, "C5", "exp_total")
    assert f.message == ("部门整体支出 921.52 万元 ≠ 基本支出 390.73 万元 + 项目支出 620.85 万元 = "
                         "1011.58 万元，相差 90.06 万元")


def test_seed_consistent_identities_pass():
    # 921.52 = 921.52 + 0 + 0 and 390.73 = 355.99 + 34.74 (the seed's own figures)
    codes = {f.code for f in run(datafile.example())}
    assert codes == {"EXP_PARTS_MISMATCH"}


def test_sources_mismatch():
    (f,) = run(with_exp(exp_gov_fund="10.5"))
    assert f.where == ("EXP_SOURCES_MISMATCH", SHEET, "C5")
    assert f.message == ("部门整体支出 921.52 万元 ≠ 一般公共预算支出 921.52 万元 + 政府性基金预算支出 "
                         "10.50 万元 + 其他资金支出 0.00 万元 = 932.02 万元，相差 10.50 万元")


def test_basic_mismatch_at_basic_cell():
    (f,) = run(with_exp(exp_personnel="355.98", exp_project="530.79"))
    assert f.where == ("EXP_BASIC_MISMATCH", SHEET, "C9")
    assert f.name == "exp_basic"
    assert f.message.endswith("= 390.72 万元，相差 0.01 万元")


def test_one_cent_is_a_mismatch_half_a_cent_is_not():
    assert where(run(with_exp(exp_total="921.53", exp_general_budget="921.53"))) == [
        ("EXP_PARTS_MISMATCH", SHEET, "C5")]
    # 921.524 rounds to the stated total: ROUND(total − sum, 2) = 0, as the native cell does
    findings = run(with_exp(exp_project="530.794"))
    assert where(findings) == [("EXP_PRECISION", SHEET, "C12")]


def test_blank_operand_skips_the_identity():
    assert run(with_exp(exp_basic=None)) == []


def test_negative_amounts_each_located():
    findings = run(with_exp(exp_other="-5", exp_general_budget="926.52", exp_public="-1",
                            exp_personnel="391.73"))
    assert where(findings) == [("EXP_NEGATIVE", SHEET, "C8"), ("EXP_NEGATIVE", SHEET, "C11")]
    assert findings[0].message == "其他资金支出为负数（-5 万元），金额不能小于 0"


def test_more_than_two_decimals_is_a_warning():
    findings = run(with_exp(budget_total="1000.005"))
    assert [(f.code, f.severity.value, f.cell) for f in findings] == [
        ("EXP_PRECISION", "warning", "C4")]
    assert findings[0].message == ("全年预算数 1000.005 万元有 3 位小数，金额应保留两位小数，"
                                   "报告中将按 1000.01 万元 列示")


def test_trailing_zeros_are_not_extra_decimals():
    assert run(with_exp(budget_total="1000.000")) == []


@pytest.mark.parametrize("budget,expected", [
    ("921.52", []),                                     # exactly 100%
    ("921.51", [("EXEC_RATE_OVER", SHEET, "C18")]),    # just over
    ("1535.86", []),                                    # 60.0002%
    ("1535.87", [("EXEC_RATE_LOW", SHEET, "C18")]),    # 59.9998%
    ("0", [("EXEC_BUDGET_ZERO", SHEET, "C4")]),
    (None, []),                                         # blank: FIELD_REQUIRED (basics)
])
def test_execution_rate(budget, expected):
    assert where(run(with_exp(budget_total=budget))) == expected


def test_execution_rate_messages():
    (f,) = run(with_exp(budget_total="800"))
    assert f.severity.value == "warning" and f.name == "exec_rate"
    assert f.message == ("预算执行率 115.19%（部门整体支出 921.52 万元 ÷ 全年预算数 800.00 万元）超过 100%，"
                         "请核对全年预算数是否为调整后预算数、是否包含上年结转")
    (f,) = run(with_exp(budget_total="2000"))
    assert f.message.startswith("预算执行率 46.08%（部门整体支出 921.52 万元 ÷ 全年预算数 2000.00 万元）低于 60%")


def test_locations_follow_the_locator():
    loc = Locator(fields={"exp_total": Place("支出情况", "E9", "exp_total")})
    findings = run(with_exp(exp_project="620.85"), CheckContext(locator=loc))
    assert where(findings) == [("EXP_PARTS_MISMATCH", SHEET, "E9")]


def test_exactly_sixty_percent_is_not_low():
    ev = with_exp(exp_total="600", exp_general_budget="600", exp_project="209.27")
    assert run(ev) == []
    ev = with_exp(exp_total="599.99", exp_general_budget="599.99", exp_project="209.26")
    assert where(run(ev)) == [("EXEC_RATE_LOW", SHEET, "C18")]


def test_exec_rate_indicator_must_restate_the_execution_rate():
    ev = with_exp(budget_total="1000")  # 921.52 ÷ 1000 = 92.152%; the example's 2.1.1 says 100%
    assert expenditure.check_exec_rate_indicator in expenditure.CHECKS
    run = lambda ev: run_checks(ev, registry=(expenditure.check_exec_rate_indicator,))  # noqa: E731
    findings = run(ev)
    assert [f.where for f in findings] == [("EXEC_RATE_INDICATOR_MISMATCH", "指标评分", "I12")]
    assert findings[0].message == ("指标 2.1.1“预算完成率”实际值为 100.00%，按支出情况计算为 92.15%"
                                   "（部门整体支出 921.52 万元 ÷ 全年预算数 1000.00 万元），请核对")
    inds = tuple(replace(i, actual=D("0.9215")) if i.code == "2.1.1" else i for i in ev.indicators)
    assert run(replace(ev, indicators=inds)) == []
    inds = tuple(replace(i, actual=D("0.9216")) if i.code == "2.1.1" else i for i in ev.indicators)
    assert where(run(replace(ev, indicators=inds))) == [
        ("EXEC_RATE_INDICATOR_MISMATCH", "指标评分", "I12")]
