"""The Excel front end: the workbook's buttons through xlwings (with ``udfs/``, the only
run-time xlwings imports).

- ``buttons``: the three entry points and what they do over any book-like object;
- ``source``: the reader's BookSource over a live xlwings Book;
- ``writer``: results written back through xlwings ranges.

Every workbook's buttons send ``import selfeval_xl.excel as x; x.validate_data()`` (and
``compute_score``, ``generate_report``): those names stay here, for workbooks already filled.
"""

from selfeval_xl.excel.buttons import compute_score, generate_report, validate_data

__all__ = ["compute_score", "generate_report", "validate_data"]
