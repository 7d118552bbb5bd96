"""自评结论 sheet and every officer-written text: placeholders, score statements, the
conclusion and analysis tables, and the grade table that words the score sentence."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Iterator

from selfeval_xl.core import placeholders, scoring
from selfeval_xl.core.checks.base import ERROR, INFO, WARNING, CheckContext, make
from selfeval_xl.core.findings import Finding
from selfeval_xl.core.locations import Place
from selfeval_xl.core.model import Evaluation
from selfeval_xl.layout import GRADE_CHOICES

T_CONCLUSIONS, T_ANALYSIS, T_GRADES = "tbl_conclusions", "tbl_analysis", "tbl_grades"

_SCORE_STATEMENT = re.compile(r"自评(?:得分|总分)?(?:为|是|：|:)?\s*(\d+(?:\.\d+)?)\s*分")
_GRADE_STATEMENT = re.compile(r"自评等级(?:为|是|：|:)?\s*[“\"「]?([优良中差])")


def officer_texts(ev: Evaluation, ctx: CheckContext) -> Iterator[tuple[str, str, Place]]:
    """Every text the officer wrote: (what, text, place), in workbook order."""
    loc = ctx.locator
    yield "部门职能", ev.basics.dept_functions, loc.field("dept_functions")
    yield "其他自评情况", ev.basics.other_notes, loc.field("other_notes")
    point = 0
    for i, task in enumerate(ev.tasks):
        yield f"第 {task.no} 项任务标题", task.title, loc.cell("tbl_tasks", i, "title")
        yield f"第 {task.no} 项任务说明", task.body, loc.cell("tbl_tasks", i, "body")
        for text in task.points:
            yield f"第 {task.no} 项任务要点", text, loc.cell("tbl_task_points", point, "text")
            point += 1
    for i, goal in enumerate(ev.goals):
        yield f"第 {goal.no} 项绩效目标", goal.text, loc.cell("tbl_goals", i, "text")
    for i, text in enumerate(ev.conclusions):
        yield f"自评结论第 {i + 1} 点", text, loc.cell(T_CONCLUSIONS, i, "text")
    for i, para in enumerate(ev.analysis):
        yield f"指标分析“{para.heading}”", para.text, loc.cell(T_ANALYSIS, i, "text")


def check_placeholders(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """``{名称}`` must name an output indicator or a built-in name, and have a value."""
    known = placeholders.values(ev)
    out = []
    for what, text, place in officer_texts(ev, ctx):
        for name in dict.fromkeys(n.strip() for n in placeholders.names_in(text)):
            if name not in known:
                out.append(make("PLACEHOLDER_UNKNOWN", ERROR, place,
                                f"{what}引用了{{{name}}}，但没有名为“{name}”的产出/效益指标"
                                "（可用：指标名称、评价年度、部门名称、自称）"))
            elif known[name] == "":
                out.append(make("PLACEHOLDER_BLANK", WARNING, place,
                                f"{what}引用的{{{name}}}没有值（实际值或基本情况未填），报告中将原样显示"))
    return out


def check_score_statements(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """A "自评XX分" or "自评等级为X" in any text must agree with the computed score.

    The report writes the score sentence itself; one that agrees, typed into the
    conclusions, would appear twice (info).
    """
    card = scoring.score(ev)
    total = scoring.fmt_score(card.total)
    out = []
    for what, text, place in officer_texts(ev, ctx):
        norm = unicodedata.normalize("NFKC", text or "")
        for m in _SCORE_STATEMENT.finditer(norm):
            if Decimal(m.group(1)) != card.total:
                out.append(make("NARRATIVE_SCORE_MISMATCH", ERROR, place,
                                f"{what}写“{m.group(0)}”，但按指标评分表计算的自评得分为 {total} 分"))
            elif place.cell and what.startswith("自评结论"):
                sentence = scoring.score_sentence(card, ev)
                out.append(make("NARRATIVE_SCORE_SENTENCE", INFO, place,
                                f"{what}含“{m.group(0)}”；报告会自动生成“{sentence}”，此处可删去以免重复"))
        for m in _GRADE_STATEMENT.finditer(norm):
            if m.group(1) != card.grade:
                out.append(make("NARRATIVE_GRADE_MISMATCH", ERROR, place,
                                f"{what}写“{m.group(0)}”，但按自评得分 {total} 分计算的等级为“{card.grade}”"))
    return out


def check_conclusions(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """自评结论 has at least one point and no blank one."""
    if not ev.conclusions:
        return [make("CONCLUSIONS_EMPTY", WARNING, ctx.locator.table(T_CONCLUSIONS),
                     f"未填写自评结论要点，报告{ctx.section('conclusions')}只有得分句")]
    return [make("CONCLUSION_BLANK", WARNING, ctx.locator.cell(T_CONCLUSIONS, i, "text"),
                 f"自评结论第 {i + 1} 点为空")
            for i, text in enumerate(ev.conclusions) if not text.strip()]


def check_analysis(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """指标分析 paragraphs: a heading, level 1 or 2, some text."""
    if not ev.analysis:
        return [make("ANALYSIS_EMPTY", WARNING, ctx.locator.table(T_ANALYSIS),
                     f"未填写部门整体支出绩效指标分析，报告{ctx.section('analysis')}将为空")]
    out = []
    cell = ctx.locator.cell
    for i, para in enumerate(ev.analysis):
        if not para.heading.strip():
            out.append(make("ANALYSIS_HEADING_BLANK", ERROR, cell(T_ANALYSIS, i, "heading"),
                            f"指标分析第 {i + 1} 段没有小节名称"))
        if para.level not in (1, 2):
            out.append(make("ANALYSIS_LEVEL", ERROR, cell(T_ANALYSIS, i, "level"),
                            f"指标分析第 {i + 1} 段层级为 {para.level}，应为 1（编号“1.”）或 2（编号“（1）”）"))
        if not para.text.strip():
            out.append(make("ANALYSIS_TEXT_BLANK", WARNING, cell(T_ANALYSIS, i, "text"),
                            f"指标分析“{para.heading}”第 {i + 1} 段内容为空"))
    return out


def check_grades(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """等级表: four rows 优/良/中/差, 最低分 strictly falling, wording given.

    The native ``self_grade`` formula reads exactly four rows, highest first.
    """
    cell = ctx.locator.cell
    if len(ev.grades) != 4:
        return [make("GRADES_COUNT", ERROR, ctx.locator.table(T_GRADES),
                     f"等级表有 {len(ev.grades)} 行，应恰好 4 行（优、良、中、差，从高到低）")]
    out = []
    for i, g in enumerate(ev.grades):
        if g.grade not in GRADE_CHOICES:
            out.append(make("GRADE_UNKNOWN", ERROR, cell(T_GRADES, i, "grade"),
                            f"等级表第 {i + 1} 行等级为“{g.grade}”，应为 优/良/中/差"))
        above = ev.grades[i - 1] if i else None
        if above is not None and g.min_score >= above.min_score:
            out.append(make("GRADES_ORDER", ERROR, cell(T_GRADES, i, "min_score"),
                            f"等级“{g.grade}”的最低分 {scoring.fmt_score(g.min_score)} 不低于上一等级"
                            f"“{above.grade}”的 {scoring.fmt_score(above.min_score)}；"
                            "等级表应从高到低排列"))
        if not g.wording.strip():
            out.append(make("GRADE_WORDING_BLANK", WARNING, cell(T_GRADES, i, "wording"),
                            f"等级“{g.grade}”没有结论用语，得分句将只有“自评XX分。”"))
    return out


CHECKS = (
    check_placeholders,
    check_score_statements,
    check_conclusions,
    check_analysis,
    check_grades,
)
