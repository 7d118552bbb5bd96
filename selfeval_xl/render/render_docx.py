"""Render a report Document as a Word .docx in official-document layout (python-docx).

Layout and styles live in :mod:`selfeval_xl.render.docx_styles`; this module only maps
blocks to paragraphs and tables: Title → "Title", Heading n → Word's "Heading n" (real
outline levels, so the navigation pane shows the outline), text → "Normal", the notice →
a boxed red paragraph group under the title, tables with amounts right-aligned, and a
centred PAGE field in the footer. Spacing comes from the styles, never from empty
paragraphs. The file is written atomically, and the same report gives the same bytes.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time
from pathlib import Path

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from selfeval_xl.render import docx_styles as st
from selfeval_xl.render.docx_base import base_bytes, fixed_zip_times
from selfeval_xl.core.report.document import (
    Align,
    Document,
    HeaderLine,
    Heading,
    Notice,
    NumberedPoint,
    Paragraph,
    Table,
    Title,
)
from selfeval_xl.datafile import write_atomic

_ALIGN = {Align.LEFT: WD_ALIGN_PARAGRAPH.LEFT, Align.CENTER: WD_ALIGN_PARAGRAPH.CENTER,
          Align.RIGHT: WD_ALIGN_PARAGRAPH.RIGHT}


def _para(container, text: str, style: str):
    """A paragraph of one run whose fonts (incl. w:eastAsia) are set on the run too."""
    p = container.add_paragraph()
    # Set the style id directly: python-docx's lookup by name scans every style each time
    # (about 4 ms a paragraph, most of the rendering time).
    p._p.style = _style_id(style)
    run = p.add_run(text)
    st.set_run_fonts(run._element.get_or_add_rPr(), st.spec_of(style).east_asia)
    return p


def _style_id(name: str) -> str:
    """The style id Word uses for a style name ("Heading 1" → "Heading1")."""
    return name.replace(" ", "")


def _box(paragraph) -> None:
    """A red single-line box around a notice paragraph (consecutive ones join up)."""
    sides = "".join(f'<w:{s} w:val="single" w:sz="12" w:space="4" w:color="C00000"/>'
                    for s in ("top", "left", "bottom", "right"))
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:pBdr {nsdecls("w")}>{sides}</w:pBdr>'))
    st.order_ppr(ppr)


def _table(document, t: Table) -> None:
    if t.caption:
        _para(document, t.caption, st.TABLE_CAPTION)
    table = document.add_table(rows=1 + len(t.rows), cols=len(t.headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, row in enumerate((t.headers, *t.rows)):
        cells = table.rows[r].cells
        for c, text in enumerate(row):
            cell_par = cells[c].paragraphs[0]
            cell_par._p.style = _style_id(st.TABLE_TEXT)
            run = cell_par.add_run(text)
            st.set_run_fonts(run._element.get_or_add_rPr(), st.FANGSONG)
            if r == 0:
                run.bold = True
                cell_par.alignment = WD_ALIGN_PARAGRAPH.CENTER
            else:
                cell_par.alignment = _ALIGN[t.alignment(c)]
    # Repeat the header row on every page the table spans.
    trpr = table.rows[0]._tr.get_or_add_trPr()
    trpr.append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))


def _page_number_footer(document) -> None:
    """Centred "— n —" footer with a PAGE field (GB/T 9704 page numbering)."""
    footer = document.sections[0].footer
    p = footer.paragraphs[0]
    p._p.style = _style_id("Footer")
    east_asia = st.spec_of("Footer").east_asia

    def run(xml_inner: str = "", text: str | None = None):
        r = p.add_run(text) if text is not None else p.add_run()
        st.set_run_fonts(r._element.get_or_add_rPr(), east_asia)
        if xml_inner:
            r._element.append(parse_xml(xml_inner))
        return r

    run(text="— ")
    run(f'<w:fldChar {nsdecls("w")} w:fldCharType="begin"/>')
    run(f'<w:instrText {nsdecls("w")} xml:space="preserve"> PAGE </w:instrText>')
    run(f'<w:fldChar {nsdecls("w")} w:fldCharType="separate"/>')
    run(text="1")
    run(f'<w:fldChar {nsdecls("w")} w:fldCharType="end"/>')
    run(text=" —")


def build(doc: Document):
    """The python-docx Document for a report Document (not yet saved)."""
    # The styled base (page, styles, font table) is built once: render/docx_base.py.
    d = docx.Document(io.BytesIO(base_bytes()))
    props = d.core_properties
    props.title = doc.title
    props.author = doc.author
    props.last_modified_by = doc.author
    props.language = "zh-CN"
    props.comments = ""
    props.revision = 1
    # The report is dated by its 填报日期. Same input, same bytes.
    stamp = datetime.combine(doc.date or date(1980, 1, 1), time(0, 0))
    props.created = props.modified = stamp
    for block in doc.blocks:
        if isinstance(block, Title):
            _para(d, block.text, st.TITLE)
        elif isinstance(block, Heading):
            _para(d, block.plain, st.HEADING_STYLES[block.level])
        elif isinstance(block, HeaderLine):
            _para(d, block.plain, st.HEADER_LINE)
        elif isinstance(block, (Paragraph, NumberedPoint)):
            _para(d, block.plain, "Normal")
        elif isinstance(block, Notice):
            last = _para(d, block.title, st.NOTICE)
            _box(last)
            for item in block.items:
                last = _para(d, item, st.NOTICE_ITEM)
                _box(last)
            # Space between the box and the header block: paragraph spacing, not an empty
            # paragraph (consecutive boxed paragraphs share one box, so only the last gets it).
            last.paragraph_format.space_after = st.NOTICE_GAP
        elif isinstance(block, Table):
            _table(d, block)
        else:
            raise TypeError(f"no Word rendering for {type(block).__name__}")
    _page_number_footer(d)
    return d


def render(doc: Document, path: str | Path) -> Path:
    """Write the report as .docx at ``path`` (atomically) and return the path."""
    path = Path(path)
    write_atomic(path, to_bytes(doc))
    return path


def to_bytes(doc: Document) -> bytes:
    """The .docx file's bytes (for callers that store or send it themselves)."""
    buffer = io.BytesIO()
    build(doc).save(buffer)
    return fixed_zip_times(buffer.getvalue())
