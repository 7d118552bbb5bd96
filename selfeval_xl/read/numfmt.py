"""Number formats and Excel serial dates: which styles hold dates, and a serial → datetime.

The reader needs only these two facts from a workbook's styles, and importing them from
openpyxl loaded all of openpyxl (and numpy, through its package init) on every command.
They follow openpyxl 3.1's ``styles.numbers`` and ``utils.datetime`` — the same built-in
table, the same date test, the same 1900 leap-year correction and millisecond rounding — and
tests/test_numfmt.py checks them against openpyxl as the oracle. One deliberate difference:
the East Asian built-in date formats (:data:`LOCALE_DATE_FORMATS`), which openpyxl reads as
"General".
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

# ECMA-376 18.8.30: the built-in formats a file may cite by id without defining them.
BUILTIN_FORMATS = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)', 6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)', 8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
    14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)", 38: "#,##0_);[Red](#,##0)", 39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}

# ECMA-376 18.8.30 also reserves ids 27–36 and 50–58 for the East Asian locales' own date and
# time formats. Excel in Chinese saves a date shown as 2024年3月28日 with such an id and no
# definition in the file; openpyxl knows none of them and reads the date as its serial number
# (45379), which the reader would then call a date typed as a number. These are the zh-CN
# codes; in every locale that uses the ids they are dates or times.
LOCALE_DATE_FORMATS = {
    27: 'yyyy"年"m"月"', 28: 'm"月"d"日"', 29: 'm"月"d"日"', 30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"', 32: 'h"时"mm"分"', 33: 'h"时"mm"分"ss"秒"',
    34: '上午/下午h"时"mm"分"', 35: '上午/下午h"时"mm"分"ss"秒"', 36: 'yyyy"年"m"月"',
    50: 'yyyy"年"m"月"', 51: 'm"月"d"日"', 52: 'yyyy"年"m"月"', 53: 'm"月"d"日"',
    54: 'm"月"d"日"', 55: '上午/下午h"时"mm"分"', 56: '上午/下午h"时"mm"分"ss"秒"',
    57: 'yyyy"年"m"月"', 58: 'm"月"d"日"',
}

# Quoted literals and bracketed locale/colour codes say nothing about dates; [h] [mm] [ss]
# (elapsed time) do.
_STRIP = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_CHAR = re.compile(r"(?<![_\\])[dmhysDMHYS]")

WINDOWS_EPOCH = datetime(1899, 12, 30)
MAC_EPOCH = datetime(1904, 1, 1)
_SECS_PER_DAY = 86400


def format_code(fmt_id: int, custom: dict[int, str]) -> str:
    """The format a style cites by id: the file's own definition, else the built-in one
    (the locale date formats included), else "General"."""
    if fmt_id in custom:
        return custom[fmt_id]
    return BUILTIN_FORMATS.get(fmt_id) or LOCALE_DATE_FORMATS.get(fmt_id, "General")


def is_date_format(fmt: str | None) -> bool:
    """True when the first section of a number format shows a date or a time."""
    if fmt is None:
        return False
    first = _STRIP.sub("", fmt.split(";")[0])
    return _DATE_CHAR.search(first) is not None


def from_excel(value: float, epoch: datetime = WINDOWS_EPOCH) -> datetime | time:
    """An Excel serial number → datetime (a time of day for 0 ≤ value < 1).

    Serials below 60 in the 1900 system are shifted by a day: Excel counts the
    non-existent 1900-02-29.
    """
    day, fraction = divmod(value, 1)
    # multiplied in this order, as openpyxl does, so the rounding is the same
    diff = timedelta(milliseconds=round(fraction * _SECS_PER_DAY * 1000))
    if 0 <= value < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return time(hours, minutes, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1
    return epoch + timedelta(days=day) + diff
