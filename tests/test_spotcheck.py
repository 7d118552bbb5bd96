"""Spot-check scores (core/spotcheck.py): parsing what a reviewer types, and the
differences per indicator and in total."""

from decimal import Decimal as D

from selfeval_xl.core.spotcheck import IndicatorLine, compare, parse_entries

LINES = (IndicatorLine("2.1.1", "预算完成率", D(10), D(10)),
         IndicatorLine("2.1.2", "支付进度率", D(5), D("4.5")),
         IndicatorLine("3.1.2", "绩效目标完成情况", D(5), D(4)),
         IndicatorLine("3.2.2", "经济效益", D(5), None))


def test_differences_per_indicator_and_in_total():
    c = compare(LINES, {"2.1.1": D("7.5"), "3.1.2": D(5), "3.2.2": D(2)})
    assert [(r.code, r.self_score, r.spot_score, r.diff) for r in c.rows] == [
        ("2.1.1", D(10), D("7.5"), D("-2.5")),
        ("2.1.2", D("4.5"), None, None),       # not re-scored: agrees
        ("3.1.2", D(4), D(5), D(1)),
        ("3.2.2", None, D(2), D(2))]           # not scored by the department: 0
    assert (c.self_total, c.spot_total, c.diff_total, c.checked) == (
        D("18.50"), D("19.00"), D("0.50"), 3)


def test_nothing_re_scored_has_no_spot_total():
    c = compare(LINES, {})
    assert (c.self_total, c.spot_total, c.diff_total, c.checked) == (D("18.50"), None, None, 0)
    assert all(r.diff is None for r in c.rows)


def test_totals_round_half_up_to_the_cent():
    lines = (IndicatorLine("a", "甲", D(3), D("3.333")), IndicatorLine("b", "乙", D(3), D("1.002")))
    c = compare(lines, {"a": D("1.005")})
    assert (c.self_total, c.spot_total, c.diff_total) == (D("4.34"), D("2.01"), D("-2.33"))


def test_parse_entries_reports_every_bad_entry_in_chinese():
    scores, problems = parse_entries(LINES, {
        "2.1.1": " 7.5 ", "2.1.2": "", "3.1.2": "６分", "3.2.2": "五", "9.9.9": "1"})
    assert scores == {"2.1.1": D("7.5")}
    assert problems == ["指标 3.1.2 绩效目标完成情况：抽评得分 6 超出 0–5 分",
                        "指标 3.2.2 经济效益：抽评得分“五”不是数字",
                        "指标编码“9.9.9”不在该提交的指标表中"]
    assert parse_entries(LINES, {"2.1.2": "-1", "3.1.2": "4.5分"}) == (
        {"3.1.2": D("4.5")}, ["指标 2.1.2 支付进度率：抽评得分 -1 超出 0–5 分"])
