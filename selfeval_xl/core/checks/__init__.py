"""The checks: pure ``check_*(ev, ctx) -> list[Finding]`` functions in one registry.

Each area has a module (expenditure, basics, goals, indicators, narrative, report_state)
exporting ``CHECKS``, the tuple of its check functions in the order they run.
:func:`run_checks` runs them all; a check that raises becomes one ``INTERNAL_ERROR``
finding and the others still run (as beancount's loader treats a crashing plugin).

Every code a check can emit is documented in docs/findings.md.
"""

from __future__ import annotations

from selfeval_xl.core.checks import (
    basics,
    expenditure,
    goals,
    indicators,
    narrative,
    report_state,
)
from selfeval_xl.core.checks.base import Check, CheckContext
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.model import Evaluation

MODULES = (basics, expenditure, goals, indicators, narrative, report_state)

# The registry, in the order findings are reported: sheet order of the workbook, roughly.
REGISTRY: tuple[Check, ...] = tuple(check for module in MODULES for check in module.CHECKS)

INTERNAL_ERROR = "INTERNAL_ERROR"


def run_checks(ev: Evaluation, ctx: CheckContext | None = None, *,
               registry: tuple[Check, ...] = REGISTRY) -> list[Finding]:
    """Run every check on ``ev``; never raises because of the data.

    Args:
        ev: the evaluation to check.
        ctx: locations and reader metadata; defaults to template positions and no meta.
        registry: the checks to run (tests pass their own).

    Returns:
        The findings, check by check in registry order.
    """
    ctx = ctx if ctx is not None else CheckContext()
    findings: list[Finding] = []
    for check in registry:
        try:
            findings.extend(check(ev, ctx))
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the rest
            findings.append(Finding(
                INTERNAL_ERROR, Severity.ERROR, "", "", "",
                f"校验项 {check.__name__} 出现内部错误，未能完成（{type(exc).__name__}: {exc}）。"
                "其他校验项的结果不受影响；请将此文件反馈给维护人员。"))
    return findings


# Codes that say "this value is blank": when the reader already reported an error at the
# same cell (it held something unreadable, so the model has None there), the reader's
# finding is the true one and these would only repeat it, wrongly saying "未填写".
BLANK_VALUE_CODES = frozenset({
    "FIELD_REQUIRED", "IND_WEIGHT_BLANK", "IND_METHOD_BLANK", "IND_TARGET_INVALID",
    "IND_ACTUAL_MISSING", "IND_STEP_INVALID", "IND_PER_STEP_INVALID", "IND_THRESHOLD_BLANK",
    "IND_MANUAL_MISSING", "OUTPUT_ACTUAL_BLANK", "OUTPUT_TARGET_BLANK",
})


def merge(reader_findings: list[Finding], check_findings: list[Finding]) -> list[Finding]:
    """Reader findings, then check findings, without blank-value findings at cells the
    reader could not read (its error there already says what is wrong)."""
    unreadable = {(f.sheet, f.cell) for f in reader_findings
                  if f.severity is Severity.ERROR and f.cell}
    kept = [f for f in check_findings
            if not (f.code in BLANK_VALUE_CODES and (f.sheet, f.cell) in unreadable)]
    return list(reader_findings) + kept


__all__ = ["CheckContext", "REGISTRY", "run_checks", "merge", "INTERNAL_ERROR"]
