"""Deviation warnings: what a reviewer at the finance bureau should look at twice.

The officer's checks (core/checks) say whether a workbook is *correct*; these say whether
its self-evaluation is *plausible*, the way a bureau reviewer reads it: a high score for
results while the money was not spent, the top grade with most of the budget unspent, last
year's text handed in again, two departments with one and the same return. They never
change a file's verdict; `collect`, `verify` and the service list them beside the
findings (docs/bureau.md, "Deviation warnings").

Two kinds:

- :func:`check_submission` looks at one evaluation and its scorecard;
- :func:`cross_deviations` compares submissions with each other (and with the database's
  earlier years), through two digests computed per submission: :func:`narrative_digest`
  and :func:`content_digest`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.fingerprint import fingerprint
from selfeval_xl.core.locations import Locator, Place
from selfeval_xl.core.model import Basics, Evaluation
from selfeval_xl.core.scoring import Scorecard

SCORE_OVER_EXECUTION = "DEVIATION_SCORE_OVER_EXECUTION"
TOP_GRADE_LOW_EXECUTION = "DEVIATION_TOP_GRADE_LOW_EXECUTION"
NARRATIVE_COPIED = "DEVIATION_NARRATIVE_COPIED"
IDENTICAL_SUBMISSION = "DEVIATION_IDENTICAL_SUBMISSION"
CODES = (SCORE_OVER_EXECUTION, TOP_GRADE_LOW_EXECUTION, NARRATIVE_COPIED, IDENTICAL_SUBMISSION)

# An indicator is an output or benefit indicator when its 一级指标 names one of these:
# 预算使用效益 (the default framework's third level), 产出 and 效果 (财预〔2013〕53号).
OUTPUT_BENEFIT_WORDS = ("产出", "效益", "效果")
# The output/benefit score share may exceed the execution rate by at most this much.
SHARE_MARGIN = Decimal("0.05")
# Below this execution rate the top grade needs a second look.
TOP_GRADE_MIN_EXECUTION = Decimal("0.80")
TOP_GRADE = "优"

_PCT = Decimal("0.01")
_WHITESPACE = re.compile(r"\s+")


def _pct(share: Decimal, rounding: str = ROUND_HALF_UP) -> str:
    """A share as a percentage with 2 decimals: 0.7512 → "75.12%"."""
    return f"{(share * 100).quantize(_PCT, rounding=rounding)}%"


def execution_rate(ev: Evaluation) -> Decimal | None:
    """部门整体支出 ÷ 全年预算数, or None when either is blank or the budget is 0."""
    x = ev.expenditure
    if x.exp_total is None or not x.budget_total:
        return None
    return x.exp_total / x.budget_total


def is_output_benefit(level1: str) -> bool:
    """Whether an indicator with this 一级指标 measures outputs or benefits."""
    return any(word in (level1 or "") for word in OUTPUT_BENEFIT_WORDS)


def output_benefit_share(ev: Evaluation, card: Scorecard) -> tuple[Decimal, Decimal] | None:
    """(points scored, points available) on the output and benefit indicators, or None
    when there is no scored one."""
    got = available = Decimal(0)
    for ind, row in zip(ev.indicators, card.rows):
        if is_output_benefit(ind.level1) and row.score is not None and ind.weight:
            got += row.score
            available += ind.weight
    return (got, available) if available > 0 else None


def check_submission(ev: Evaluation, card: Scorecard,
                     locator: Locator | None = None) -> list[Finding]:
    """The deviation warnings of one evaluation on its own (both rules need the execution
    rate, so an evaluation without 全年预算数 or 部门整体支出 gets none)."""
    loc = locator or Locator.from_layout()
    rate = execution_rate(ev)
    if rate is None:
        return []
    found = []
    share = output_benefit_share(ev, card)
    if share is not None:
        got, available = share
        ratio = got / available
        if ratio - rate > SHARE_MARGIN:
            found.append(_make(SCORE_OVER_EXECUTION, loc.field("exec_rate"), (
                f"产出和效益指标得分 {got.normalize():f} / {available.normalize():f} 分，"
                f"得分率 {_pct(ratio)}，高于预算执行率 {_pct(rate)} "
                f"{_pct(ratio - rate).rstrip('%')} 个百分点（超过 5 个百分点）："
                "资金未用完而产出效益得分偏高，请核实")))
    if rate < TOP_GRADE_MIN_EXECUTION and card.grade == TOP_GRADE:
        found.append(_make(TOP_GRADE_LOW_EXECUTION, loc.field("self_grade"), (
            # rounded down: 79.999 % must not read "80.00%，低于 80%"
            f"预算执行率 {_pct(rate, ROUND_FLOOR)}，低于 80%，而自评等级为“优”（{card.total} 分），请核实")))
    return found


def _make(code: str, place: Place, message: str) -> Finding:
    return Finding(code, Severity.WARNING, place.sheet, place.cell, place.name, message)


# --- digests for comparing submissions --------------------------------------------------

def _normalise(text: str, year: int | None) -> str:
    """Text with whitespace removed and the evaluation year (and the years either side)
    replaced by tokens, so last year's text with only its years moved on still matches."""
    text = _WHITESPACE.sub("", text or "")
    if year:
        for offset, token in ((-1, "{Y-1}"), (0, "{Y}"), (1, "{Y+1}")):
            text = re.sub(rf"(?<!\d){year + offset}(?!\d)", token, text)
    return text


def narrative_digest(ev: Evaluation) -> str:
    """"sha256:…" of the self-evaluation's own text (二、绩效自评: the conclusion points and
    the analysis paragraphs), normalised; "" when there is none.

    部门职能 and the tasks are left out: a department's functions rightly stay the same
    from year to year.
    """
    year = ev.basics.eval_year
    parts = [_normalise(t, year) for t in ev.conclusions]
    parts += [_normalise(p.heading, year) + "｜" + _normalise(p.text, year) for p in ev.analysis]
    if not any(parts):
        return ""
    data = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(data.encode("utf-8")).hexdigest()


def content_digest(ev: Evaluation) -> str:
    """The data fingerprint with who filled it in left out (部门名称, 自称, 填报人, 电话,
    填报日期); "" when there is no 部门整体支出 (a blank template is not a return)."""
    if ev.expenditure.exp_total is None:
        return ""
    b = ev.basics
    anonymous = replace(ev, basics=Basics(sub_unit_count=b.sub_unit_count, eval_year=b.eval_year,
                                          dept_functions=b.dept_functions,
                                          other_notes=b.other_notes))
    return fingerprint(anonymous)


@dataclass(frozen=True)
class Digest:
    """What the cross-submission rules know about one submission.

    Attributes:
        key: the caller's id of the submission (a file path, a submission id).
        dept: the department (its name, or the service's department id).
        year: 评价年度.
        narrative: :func:`narrative_digest` ("" for none).
        content: :func:`content_digest` ("" for none).
    """

    key: str
    dept: str
    year: int
    narrative: str
    content: str


def cross_deviations(current: Sequence[Digest],
                     history: Iterable[Digest] = ()) -> dict[str, list[Finding]]:
    """Deviation warnings that need other submissions, for each of ``current``.

    ``history`` holds earlier submissions (the database's): they are compared with, but
    get no findings themselves. A department's own versions never count as identical.
    Returns {key: findings} for the keys of ``current`` that have any.
    """
    keys = {c.key for c in current}
    every = list(current) + [h for h in history if h.key not in keys]
    by_narrative: dict[tuple[str, int, str], bool] = {}
    by_content: dict[tuple[int, str], set[str]] = {}
    for d in every:
        if d.narrative and d.dept:
            by_narrative[(d.dept, d.year, d.narrative)] = True
        if d.content and d.dept:
            by_content.setdefault((d.year, d.content), set()).add(d.dept)
    conclusions = Locator.from_layout().table("tbl_conclusions")
    out: dict[str, list[Finding]] = {}
    for d in current:
        found = []
        if d.narrative and d.dept and (d.dept, d.year - 1, d.narrative) in by_narrative:
            found.append(_make(NARRATIVE_COPIED, conclusions, (
                f"自评结论和指标分析与本部门 {d.year - 1} 年度提交的内容相同"
                "（不计空白和年份），疑似照抄上年，请核实")))
        others = sorted(by_content.get((d.year, d.content), set()) - {d.dept}) if d.content else []
        if d.dept and others:
            found.append(_make(IDENTICAL_SUBMISSION, Place("", ""), (
                f"与{'、'.join(others)}提交的 {d.year} 年度自评数据完全相同"
                "（部门名称、填报人、电话、日期除外），请核实")))
        if found:
            out[d.key] = found
    return out
