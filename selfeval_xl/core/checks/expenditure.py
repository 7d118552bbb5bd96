"""支出情况: the amounts must add up to the cent, be non-negative, have 2 decimals, and
the execution rate against 全年预算数 must be plausible.

Identities are compared as the workbook's native difference cells do,
``ROUND(total − sum, 2) <> 0``, so a figure typed with float noise never shows as a mismatch.
"""

from __future__ import annotations

import re
from dataclasses import fields
from decimal import Decimal

from selfeval_xl import layout
from selfeval_xl.core.checks.base import ERROR, WARNING, CheckContext, make, wan
from selfeval_xl.core.findings import Finding
from selfeval_xl.core.model import Evaluation, Expenditure
from selfeval_xl.core.money import decimals, quantize

# Execution below this share of the budget is unusual enough to ask about (warning).
LOW_EXECUTION_RATE = Decimal("0.6")

MONEY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Expenditure))


def short_label(name: str) -> str:
    """The field's label without "其中：", indent and parenthetical: "一般公共预算支出"."""
    label = layout.field(name).label.replace("其中：", "").strip("　 ")
    return re.sub(r"（[^）]*）", "", label)


def _amounts(ev: Evaluation, names: tuple[str, ...]) -> list[Decimal] | None:
    values = [getattr(ev.expenditure, n) for n in names]
    return None if any(v is None for v in values) else values


def _identity(ev: Evaluation, ctx: CheckContext, code: str, total_name: str,
              part_names: tuple[str, ...]) -> list[Finding]:
    """One finding at the total's cell when total ≠ Σ parts (to the cent)."""
    values = _amounts(ev, (total_name, *part_names))
    if values is None:
        return []  # a blank amount is reported by FIELD_REQUIRED; nothing to compare
    total, parts = values[0], values[1:]
    parts_sum = sum(parts, Decimal(0))
    diff = quantize(total - parts_sum)
    if diff == 0:
        return []
    terms = " + ".join(f"{short_label(n)} {wan(v)}" for n, v in zip(part_names, parts))
    message = (f"{short_label(total_name)} {wan(total)} ≠ {terms} = {wan(parts_sum)}，"
               f"相差 {wan(abs(diff))}")
    return [make(code, ERROR, ctx.locator.field(total_name), message)]


def check_sources_identity(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """部门整体支出 = 一般公共预算支出 + 政府性基金预算支出 + 其他资金支出."""
    return _identity(ev, ctx, "EXP_SOURCES_MISMATCH", "exp_total",
                     ("exp_general_budget", "exp_gov_fund", "exp_other"))


def check_parts_identity(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """部门整体支出 = 基本支出 + 项目支出 (the seed's 921.52 ≠ 1011.58)."""
    return _identity(ev, ctx, "EXP_PARTS_MISMATCH", "exp_total", ("exp_basic", "exp_project"))


def check_basic_identity(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """基本支出 = 人员经费 + 公用经费."""
    return _identity(ev, ctx, "EXP_BASIC_MISMATCH", "exp_basic",
                     ("exp_personnel", "exp_public"))


def check_negative_amounts(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """No amount may be negative (决算数 and 预算数 are ≥ 0)."""
    out = []
    for name in MONEY_FIELDS:
        value = getattr(ev.expenditure, name)
        if value is not None and value < 0:
            out.append(make("EXP_NEGATIVE", ERROR, ctx.locator.field(name),
                            f"{short_label(name)}为负数（{value} 万元），金额不能小于 0"))
    return out


def check_amount_precision(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """Amounts are 万元 with 2 decimals; more is rounded in the report (warning)."""
    out = []
    for name in MONEY_FIELDS:
        value = getattr(ev.expenditure, name)
        if value is not None and decimals(value) > 2:
            out.append(make(
                "EXP_PRECISION", WARNING, ctx.locator.field(name),
                f"{short_label(name)} {format(value.normalize(), 'f')} 万元有 {decimals(value)} 位小数，"
                f"金额应保留两位小数，报告中将按 {wan(value)} 列示"))
    return out


def check_execution_rate(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """预算执行率 = 部门整体支出 ÷ 全年预算数: over 100% or under 60% is a warning.

    Over 100% is a warning, not an error: spending carried-over funds (上年结转) can
    legitimately exceed the year's budget figure, depending on how 全年预算数 is stated;
    the officer must confirm it. A zero budget makes the rate undefined (error). A blank
    budget is reported by FIELD_REQUIRED.
    """
    budget, total = ev.expenditure.budget_total, ev.expenditure.exp_total
    if budget is None or total is None or budget < 0 or total < 0:
        return []
    if budget == 0:
        return [make("EXEC_BUDGET_ZERO", ERROR, ctx.locator.field("budget_total"),
                     f"全年预算数为 0，无法计算预算执行率（部门整体支出 {wan(total)}）")]
    rate = total / budget
    shown = f"{(rate * 100).quantize(Decimal('0.01'))}%"
    place = ctx.locator.field("exec_rate")
    if rate > 1:
        return [make("EXEC_RATE_OVER", WARNING, place,
                     f"预算执行率 {shown}（部门整体支出 {wan(total)} ÷ 全年预算数 {wan(budget)}）"
                     "超过 100%，请核对全年预算数是否为调整后预算数、是否包含上年结转")]
    if rate < LOW_EXECUTION_RATE:
        return [make("EXEC_RATE_LOW", WARNING, place,
                     f"预算执行率 {shown}（部门整体支出 {wan(total)} ÷ 全年预算数 {wan(budget)}）"
                     f"低于 {int(LOW_EXECUTION_RATE * 100)}%，执行率偏低，请核对数字并在分析中说明原因")]
    return []


# The indicator that restates the execution rate (default framework 2.1.1), by its name.
EXEC_RATE_INDICATORS = ("预算完成率", "预算执行率")
BASIS_POINT = Decimal("0.0001")  # rates are compared to 0.01 percentage point


def check_exec_rate_indicator(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """The 预算完成率 indicator's 实际值 is the execution rate of 支出情况; it is scored, so a
    different figure there changes the score without the amounts saying so (warning)."""
    budget, total = ev.expenditure.budget_total, ev.expenditure.exp_total
    if budget is None or total is None or budget <= 0 or total < 0:
        return []
    rate = total / budget
    out = []
    for i, ind in enumerate(ev.indicators):
        if ind.level3.strip() not in EXEC_RATE_INDICATORS or not isinstance(ind.actual, Decimal):
            continue
        if ind.actual.quantize(BASIS_POINT) != rate.quantize(BASIS_POINT):
            pct = lambda v: f"{(v * 100).quantize(Decimal('0.01'))}%"  # noqa: E731
            out.append(make("EXEC_RATE_INDICATOR_MISMATCH", WARNING,
                            ctx.locator.cell("tbl_indicators", i, "actual"),
                            f"指标 {ind.code}“{ind.level3.strip()}”实际值为 {pct(ind.actual)}，"
                            f"按支出情况计算为 {pct(rate)}（部门整体支出 {wan(total)} ÷ 全年预算数 "
                            f"{wan(budget)}），请核对"))
    return out


CHECKS = (
    check_sources_identity,
    check_parts_identity,
    check_basic_identity,
    check_negative_amounts,
    check_amount_precision,
    check_execution_rate,
    check_exec_rate_indicator,
)
