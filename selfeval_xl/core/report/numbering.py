"""Official-document numbering: Chinese numerals and the heading numbers 一、 （一） 1. （1）.

Kept apart from :mod:`selfeval_xl.core.report.document` so the checks can name a report
section as the template numbers it (``config.section_titles``) without loading the
document's block classes.
"""

from __future__ import annotations

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """Chinese numeral as used in numbering: 1 → 一, 10 → 十, 12 → 十二, 20 → 二十,
    100 → 一百, 101 → 一百零一, 110 → 一百一十, 1010 → 一千零一十, 10010 → 一万零一十.

    Any count a worksheet can hold (below 10⁸) has a numeral: a task with 100 or more
    points is numbered on (一百是…), not refused.

    Raises:
        ValueError: outside 1..99,999,999.
    """
    if not 1 <= n < 10**8:
        raise ValueError(f"cannot write {n} as a numbering ordinal")
    if n < 10000:
        return _below_10k(n, leading=True)
    high, low = divmod(n, 10000)
    text = _below_10k(high, leading=True) + "万"
    if low:
        text += ("零" if low < 1000 else "") + _below_10k(low, leading=False)
    return text


def _below_10k(n: int, *, leading: bool) -> str:
    """1..9999; one 零 stands for any run of zeros between digits; 十 alone (not 一十) only
    at the very start of the numeral (十二, but 一百一十)."""
    out, started, zero = "", False, False
    for digit, unit in zip((n // 1000, n // 100 % 10, n // 10 % 10, n % 10), "千百十 "):
        unit = unit.strip()
        if digit == 0:
            zero = started
            continue
        if zero:
            out += "零"
            zero = False
        out += unit if unit == "十" and digit == 1 and not started and leading \
            else _DIGITS[digit] + unit
        started = True
    return out


def numbering(level: int, n: int) -> str:
    """The numbering text of the n-th heading at a level: 一、 （一） 1. （1）."""
    if level == 1:
        return f"{cn_number(n)}、"
    if level == 2:
        return f"（{cn_number(n)}）"
    if level == 3:
        return f"{n}."
    if level == 4:
        return f"（{n}）"
    raise ValueError(f"heading level {level} is not one of 1..4")
