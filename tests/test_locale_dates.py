"""Dates saved by Excel in a Chinese locale (issue: a real date read as a number).

Excel in Chinese shows a date as 2024年3月28日 with one of the East Asian built-in formats
(ids 27–36, 50–58, ECMA-376 18.8.30), cited by id and not defined in the file. openpyxl
does not know them and reads such a date as its serial number; the reader then warned
READ_NORMALISED_DATE ("填写为Excel 日期序号 45379 …建议填写为 Excel 日期") on a date the
officer did type as a date. Both readers now take these ids as the dates they are.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date

import pytest

import reader_fixtures as fx
from selfeval_xl.read import numfmt, reader
from selfeval_xl.read.openpyxl_source import OpenpyxlSource

SERIAL = 45379  # 2024-03-28, counted by hand: 45292 is 2024-01-01, + 31 + 29 + 27


def _with_date_style(src, dst, fmt_id: int):
    """``src`` with 填报日期 holding SERIAL in a new style that cites ``fmt_id`` undefined."""
    with zipfile.ZipFile(src) as zf:
        styles = zf.read("xl/styles.xml").decode("utf-8")
    m = re.search(r'<cellXfs count="(\d+)">', styles)
    index = int(m.group(1))
    xf = (f'<xf numFmtId="{fmt_id}" fontId="0" fillId="0" borderId="0" xfId="0" '
          'applyNumberFormat="1"/>')
    styles = styles.replace(m.group(0), f'<cellXfs count="{index + 1}">', 1)
    styles = styles.replace("</cellXfs>", xf + "</cellXfs>", 1)
    assert f'numFmtId="{fmt_id}" formatCode' not in styles  # cited, never defined
    staged = fx.rewrite_parts(src, dst.with_suffix(".styled.xlsm"),
                              {"xl/styles.xml": styles.encode("utf-8")})
    sheet, cell = fx.field_cell("fill_date")
    with zipfile.ZipFile(staged) as zf:
        part = fx._sheet_part(zf, sheet)  # noqa: SLF001 - the fixture's own helper
        xml = zf.read(part).decode("utf-8")
    xml, n = re.subn(rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)',
                     f'<c r="{cell}" s="{index}"><v>{SERIAL}</v></c>', xml, count=1, flags=re.S)
    assert n == 1
    return fx.rewrite_parts(staged, dst, {part: xml.encode("utf-8")})


def _date_findings(result) -> list[str]:
    return [f.code for f in result.findings if "DATE" in f.code]


@pytest.mark.parametrize("fmt_id", [31, 57, 58, 27, 36, 50, 14])
def test_a_date_in_a_chinese_builtin_format_reads_as_that_date(built_example, tmp_path, fmt_id):
    book = _with_date_style(built_example, tmp_path / "dated.xlsm", fmt_id)
    result = reader.read(book)
    assert result.evaluation.basics.fill_date == date(2024, 3, 28)
    assert _date_findings(result) == []
    # openpyxl's side gives the same reading
    via_openpyxl = reader.read_source(OpenpyxlSource.open(book))
    assert via_openpyxl.evaluation.basics.fill_date == date(2024, 3, 28)
    assert _date_findings(via_openpyxl) == []


def test_a_number_in_a_general_cell_is_still_a_date_typed_as_a_number(built_example, tmp_path):
    book = _with_date_style(built_example, tmp_path / "general.xlsm", 0)
    result = reader.read(book)
    assert result.evaluation.basics.fill_date == date(2024, 3, 28)
    sheet, cell = fx.field_cell("fill_date")
    [finding] = [f for f in result.findings if "DATE" in f.code]
    assert (finding.code, finding.sheet, finding.cell) == ("READ_NORMALISED_DATE", sheet, cell)
    assert finding.message.endswith(
        f"填写为Excel 日期序号 {SERIAL}，已按日期 2024-03-28 读取。建议填写为 Excel 日期。")


def test_the_locale_ids_are_exactly_the_reserved_ones_and_all_dates_or_times():
    assert sorted(numfmt.LOCALE_DATE_FORMATS) == [*range(27, 37), *range(50, 59)]
    assert all(numfmt.is_date_format(code) for code in numfmt.LOCALE_DATE_FORMATS.values())
    # ids the standard leaves undefined stay General, a file's own definition wins
    assert numfmt.format_code(59, {}) == "General"
    assert numfmt.format_code(31, {31: "0.00"}) == "0.00"
    assert numfmt.format_code(31, {}) == 'yyyy"年"m"月"d"日"'
