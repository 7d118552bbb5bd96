"""Amount parsing: what is unambiguous is read (with a note), the rest is refused."""

from decimal import Decimal

import pytest

from selfeval_xl.core.money import decimals, fmt_plain, fmt_wan, parse_number, quantize, stored_number


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        (921.52, Decimal("921.52"), ()),
        (0.1 + 0.2, Decimal("0.30000000000000004"), ()),
        (1011, Decimal("1011"), ()),
        ("1,011.58", Decimal("1011.58"), ("已去掉千分位逗号",)),
        ("921.52万元", Decimal("921.52"), ("已去掉单位“万元”",)),
        ("９２１．５２", Decimal("921.52"), ("全角字符已按半角读取",)),
        ("  34.74 ", Decimal("34.74"), ("已去掉首尾空格",)),
        ("-90.06", Decimal("-90.06"), ()),
    ],
)
def test_parse_accepts_unambiguous_input(raw, value, notes):
    p = parse_number(raw)
    assert (p.value, p.ok, p.notes, p.blank) == (value, True, notes, False)


@pytest.mark.parametrize(
    ("raw", "note"),
    [
        ("abc", "不是数字"),
        ("1,01.58", "千分位逗号位置不规范"),
        ("921.52元", "单位“元”与本栏单位“万元”不一致"),
        ("nan", "不是数字"),
        (float("nan"), "不是有效数字"),
        (float("inf"), "不是有效数字"),
        (True, "是逻辑值而不是数字"),
        ("1.2.3", "不是数字"),
    ],
)
def test_parse_refuses_ambiguous_input(raw, note):
    p = parse_number(raw)
    assert (p.value, p.ok, p.notes) == (None, False, (note,))


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000"])
def test_blank(raw):
    p = parse_number(raw)
    assert (p.value, p.ok, p.blank) == (None, True, True)


def test_percent_is_a_fraction():
    p = parse_number("90%", unit="", percent=True)
    assert p.value == Decimal("0.90") and p.notes == ("百分号已换算为小数",)
    assert parse_number("90%").ok is False


def test_formatting_and_rounding():
    assert fmt_wan(Decimal("921.5")) == "921.50"
    assert fmt_wan(Decimal("0.005")) == "0.01"  # half-up, not banker's rounding
    assert quantize(Decimal("1011.575")) == Decimal("1011.58")
    assert fmt_plain(Decimal("96.00")) == "96"
    assert fmt_plain(Decimal("95.50")) == "95.5"
    assert fmt_plain(Decimal("6916.51")) == "6916.51"
    assert decimals(Decimal("921.520")) == 2
    assert decimals(Decimal("1.234")) == 3
    assert fmt_wan(None) == fmt_plain(None) == ""


@pytest.mark.parametrize("raw, value", [
    (96, Decimal("96")),
    (95.5, Decimal("95.5")),
    (Decimal("96.21"), Decimal("96.21")),
    ("99", Decimal("99")),
    ("９９．５", Decimal("99.5")),
    (" 96 ", Decimal("96")),
    (None, None),
    ("", None),
    (True, None),            # a logical value is not a score
    ("#DIV/0!", None),
    ("99分", None),
    ("96万元", None),        # a unit in a score cell: not unambiguous
    (float("nan"), None),
    (Decimal("Infinity"), None),
    (1e15, None),            # beyond any figure the workbook computes
    (-1e15, None),
    (999999999999999, Decimal("999999999999999")),
])
def test_stored_number_is_one_rule_for_stored_results(raw, value):
    assert stored_number(raw) == value
