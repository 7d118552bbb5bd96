"""Spot-check scores (抽评): the bureau's own score per indicator beside the self-score.

The bureau re-scores some or all indicators of a submission. :func:`parse_entries` turns
what a reviewer typed into scores (or Chinese problems, never an exception);
:func:`compare` sets them beside the self-scores: the difference per indicator and in
total. An indicator the bureau did not re-score counts as agreeing with the self-score,
so the spot-check total is "the self-score, corrected where the bureau looked".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from selfeval_xl.core.money import parse_number

CENT = Decimal("0.01")


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator of a submission as the spot-check needs it.

    Attributes:
        code: 编码 ("2.1.1").
        level3: 三级指标.
        weight: 分值 (None when blank).
        self_score: the recomputed self-score (None when not scored).
    """

    code: str
    level3: str
    weight: Decimal | None
    self_score: Decimal | None


@dataclass(frozen=True)
class SpotRow:
    """One indicator compared: ``diff`` = spot − self (None when not re-scored)."""

    code: str
    level3: str
    weight: Decimal | None
    self_score: Decimal | None
    spot_score: Decimal | None
    diff: Decimal | None


@dataclass(frozen=True)
class Comparison:
    """A submission's spot-check.

    Attributes:
        rows: one per indicator, in the submission's order.
        self_total: the self-score total (2 decimals, half-up, as the workbook rounds).
        spot_total: the spot-check total (None when nothing was re-scored).
        diff_total: spot_total − self_total (None when nothing was re-scored).
        checked: how many indicators the bureau re-scored.
    """

    rows: tuple[SpotRow, ...]
    self_total: Decimal
    spot_total: Decimal | None
    diff_total: Decimal | None
    checked: int


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_entries(lines: Sequence[IndicatorLine],
                  entries: Mapping[str, str]) -> tuple[dict[str, Decimal], list[str]]:
    """Scores typed per indicator code → ({code: score}, problems in Chinese).

    A blank entry means "not re-scored". A score must be a number from 0 to the
    indicator's 分值; an unknown code or a bad number is a problem and is left out.
    """
    by_code = {line.code: line for line in lines}
    scores: dict[str, Decimal] = {}
    problems: list[str] = []
    for code, raw in entries.items():
        text = (raw or "").strip()
        if not text:
            continue
        line = by_code.get(code)
        if line is None:
            problems.append(f"指标编码“{code}”不在该提交的指标表中")
            continue
        value = _number(text)
        if value is None:
            problems.append(f"指标 {code} {line.level3}：抽评得分“{text}”不是数字")
        elif value < 0 or (line.weight is not None and value > line.weight):
            top = f"{line.weight.normalize():f}" if line.weight is not None else "分值"
            problems.append(f"指标 {code} {line.level3}：抽评得分 {value.normalize():f} "
                            f"超出 0–{top} 分")
        else:
            scores[code] = value
    return scores, problems


def _number(text: str) -> Decimal | None:
    """A score as typed ("4.5", "４．５", "4.5分"); None when it is not one number."""
    text = text.strip()
    if text.endswith("分"):
        text = text[:-1]
    parsed = parse_number(text, unit="分")
    return parsed.value if parsed.ok else None


def compare(lines: Sequence[IndicatorLine], spot: Mapping[str, Decimal]) -> Comparison:
    """The self-score and the spot-check score side by side, per indicator and in total."""
    rows = []
    self_sum = spot_sum = Decimal(0)
    for line in lines:
        own = line.self_score or Decimal(0)
        given = spot.get(line.code)
        self_sum += own
        spot_sum += own if given is None else given
        rows.append(SpotRow(line.code, line.level3, line.weight, line.self_score, given,
                            None if given is None else given - own))
    checked = sum(r.spot_score is not None for r in rows)
    self_total = _cents(self_sum)
    spot_total = _cents(spot_sum) if checked else None
    return Comparison(tuple(rows), self_total, spot_total,
                      None if spot_total is None else spot_total - self_total, checked)
