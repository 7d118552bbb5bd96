"""The report document (core/report) rendered for people: Word, Markdown, PDF.

- ``render_docx`` with ``docx_styles``: the .docx in official-document layout (GB/T 9704);
- ``render_markdown``: the same document as Markdown;
- ``pdf``: the .docx converted by LibreOffice, with the report fonts;
- ``libreoffice``: headless LibreOffice (conversion, recalculation), found on PATH.

The report sheet inside the workbook is laid out by :mod:`selfeval_xl.write.render_sheet`.
"""

from selfeval_xl._public import lazy_face

__getattr__ = lazy_face(__name__, {"to_pdf": "pdf", "find_soffice": "libreoffice"})
__all__ = ["find_soffice", "to_pdf"]
