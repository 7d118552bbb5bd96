"""Raw cell values → model values, with exactly the findings the rules promise."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from selfeval_xl.read import cell_parse as cp
from selfeval_xl.read.book_source import CellError, Uncached
from selfeval_xl.core.findings import Severity

W = cp.Where("支出情况", "C5", "exp_total", "部门整体支出")


def codes(findings):
    return [(f.code, f.severity, f.sheet, f.cell, f.name) for f in findings]


def one(code, severity):
    return [(code, severity, "支出情况", "C5", "exp_total")]


@pytest.mark.parametrize("raw,value", [
    (921.52, Decimal("921.52")), (0.0, Decimal("0")), (3, Decimal("3")),
    (1e14, Decimal("100000000000000")), (-999999999999999, Decimal("-999999999999999")),
    (0.000001, Decimal("0.000001")),
    (Decimal("5.10"), Decimal("5.10")), (None, None), (-12.5, Decimal("-12.5")),
])
def test_numbers_without_findings(raw, value):
    parsed, findings = cp.as_number(raw, W, unit="万元")
    assert parsed == value and findings == []
    if value is not None:
        assert str(parsed) == str(value)


@pytest.mark.parametrize("raw, shown", [
    (1e21, "1e+21"), (1e15, "1000000000000000.0"), (Decimal("-1E+15"), "-1E+15"),
    ("9" * 310, "99999999999999999999…（共 310 个字符）"),
    (1e-300, "1e-300"), ("0.0000009", "0.0000009"),
])
def test_numbers_out_of_range_are_errors(raw, shown):
    """Beyond 10^15 or (unless 0) below 10^-6 no figure is real, and quotients and products
    of such numbers overflowed the writers (issue 13): an error, read as blank."""
    parsed, findings = cp.as_number(raw, W, unit="万元")
    assert parsed is None and codes(findings) == one("READ_NUMBER_OUT_OF_RANGE", Severity.ERROR)
    assert findings[0].message == (
        f"“部门整体支出”填写为“{shown}”，超出合理范围（须为 0，或绝对值在 10^-6 与 10^15 之间），"
        "未读取。请检查是否多输入了数字。")


def test_integral_floats_lose_their_fraction():
    """3.0 from Excel and 3 from the data file must be the same model (and fingerprint)."""
    assert str(cp.as_number(3.0, W)[0]) == "3"
    assert str(cp.as_number(0.0, W)[0]) == "0"


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_blank_text_is_blank(raw):
    assert cp.as_number(raw, W, unit="万元") == (None, [])
    assert cp.as_int(raw, W) == (None, [])
    assert cp.as_date(raw, W) == (None, [])
    assert cp.as_boolean(raw, W) == (None, [])


def test_normalised_number_message():
    value, findings = cp.as_number("1,011.58", W, unit="万元")
    assert value == Decimal("1011.58")
    assert codes(findings) == one("READ_NORMALISED_NUMBER", Severity.WARNING)
    assert findings[0].message == ("“部门整体支出”填写为文本“1,011.58”，已按 1011.58 万元读取："
                                   "已去掉千分位逗号。建议直接填写数字。")


@pytest.mark.parametrize("raw", ["abc", "nan", "inf", True, float("nan"), float("inf"),
                                 datetime(2023, 1, 1), "1.2.3", "921.52元"])
def test_unreadable_numbers(raw):
    value, findings = cp.as_number(raw, W, unit="万元")
    assert value is None
    assert codes(findings) == one("READ_UNPARSED_NUMBER", Severity.ERROR)


def test_long_text_is_cut_in_the_message():
    _, findings = cp.as_number("字" * 1000, W)
    assert "…（共 1000 字）" in findings[0].message and len(findings[0].message) < 200


def test_percent_rules():
    assert cp.as_number("90%", W, percent=True)[0] == Decimal("0.9")
    assert cp.as_number("90%", W)[0] is None  # a 万元 cell does not take percentages
    value, findings = cp.as_number("100%", W, keep_percent=True)
    assert value == Decimal("100") and "已去掉百分号" in findings[0].message
    assert codes(cp.as_number("%", W, keep_percent=True)[1]) == one("READ_UNPARSED_NUMBER", Severity.ERROR)


def test_error_values_and_formulas():
    assert cp.as_number(CellError("#REF!"), W) == (None, cp.as_number(CellError("#REF!"), W)[1])
    assert codes(cp.as_number(CellError("#REF!"), W)[1]) == one("READ_CELL_ERROR", Severity.ERROR)
    value, findings = cp.as_number(Uncached("355.99+34.74"), W)
    assert value == Decimal("390.73")
    assert codes(findings) == one("READ_FORMULA_COMPUTED", Severity.INFO)
    value, findings = cp.as_number(Uncached("exp_basic+1"), W)
    assert value is None and codes(findings) == one("READ_FORMULA_NO_CACHE", Severity.ERROR)
    assert cp.as_text(Uncached('"abc"'), W)[0] == ""


@pytest.mark.parametrize("raw,value,code", [
    (0, 0, None), (3.0, 3, None), ("无", 0, "READ_NORMALISED_NUMBER"), ("0", 0, "READ_NORMALISED_NUMBER"),
    ("２个", 2, "READ_NORMALISED_NUMBER"), (2.5, None, "READ_BAD_INT"), (True, None, "READ_BAD_INT"),
    ("个", None, "READ_BAD_INT"), (-1, -1, None),
])
def test_counts(raw, value, code):
    parsed, findings = cp.as_int(raw, W, zero_words=True)
    assert parsed == value
    assert [f.code for f in findings] == ([code] if code else [])


def test_zero_words_only_where_allowed():
    assert cp.as_int("无", W)[0] is None


@pytest.mark.parametrize("raw,value,code", [
    (datetime(2023, 4, 11, 0, 0), date(2023, 4, 11), None),
    (date(2023, 4, 11), date(2023, 4, 11), None),
    ("2023.4.11", date(2023, 4, 11), "READ_NORMALISED_DATE"),
    ("２０２３年４月１１日", date(2023, 4, 11), "READ_NORMALISED_DATE"),
    ("2023-04-11 00:00:00", date(2023, 4, 11), "READ_NORMALISED_DATE"),
    (45027, date(2023, 4, 11), "READ_NORMALISED_DATE"),
    (45027.0, date(2023, 4, 11), "READ_NORMALISED_DATE"),
    (45027.5, None, "READ_BAD_DATE"),
    (2023, None, "READ_BAD_DATE"),  # serial 2023 is 1905: not a plausible 填报日期
    ("4/11/2023", None, "READ_BAD_DATE"),  # month/day order is ambiguous
    (float("nan"), None, "READ_BAD_DATE"),
])
def test_dates(raw, value, code):
    parsed, findings = cp.as_date(raw, W)
    assert parsed == value
    assert [f.code for f in findings] == ([code] if code else [])


def test_text():
    assert cp.as_text(13800000000, W) == ("13800000000", [])
    assert cp.as_text(0.5, W) == ("0.5", [])
    assert cp.as_text("  我中心 ", W) == ("我中心", [])
    assert cp.as_text(datetime(2023, 4, 11), W) == ("2023-04-11", [])
    assert cp.as_text(None, W) == ("", [])
    assert codes(cp.as_text(CellError("#N/A"), W)[1]) == one("READ_CELL_ERROR", Severity.ERROR)


def test_choice_accepts_full_width_brackets():
    choices = ("(下限,上限]", "[下限,上限)")
    assert cp.as_choice("［下限，上限）", W, choices, choices[0]) == ("[下限,上限)", [])
    value, findings = cp.as_choice("左开右闭", W, choices, choices[0])
    assert value == choices[0] and codes(findings) == one("READ_BAD_CHOICE", Severity.WARNING)


def test_cached_value():
    assert cp.cached_value(96.0) == Decimal("96")
    assert cp.cached_value(CellError("#N/A")) == "#N/A"
    assert cp.cached_value(Uncached("SUM(1)")) is None
    assert cp.cached_value("优") == "优"
    assert cp.cached_value(True) is True


@pytest.mark.parametrize("raw, text, first", [
    ("惠州\x01市政务服务中心", "惠州市政务服务中心", "第 3 个字符 U+0001 等 1 个字符"),
    ("\ud800甲\x0b乙", "甲乙", "第 1 个字符 U+D800 等 2 个字符"),
])
def test_text_drops_what_no_file_can_hold(raw, text, first):
    """A control character or lone surrogate made every renderer fail (UnicodeEncodeError,
    python-docx's "All strings must be XML compatible"): dropped here, with a warning."""
    got, findings = cp.as_text(raw, W)
    assert got == text
    assert codes(findings) == one("READ_UNSAVABLE_CHARACTER", Severity.WARNING)
    assert findings[0].message == (f"“部门整体支出”的{first}是控制字符或不成对的代理字符，"
                                   "报告和工作簿都无法保存，已删除。")


def test_tab_and_newline_stay_in_text():
    assert cp.as_text("甲\t乙\n丙", W) == ("甲\t乙\n丙", [])
