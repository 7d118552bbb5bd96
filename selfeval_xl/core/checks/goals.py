"""绩效目标 sheet: key tasks and their points, performance goals, output indicators.

Task points live in their own table (tbl_task_points) but are nested under their task in
the model; item ``i`` of that table is the ``i``-th point counting task by task, which is
the order the builder writes them and the reader reports them in.
"""

from __future__ import annotations

import re
from decimal import Decimal

from selfeval_xl.core.checks.base import ERROR, INFO, WARNING, CheckContext, make, span
from selfeval_xl.core.findings import Finding
from selfeval_xl.core.model import Evaluation, OutputIndicator
from selfeval_xl.core.money import fmt_plain, quantize
from selfeval_xl.layout import CATEGORY_CHOICES

T_TASKS, T_POINTS, T_GOALS, T_OUTPUTS = "tbl_tasks", "tbl_task_points", "tbl_goals", "tbl_outputs"

# "一是…" typed by the officer would come out as "一是一是…": the report numbers points.
_POINT_PREFIX = re.compile(r"^\s*[一二三四五六七八九十]+是")


def _numbering(ctx: CheckContext, table: str, codes: tuple[str, str],
               numbers: list[int]) -> list[Finding]:
    """Duplicate numbers (``codes[0]``, error), else numbers that are not 1, 2, 3… in
    order (``codes[1]``, warning, once at the first row out of step)."""
    out = []
    seen: set[int] = set()
    for i, no in enumerate(numbers):
        if no in seen:
            out.append(make(codes[0], ERROR, ctx.locator.cell(table, i, "no"),
                            f"序号 {no} 重复，报告按序号编排，每个序号只能用一次"))
        seen.add(no)
    if out:
        return out
    for i, no in enumerate(numbers):
        if no != i + 1:
            listed = "、".join(str(n) for n in numbers)
            out.append(make(codes[1], WARNING, ctx.locator.cell(table, i, "no"),
                            f"序号依次为 {listed}，应从 1 起连续编号（第 {i + 1} 项为 {no}）"))
            break
    return out


def check_tasks(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """年度重点工作任务: present, titled, numbered 1, 2, 3…."""
    if not ev.tasks:
        return [make("TASKS_EMPTY", WARNING, ctx.locator.table(T_TASKS),
                     f"未填写年度总体工作和重点工作任务，报告{ctx.section('tasks')}将为空")]
    out = []
    for i, task in enumerate(ev.tasks):
        if not task.title.strip():
            out.append(make("TASK_TITLE_BLANK", ERROR, ctx.locator.cell(T_TASKS, i, "title"),
                            f"第 {task.no} 项重点工作任务没有标题"))
    out += _numbering(ctx, T_TASKS, ("TASK_DUPLICATE_NO", "TASK_NUMBERING"),
                      [t.no for t in ev.tasks])
    return out


def check_task_points(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """Points are plain sentences: no "一是" prefix (the report adds it), no blank point.

    Points naming a task number that does not exist never reach the model; the reader
    reports them (the model nests points under their task).
    """
    out = []
    index = 0
    for task in ev.tasks:
        for point in task.points:
            place = ctx.locator.cell(T_POINTS, index, "text")
            if not point.strip():
                out.append(make("TASK_POINT_BLANK", WARNING, place,
                                f"第 {task.no} 项任务有一条空白要点"))
            elif prefix := _POINT_PREFIX.match(point):
                out.append(make("TASK_POINT_PREFIX", WARNING, place,
                                f"要点“{point[:12]}…”以“{prefix.group(0).strip()}”开头；"
                                "报告会自动加“一是、二是……”，请删去"))
            index += 1
    return out


def check_goals(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """部门整体支出绩效目标: present, not blank, numbered 1, 2, 3…."""
    if not ev.goals:
        return [make("GOALS_EMPTY", WARNING, ctx.locator.table(T_GOALS),
                     f"未填写部门整体支出绩效目标，报告{ctx.section('goals')}将为空")]
    out = []
    for i, goal in enumerate(ev.goals):
        if not goal.text.strip():
            out.append(make("GOAL_TEXT_BLANK", ERROR, ctx.locator.cell(T_GOALS, i, "text"),
                            f"第 {goal.no} 项绩效目标内容为空"))
    out += _numbering(ctx, T_GOALS, ("GOAL_DUPLICATE_NO", "GOAL_NUMBERING"),
                      [g.no for g in ev.goals])
    return out


def _fig(value: Decimal, unit: str) -> str:
    return f"{fmt_plain(value)} {unit}".rstrip() if unit != "%" else f"{fmt_plain(value)}%"


def check_output_rows(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """Each output indicator: name, unique name, category, unit, actual, sign, completion."""
    if not ev.outputs:
        return [make("OUTPUTS_EMPTY", WARNING, ctx.locator.table(T_OUTPUTS),
                     "未填写产出和效益指标，报告中的数字无从引用，绩效难以衡量")]
    out = []
    seen: set[str] = set()
    cell = ctx.locator.cell
    for i, o in enumerate(ev.outputs):
        name = o.name.strip()
        if not name:
            out.append(make("OUTPUT_NAME_BLANK", ERROR, cell(T_OUTPUTS, i, "name"),
                            f"第 {i + 1} 项产出/效益指标没有名称"))
        elif name in seen:
            out.append(make("OUTPUT_DUPLICATE_NAME", ERROR, cell(T_OUTPUTS, i, "name"),
                            f"指标名称“{name}”重复；报告文字用 {{{name}}} 引用，名称必须唯一"))
        seen.add(name)
        label = name or f"第 {i + 1} 项指标"
        if o.category.strip() not in CATEGORY_CHOICES:
            shown = f"“{o.category}”" if o.category.strip() else "空白"
            out.append(make("OUTPUT_CATEGORY_UNKNOWN", WARNING, cell(T_OUTPUTS, i, "category"),
                            f"“{label}”的类别为{shown}，应为“产出”或“效益”"))
        if not o.unit.strip():
            out.append(make("OUTPUT_UNIT_BLANK", WARNING, cell(T_OUTPUTS, i, "unit"),
                            f"“{label}”未填单位（如 项、个、宗、%、万元）"))
        for key in ("target", "actual"):
            value = getattr(o, key)
            if value is not None and value < 0:
                what = "目标值" if key == "target" else "实际值"
                out.append(make("OUTPUT_NEGATIVE", ERROR, cell(T_OUTPUTS, i, key),
                                f"“{label}”的{what}为负数（{fmt_plain(value)}）"))
        if o.actual is None:
            out.append(make("OUTPUT_ACTUAL_BLANK", WARNING, cell(T_OUTPUTS, i, "actual"),
                            f"“{label}”未填实际值，报告中引用它的文字将留空"))
        elif o.unit.strip() == "%" and o.actual > 100:
            out.append(make("OUTPUT_PERCENT_RANGE", WARNING, cell(T_OUTPUTS, i, "actual"),
                            f"“{label}”单位为 %，实际值 {fmt_plain(o.actual)} 超过 100"))
        if o.unit.strip() == "%":
            for key, what in (("target", "目标值"), ("actual", "实际值")):
                value = getattr(o, key)
                if value is not None and 0 < value <= 1:
                    # 满意度 0.96 % is almost always 96 % typed as a fraction.
                    out.append(make("OUTPUT_PERCENT_AS_FRACTION", WARNING, cell(T_OUTPUTS, i, key),
                                    f"“{label}”单位为 %，{what}为 {fmt_plain(value)}，报告将写作"
                                    f"{fmt_plain(value)}%；若是 {fmt_plain(value * 100)}%，"
                                    f"请填 {fmt_plain(value * 100)}"))
        if o.target is not None and o.target > 0 and o.actual is not None and o.actual < o.target:
            rate = quantize(o.actual / o.target * 100)
            out.append(make("OUTPUT_BELOW_TARGET", INFO, cell(T_OUTPUTS, i, "actual"),
                            f"“{label}”实际 {_fig(o.actual, o.unit)} 未达到目标 "
                            f"{_fig(o.target, o.unit)}，完成率 {rate}%，请在分析中说明原因"))
    return out


def check_output_targets(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """目标值 blank is information only (the seed states none): one finding for the whole
    column when no target at all is given, else one per row."""
    blank = [i for i, o in enumerate(ev.outputs) if o.target is None]
    if not blank:
        return []
    cell = ctx.locator.cell
    if len(blank) == len(ev.outputs):
        place = span(cell(T_OUTPUTS, 0, "target"), cell(T_OUTPUTS, len(blank) - 1, "target"))
        return [make("OUTPUT_TARGET_BLANK", INFO, place,
                     f"全部 {len(blank)} 项产出和效益指标均未填目标值，无法计算完成率")]
    return [make("OUTPUT_TARGET_BLANK", INFO, cell(T_OUTPUTS, i, "target"),
                 f"“{ev.outputs[i].name}”未填目标值，无法计算完成率") for i in blank]


def _first_by_name(outputs: tuple[OutputIndicator, ...]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, o in enumerate(outputs):
        index.setdefault(o.name.strip(), i)
    return index


def _cycle_members(parent_of: dict[str, str]) -> set[str]:
    """Names that lie on a loop of 汇总于 links; linear, so a hostile 10,000-row chain is cheap."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    members: set[str] = set()
    for start in parent_of:
        path: list[str] = []
        node = start
        while node and node in parent_of and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        if node and state.get(node) == 1:  # walked back into this path: a loop
            members.update(path[path.index(node):])
        for n in path:
            state[n] = 2
    return members


def check_output_parts(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """汇总于: the parent exists, has the same unit, and its parts add up to it.

    The seed's 受理业务 13453 = 综办系统 5125 + 国垂/省垂 8328 passes. A parent listed
    with only some of its parts fails: "汇总于" means the parts are complete.
    """
    out = []
    by_name = _first_by_name(ev.outputs)
    parent_of = {o.name.strip(): o.parent.strip() for o in ev.outputs if o.name.strip()}
    looped = _cycle_members(parent_of)
    parts: dict[str, list[int]] = {}
    cell = ctx.locator.cell
    for i, o in enumerate(ev.outputs):
        parent = o.parent.strip()
        if not parent:
            continue
        if parent not in by_name:
            out.append(make("OUTPUT_PARENT_UNKNOWN", ERROR, cell(T_OUTPUTS, i, "parent"),
                            f"“{o.name}”汇总于“{parent}”，但没有名为“{parent}”的指标"))
            continue
        if o.name.strip() in looped:
            out.append(make("OUTPUT_PARENT_CYCLE", ERROR, cell(T_OUTPUTS, i, "parent"),
                            f"“{o.name}”的“汇总于”形成循环（{o.name} → {parent} → …）"))
            continue
        parts.setdefault(parent, []).append(i)
        parent_unit = ev.outputs[by_name[parent]].unit.strip()
        if o.unit.strip() != parent_unit:
            out.append(make("OUTPUT_UNIT_MISMATCH", WARNING, cell(T_OUTPUTS, i, "unit"),
                            f"“{o.name}”的单位“{o.unit}”与所汇总的“{parent}”的单位“{parent_unit}”不同"))
    for parent, members in parts.items():
        p = ev.outputs[by_name[parent]]
        values = [ev.outputs[i].actual for i in members]
        if p.actual is None or any(v is None for v in values):
            continue  # blanks are reported by OUTPUT_ACTUAL_BLANK
        total = sum(values, Decimal(0))
        if quantize(p.actual - total) == 0:
            continue
        terms = " + ".join(f"{ev.outputs[i].name} {_fig(ev.outputs[i].actual, ev.outputs[i].unit)}"
                           for i in members)
        out.append(make("OUTPUT_PARTS_MISMATCH", ERROR, cell(T_OUTPUTS, by_name[parent], "actual"),
                        f"{parent} {_fig(p.actual, p.unit)} ≠ {terms} = {_fig(total, p.unit)}，"
                        f"相差 {fmt_plain(abs(p.actual - total))}"))
    return out


CHECKS = (
    check_tasks,
    check_task_points,
    check_goals,
    check_output_rows,
    check_output_targets,
    check_output_parts,
)
