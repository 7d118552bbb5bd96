"""The one orchestration every front end uses: read → check → score.

The CLI (``check``, ``score``, ``report``, ``verify``, ``collect``), the Excel buttons
(``selfeval_xl.excel``) and the UDFs all call these functions, so a button and the CLI on
the same file give the same findings, score and report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from selfeval_xl.core.findings import Finding


@dataclass(frozen=True)
class Outcome:
    """Everything known about one workbook after checking and scoring.

    Attributes:
        read: the reader's ReadResult (evaluation, reader findings, locator, meta).
        findings: reader findings followed by check findings.
        scorecard: the scored indicator tree, total and grade.
    """

    read: object
    findings: list[Finding]
    scorecard: object

    @property
    def evaluation(self):
        return self.read.evaluation


def evaluate(read_result, *, today: date | None = None) -> Outcome:
    """Check and score what a reader produced (from a file or from a live Excel book).

    Args:
        read_result: the reader's ReadResult.
        today: the date the date checks compare with (填报日期 not in the future); the
            front ends pass ``date.today()``, tests pass a fixed date.
    """
    from selfeval_xl.core.checks import CheckContext, merge, run_checks
    from selfeval_xl.core.scoring import score

    ev = read_result.evaluation
    ctx = CheckContext(locator=read_result.locator, meta=read_result.meta, today=today)
    findings = merge(list(read_result.findings), run_checks(ev, ctx))
    return Outcome(read=read_result, findings=findings, scorecard=score(ev))


def evaluate_path(path: str | Path, *, today: date | None = None) -> Outcome:
    """Read a workbook file, then :func:`evaluate` it."""
    from selfeval_xl.adapters.reader import read

    return evaluate(read(path), today=today)
