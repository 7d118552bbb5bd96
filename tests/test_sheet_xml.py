"""Cell-level editing of a worksheet part: order, types, styles, schema order."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from selfeval_xl.read.ooxml_parts import q
from selfeval_xl.write.sheet_xml import SheetXml, escape_text

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XML = f"""<worksheet xmlns="{MAIN}"><dimension ref="A1:C3"/>
<cols><col min="1" max="5" width="9" style="7"/></cols><sheetData>
<row r="1" spans="1:3"><c r="A1" s="2"><v>1</v></c><c r="C1" t="s"><v>0</v></c></row>
<row r="3" s="4" customFormat="1"><c r="A3"><f>A1*2</f><v>2</v></c></row>
</sheetData><dataValidations count="0"/><pageMargins left="1" right="1" top="1" bottom="1" header="0" footer="0"/>
</worksheet>""".encode()


def _sheet() -> SheetXml:
    return SheetXml(etree.fromstring(XML))


def test_cells_are_created_in_order_and_inherit_row_or_column_style():
    s = _sheet()
    s.set("B1", "中")
    s.set("B2", 5)
    s.set("D3", "x")
    assert [c.get("r") for c in s.row(1)] == ["A1", "B1", "C1"]
    assert [int(r.get("r")) for r in s.root.find(q("sheetData"))] == [1, 2, 3]
    assert s.cell("B1").get("s") == "7"          # column style
    assert s.cell("D3").get("s") == "4"          # row style (customFormat)
    assert s.row(1).get("spans") == "1:3"


def test_values_by_type_and_formulas_replaced():
    s = _sheet()
    s.set("A1", Decimal("96.00"))
    assert etree.tostring(s.cell("A1")) == f'<c xmlns="{MAIN}" r="A1" s="2"><v>96.00</v></c>'.encode()
    s.set("A3", "=A1*3")
    c = s.cell("A3")
    assert c.find(q("f")) is None and c.get("t") == "inlineStr"
    assert s.value("A3", []) == "=A1*3"
    s.set("A1", None)
    assert etree.tostring(s.cell("A1")) == f'<c xmlns="{MAIN}" r="A1" s="2"/>'.encode()
    s.set("B2", True)
    assert s.value("B2", []) is True
    s.set("B2", " 前后空格 ")
    t = s.cell("B2").find(q("is")).find(q("t"))
    assert t.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
    assert s.value("C1", ["共享"]) == "共享"


def test_escape_drops_control_characters_and_keeps_literal_escapes():
    assert escape_text("a\x01b\tc\n") == "ab\tc\n"
    assert escape_text("_x0041_") == "_x005F_x0041_"


def test_new_elements_go_in_schema_order():
    s = _sheet()
    s.add_internal_hyperlink("A1", "'基本情况'!C5", "C5")
    s.add_merge("A2:C2")
    names = [etree.QName(c).localname for c in s.root]
    assert names == ["dimension", "cols", "sheetData", "mergeCells", "dataValidations",
                     "hyperlinks", "pageMargins"]
    s.remove_hyperlinks(1)
    assert s.root.find(q("hyperlinks")) is None


def test_column_width_splits_a_range():
    s = _sheet()
    s.set_col_width(3, 20)
    cols = [(c.get("min"), c.get("max"), c.get("width")) for c in s.root.find(q("cols"))]
    assert cols == [("1", "2", "9"), ("3", "3", "20"), ("4", "5", "9")]
    s.set_col_width(8, 5)
    assert s.root.find(q("cols"))[-1].get("min") == "8"


def test_dimension_covers_all_cells():
    s = _sheet()
    s.set("E9", 1)
    s.update_dimension()
    assert s.root.find(q("dimension")).get("ref") == "A1:E9"


def test_a_sheet_without_cell_addresses_is_refused():
    import pytest

    from selfeval_xl.read.ooxml_parts import PackageError

    xml = f'<worksheet xmlns="{MAIN}"><sheetData><row><c><v>1</v></c></row></sheetData></worksheet>'
    with pytest.raises(PackageError, match="地址"):
        SheetXml(etree.fromstring(xml.encode()))


def test_only_links_in_the_given_rows_and_columns_are_removed():
    s = _sheet()
    for ref in ("A1", "D1", "A2"):
        s.add_internal_hyperlink(ref, "'x'!A1", "A1")
    s.remove_hyperlinks(1, 1, (1, 3))
    assert [h.get("ref") for h in s.root.find(q("hyperlinks"))] == ["D1", "A2"]
