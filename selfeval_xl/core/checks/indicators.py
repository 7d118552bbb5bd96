"""指标评分 sheet: the indicator table and its band table.

Weights present and summing to 100; codes and names unique; a known method with the
inputs it needs; bands that neither overlap nor leave gaps; scores within [0, 分值]; a
扣分原因 whenever a score is below full marks.

Band rows live in tbl_bands but are nested under their indicator in the model; item
``i`` of tbl_bands is the ``i``-th band counting indicator by indicator (the order the
builder writes them and the reader reports them in).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from selfeval_xl.core import scoring
from selfeval_xl.core.checks.base import ERROR, WARNING, CheckContext, make
from selfeval_xl.core.findings import Finding
from selfeval_xl.core.model import Band, Closed, Evaluation, Indicator, Method
from selfeval_xl.core.money import fmt_plain

T_IND, T_BANDS = "tbl_indicators", "tbl_bands"
HUNDRED = Decimal(100)
LEVELS = {"level1": "一级", "level2": "二级", "level3": "三级"}


def _name(ind: Indicator) -> str:
    return f"指标 {ind.code}“{ind.level3 or '（未命名）'}”"


def _band_offsets(ev: Evaluation) -> list[int]:
    """Index in tbl_bands of each indicator's first band."""
    offsets, n = [], 0
    for ind in ev.indicators:
        offsets.append(n)
        n += len(ind.bands)
    return offsets


def check_indicator_rows(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """The table is not empty; codes and the three level names are given and unique."""
    if not ev.indicators:
        return [make("IND_EMPTY", ERROR, ctx.locator.table(T_IND),
                     "指标评分表为空，无法计算自评得分")]
    out = []
    codes: set[str] = set()
    names: set[tuple[str, str, str]] = set()
    cell = ctx.locator.cell
    for i, ind in enumerate(ev.indicators):
        code = ind.code.strip()
        if not code:
            out.append(make("IND_CODE_BLANK", ERROR, cell(T_IND, i, "code"),
                            f"第 {i + 1} 行指标没有编码；区间评分表按编码对应指标"))
        elif code in codes:
            out.append(make("IND_DUPLICATE_CODE", ERROR, cell(T_IND, i, "code"),
                            f"指标编码 {code} 重复，每个指标的编码必须唯一"))
        codes.add(code)
        blank = [key for key in LEVELS if not getattr(ind, key).strip()]
        if blank:
            labels = "、".join(LEVELS[k] for k in blank)
            out.append(make("IND_LEVEL_BLANK", ERROR, cell(T_IND, i, blank[0]),
                            f"指标 {code or i + 1} 未填{labels}指标名称"))
            continue
        key3 = (ind.level1.strip(), ind.level2.strip(), ind.level3.strip())
        if key3 in names:
            out.append(make("IND_DUPLICATE_NAME", WARNING, cell(T_IND, i, "level3"),
                            f"指标“{'/'.join(key3)}”出现不止一次，同一指标会重复计分"))
        names.add(key3)
    return out


def check_weights(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """Each 分值 is given and positive; together they sum to 100."""
    out = []
    for i, ind in enumerate(ev.indicators):
        if ind.weight is None:
            out.append(make("IND_WEIGHT_BLANK", ERROR, ctx.locator.cell(T_IND, i, "weight"),
                            f"{_name(ind)}未填分值，本行不计分"))
        elif ind.weight <= 0:
            out.append(make("IND_WEIGHT_NOT_POSITIVE", ERROR, ctx.locator.cell(T_IND, i, "weight"),
                            f"{_name(ind)}的分值为 {fmt_plain(ind.weight)}，应大于 0"))
    weights = [i.weight for i in ev.indicators if i.weight is not None]
    total = sum(weights, Decimal(0))
    if weights and total != HUNDRED:
        out.append(make("WEIGHT_TOTAL", ERROR, ctx.locator.field("weight_total"),
                        f"各指标分值合计 {fmt_plain(total)} 分，应为 100 分"
                        f"（相差 {fmt_plain(abs(HUNDRED - total))} 分）"))
    return out


def check_methods(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """评分方法 is one of 比率/区间/扣分/是否/人工."""
    out = []
    for i, ind in enumerate(ev.indicators):
        place = ctx.locator.cell(T_IND, i, "method")
        if ind.method is None and not ind.method_text.strip():
            out.append(make("IND_METHOD_BLANK", ERROR, place, f"{_name(ind)}未选择评分方法，本行不计分"))
        elif ind.method is None:
            out.append(make("IND_METHOD_UNKNOWN", ERROR, place,
                            f"{_name(ind)}的评分方法“{ind.method_text.strip()}”无法识别，"
                            "应为 比率/区间/扣分/是否/人工 之一；本行按 0 分计"))
    return out


def _needs_number(ind: Indicator, i: int, ctx: CheckContext) -> list[Finding]:
    place = ctx.locator.cell(T_IND, i, "actual")
    if ind.actual is None:
        return [make("IND_ACTUAL_MISSING", ERROR, place, f"{_name(ind)}未填实际值，按 0 分计")]
    if isinstance(ind.actual, str):
        return [make("IND_ACTUAL_NOT_NUMBER", ERROR, place,
                     f"{_name(ind)}的实际值“{ind.actual}”不是数字（{ind.method.value}法），按 0 计")]
    return []


def check_method_inputs(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """Each method has what it needs: ratio a positive 目标值 and 实际值; bands band rows
    and 实际值; deduction 扣分步长 > 0, 每步扣分 ≥ 0, 扣分起点, 实际值; boolean 是/否;
    manual 人工得分."""
    out = []
    cell = ctx.locator.cell
    for i, ind in enumerate(ev.indicators):
        m = ind.method
        if m is Method.RATIO:
            if ind.target is None or ind.target == 0:
                shown = "为空" if ind.target is None else "为 0"
                out.append(make("IND_TARGET_INVALID", ERROR, cell(T_IND, i, "target"),
                                f"{_name(ind)}用比率法，目标值{shown}，无法计算，按 0 分计"))
            elif ind.target < 0:
                out.append(make("IND_TARGET_INVALID", ERROR, cell(T_IND, i, "target"),
                                f"{_name(ind)}用比率法，目标值为 {fmt_plain(ind.target)}，应大于 0"))
            out += _needs_number(ind, i, ctx)
        elif m is Method.BANDS:
            if not ind.bands:
                out.append(make("IND_BANDS_MISSING", ERROR, cell(T_IND, i, "method"),
                                f"{_name(ind)}用区间法，但区间评分表中没有编码为 {ind.code} 的区间，按 0 分计"))
            out += _needs_number(ind, i, ctx)
        elif m is Method.DEDUCTION:
            if ind.step is None or ind.step <= 0:
                shown = "为空" if ind.step is None else f"为 {fmt_plain(ind.step)}"
                out.append(make("IND_STEP_INVALID", ERROR, cell(T_IND, i, "step"),
                                f"{_name(ind)}用扣分法，扣分步长{shown}，应大于 0"))
            if ind.per_step is None or ind.per_step < 0:
                shown = "为空（按 0 计，不会扣分）" if ind.per_step is None else f"为 {fmt_plain(ind.per_step)}"
                out.append(make("IND_PER_STEP_INVALID", ERROR, cell(T_IND, i, "per_step"),
                                f"{_name(ind)}用扣分法，每步扣分{shown}，应不小于 0"))
            if ind.threshold is None:
                out.append(make("IND_THRESHOLD_BLANK", WARNING, cell(T_IND, i, "threshold"),
                                f"{_name(ind)}用扣分法，扣分起点为空，按 0 计"))
            out += _needs_number(ind, i, ctx)
        elif m is Method.BOOLEAN:
            if ind.actual is None:
                out.append(make("IND_ACTUAL_MISSING", ERROR, cell(T_IND, i, "actual"),
                                f"{_name(ind)}未填实际值（“是”或“否”），按 0 分计"))
            elif ind.actual not in ("是", "否"):
                shown = fmt_plain(ind.actual) if isinstance(ind.actual, Decimal) else ind.actual
                out.append(make("IND_BOOLEAN_VALUE", ERROR, cell(T_IND, i, "actual"),
                                f"{_name(ind)}用是否法，实际值应为“是”或“否”，现为“{shown}”，按 0 分计"))
        elif m is Method.MANUAL:
            if ind.manual_score is None:
                out.append(make("IND_MANUAL_MISSING", ERROR, cell(T_IND, i, "manual_score"),
                                f"{_name(ind)}用人工评分，未填人工得分，按 0 分计"))
    return out


def check_percent_scale(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """Rates are typed as fractions (92% → 0.92); 92 against a table of fractions is a
    likely slip. When reading it as 0.92 would give another score, the slip changes the
    result: an error (the report carries the notice and the command exits 1); when the
    score is the same either way, a warning."""
    out = []
    for i, ind in enumerate(ev.indicators):
        x = ind.actual
        if not isinstance(x, Decimal) or abs(x) <= Decimal("1.5") or abs(x) > HUNDRED:
            continue
        if ind.method is Method.RATIO and ind.target is not None and 0 < ind.target <= 1:
            scale = f"目标值 {scoring.fmt_num(ind.target)}"
        elif ind.method is Method.BANDS and ind.bands and all(
                abs(v) <= 1 for b in ind.bands for v in (b.lower, b.upper) if v is not None):
            scale = "区间上下限"
        elif (ind.method is Method.DEDUCTION and ind.step is not None and 0 < ind.step < 1
              and ind.threshold is not None and abs(ind.threshold) <= 1):
            scale = f"扣分起点 {scoring.fmt_num(ind.threshold)}"
        else:
            continue
        as_typed = scoring.score_indicator(ind).score
        as_fraction = scoring.score_indicator(replace(ind, actual=x / HUNDRED)).score
        changes = as_typed != as_fraction
        effect = (f"；按 {fmt_plain(x / HUNDRED)} 计得 {scoring.fmt_result(as_fraction)} 分，"
                  f"现按 {fmt_plain(x)} 计得 {scoring.fmt_result(as_typed)} 分"
                  if changes and as_typed is not None and as_fraction is not None else "")
        out.append(make("IND_PERCENT_AS_NUMBER", ERROR if changes else WARNING,
                        ctx.locator.cell(T_IND, i, "actual"),
                        f"{_name(ind)}实际值为 {fmt_plain(x)}，而{scale}按小数填写；"
                        f"百分比应按小数填，如 {fmt_plain(x)}% 填 {fmt_plain(x / HUNDRED)}{effect}"))
    return out


# --- bands ---------------------------------------------------------------------------------

# An interval end: (value or None for ±∞, inclusive?)
def _ends(b: Band) -> tuple[tuple[Decimal | None, bool], tuple[Decimal | None, bool]]:
    lower_incl = b.closed is Closed.LOWER and b.lower is not None
    upper_incl = b.closed is Closed.UPPER and b.upper is not None
    return (b.lower, lower_incl), (b.upper, upper_incl)


def _is_empty(b: Band) -> bool:
    return b.lower is not None and b.upper is not None and b.lower >= b.upper


def _lower_key(end: tuple[Decimal | None, bool]) -> tuple:
    value, incl = end
    return (0, 0, 0) if value is None else (1, value, 0 if incl else 1)


def _upper_key(end: tuple[Decimal | None, bool]) -> tuple:
    value, incl = end
    return (2, 0, 0) if value is None else (1, value, 1 if incl else 0)


def _overlap(a: Band, b: Band) -> bool:
    (alo, ahi), (blo, bhi) = _ends(a), _ends(b)
    lo = max(alo, blo, key=_lower_key)
    hi = min(ahi, bhi, key=_upper_key)
    if lo[0] is None or hi[0] is None:
        return True
    return lo[0] < hi[0] or (lo[0] == hi[0] and lo[1] and hi[1])


def _gaps(bands: list[Band]) -> list[str]:
    """The stretches of the real line no band covers, as text ("[0.60,0.70)")."""
    gaps = []
    reach: tuple[Decimal | None, bool] | None = None  # covered (−∞, reach); None = nothing yet
    for b in sorted(bands, key=lambda b: _lower_key(_ends(b)[0])):
        lo, hi = _ends(b)
        if reach is None:
            if lo[0] is not None:
                gaps.append(f"(-∞,{scoring.fmt_num(lo[0])}{')' if lo[1] else ']'}")
        elif reach[0] is not None and lo[0] is not None and (
                lo[0] > reach[0] or (lo[0] == reach[0] and not (lo[1] or reach[1]))):
            gaps.append(f"{'(' if reach[1] else '['}{scoring.fmt_num(reach[0])},"
                        f"{scoring.fmt_num(lo[0])}{')' if lo[1] else ']'}")
        reach = hi if reach is None else max(reach, hi, key=_upper_key)
        if reach[0] is None:
            return gaps
    if reach is not None and reach[0] is not None:
        gaps.append(f"{'(' if reach[1] else '['}{scoring.fmt_num(reach[0])},+∞)")
    return gaps


def check_bands(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """Bands of each 区间 indicator: non-empty, no overlap, no gap, scores in [0, 分值],
    and the actual value falls in one of them."""
    out = []
    cell = ctx.locator.cell
    offsets = _band_offsets(ev)
    for i, ind in enumerate(ev.indicators):
        if ind.method is not Method.BANDS or not ind.bands:
            continue
        usable: list[Band] = []
        for j, b in enumerate(ind.bands):
            at = offsets[i] + j
            if _is_empty(b):
                out.append(make("IND_BAND_EMPTY", ERROR, cell(T_BANDS, at, "lower"),
                                f"{_name(ind)}的区间 {scoring.fmt_band(b)} 下限不小于上限，不含任何值"))
                continue
            for k, earlier in enumerate(ind.bands[:j]):
                if not _is_empty(earlier) and _overlap(earlier, b):
                    out.append(make("IND_BANDS_OVERLAP", ERROR, cell(T_BANDS, at, "lower"),
                                    f"{_name(ind)}的区间 {scoring.fmt_band(b)} 与第 {k + 1} 个区间 "
                                    f"{scoring.fmt_band(earlier)} 重叠；落在重叠部分的值会被重复计分"))
                    break
            if ind.weight is not None and ind.weight > 0 and not 0 <= b.score <= ind.weight:
                out.append(make("IND_BAND_SCORE_RANGE", WARNING, cell(T_BANDS, at, "score"),
                                f"{_name(ind)}的区间 {scoring.fmt_band(b)} 得分 {fmt_plain(b.score)} "
                                f"超出 0–{fmt_plain(ind.weight)} 分，计分时按范围截取"))
            usable.append(b)
        gaps = _gaps(usable) if usable else []
        if gaps:
            out.append(make("IND_BANDS_GAP", WARNING, cell(T_BANDS, offsets[i], "lower"),
                            f"{_name(ind)}的区间没有覆盖 {'、'.join(gaps)}，实际值落在其中将得 0 分"))
        if isinstance(ind.actual, Decimal) and not any(scoring.band_matches(b, ind.actual)
                                                       for b in ind.bands):
            out.append(make("IND_BANDS_NO_MATCH", ERROR, cell(T_IND, i, "actual"),
                            f"{_name(ind)}实际值 {scoring.fmt_num(ind.actual)} 不在任何区间内，按 0 分计"))
    return out


# --- scores --------------------------------------------------------------------------------

def check_scores(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """A computed score outside [0, 分值] is clamped (warning); a score below the weight
    needs a 扣分原因 (error)."""
    out = []
    cell = ctx.locator.cell
    for i, ind in enumerate(ev.indicators):
        if ind.weight is None or ind.weight <= 0:
            continue
        raw, _ = scoring.unclamped(ind)
        if raw is None:
            continue
        if not 0 <= raw <= ind.weight:
            key = "manual_score" if ind.method is Method.MANUAL else "score"
            if raw > ind.weight:
                bound, shown = f"超过分值 {fmt_plain(ind.weight)}", fmt_plain(ind.weight)
            else:
                bound, shown = "低于 0", "0"
            out.append(make("IND_SCORE_CLAMPED", WARNING, cell(T_IND, i, key),
                            f"{_name(ind)}计算得分 {scoring.fmt_result(raw)} {bound}，按 {shown} 分计"))
        result = scoring.score_indicator(ind)
        if result.score is not None and result.score < ind.weight and not ind.reason.strip():
            out.append(make("IND_REASON_MISSING", ERROR, cell(T_IND, i, "reason"),
                            f"{_name(ind)}得分 {scoring.fmt_result(result.score)}，低于分值 "
                            f"{fmt_plain(ind.weight)}，必须填写扣分原因"))
    return out


CHECKS = (
    check_indicator_rows,
    check_weights,
    check_methods,
    check_method_inputs,
    check_percent_scale,
    check_bands,
    check_scores,
)
