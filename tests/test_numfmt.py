"""The reader's own number-format and serial-date helpers against openpyxl as the oracle
(the reader no longer imports openpyxl; these must keep giving the same values)."""

import sys
import subprocess

import pytest
from hypothesis import given, settings, strategies as st
from openpyxl.styles.numbers import BUILTIN_FORMATS as OX_BUILTIN, is_date_format as ox_is_date
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900
from openpyxl.utils.datetime import from_excel as ox_from_excel

from selfeval_xl.a1 import range_bounds
from selfeval_xl.read import numfmt

FORMATS = list(OX_BUILTIN.values()) + [
    "yyyy-mm-dd", 'yyyy"年"m"月"d"日"', "[$-804]yyyy年m月d日", "[Red]0.00", '"day"0',
    r"0.00\d", "_m0", "[h]:mm", "[mm]:ss", "[ss].0", "0;[Red]yyyy", "@;d", "", "General",
    "[DBNum1][$-804]m月d日", "#,##0.00_ ;[Red]-#,##0.00 ", "上午/下午h\"时\"mm\"分\"", "ss",
]


def test_builtin_table_is_openpyxls():
    assert numfmt.BUILTIN_FORMATS == OX_BUILTIN


@pytest.mark.parametrize("fmt", FORMATS + [None])
def test_is_date_format_matches(fmt):
    assert numfmt.is_date_format(fmt) == ox_is_date(fmt)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='dmyhsDMYHS0#.,;"[]$-_\\@年月日 h:/', max_size=14))
def test_is_date_format_matches_any_text(fmt):
    assert numfmt.is_date_format(fmt) == ox_is_date(fmt)


def test_epochs_are_openpyxls():
    assert numfmt.WINDOWS_EPOCH == CALENDAR_WINDOWS_1900
    assert numfmt.MAC_EPOCH == CALENDAR_MAC_1904


def _outcome(fn, *args):
    """The value (with its type) or the exception type: the reader catches the same ones."""
    try:
        value = fn(*args)
    except (ValueError, OverflowError) as exc:
        return type(exc)
    return type(value), value


SERIALS = [-1, -0.5, 0, 0.5, 0.999999, 0.9999999999, 1, 1.25, 59, 59.99, 60, 60.5, 61, 44927,
           44927.999994, 45025.3333333, 2958465, 2958465.99999, 1e-9, 36526.000005787]


@pytest.mark.parametrize("epoch", [numfmt.WINDOWS_EPOCH, numfmt.MAC_EPOCH])
@pytest.mark.parametrize("serial", SERIALS)
def test_from_excel_matches(serial, epoch):
    assert _outcome(numfmt.from_excel, serial, epoch) == _outcome(ox_from_excel, serial, epoch)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.integers(-10**6, 10**7),
                 st.floats(-1e6, 1e7, allow_nan=False, allow_infinity=False)),
       st.booleans())
def test_from_excel_matches_any_serial(serial, mac):
    epoch = numfmt.MAC_EPOCH if mac else numfmt.WINDOWS_EPOCH
    assert _outcome(numfmt.from_excel, serial, epoch) == _outcome(ox_from_excel, serial, epoch)


@pytest.mark.parametrize("ref", ["A1", "C5", "$C$5", "B4:D12", "$B$4:$D$12", "b4:d12",
                                 "XFD1048576", "A1:XFD1048576", "D12:B4", "ZZZ1", "AB7:AB7"])
def test_range_bounds_matches(ref):
    assert range_bounds(ref) == range_boundaries(ref)


@pytest.mark.parametrize("ref", ["", "A", "1", "A0:", "AAAA1", "A1:B", "A:A", "3:3", "A1:",
                                 "A1 ", "Sheet!A1", "#REF!"])
def test_range_bounds_refuses_non_cell_ranges(ref):
    with pytest.raises(ValueError):
        range_bounds(ref)


def test_reader_imports_no_openpyxl():
    code = ("import sys; from selfeval_xl.read import reader; "
            "from selfeval_xl.read.ooxml_source import open_book; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl','numpy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
