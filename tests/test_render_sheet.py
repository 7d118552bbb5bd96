"""The report Document laid out on the 自评报告 sheet: rows, merges, styles, heights."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from selfeval_xl.write import render_sheet
from selfeval_xl.read.ooxml_parts import q, serialize
from selfeval_xl.write.render_sheet import Placed, render, row_height, spans, text_width
from selfeval_xl.write.sheet_xml import SheetXml, StyleBook
from selfeval_xl.core.report import document as d

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

SHEET = f"""<worksheet xmlns="{MAIN}"><dimension ref="B1:D4"/><sheetData>
<row r="1"><c r="B1" s="1" t="s"><v>0</v></c></row>
<row r="2"><c r="B2" t="inlineStr"><is><t>旧报告</t></is></c></row>
<row r="4"><c r="D4"><v>5</v></c></row>
</sheetData><mergeCells count="2"><mergeCell ref="B1:C1"/><mergeCell ref="B3:D3"/></mergeCells>
<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>
</worksheet>""".encode()

STYLES = f"""<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>""".encode()

DOC = d.Document(blocks=(
    d.Title("部门整体绩效自评报告"),
    d.HeaderLine("填报日期", "2023-4-11"),
    d.Heading(1, "一、", "部门基本情况"),
    d.Heading(2, "（一）", "部门职能"),
    d.Heading(3, "1.", "预算编制情况"),
    d.Paragraph("正文"),
    d.NumberedPoint("（1）", "为企业提供服务。", "社会效益："),
    d.Notice("有 1 项错误：", ("支出情况!C5 不等",)),
    d.Table("", ("指标", "实际值"), (("受理业务", "13453"),), (d.Align.LEFT, d.Align.RIGHT)),
))


def _parts():
    return SheetXml(etree.fromstring(SHEET)), StyleBook(etree.fromstring(STYLES))


def _xf(styles: StyleBook, index: int) -> etree._Element:
    return styles.root.find(q("cellXfs"))[index]


def _font(styles: StyleBook, xf: etree._Element) -> etree._Element:
    return styles.root.find(q("fonts"))[int(xf.get("fontId"))]


def test_widths_count_chinese_double():
    assert text_width("ab中文，") == 8.0


def test_row_height_by_wrapped_lines():
    assert row_height("中" * 10, 92, 12) == 21.4          # one line: 12 pt × 1.45 + 4
    assert row_height("中" * 60, 92, 12) == 38.8          # 120 wide × 12/11 × 1.05 > 91: two
    assert row_height("甲\n乙\n丙", 92, 12) == 56.2       # explicit line breaks count


def test_spans_give_spare_columns_to_the_most_cramped():
    t = d.Table("", ("指标名称很长很长很长", "值"), (("受理业务", "1"),))
    assert spans(t) == [7, 1]
    t3 = d.Table("", ("指标", "目标值", "实际值"), (("受理业务（宗）", "13,000", "13,453"),))
    assert spans(t3) == [4, 2, 2]
    t9 = d.Table("", tuple("ABCDEFGHI"), (tuple("123456789"),))
    assert spans(t9) == [1] * 9
    assert render_sheet.grid_width(d.Document(blocks=(t9,))) == 9
    assert render_sheet.grid_width(d.Document(blocks=(t,))) == render_sheet.GRID_COLS


def test_render_lays_every_block_out_from_the_anchor():
    sheet, styles = _parts()
    placed = render(DOC, sheet, styles, "B2", footer="报告生成时间：2026-11-26 06:00:00")
    assert placed == [
        Placed(2, "title", "部门整体绩效自评报告"),
        Placed(3, "header", "填报日期：2023-4-11"),
        Placed(4, "h1", "一、部门基本情况"),
        Placed(5, "h2", "（一）部门职能"),
        Placed(6, "h3", "1.预算编制情况"),
        Placed(7, "paragraph", "正文"),
        Placed(8, "point", "（1）社会效益：为企业提供服务。"),
        Placed(9, "notice", "有 1 项错误："),
        Placed(10, "notice_item", "支出情况!C5 不等"),
        Placed(11, "table_head", "指标 | 实际值"),
        Placed(12, "table_row", "受理业务 | 13453"),
        Placed(13, "footer", "报告生成时间：2026-11-26 06:00:00"),
    ]
    # rows above the anchor are kept; old report rows and merges below it are gone
    assert sheet.value("B1", ["说明"]) == "说明"
    assert sheet.value("D4", []) is None
    assert sheet.merges()[0] == "B1:C1"
    assert "B3:D3" not in sheet.merges()
    assert "B2:I2" in sheet.merges() and "B11:F11" in sheet.merges() and "G12:I12" in sheet.merges()
    assert sheet.root.find(q("dimension")).get("ref") == "B1:I13"
    assert [(c.get("min"), c.get("width")) for c in sheet.root.find(q("cols"))] == \
        [(str(i), "11.5") for i in range(2, 10)]
    # every text is an inline string, heights are fixed (merged cells do not auto-fit)
    row2 = sheet.row(2)
    assert row2.get("customHeight") == "1" and row2.get("ht") == "30.1"
    assert sheet.cell("B2").get("t") == "inlineStr"
    # the schema order of worksheet children holds: cols before sheetData, merges after
    names = [etree.QName(c).localname for c in sheet.root]
    assert names == ["dimension", "cols", "sheetData", "mergeCells", "pageMargins"]


def test_styles_title_centred_bold_amounts_right_and_notice_red():
    sheet, styles = _parts()
    render(DOC, sheet, styles, "B2")
    title = _xf(styles, int(sheet.cell("B2").get("s")))
    assert title.find(q("alignment")).get("horizontal") == "center"
    font = _font(styles, title)
    assert font.find(q("b")) is not None and font.find(q("sz")).get("val") == "18"
    assert font.find(q("name")).get("val") == "方正小标宋简体"
    amount = _xf(styles, int(sheet.cell("G12").get("s")))
    assert amount.find(q("alignment")).get("horizontal") == "right"
    assert amount.get("borderId") != "0"
    notice = _xf(styles, int(sheet.cell("B9").get("s")))
    assert _font(styles, notice).find(q("color")).get("rgb") == render_sheet.NOTICE_COLOR
    assert notice.get("fillId") != "0"
    # the merged neighbours carry the same format (borders and fill show across the row)
    assert sheet.cell("I9").get("s") == sheet.cell("B9").get("s")


def test_rendering_again_adds_no_styles_and_gives_the_same_xml():
    sheet, styles = _parts()
    render(DOC, sheet, styles, "B2")
    first_sheet, first_styles = serialize(sheet.root), serialize(styles.root)
    counts = styles.root.find(q("cellXfs")).get("count")
    again = StyleBook(etree.fromstring(first_styles))
    sheet2 = SheetXml(etree.fromstring(first_sheet))
    render(DOC, sheet2, again, "B2")
    assert not again.changed
    assert serialize(sheet2.root) == first_sheet
    assert again.root.find(q("cellXfs")).get("count") == counts
    assert int(counts) > 2


def test_existing_styles_are_never_altered():
    sheet, styles = _parts()
    before = [etree.tostring(x) for x in styles.root.find(q("cellXfs"))]
    render(DOC, sheet, styles, "B2")
    after = [etree.tostring(x) for x in styles.root.find(q("cellXfs"))]
    assert after[:2] == before


def test_an_unknown_block_is_printed_not_dropped():
    @dataclass(frozen=True)
    class Quote:
        text: str

        @property
        def plain(self) -> str:
            return "“" + self.text + "”"

    sheet, styles = _parts()
    placed = render(d.Document(blocks=(Quote("引文"),)), sheet, styles, "B2")
    assert placed == [Placed(2, "other", "“引文”")]
