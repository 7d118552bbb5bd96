"""What every check module shares: the context a check runs in and a finding factory."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from decimal import Decimal
from typing import Callable

from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.locations import Locator, Place
from selfeval_xl.core.model import Evaluation
from selfeval_xl.core.money import fmt_wan

ERROR = Severity.ERROR
WARNING = Severity.WARNING
INFO = Severity.INFO


@dataclass
class CheckContext:
    """Where things are, and what the reader found besides the model.

    Attributes:
        locator: model item → sheet/cell (``Locator.from_layout()`` for data-file input).
        meta: status/output cells the reader found (report_fingerprint, report_score,
            status_report_at, self_score, self_grade, indicator_cached_scores …); checks
            that need an entry do nothing when it is absent.
        today: the date "now" for checks about the future (填报日期, 评价年度); None
            leaves those checks out, which keeps the checks pure and repeatable.
        sections: report content kind → its section's numbered title in the report
            template in use (``config.section_titles``), for findings that point at the
            report; the default template's when not given.
    """

    locator: Locator = field(default_factory=Locator.from_layout)
    meta: dict = field(default_factory=dict)
    today: date | None = None
    sections: dict = field(default_factory=lambda: dict(default_sections()))

    def section(self, kind: str) -> str:
        """“一（二）年度总体工作和重点工作任务” for a content kind; "" when the template
        does not show that content."""
        title = self.sections.get(kind)
        return f"“{title}”" if title else ""


@lru_cache(maxsize=1)
def default_sections() -> dict:
    """The built-in report template's section titles (read once a process)."""
    from selfeval_xl.core.report import config

    return config.section_titles(config.default())


Check = Callable[[Evaluation, CheckContext], "list[Finding]"]


def make(code: str, severity: Severity, place: Place, message: str) -> Finding:
    """A finding at ``place`` (its defined name, if any, goes into ``name``)."""
    return Finding(code, severity, place.sheet, place.cell, place.name, message)


def wan(value: Decimal) -> str:
    """An amount in a message: "921.52 万元"."""
    return f"{fmt_wan(value)} 万元"


def span(first: Place, last: Place) -> Place:
    """A range place from two cells of the same column ("O5:O14")."""
    if first.cell == last.cell:
        return first
    return Place(first.sheet, f"{first.cell}:{last.cell}", first.name)
