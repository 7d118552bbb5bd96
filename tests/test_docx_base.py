"""The report's styled base document (render/docx_base.py): the shipped file equals a fresh
generation, and a report filled into it is the same document, byte for byte, as one
restyled from python-docx's default template at run time."""

import io
from datetime import datetime, time

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT

from selfeval_xl import datafile
from selfeval_xl.core import scoring
from selfeval_xl.core.report import build_document
from selfeval_xl.render import docx_base, docx_styles, render_docx


def test_shipped_base_equals_a_fresh_generation():
    # After changing docx_styles: python -m selfeval_xl.render.docx_base
    assert docx_base.BASE_PATH.read_bytes() == docx_base.generate()


_REAL_DOCUMENT = docx.Document


def _restyled_at_run_time(*_args):
    """The report's base as made before it was shipped: a default document restyled."""
    d = _REAL_DOCUMENT()
    docx_styles.apply(d)
    for rid, rel in list(d.part.package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            d.part.package.rels.pop(rid)
    for rid, rel in list(d.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            d.part.rels.pop(rid)
    return d


def test_report_is_byte_identical_to_one_restyled_at_run_time(monkeypatch):
    ev = datafile.example()
    doc = build_document(ev, scoring.score(ev), [])
    shipped = render_docx.to_bytes(doc)
    monkeypatch.setattr(render_docx.docx, "Document", _restyled_at_run_time)
    assert render_docx.to_bytes(doc) == shipped
    props = _REAL_DOCUMENT(io.BytesIO(shipped)).core_properties
    assert props.created.replace(tzinfo=None) == datetime.combine(doc.date, time(0, 0))
