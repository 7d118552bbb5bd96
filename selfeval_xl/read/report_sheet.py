"""What the 自评报告 sheet itself says: the score its text states and the data fingerprint in
its footer line, so that verify can compare them with the figures recomputed from the data
(a sheet saying 96 beside data scoring 95 is a finding, whatever the status cells say).

Only the sheet's text is looked at, in the columns the report occupies below its anchor
(the ``report_start`` name, else the layout's), and only rows the sheet stores.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from selfeval_xl import layout
from selfeval_xl.a1 import cell_ref, col_index, split_ref
from selfeval_xl.read.book_source import BookSource

# The report's score sentence (core.scoring.score_sentence: "…，自评96分。") and footer
# (write.workbook_writer.report_footer: "…；数据指纹：sha256:<hex>").
_SCORE = re.compile(r"自评\s*(\d{1,4}(?:\.\d{1,2})?)\s*分")
_FINGERPRINT = re.compile(r"数据指纹：\s*(\S+)")
# Columns the report uses (a table may be wider than the grid) and rows it may reach.
_COLUMNS = 16
_ROWS = 5_000


def claims(source: BookSource) -> dict:
    """{"report_sheet_score": Decimal | None, "report_sheet_fingerprint": str | None}."""
    out: dict = {"report_sheet_score": None, "report_sheet_fingerprint": None}
    sheet, anchor = source.defined_name(layout.REPORT_START_NAME) or layout.REPORT_ANCHOR
    if sheet not in source.sheet_names():
        return out
    col, row = split_ref(anchor.split(":")[0].replace("$", ""))
    first = col_index(col)
    rows = source.values(sheet, f"{cell_ref(first, row)}:{cell_ref(first + _COLUMNS - 1, row + _ROWS)}")
    for values in rows:
        for value in values:
            if not isinstance(value, str):
                continue
            if out["report_sheet_score"] is None:
                m = _SCORE.search(value)
                if m:
                    try:
                        out["report_sheet_score"] = Decimal(m.group(1))
                    except InvalidOperation:  # pragma: no cover - the regex admits numbers only
                        pass
            m = _FINGERPRINT.search(value)
            if m:
                out["report_sheet_fingerprint"] = m.group(1).rstrip("；;。")
    return out
