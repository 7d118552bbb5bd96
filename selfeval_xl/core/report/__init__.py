"""The narrative report: a renderer-neutral Document built from the model.

``build_document(ev, scorecard, findings, *, config=None)`` → :class:`Document`; the
renderers live in ``selfeval_xl.render`` (render_markdown, render_docx, pdf) and the
workbook writer. See docs/report.md.

Each name is imported on first use (PEP 562): ``check`` reads the report template's section
titles (``config``) and should not pay for the document builder.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_FACE = {
    "build_document": "build", "notice_for": "build",
    "ConfigError": "config", "ReportConfig": "config",
    **{name: "document" for name in ("Align", "Document", "HeaderLine", "Heading", "Notice",
                                      "NumberedPoint", "Paragraph", "Table", "Title")},
}


def __getattr__(name: str) -> Any:
    module = _FACE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = sorted(_FACE)
