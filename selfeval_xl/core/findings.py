"""Findings: what the checks (and the reader) say about a workbook, as plain data.

A finding never raises: bad user data is reported, located and explained in Chinese.
The JSON form (:meth:`Finding.to_json`) is a stable, documented format (docs/findings.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]


@dataclass(frozen=True)
class Finding:
    """One finding.

    Attributes:
        code: stable identifier, e.g. "EXP_PARTS_MISMATCH"; documented in docs/findings.md.
        severity: error / warning / info.
        sheet: worksheet name ("" when the finding is about the whole file).
        cell: A1 address on that sheet ("" when none), e.g. "C5" or "C5:C12".
        name: the workbook-scoped defined name of the cell, where there is one.
        message: Chinese explanation with the figures involved.
    """

    code: str
    severity: Severity
    sheet: str
    cell: str
    name: str
    message: str

    @property
    def where(self) -> tuple[str, str, str]:
        return (self.code, self.sheet, self.cell)

    def to_json(self) -> dict:
        d = asdict(self)
        d["severity"] = self.severity.value
        return d


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    counts = {s.value: 0 for s in Severity}
    for f in findings:
        counts[f.severity.value] += 1
    return counts


def summary(findings: list[Finding]) -> str:
    """One line for the status block and the buttons' message box:
    "错误 2 项，警告 1 项，提示 0 项", or "未发现问题" when there is nothing."""
    if not findings:
        return "未发现问题"
    counts = count_by_severity(findings)
    return "，".join(f"{s.label} {counts[s.value]} 项" for s in Severity)
