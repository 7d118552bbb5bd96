"""The narrative report: a renderer-neutral Document built from the model.

``build_document(ev, scorecard, findings, *, config=None)`` → :class:`Document`; the
renderers live in ``selfeval_xl.render`` (render_markdown, render_docx, pdf) and the
workbook writer. See docs/report.md.
"""

from selfeval_xl.core.report.build import build_document, notice_for
from selfeval_xl.core.report.config import ConfigError, ReportConfig
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

__all__ = [
    "Align", "ConfigError", "Document", "HeaderLine", "Heading", "Notice", "NumberedPoint",
    "Paragraph", "ReportConfig", "Table", "Title", "build_document", "notice_for",
]
