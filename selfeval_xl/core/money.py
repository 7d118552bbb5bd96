"""Amounts and numbers as officers type them, parsed to ``Decimal`` without guessing.

``parse_number`` accepts what is unambiguous ("1,011.58", "921.52万元", full-width
"９２１．５２", surrounding spaces, "96%") and says what it had to normalise, so the
caller can turn that into a warning finding. Anything else is a failure with a reason.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_UNIT_SUFFIXES = ("万元", "元", "万")


@dataclass(frozen=True)
class Parsed:
    """Result of parsing one cell.

    Attributes:
        value: the Decimal, or None when blank or unreadable.
        ok: False when the text could not be read unambiguously.
        notes: what was normalised (Chinese), empty when the cell was a plain number.
        blank: True when the cell was empty.
    """

    value: Decimal | None
    ok: bool = True
    notes: tuple[str, ...] = ()
    blank: bool = False


def parse_number(raw: object, *, unit: str = "万元", percent: bool = False) -> Parsed:
    """Parse a cell value into a Decimal.

    Args:
        raw: the cell's value (number, text, None, bool …).
        unit: the unit the cell is in; a matching suffix is accepted ("万元" cells accept
            "921.52万元"); a different unit ("元" in a 万元 cell) is ambiguous and refused.
        percent: accept and divide by 100 a trailing "%" (rates stored as fractions).
    """
    if raw is None:
        return Parsed(None, blank=True)
    if isinstance(raw, bool):
        return Parsed(None, ok=False, notes=("是逻辑值而不是数字",))
    if isinstance(raw, int):
        return Parsed(Decimal(raw))
    if isinstance(raw, float):
        if math.isnan(raw) or math.isinf(raw):
            return Parsed(None, ok=False, notes=("不是有效数字",))
        # repr() gives the shortest text that round-trips: 921.52, not 921.5199999…
        return Parsed(Decimal(repr(raw)))
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            return Parsed(None, ok=False, notes=("不是有效数字",))
        return Parsed(raw)
    if not isinstance(raw, str):
        return Parsed(None, ok=False, notes=(f"无法识别的值类型 {type(raw).__name__}",))

    notes: list[str] = []
    text = unicodedata.normalize("NFKC", raw)
    if text != raw:
        notes.append("全角字符已按半角读取")
    stripped = text.strip()
    if not stripped:
        return Parsed(None, blank=True)
    if stripped != text:
        notes.append("已去掉首尾空格")
    text = stripped.replace(" ", "")

    if percent and text.endswith("%"):
        text = text[:-1]
        notes.append("百分号已换算为小数")
        scale = Decimal("0.01")
    else:
        scale = Decimal(1)

    for suffix in _UNIT_SUFFIXES:
        if text.endswith(suffix):
            if suffix == "万" and unit == "万元":  # "1234.5万" is how officers write 万元
                text = text[:-1]
                notes.append("已去掉单位“万”（即万元）")
                break
            if suffix != unit:
                return Parsed(None, ok=False, notes=(f"单位“{suffix}”与本栏单位“{unit}”不一致",))
            text = text[: -len(suffix)]
            notes.append(f"已去掉单位“{suffix}”")
            break

    if "," in text:
        if not _GROUPED.match(text):
            return Parsed(None, ok=False, notes=("千分位逗号位置不规范",))
        text = text.replace(",", "")
        notes.append("已去掉千分位逗号")

    if not _NUMBER.match(text):
        return Parsed(None, ok=False, notes=("不是数字",))
    try:
        value = Decimal(text) * scale
    except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
        return Parsed(None, ok=False, notes=("不是数字",))
    return Parsed(value, notes=tuple(notes))


# No cell result this workbook computes (a score, a total in 万元) comes near this; beyond it a
# cached value is not a figure at all, and rounding it to the cent would overflow Decimal.
STORED_LIMIT = Decimal(10) ** 15


# Inputs (amounts, weights, actual values, rates) must lie in this range or be 0: below it
# a quotient (an execution rate over a budget of 1E-300) and above it a product overflows
# the 28 digits the cent rounding has. Nothing real comes near either end.
SMALLEST_INPUT = Decimal(10) ** -6


def in_range(value: Decimal) -> bool:
    """True for 0 and for numbers whose magnitude lies in [10^-6, 10^15)."""
    return not value or SMALLEST_INPUT <= abs(value) < STORED_LIMIT


def stored_number(value: object) -> Decimal | None:
    """A result the workbook stored in an output cell (自评得分, a row's 得分, the report's
    score) as a Decimal; None when blank, a logical value, an error value, text that is not
    unambiguously a number, or beyond :data:`STORED_LIMIT`.

    The one rule for every reader of a stored result: the bureau's verify record and the
    report-state checks must agree on what a score cell holds. It is the officers' rule
    (:func:`parse_number`, no unit): text that shows a number ("99", "９９") counts as that
    number, because that is what anyone looking at the cell sees.
    """
    if value is None or isinstance(value, bool):
        return None
    parsed = parse_number(value, unit="")
    if not parsed.ok or parsed.value is None or abs(parsed.value) >= STORED_LIMIT:
        return None
    return parsed.value


def quantize(value: Decimal) -> Decimal:
    """Round half-up to the cent, the precision amounts are compared at."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def decimals(value: Decimal) -> int:
    """Number of decimal places actually written (921.520 → 2 after normalising)."""
    exp = value.normalize().as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def fmt_wan(value: Decimal | None) -> str:
    """万元 amount as the report writes it: exactly two decimals, no grouping (921.52)."""
    if value is None:
        return ""
    return f"{quantize(value):.2f}"


def fmt_plain(value: Decimal | None) -> str:
    """A count or figure as written in prose: 1232, 6916.51, 96, 95.5 (no trailing zeros)."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    text = format(value.normalize(), "f")
    return text
