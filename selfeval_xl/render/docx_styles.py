"""Word styles and page setup for the report, after GB/T 9704-2012 (DESIGN.md).

A4; margins top 37, bottom 35, left 28, right 26 mm; title 方正小标宋简体 22 pt centred;
一、 headings 黑体 16 pt; （一） 楷体_GB2312 16 pt; 1. and （1） headings 仿宋_GB2312 16 pt
(the first bold); body 仿宋_GB2312 16 pt, exactly 28.9 pt between lines (22 lines a page),
first line indented two characters; digits and Latin in Times New Roman.

Every style names its East Asian font explicitly (``w:eastAsia``) and drops the template's
theme fonts, which Word would otherwise prefer. The official fonts are not installed on
most machines, so the font table gives each an ``w:altName`` that Windows has (仿宋, 楷体,
黑体, 宋体) and the GB2312 character set; docs/report.md lists what substitutes where.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles import BabelFish
from docx.styles.style import StyleFactory

LATIN = "Times New Roman"
FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
TITLE_FONT = "方正小标宋简体"
SONGTI = "宋体"

# Font table entries: name → (altName Word falls back to, family). charset 86 = GB2312.
FONT_FALLBACKS = {
    FANGSONG: ("仿宋", "modern"),
    KAITI: ("楷体", "modern"),
    HEITI: ("SimHei", "modern"),
    TITLE_FONT: ("宋体", "roman"),
    SONGTI: ("SimSun", "auto"),
}

BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
TABLE_SIZE = Pt(12)  # 小四
PAGE_NUMBER_SIZE = Pt(14)  # 四号
LINE = Pt(28.9)  # fixed line pitch: 22 lines on the 223 mm text block
NOTICE_GAP = Pt(14)  # below the notice box
INDENT_2_CHARS = Pt(32)  # two 16-pt characters, for readers that ignore firstLineChars


@dataclass(frozen=True)
class StyleSpec:
    """One paragraph style of the report.

    Attributes:
        name: style name (Word's built-in English name for the headings and the title).
        east_asia: the Chinese font.
        size: font size.
        bold: bold or not.
        align: paragraph alignment.
        indent: first line indented two characters.
        line: fixed line spacing (None = single).
        outline: outline level 0..3 for headings (navigation pane), None for body text.
        before/after: paragraph spacing (spacing is never made with empty paragraphs).
        color: text colour as RGB hex, or None for automatic.
    """

    name: str
    east_asia: str
    size: Pt
    bold: bool = False
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY
    indent: bool = True
    line: Pt | None = LINE
    outline: int | None = None
    before: Pt = Pt(0)
    after: Pt = Pt(0)
    color: str | None = None


TITLE = "Title"
HEADER_LINE = "Report Header Line"
NOTICE = "Report Notice"
NOTICE_ITEM = "Report Notice Item"
TABLE_CAPTION = "Report Table Caption"
TABLE_TEXT = "Report Table Text"
HEADING_STYLES = {1: "Heading 1", 2: "Heading 2", 3: "Heading 3", 4: "Heading 4"}

STYLES: tuple[StyleSpec, ...] = (
    StyleSpec("Normal", FANGSONG, BODY_SIZE),
    StyleSpec(TITLE, TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
              line=Pt(36), after=LINE),
    StyleSpec("Heading 1", HEITI, BODY_SIZE, outline=0),
    StyleSpec("Heading 2", KAITI, BODY_SIZE, outline=1),
    StyleSpec("Heading 3", FANGSONG, BODY_SIZE, bold=True, outline=2),
    StyleSpec("Heading 4", FANGSONG, BODY_SIZE, outline=3),
    StyleSpec(HEADER_LINE, FANGSONG, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, indent=False),
    StyleSpec(NOTICE, HEITI, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, indent=False,
              color="C00000"),
    StyleSpec(NOTICE_ITEM, FANGSONG, Pt(14), align=WD_ALIGN_PARAGRAPH.LEFT, indent=False,
              line=None, color="C00000"),
    StyleSpec(TABLE_CAPTION, HEITI, Pt(14), align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
              line=None, before=Pt(6), after=Pt(6)),
    StyleSpec(TABLE_TEXT, FANGSONG, TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, indent=False,
              line=None),
    StyleSpec("Footer", SONGTI, PAGE_NUMBER_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER,
              indent=False, line=None),
)


def set_run_fonts(rpr, east_asia: str, latin: str = LATIN) -> None:
    """Give an ``w:rPr`` explicit fonts: Latin/digits ``latin``, Chinese ``east_asia``.

    Theme font attributes are removed because Word prefers them over named fonts. The
    ``eastAsia`` hint makes Word set ambiguous characters (the curly quotes “” in 
    “全市通办”) in the Chinese font, as Chinese typesetting expects.
    """
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")


def _strip(element, *tags: str) -> None:
    for tag in tags:
        for child in element.findall(qn(tag)):
            element.remove(child)


def _apply(style, spec: StyleSpec) -> None:
    rpr = style.element.get_or_add_rPr()
    _strip(rpr, "w:color", "w:i", "w:iCs", "w:spacing", "w:kern")
    set_run_fonts(rpr, spec.east_asia)
    font = style.font
    font.size = spec.size
    font.bold = spec.bold
    font.italic = False
    if spec.color:
        font.color.rgb = RGBColor.from_string(spec.color)
    ppr = style.element.get_or_add_pPr()
    _strip(ppr, "w:pBdr", "w:outlineLvl")
    pf = style.paragraph_format
    pf.alignment = spec.align
    pf.space_before = spec.before
    pf.space_after = spec.after
    if spec.line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing = spec.line
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.first_line_indent = INDENT_2_CHARS if spec.indent else Pt(0)
    ind = ppr.get_or_add_ind()
    # firstLineChars scales with the font size (Word's "首行缩进 2 字符").
    ind.set(qn("w:firstLineChars"), "200" if spec.indent else "0")
    pf.widow_control = True
    if spec.outline is not None:
        pf.keep_with_next = True
        ppr.append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="{spec.outline}"/>'))
        order_ppr(ppr)


# CT_PPr children must appear in schema order; outlineLvl goes after jc/ind/spacing.
_PPR_ORDER = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl",
              "numPr", "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens",
              "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE",
              "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
              "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
              "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
              "sectPr", "pPrChange"]


def order_ppr(ppr) -> None:
    """Put a ``w:pPr``'s children in schema order (Word refuses files where they are not)."""
    rank = {qn(f"w:{t}"): i for i, t in enumerate(_PPR_ORDER)}
    children = sorted(ppr, key=lambda c: rank.get(c.tag, len(rank)))
    for child in children:
        ppr.remove(child)
        ppr.append(child)


def _doc_defaults(document) -> None:
    styles_el = document.styles.element
    rpr = styles_el.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rpr is None:
        return
    set_run_fonts(rpr, FANGSONG)
    _strip(rpr, "w:lang")
    rpr.append(parse_xml(f'<w:lang {nsdecls("w")} w:val="en-US" w:eastAsia="zh-CN"/>'))


def _font_table(document) -> None:
    """Add the report's fonts with their fallbacks (w:altName) to word/fontTable.xml."""
    part = document.part.part_related_by(RT.FONT_TABLE)
    root = parse_xml(part.blob)
    for name, (alt, family) in FONT_FALLBACKS.items():
        if root.find(f'{qn("w:font")}[@{qn("w:name")}="{name}"]') is not None:
            continue
        root.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
            f'<w:charset w:val="86"/><w:family w:val="{family}"/>'
            f'<w:pitch w:val="variable"/></w:font>'))
    from lxml import etree

    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                standalone=True)


def apply(document) -> None:
    """Set up page, styles, defaults and font table of a fresh python-docx Document."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(25)  # the page number sits in the 35 mm bottom margin
    _doc_defaults(document)
    # One pass over the styles part: python-docx's lookup by name scans all ~160 styles on
    # every call, which made restyling the slowest step of the rendering.
    styles_el = document.styles.element
    by_name = {el.name_val: el for el in styles_el.style_lst}
    normal = StyleFactory(by_name["Normal"])
    for spec in STYLES:
        element = by_name.get(BabelFish.ui2internal(spec.name))
        if element is None:
            element = styles_el.add_style_of_type(spec.name, WD_STYLE_TYPE.PARAGRAPH, False)
            style = StyleFactory(element)
            style.base_style = normal
            style.quick_style = True
        else:
            style = StyleFactory(element)
        _apply(style, spec)
    _font_table(document)


def spec_of(name: str) -> StyleSpec:
    return next(s for s in STYLES if s.name == name)
