"""Part-level package access: names, safety, byte-for-byte round trip."""

from __future__ import annotations

import io
import zipfile

import pytest

from selfeval_xl import layout
from selfeval_xl.read.ooxml_parts import (
    Package,
    PackageError,
    load_map,
    parse_name_ref,
    parse_xml,
)
from wb_fixtures import mini_book


@pytest.mark.parametrize("text, expected", [
    ("'使用说明'!$C$21", ("使用说明", "C21")),
    ("使用说明!$C$21", ("使用说明", "C21")),
    ("'It''s'!$A$1:$B$2", ("It's", "A1:B2")),
    ("Sheet1!$A:$B", None),
    ("#REF!", None),
    ("'a'!$A$1,'a'!$B$2", None),
])
def test_name_refs(text, expected):
    assert parse_name_ref(text) == expected


def test_dtds_and_entities_are_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(PackageError, match="DTD"):
        parse_xml(bomb)


def test_not_a_zip_and_duplicate_entries_are_refused():
    with pytest.raises(PackageError, match="zip"):
        Package(b"PK\x03\x04 broken")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z, pytest.warns(UserWarning):
        z.writestr("a.xml", b"<a/>")
        z.writestr("a.xml", b"<b/>")
    with pytest.raises(PackageError, match="重复"):
        Package(buf.getvalue())


def test_round_trip_keeps_every_entry_its_order_and_metadata(tmp_path):
    raw = mini_book(tmp_path / "b.xlsm").read_bytes()
    pkg = Package(raw)
    pkg.put("xl/workbook.xml", pkg.get("xl/workbook.xml"))  # same bytes: not a change
    assert pkg.changed == set()
    out = zipfile.ZipFile(io.BytesIO(pkg.to_bytes()))
    src = zipfile.ZipFile(io.BytesIO(raw))
    meta = [(i.filename, i.date_time, i.compress_type, i.external_attr) for i in src.infolist()]
    assert [(i.filename, i.date_time, i.compress_type, i.external_attr)
            for i in out.infolist()] == meta
    assert all(out.read(n) == src.read(n) for n in src.namelist())
    with pytest.raises(PackageError):
        pkg.put("xl/new.xml", b"<x/>")


def test_map_finds_sheets_names_and_tables(tmp_path):
    pkg = Package(mini_book(tmp_path / "b.xlsm", offset=2).read_bytes())
    m = load_map(pkg)
    assert m.sheet_order == list(layout.SHEETS)
    assert m.names["status_report_at"] == (layout.SHEET_GUIDE, "C26")
    assert set(layout.defined_names()) <= set(m.names)
    t = m.tables["tbl_findings"]
    assert (t.sheet, t.ref, t.columns) == (layout.SHEET_FINDINGS, "A6:F7",
                                           [c.header for c in layout.table("tbl_findings").columns])
    assert m.styles_part == "xl/styles.xml"


def test_an_excel_saved_sheet_keeps_its_namespaces_and_extensions():
    """xlwings ships quickstart_standalone.xlsm as saved by Excel (x14ac, xr, mc:Ignorable):
    a cell edited through the parts keeps every declaration, attribute and other part."""
    from pathlib import Path

    import xlwings
    from lxml import etree

    from selfeval_xl.read.ooxml_parts import serialize
    from selfeval_xl.write.sheet_xml import SheetXml

    raw = Path(xlwings.__file__).with_name("quickstart_standalone.xlsm").read_bytes()
    pkg = Package(raw)
    m = load_map(pkg)
    name, part = next(iter(m.sheets.items()))
    before = pkg.get(part)
    sheet = SheetXml(pkg.xml(part))
    sheet.set("B2", "写入")
    pkg.put(part, serialize(sheet.root))
    out = Package(pkg.to_bytes())
    assert out.changed == set() and pkg.changed == {part}
    assert all(out.get(n) == Package(raw).get(n) for n in out.data if n != part)
    r0, r1 = etree.fromstring(before), etree.fromstring(out.get(part))
    assert r0.nsmap == r1.nsmap and dict(r0.attrib) == dict(r1.attrib)
    assert "mc:Ignorable" in out.get(part).decode()[:2000]
    assert SheetXml(r1).value("B2", []) == "写入"
