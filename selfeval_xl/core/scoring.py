"""Score the indicator tree: the five methods of DOMAIN.md, the total, the grade.

The rules are exactly those of the workbook's native formula (``layout.INDICATOR_SCORE_FORMULA``
for each row, ``self_score``/``self_grade`` for the total), so a workbook opened without
Python shows the same figures. Where the formula has an opinion on odd input, Python
follows it and says so in the explanation:

- blank 分值 or blank 评分方法 → no score (the row is left out of the total);
- an unknown method label → 0;
- ratio with blank 实际值 or 目标值 blank/0 → 0;
- bands: the scores of *all* bands holding the actual value are added (SUMPRODUCT), so
  overlapping bands add up — the checks report overlaps as errors; no band → 0;
- deduction with blank 实际值 or 扣分步长 blank/0 → 0; blank 扣分起点/每步扣分 count as 0;
- text in a numeric column counts as 0 (Excel's ``N()``);
- every score is clamped to [0, 分值] (``MAX(0,MIN(分值,…))``).

Rounding, in one place and the same in the native formula: each indicator's score is
rounded to 2 decimals half away from zero (``ROUND(…,2)``), then clamped to [0, 分值], and
the total is the sum of those scores (so every table, sentence and JSON shows scores that add up to
the total). A ratio 2 ÷ 3 × 10 scores 6.67, never 6.666…; the computation before the
rounding is exact ``Decimal``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from selfeval_xl.core.model import Band, Closed, Evaluation, GradeBand, Indicator, Method
from selfeval_xl.core.money import CENT, decimals, fmt_plain

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class IndicatorScore:
    """The score of one indicator row.

    Attributes:
        code: the indicator's code.
        score: the score rounded to 2 decimals half-up, or None when the row is not scored
            (blank 分值 or 评分方法).
        explanation: one line of Chinese saying how the score was reached.
    """

    code: str
    score: Decimal | None
    explanation: str


@dataclass(frozen=True)
class Scorecard:
    """The scored indicator table.

    Attributes:
        rows: one IndicatorScore per ``ev.indicators`` item, same order (codes may repeat).
        total: sum of the rounded scores (the ``self_score`` cell).
        grade: 优/良/中/差 for ``total`` under ``ev.grades`` ("" when there are no grades).
        weight_total: sum of the 分值 that are filled in (should be 100).
    """

    rows: tuple[IndicatorScore, ...]
    total: Decimal
    grade: str
    weight_total: Decimal


# --- formatting for explanations -----------------------------------------------------------

def fmt_num(value: Decimal) -> str:
    """An input figure: two decimals at least, more when typed (0.90, 0.015, 1.00)."""
    if decimals(value) <= 2:
        return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"
    return format(value.normalize(), "f")


def fmt_result(value: Decimal) -> str:
    """A computed score as shown in explanations: two decimals (4.50)."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


def fmt_band(band: Band) -> str:
    """A band as "(0.10,0.20]" with ±∞ for open ends."""
    lower = "-∞" if band.lower is None else fmt_num(band.lower)
    upper = "+∞" if band.upper is None else fmt_num(band.upper)
    # an infinite end is always open, whichever end the band closes
    left = "[" if band.closed is Closed.LOWER and band.lower is not None else "("
    right = "]" if band.closed is Closed.UPPER and band.upper is not None else ")"
    return f"{left}{lower},{upper}{right}"


# --- the methods ---------------------------------------------------------------------------

def _numeric(actual: Decimal | str | None) -> Decimal:
    """Excel's N(): text counts as 0."""
    return actual if isinstance(actual, Decimal) else ZERO


def _text_note(actual: Decimal | str | None) -> str:
    return f"实际值“{actual}”不是数字，按 0 计；" if isinstance(actual, str) else ""


def band_matches(band: Band, x: Decimal) -> bool:
    """Whether x lies in the band, per its closed end (blank bounds are open)."""
    if band.closed is Closed.LOWER:
        return (band.lower is None or x >= band.lower) and (band.upper is None or x < band.upper)
    return (band.lower is None or x > band.lower) and (band.upper is None or x <= band.upper)


def _ratio(ind: Indicator, weight: Decimal) -> tuple[Decimal, str]:
    if ind.target is None or ind.target == 0:
        return ZERO, "目标值空白或为 0，无法计算比率，得 0 分"
    if ind.actual is None:
        return ZERO, "实际值空白，得 0 分"
    x = _numeric(ind.actual)
    quotient = x / ind.target
    head = f"{_text_note(ind.actual)}实际 {fmt_num(x)} ÷ 目标 {fmt_num(ind.target)}"
    if quotient > ONE:
        return weight, (f"{head} = {fmt_result(quotient)}，超过 1 按 1 计，"
                        f"× 分值 {fmt_plain(weight)} = {fmt_result(weight)}")
    raw = weight * quotient
    return raw, f"{head} × 分值 {fmt_plain(weight)} = {fmt_result(raw)}"


def _bands(ind: Indicator) -> tuple[Decimal, str]:
    if ind.actual is None:
        return ZERO, "实际值空白，得 0 分"
    x = _numeric(ind.actual)
    hits = [b for b in ind.bands if band_matches(b, x)]
    head = f"{_text_note(ind.actual)}实际 {fmt_num(x)}"
    if not hits:
        return ZERO, f"{head} 不在任何区间内，得 0 分"
    if len(hits) == 1:
        return hits[0].score, f"{head} 落在区间 {fmt_band(hits[0])}，得 {fmt_result(hits[0].score)}"
    raw = sum((b.score for b in hits), ZERO)
    where = "、".join(fmt_band(b) for b in hits)
    return raw, (f"{head} 同时落在 {len(hits)} 个区间 {where}，按工作簿公式得分相加 = "
                 f"{fmt_result(raw)}（区间重叠，应修正区间表）")


def _deduction(ind: Indicator, weight: Decimal) -> tuple[Decimal, str]:
    if ind.actual is None:
        return ZERO, "实际值空白，得 0 分"
    if ind.step is None or ind.step == 0:
        return ZERO, "扣分步长空白或为 0，得 0 分"
    x = _numeric(ind.actual)
    threshold = ind.threshold if ind.threshold is not None else ZERO
    per_step = ind.per_step if ind.per_step is not None else ZERO
    excess = max(ZERO, x - threshold)
    head = _text_note(ind.actual)
    if excess == 0:
        return weight, (f"{head}实际 {fmt_num(x)} 未超过扣分起点 {fmt_num(threshold)}，"
                        f"不扣分，得 {fmt_result(weight)}")
    deducted = per_step * excess / ind.step
    raw = weight - deducted
    return raw, (f"{head}实际 {fmt_num(x)} 超过扣分起点 {fmt_num(threshold)} 共 {fmt_num(excess)}，"
                 f"每 {fmt_num(ind.step)} 扣 {fmt_plain(per_step)} 分，扣 {fmt_result(deducted)} 分："
                 f"{fmt_plain(weight)} − {fmt_result(deducted)} = {fmt_result(raw)}")


def _boolean(ind: Indicator, weight: Decimal) -> tuple[Decimal, str]:
    if ind.actual == "是":
        return weight, f"实际为“是”，得满分 {fmt_result(weight)}"
    if ind.actual == "否":
        return ZERO, "实际为“否”，得 0 分"
    if ind.actual is None:
        return ZERO, "实际值空白，得 0 分"
    shown = fmt_num(ind.actual) if isinstance(ind.actual, Decimal) else ind.actual
    return ZERO, f"实际值“{shown}”不是“是”，得 0 分"


def _manual(ind: Indicator) -> tuple[Decimal, str]:
    if ind.manual_score is None:
        return ZERO, "人工得分空白，得 0 分"
    return ind.manual_score, f"人工评分 {fmt_result(ind.manual_score)}"


def unclamped(ind: Indicator) -> tuple[Decimal | None, str]:
    """The score before clamping to [0, 分值], with its explanation.

    Returns (None, reason) for rows that are not scored (blank 分值 or 评分方法).
    """
    if ind.weight is None or not (ind.method or ind.method_text.strip()):
        return None, "分值或评分方法空白，不计分"
    weight = ind.weight
    if ind.method is Method.RATIO:
        return _ratio(ind, weight)
    if ind.method is Method.BANDS:
        return _bands(ind)
    if ind.method is Method.DEDUCTION:
        return _deduction(ind, weight)
    if ind.method is Method.BOOLEAN:
        return _boolean(ind, weight)
    if ind.method is Method.MANUAL:
        return _manual(ind)
    return ZERO, f"评分方法“{ind.method_text.strip()}”无法识别，得 0 分"


def score_indicator(ind: Indicator) -> IndicatorScore:
    """Score one indicator row; the result is always within [0, 分值] (clamped, and said)."""
    raw, explanation = unclamped(ind)
    if raw is None:
        return IndicatorScore(ind.code, None, explanation)
    weight = ind.weight
    assert weight is not None  # unclamped() returns None when the weight is blank
    rounded = round_score(raw)
    score = max(ZERO, min(weight, rounded))
    if score != rounded:
        if rounded > weight:
            explanation += f"；超过分值 {fmt_plain(weight)}，按 {fmt_result(score)} 计"
        else:
            explanation += f"；低于 0，按 {fmt_result(score)} 计"
    return IndicatorScore(ind.code, score, explanation)


def round_score(value: Decimal) -> Decimal:
    """A score as the workbook computes it: 2 decimals, half away from zero (Excel's
    ROUND(…,2); Decimal's ROUND_HALF_UP is the same rule)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- total, grade, sentence ----------------------------------------------------------------

def grade_of(score: Decimal, grades: tuple[GradeBand, ...]) -> str:
    """The grade of a (rounded) total, as the ``self_grade`` formula gives it.

    Grades are tried in table order (highest first); the first whose 最低分 the score
    reaches wins, and the last row is the fallback. "" when there are no grades.
    """
    if not grades:
        return ""
    for band in grades[:-1]:
        if score >= band.min_score:
            return band.grade
    return grades[-1].grade


# The last evaluation scored and its scorecard. One check pass scores the same
# Evaluation several times (the pipeline, the narrative and report-state checks); both
# are frozen, so the object itself (held here, so its id cannot be reused) is the key.
_last_scored: tuple[Evaluation | None, Scorecard | None] = (None, None)


def score(ev: Evaluation) -> Scorecard:
    """Score every indicator of ``ev`` and total them."""
    global _last_scored
    last_ev, last_card = _last_scored
    if last_ev is ev and last_card is not None:
        return last_card
    rows = tuple(score_indicator(ind) for ind in ev.indicators)
    raw_total = sum((r.score for r in rows if r.score is not None), ZERO)
    total = round_score(raw_total)  # the rows are rounded: only a weight typed with more
    # than 2 decimals (a clamped score) can leave anything to round here
    weight_total = sum((i.weight for i in ev.indicators if i.weight is not None), ZERO)
    card = Scorecard(rows, total, grade_of(total, ev.grades), weight_total)
    _last_scored = (ev, card)
    return card


def fmt_score(total: Decimal) -> str:
    """A total as prose writes it: 96, 95.5, 95.25."""
    return fmt_plain(total.quantize(CENT, rounding=ROUND_HALF_UP))


def score_sentence(scorecard: Scorecard, ev: Evaluation) -> str:
    """The closing sentence of 二（一）: "较好地完成设定绩效目标，自评96分。"."""
    wording = next((g.wording.strip() for g in ev.grades if g.grade == scorecard.grade), "")
    prefix = f"{wording}，" if wording else ""
    return f"{prefix}自评{fmt_score(scorecard.total)}分。"
