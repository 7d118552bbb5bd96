"""The Word rendering, inspected with python-docx: page, styles, fonts (incl. w:eastAsia),
sizes, line spacing, heading levels, page-number field, tables, notice, no empty paragraphs."""

from __future__ import annotations

import zipfile

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from selfeval_xl import datafile
from selfeval_xl.render import docx_styles, render_docx
from selfeval_xl.core import scoring
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.report import build_document
from selfeval_xl.core.report import config as report_config
from selfeval_xl.core.report.document import Table

EV = datafile.example()
ERR = Finding("EXP_PARTS_MISMATCH", Severity.ERROR, "支出情况", "C12", "", "合计不符。")


@pytest.fixture(scope="module")
def report_doc():
    return build_document(EV, scoring.score(EV), [])


@pytest.fixture(scope="module")
def word(report_doc, tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / "r.docx"
    assert render_docx.render(report_doc, path) == path
    return docx.Document(str(path))


def _fonts(rpr) -> dict:
    rfonts = rpr.find(qn("w:rFonts"))
    return {k: rfonts.get(qn(f"w:{k}")) for k in ("ascii", "hAnsi", "eastAsia", "asciiTheme")}


def test_page_is_a4_with_gbt9704_margins(word):
    s = word.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    assert [round(m.mm, 1) for m in (s.top_margin, s.bottom_margin, s.left_margin,
                                     s.right_margin)] == [37.0, 35.0, 28.0, 26.0]


@pytest.mark.parametrize("style, east_asia, size, align, outline", [
    ("Normal", "仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.JUSTIFY, None),
    ("Title", "方正小标宋简体", 22, WD_ALIGN_PARAGRAPH.CENTER, None),
    ("Heading 1", "黑体", 16, WD_ALIGN_PARAGRAPH.JUSTIFY, "0"),
    ("Heading 2", "楷体_GB2312", 16, WD_ALIGN_PARAGRAPH.JUSTIFY, "1"),
    ("Heading 3", "仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.JUSTIFY, "2"),
    ("Heading 4", "仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.JUSTIFY, "3"),
])
def test_styles(word, style, east_asia, size, align, outline):
    st = word.styles[style]
    assert _fonts(st.element.rPr) == {"ascii": "Times New Roman", "hAnsi": "Times New Roman",
                                      "eastAsia": east_asia, "asciiTheme": None}
    assert st.font.size == Pt(size)
    assert st.font.color.rgb is None  # no theme colour left from the template
    assert st.paragraph_format.alignment == align
    lvl = st.element.pPr.find(qn("w:outlineLvl"))
    assert (None if lvl is None else lvl.get(qn("w:val"))) == outline


def test_body_line_spacing_and_indent(word):
    pf = word.styles["Normal"].paragraph_format
    assert pf.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert pf.line_spacing == Pt(28.9)
    assert pf.first_line_indent == Pt(32)
    ind = word.styles["Normal"].element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"
    assert word.styles["Title"].paragraph_format.first_line_indent == Pt(0)


def test_doc_defaults_declare_chinese(word):
    rpr = word.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    assert _fonts(rpr)["eastAsia"] == "仿宋_GB2312"
    assert rpr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_paragraphs_follow_the_document(word, report_doc):
    assert [p.text for p in word.paragraphs] == report_doc.paragraphs()
    assert all(p.text.strip() for p in word.paragraphs)  # no empty paragraphs as spacing


def test_heading_styles_and_levels(word, report_doc):
    headings = [(p.style.name, p.text) for p in word.paragraphs
                if p.style.name.startswith("Heading")]
    assert headings == [(f"Heading {h.level}", h.plain) for h in report_doc.headings()]
    assert word.paragraphs[0].style.name == "Title"
    for level in (1, 2, 3, 4):  # Word's built-in headings, not look-alike custom styles
        el = word.styles[f"Heading {level}"].element
        assert (el.styleId, el.name_val, el.customStyle) == (f"Heading{level}",
                                                             f"heading {level}", None)
    assert {p.style.name for p in word.paragraphs[1:6]} == {docx_styles.HEADER_LINE}


def test_every_run_names_its_east_asian_font(word):
    for p in word.paragraphs:
        expected = docx_styles.spec_of(p.style.name).east_asia
        for run in p.runs:
            fonts = _fonts(run._element.rPr)
            assert (fonts["eastAsia"], fonts["ascii"]) == (expected, "Times New Roman"), p.text


def test_footer_has_a_centred_page_field(word):
    footer = word.sections[0].footer
    p = footer.paragraphs[0]
    assert p.style.name == "Footer"
    assert word.styles["Footer"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    instr = [e.text for e in p._p.iter(qn("w:instrText"))]
    assert [t.strip() for t in instr] == ["PAGE"]
    kinds = [e.get(qn("w:fldCharType")) for e in p._p.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]


def test_font_table_gives_fallbacks(tmp_path, report_doc):
    path = render_docx.render(report_doc, tmp_path / "r.docx")
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/fontTable.xml").decode("utf-8")
    for name, (alt, _family) in docx_styles.FONT_FALLBACKS.items():
        assert f'w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>' in xml


def test_core_properties(word):
    assert word.core_properties.title == "部门整体绩效自评报告"
    assert word.core_properties.author == "罗燕君"
    assert word.core_properties.language == "zh-CN"


def test_notice_is_boxed_under_the_title(tmp_path):
    doc = build_document(EV, scoring.score(EV), [ERR])
    w = docx.Document(str(render_docx.render(doc, tmp_path / "n.docx")))
    styles = [p.style.name for p in w.paragraphs[:4]]
    assert styles == ["Title", docx_styles.NOTICE, docx_styles.NOTICE_ITEM, docx_styles.HEADER_LINE]
    assert w.paragraphs[2].text == "支出情况!C12：合计不符。（EXP_PARTS_MISMATCH）"
    for p in w.paragraphs[1:3]:
        box = p._p.pPr.find(qn("w:pBdr"))
        assert [c.tag.split("}")[1] for c in box] == ["top", "left", "bottom", "right"]
    assert w.styles[docx_styles.NOTICE].font.color.rgb == docx.shared.RGBColor(0xC0, 0, 0)


def test_tables_right_align_amounts(tmp_path):
    cfg = report_config.from_dict({"sections": [{"title": "评分", "content": ["scores_table"]}]})
    doc = build_document(EV, scoring.score(EV), [], config=cfg)
    table_block = next(b for b in doc.blocks if isinstance(b, Table))
    w = docx.Document(str(render_docx.render(doc, tmp_path / "t.docx")))
    (table,) = w.tables
    assert [c.text for c in table.rows[0].cells] == list(table_block.headers)
    assert [c.text for c in table.rows[-1].cells] == ["合计", "", "", "100", "96"]
    body = table.rows[1].cells
    assert [c.paragraphs[0].alignment for c in body] == [
        WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.LEFT,
        WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.RIGHT]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert table.rows[0].cells[0].paragraphs[0].runs[0].bold
    assert [p.text for p in w.paragraphs if p.style.name == docx_styles.TABLE_CAPTION] == [
        "绩效指标评分情况"]


def test_render_replaces_an_existing_file(tmp_path, report_doc):
    path = tmp_path / "r.docx"
    path.write_bytes(b"old")
    render_docx.render(report_doc, path)
    assert zipfile.is_zipfile(path)
    assert [p.name for p in tmp_path.iterdir()] == ["r.docx"]  # no temporary left behind


def test_same_report_same_bytes_dated_by_the_fill_date(report_doc, tmp_path):
    first = render_docx.to_bytes(report_doc)
    assert render_docx.to_bytes(report_doc) == first
    with zipfile.ZipFile(render_docx.render(report_doc, tmp_path / "r.docx")) as z:
        assert "docProps/thumbnail.jpeg" not in z.namelist()
        assert "thumbnail" not in z.read("_rels/.rels").decode("utf-8")
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    props = docx.Document(str(tmp_path / "r.docx")).core_properties
    assert (props.created.date(), props.modified.date()) == (EV.basics.fill_date,) * 2
