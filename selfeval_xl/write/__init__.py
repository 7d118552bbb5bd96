"""Results into an officer's workbook file, part by part, losing nothing.

- ``workbook_writer``: ``write_results(path, ...)``, atomic with a backup; findings table,
  indicator scores, status block and the 自评报告 sheet;
- ``sheet_xml``: edits of one worksheet part (cells, notes, styles) that keep the rest;
- ``render_sheet``: the report document laid out as a worksheet (also used by the buttons).
- ``text_numbers``: numbers typed as text replaced by their numbers, the text kept in the
  note (the rules both writers share); ``notes``: cell notes written at the part level.
"""

from selfeval_xl._public import lazy_face

__getattr__ = lazy_face(__name__, {
    "write_results": "workbook_writer", "WorkbookWriteError": "workbook_writer",
    "report_footer": "workbook_writer", "status_now": "workbook_writer",
})
__all__ = ["WorkbookWriteError", "report_footer", "status_now", "write_results"]
