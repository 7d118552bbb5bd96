"""The report's styled base document: built once, shipped as package data, filled per report.

Restyling python-docx's default template (page, 16 styles, defaults, font table) took
about 30 ms of every report. It is the same for every report, so it is done here, once:
``python -m selfeval_xl.render.docx_base`` writes ``report_base.docx`` beside this module
(run it after changing :mod:`~selfeval_xl.render.docx_styles`), and
tests/test_docx_base.py checks that the shipped file equals a fresh generation.
"""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from pathlib import Path

BASE_PATH = Path(__file__).with_name("report_base.docx")

_THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"


def generate() -> bytes:
    """The base document's bytes: python-docx's default template, restyled, without its
    thumbnail (a picture of some other document) and without stylesWithEffects (Word 2010's
    copy of the template's old styles, 430 KB; Word rebuilds it when needed)."""
    import docx

    from selfeval_xl.render import docx_styles

    d = docx.Document()
    docx_styles.apply(d)
    rels = d.part.package.rels
    for rid, rel in list(rels.items()):
        if rel.reltype == _THUMBNAIL:
            rels.pop(rid)
    for rid, rel in list(d.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            d.part.rels.pop(rid)
    buffer = io.BytesIO()
    d.save(buffer)
    return fixed_zip_times(buffer.getvalue())


@lru_cache(maxsize=1)
def base_bytes() -> bytes:
    """The shipped base document (read once a process)."""
    return BASE_PATH.read_bytes()


def fixed_zip_times(blob: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01, so equal documents are equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


if __name__ == "__main__":
    BASE_PATH.write_bytes(generate())
    print(BASE_PATH)
