"""Number formats and Excel serial dates: which styles hold dates, and a serial → datetime.

The reader needs only these two facts from a workbook's styles, and importing them from
openpyxl loaded all of openpyxl (and numpy, through its package init) on every command.
They follow openpyxl 3.1's ``styles.numbers`` and ``utils.datetime`` exactly — the same
built-in table (ids openpyxl does not list are "General"), the same date test, the same
1900 leap-year correction and millisecond rounding — and tests/test_numfmt.py checks them
against openpyxl as the oracle.
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

# Quoted literals and bracketed locale/colour codes say nothing about dates; [h] [mm] [ss]
# (elapsed time) do.
_STRIP = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_CHAR = re.compile(r"(?<![_\\])[dmhysDMHYS]")

WINDOWS_EPOCH = datetime(1899, 12, 30)
MAC_EPOCH = datetime(1904, 1, 1)
_SECS_PER_DAY = 86400


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
