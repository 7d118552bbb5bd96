"""Whether what the workbook shows still matches its data: the generated report (its
stored data fingerprint and score) and the cached results of the native formulas.

All of it comes from ``ctx.meta`` (what the reader found in the output cells); each check
does nothing when its entry is absent, so data-file input gives no finding here.
"""

from __future__ import annotations


from selfeval_xl.core import scoring
from selfeval_xl.core.checks.base import INFO, WARNING, CheckContext, make
from selfeval_xl.core.findings import Finding
from selfeval_xl.core.fingerprint import fingerprint, recorded
from selfeval_xl.core.locations import Place
from selfeval_xl import layout
from selfeval_xl.core.model import Evaluation
from selfeval_xl.core.money import quantize
from selfeval_xl.core.money import stored_number as _number


def _error_value(value: object) -> str | None:
    """Excel error text (#DIV/0!, #REF! …) of a cached value, else None."""
    if isinstance(value, str) and value.strip().startswith("#"):
        return value.strip()
    return None


def _stale(ev: Evaluation, meta: dict) -> bool:
    stored = recorded(meta.get("report_fingerprint"))
    return stored is not None and stored != fingerprint(ev)


def check_report_fingerprint(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """REPORT_STALE: the report was generated from data that has changed since.
    REPORT_FINGERPRINT_INVALID: the fingerprint cell holds something that is not one (0,
    text): no report counts as recorded, so nothing can be said about changes since."""
    raw = ctx.meta.get("report_fingerprint")
    if raw not in (None, "") and not (isinstance(raw, str) and not raw.strip()) \
            and recorded(raw) is None:
        return [make("REPORT_FINGERPRINT_INVALID", WARNING, ctx.locator.field("report_fingerprint"),
                     f"报告的数据指纹单元格为“{str(raw)[:40]}”，不是本程序写入的指纹，视为没有记录报告，"
                     "无法判断报告生成后数据是否改动；请重新生成报告")]
    if not _stale(ev, ctx.meta):
        return []
    when = ctx.meta.get("status_report_at")
    when_text = f"（{when}）" if when not in (None, "") else ""
    return [make("REPORT_STALE", WARNING, ctx.locator.field("report_fingerprint"),
                 f"报告生成{when_text}后数据已被修改（数据指纹不一致），报告内容可能已过时，请重新生成报告")]


def check_report_score(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """The score the report states equals the score computed now.

    When the report is stale REPORT_STALE already says why they may differ.
    """
    stored = _number(ctx.meta.get("report_score"))
    if stored is None or _stale(ev, ctx.meta):
        return []
    total = scoring.score(ev).total
    if quantize(stored) == total:
        return []
    return [make("REPORT_SCORE_MISMATCH", WARNING, ctx.locator.field("report_score"),
                 f"报告中的自评得分为 {scoring.fmt_score(stored)} 分，按当前数据计算为 {scoring.fmt_score(total)} 分，请重新生成报告")]


def check_cached_total(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """The workbook's own 自评得分 / 自评等级 (native formulas) agree with Python's."""
    out = []
    card = scoring.score(ev)
    raw = ctx.meta.get("self_score")
    error = _error_value(raw)
    stored = _number(raw)
    if error:
        out.append(make("SELF_SCORE_ERROR", WARNING, ctx.locator.field("self_score"),
                        f"工作簿的自评得分单元格显示错误值 {error}，按数据计算为 {scoring.fmt_score(card.total)} 分"))
    elif stored is not None and quantize(stored) != card.total:
        out.append(make("SELF_SCORE_MISMATCH", WARNING, ctx.locator.field("self_score"),
                        f"工作簿的自评得分单元格为 {scoring.fmt_score(stored)} 分，按数据计算为 {scoring.fmt_score(card.total)} 分；"
                        "请在 Excel 中重新计算（或公式已被改动）"))
    grade = ctx.meta.get("self_grade")
    if (not out and isinstance(grade, str) and grade.strip() and not _error_value(grade)
            and grade.strip() != card.grade):
        out.append(make("SELF_GRADE_MISMATCH", WARNING, ctx.locator.field("self_grade"),
                        f"工作簿的自评等级单元格为“{grade.strip()}”，按得分 {scoring.fmt_score(card.total)} 分应为“{card.grade}”"))
    return out


def _first_index_of_unique_codes(ev: Evaluation) -> dict[str, int]:
    """code → row index, for codes that occur once (a dict keyed by code can't tell
    duplicated rows apart; IND_DUPLICATE_CODE reports those)."""
    seen: dict[str, int] = {}
    dup: set[str] = set()
    for i, ind in enumerate(ev.indicators):
        if ind.code in seen:
            dup.add(ind.code)
        seen.setdefault(ind.code, i)
    return {c: i for c, i in seen.items() if c not in dup}


def check_cached_indicator_scores(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """Each row's 得分 (native formula) equals Python's score to the cent; 校核得分 (written
    by the last 计算得分) is still current."""
    native = ctx.meta.get("indicator_cached_scores") or {}
    checked = ctx.meta.get("indicator_checked_scores") or {}
    if not native and not checked:
        return []
    out = []
    card = scoring.score(ev)
    for code, i in _first_index_of_unique_codes(ev).items():
        py = card.rows[i].score
        value = native.get(code)
        error = _error_value(value)
        stored = _number(value)
        score_cell = ctx.locator.cell("tbl_indicators", i, "score")
        if error:
            out.append(make("INDICATOR_SCORE_ERROR", WARNING, score_cell,
                            f"指标 {code} 的得分单元格显示错误值 {error}"))
        elif stored is not None and py is not None and quantize(stored) != quantize(py):
            out.append(make("INDICATOR_SCORE_MISMATCH", WARNING, score_cell,
                            f"指标 {code} 的得分单元格为 {scoring.fmt_result(stored)}，按数据计算为 "
                            f"{scoring.fmt_result(py)}；请在 Excel 中重新计算（或公式已被改动）"))
        kept = _number(checked.get(code))
        if kept is not None and py is not None and quantize(kept) != quantize(py):
            out.append(make("INDICATOR_CHECKED_STALE", INFO,
                            ctx.locator.cell("tbl_indicators", i, "py_score"),
                            f"指标 {code} 的校核得分 {scoring.fmt_result(kept)} 是上次“计算得分”时写入的，"
                            f"按当前数据为 {scoring.fmt_result(py)}，请重新计算得分"))
    return out


def check_report_sheet(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """What the 自评报告 sheet itself says (its footer's fingerprint, the score its text
    states) against the data now: the status cells may agree while the sheet does not."""
    sheet_fp = recorded(ctx.meta.get("report_sheet_fingerprint"))
    sheet_score = ctx.meta.get("report_sheet_score")
    place = Place(layout.SHEET_REPORT, "")
    if sheet_fp is not None and sheet_fp != fingerprint(ev):
        return [make("REPORT_SHEET_STALE", WARNING, place,
                     "“自评报告”工作表页脚的数据指纹与当前数据不一致：该报告依据的数据已被修改，"
                     "请重新生成报告")]
    if sheet_score is None or _stale(ev, ctx.meta):
        return []
    total = scoring.score(ev).total
    if quantize(sheet_score) == total:
        return []
    return [make("REPORT_SHEET_SCORE_MISMATCH", WARNING, place,
                 f"“自评报告”工作表写的自评得分为 {scoring.fmt_score(sheet_score)} 分，按当前数据计算为 "
                 f"{scoring.fmt_score(total)} 分，请重新生成报告")]


CHECKS = (
    check_report_fingerprint,
    check_report_sheet,
    check_report_score,
    check_cached_total,
    check_cached_indicator_scores,
)
