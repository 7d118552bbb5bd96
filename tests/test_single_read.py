"""Collect reads each file once: preflight's bytes, zip and inflated parts go on to the reader,
and the reader's inline decoding of plain cells gives what its general path gives.

Both are speed work for the bureau (docs/bureau.md, "Performance notes"); these tests pin
that they change nothing a reader of the file can see.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime

import pytest

from selfeval_xl.read import ooxml_cells, ooxml_source, reader
from selfeval_xl.read.book_source import CellError, Uncached
from selfeval_xl.build.builder import build_workbook
from selfeval_xl.bureau import preflight
from selfeval_xl.bureau.preflight import MB, Limits, inspect
from selfeval_xl.datafile import example

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("single") / "example.xlsm"
    build_workbook(path, example())
    return path


def test_preflight_keeps_every_xml_part_whole_and_checked(book):
    pf = inspect(book)
    assert pf.verdict is None and pf.zip is not None
    with zipfile.ZipFile(book) as zf:
        xml_parts = {i.filename for i in zf.infolist()
                     if i.filename.endswith((".xml", ".rels", ".vml"))}
        assert set(pf.parts) == xml_parts  # every part of a template is under 1 MB
        for name, data in pf.parts.items():
            assert data == zf.read(name), name
    assert pf.file_hash == preflight.file_hash(book)
    assert pf.size == book.stat().st_size


def test_reader_on_preflight_parts_inflates_nothing_and_reads_the_same(book, monkeypatch):
    pf = inspect(book)
    expected = reader.read(book)

    def no_inflating(*args, **kwargs):
        raise AssertionError("the reader inflated a part preflight had inflated already")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_inflating)
    got = reader.read_source(ooxml_source.OoxmlSource.from_zip(pf.zip, pf.parts))
    assert got.evaluation == expected.evaluation
    assert got.findings == expected.findings
    assert got.locator == expected.locator
    meta = {k: v for k, v in expected.meta.items() if k not in ("path", "size", "sha256")}
    assert got.meta == meta


def test_a_large_part_is_vetted_by_its_prolog_and_left_to_the_reader(book, tmp_path, monkeypatch):
    monkeypatch.setattr(preflight, "WHOLE_PART_BYTES", 4096)
    pf = inspect(book)
    with zipfile.ZipFile(book) as zf:
        big = {i.filename for i in zf.infolist() if i.file_size > 4096}
    assert big and not big & set(pf.parts)
    got = reader.read_source(ooxml_source.OoxmlSource.from_zip(pf.zip, pf.parts))
    assert got.evaluation == reader.read(book).evaluation


def test_whole_parts_stop_at_the_files_budget(book, monkeypatch):
    monkeypatch.setattr(preflight, "WHOLE_PARTS_BUDGET", 20_000)
    pf = inspect(book)
    assert pf.parts and sum(len(d) for d in pf.parts.values()) <= 20_000
    with zipfile.ZipFile(book) as zf:
        assert len(pf.parts) < sum(1 for n in zf.namelist() if n.endswith((".xml", ".rels")))
    got = reader.read_source(ooxml_source.OoxmlSource.from_zip(pf.zip, pf.parts))
    assert got.evaluation == reader.read(book).evaluation


def _central_entry(data: bytes, name: str) -> int:
    """Offset of ``name``'s central directory entry (signature PK\\1\\2)."""
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        length = int.from_bytes(data[pos + 28:pos + 30], "little")
        if data[pos + 46:pos + 46 + length] == name.encode():
            return pos
        pos = data.find(b"PK\x01\x02", pos + 4)
    raise KeyError(name)


@pytest.mark.parametrize("damage", ["crc", "deflate"])
def test_a_damaged_part_is_refused_by_preflight(book, tmp_path, damage):
    data = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as zf:
        info = zf.getinfo("xl/styles.xml")
    if damage == "crc":  # the CRC zipfile checks is the central directory's
        data[_central_entry(bytes(data), info.filename) + 16] ^= 0xFF
    else:  # garbage in the middle of the deflated bytes
        start = (info.header_offset + 30 + int.from_bytes(data[info.header_offset + 26:
                 info.header_offset + 28], "little") + int.from_bytes(
                 data[info.header_offset + 28:info.header_offset + 30], "little"))
        for i in range(start + 10, start + 40):
            data[i] ^= 0x5A
    bad = tmp_path / f"bad-{damage}.xlsm"
    bad.write_bytes(bytes(data))
    pf = inspect(bad)
    assert pf.verdict == "unreadable" and pf.zip is None
    assert pf.reason.startswith(("文件已损坏或不完整（可能在传输中被截断）：", "压缩包无法读取：")), pf.reason


def test_read_bounded_never_asks_for_the_limit_up_front(tmp_path):
    path = tmp_path / "grown.bin"
    path.write_bytes(b"x" * (3 * MB))
    with open(path, "rb") as fh:  # the file grew past its stat size, under the limit
        assert len(preflight._read_bounded(fh, 1000, 10 * MB)) == 3 * MB
    with open(path, "rb") as fh:  # ... and past the limit: limit + 1 bytes, no more
        assert len(preflight._read_bounded(fh, 1000, 2 * MB)) == 2 * MB + 1
    with open(path, "rb") as fh:
        assert len(preflight._read_bounded(fh, 3 * MB, 10 * MB)) == 3 * MB


def test_a_file_over_the_limit_is_hashed_by_its_head_and_refused(book):
    pf = inspect(book, Limits(max_file_bytes=1000))
    assert pf.verdict == "rejected"
    assert pf.file_hash == preflight.file_hash(book, 1000)
    assert pf.file_hash.startswith("sha256-head:") and pf.zip is None


CELLS = {  # the cells of a hand-written sheet, every kind of value a cell can hold
    "A1": '<c r="A1" t="s"><v>0</v></c>',
    "B1": '<c r="B1"><v>3</v></c>',
    "C1": '<c r="C1" t="n"><v>3.5</v></c>',
    "D1": '<c r="D1"><v>1E3</v></c>',
    "E1": '<c r="E1"><v>junk</v></c>',
    "F1": '<c r="F1" s="{date}"><v>45000</v></c>',
    "G1": '<c r="G1" t="s"><v>999999</v></c>',
    "H1": '<c r="H1" t="b"><v>1</v></c>',
    "I1": '<c r="I1" t="e"><v>#DIV/0!</v></c>',
    "J1": '<c r="J1"><f>1+1</f><v>2</v></c>',
    "K1": '<c r="K1" t="inlineStr"><is><t>内联</t></is></c>',
    "L1": '<c r="L1"><v/></c>',
    "M1": '<c r="M1" t="str"><v>公式文本</v></c>',
    "N1": '<c r="N1"><f>A1</f></c>',
    "O1": '<c r="O1" s="{plain}"><v>-2.25</v></c>',
    "P1": '<c r="P1" t="s"><v>x</v></c>',
    "R1": '<c t="n"><v>7</v></c>',  # no reference: the column after the previous cell
    # a styled blank (skipped unread), then cells whose column is the one after it
    "T1": '<c r="T1" s="3"/>',
    "U1": '<c t="n"><v>8</v></c>',
    "V1": '<c r="v1"><v>9</v></c>',  # not an A1 reference: also the next column
    "X1": '<c r="X1" t="s"/><c r="Y1"/><c><v>10</v></c>',  # two blanks, then Z1
    "A2": '<c r="A2" s="3"/>',
}


def test_inline_cell_decoding_equals_the_general_path(book):
    src = ooxml_source.open_book(book)
    dates = sorted(src._date_style_ids())
    plain = next(i for i in range(100) if i not in dates)
    cells_xml = "".join(CELLS.values()).replace("{date}", str(dates[0])).replace(
        "{plain}", str(plain))
    root = ET.fromstring(f'<worksheet xmlns="{NS}"><sheetData><row r="1">'
                         f'{cells_xml}</row></sheetData></worksheet>')
    cells: dict = {}
    assert src._parse_cells(root, cells) == 1
    general = {}
    col = 0
    for c in root.iter(f"{{{NS}}}c"):
        ref = c.get("r")
        found = ooxml_cells._column_of(ref) if ref else None
        col = found if found is not None else col + 1
        if len(c):
            value = src._cell_value(c, f"{{{NS}}}")
            if value is not None:
                general[(1, col)] = value
    assert cells == general
    # and the values are what the cells hold
    assert cells[(1, 1)] == src._shared_strings()[0]
    assert cells[(1, 2)] == 3 and type(cells[(1, 2)]) is int
    assert cells[(1, 3)] == 3.5 and cells[(1, 4)] == 1000.0 and type(cells[(1, 4)]) is float
    assert cells[(1, 5)] == "junk"
    assert cells[(1, 6)] == datetime(2023, 3, 15)
    assert cells[(1, 7)] == CellError("#REF!") and cells[(1, 16)] == CellError("#REF!")
    assert cells[(1, 8)] is True and cells[(1, 9)] == CellError("#DIV/0!")
    assert cells[(1, 11)] == "内联" and cells[(1, 13)] == "公式文本"
    assert cells[(1, 14)] == Uncached("A1") and cells[(1, 15)] == -2.25
    assert cells[(1, 17)] == 7
    # after a blank cell the sheet loop never looked at: its column still counts
    assert cells[(1, 21)] == 8 and cells[(1, 22)] == 9 and cells[(1, 26)] == 10
    # J1's stored result counts unless the whole file was never calculated
    assert cells[(1, 10)] == (Uncached("1+1") if src.calc_stale else 2)
    assert (1, 12) not in cells  # <v/>: no stored value
