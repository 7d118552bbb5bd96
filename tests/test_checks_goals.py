"""绩效目标 checks: tasks and points, goals, output indicators and their part sums."""

from dataclasses import replace
from decimal import Decimal

from selfeval_xl import datafile
from selfeval_xl.core.checks import goals, run_checks
from selfeval_xl.core.checks.base import CheckContext
from selfeval_xl.core.locations import Locator
from selfeval_xl.core.model import Evaluation, Goal, KeyTask, OutputIndicator

G = "绩效目标"
D = Decimal


def where(ev, ctx=None):
    return [f.where for f in run_checks(ev, ctx, registry=goals.CHECKS)]


def out(name, actual="1", unit="项", target="1", parent="", category="产出"):
    return OutputIndicator(category, name, unit, None if target is None else D(target),
                           None if actual is None else D(actual), parent)


def ev_outputs(*outputs):
    return replace(datafile.example(), outputs=tuple(outputs))


def test_seed_only_says_that_no_target_is_given():
    findings = run_checks(datafile.example(), registry=goals.CHECKS)
    assert [(f.where, f.severity.value) for f in findings] == [
        (("OUTPUT_TARGET_BLANK", G, "O5:O14"), "info")]
    assert findings[0].message == "全部 10 项产出和效益指标均未填目标值，无法计算完成率"


def test_seed_parts_13453_equal_5125_plus_8328():
    ev = datafile.example()
    assert [o.actual for o in ev.outputs if o.parent == "受理业务"] == [D(5125), D(8328)]
    assert where(ev) == [("OUTPUT_TARGET_BLANK", G, "O5:O14")]


def test_parts_mismatch_at_the_parent_actual():
    ev = ev_outputs(out("受理业务", "13453", "宗"), out("综办", "5125", "宗", parent="受理业务"),
                    out("国垂", "8327", "宗", parent="受理业务"))
    findings = run_checks(ev, registry=goals.CHECKS)
    assert [f.where for f in findings] == [("OUTPUT_PARTS_MISMATCH", G, "P5")]
    assert findings[0].message == "受理业务 13453 宗 ≠ 综办 5125 宗 + 国垂 8327 宗 = 13452 宗，相差 1"


def test_parent_unknown_cycle_and_unit():
    ev = ev_outputs(out("甲", "3"), out("乙", "1", parent="丙"), out("丁", "1", parent="丁"),
                    out("戊", "3", unit="个", parent="甲"))
    assert where(ev) == [("OUTPUT_PARENT_UNKNOWN", G, "Q6"), ("OUTPUT_PARENT_CYCLE", G, "Q7"),
                         ("OUTPUT_UNIT_MISMATCH", G, "N8")]


def test_two_node_cycle():
    ev = ev_outputs(out("甲", "1", parent="乙"), out("乙", "1", parent="甲"))
    assert where(ev) == [("OUTPUT_PARENT_CYCLE", G, "Q5"), ("OUTPUT_PARENT_CYCLE", G, "Q6")]


def test_blank_part_skips_the_sum():
    ev = ev_outputs(out("甲", "3"), out("乙", None, parent="甲"))
    assert where(ev) == [("OUTPUT_ACTUAL_BLANK", G, "P6")]


def test_output_rows():
    ev = ev_outputs(
        out("", "1"),                                   # 0: no name
        out("甲", "1"), out("甲", "2"),                  # 2: duplicate name
        out("乙", "1", unit=""),                         # 3: no unit
        out("丙", "-1", target="-2"),                    # 4: negatives
        out("丁", None),                                 # 5: no actual
        out("满意率", "101", unit="%", target="90"),     # 6: percent over 100
        out("戊", "85", target="100"),                   # 7: below target (info)
        out("己", "1", category="成本"),                 # 8: unknown category
    )
    assert where(ev) == [
        ("OUTPUT_NAME_BLANK", G, "M5"), ("OUTPUT_DUPLICATE_NAME", G, "M7"),
        ("OUTPUT_UNIT_BLANK", G, "N8"), ("OUTPUT_NEGATIVE", G, "O9"), ("OUTPUT_NEGATIVE", G, "P9"),
        ("OUTPUT_ACTUAL_BLANK", G, "P10"), ("OUTPUT_PERCENT_RANGE", G, "P11"),
        ("OUTPUT_BELOW_TARGET", G, "P12"), ("OUTPUT_CATEGORY_UNKNOWN", G, "L13")]


def test_below_target_message_and_severity():
    (f,) = run_checks(ev_outputs(out("戊", "85", unit="宗", target="100")), registry=goals.CHECKS)
    assert (f.severity.value, f.message) == (
        "info", "“戊”实际 85 宗 未达到目标 100 宗，完成率 85.00%，请在分析中说明原因")


def test_some_targets_blank_are_reported_per_row():
    ev = ev_outputs(out("甲", "1"), out("乙", "1", target=None), out("丙", "1", target=None))
    findings = run_checks(ev, registry=goals.CHECKS)
    assert [(f.where, f.severity.value) for f in findings] == [
        (("OUTPUT_TARGET_BLANK", G, "O6"), "info"), (("OUTPUT_TARGET_BLANK", G, "O7"), "info")]


def test_tasks_exact_findings():
    tasks = (KeyTask(1, "甲", points=("一是加强管理。", "完善制度。")),
             KeyTask(2, " "), KeyTask(4, "丙", points=("", "好")))
    ev = Evaluation(tasks=tasks)
    assert where(ev) == [
        ("TASK_TITLE_BLANK", G, "C6"), ("TASK_NUMBERING", G, "B7"),
        ("TASK_POINT_PREFIX", G, "G5"), ("TASK_POINT_BLANK", G, "G7"),
        ("GOALS_EMPTY", G, "I4"), ("OUTPUTS_EMPTY", G, "L4")]
    (numbering,) = [f for f in run_checks(ev, registry=goals.CHECKS) if f.code == "TASK_NUMBERING"]
    assert numbering.message == "序号依次为 1、2、4，应从 1 起连续编号（第 3 项为 4）"


def test_duplicate_numbers_are_errors_and_replace_the_numbering_warning():
    ev = Evaluation(tasks=(KeyTask(1, "a"), KeyTask(1, "b"), KeyTask(3, "c")),
                    goals=(Goal(2, "x"), Goal(2, "y")))
    assert where(ev) == [("TASK_DUPLICATE_NO", G, "B6"), ("GOAL_DUPLICATE_NO", G, "I6"),
                         ("OUTPUTS_EMPTY", G, "L4")]


def test_goals():
    ev = Evaluation(tasks=(KeyTask(1, "a"),), goals=(Goal(1, "x"), Goal(3, " ")))
    assert where(ev) == [("GOAL_TEXT_BLANK", G, "J6"), ("GOAL_NUMBERING", G, "I6"),
                         ("OUTPUTS_EMPTY", G, "L4")]


def test_empty_lists_point_at_the_tables():
    assert where(Evaluation()) == [("TASKS_EMPTY", G, "B4"), ("GOALS_EMPTY", G, "I4"),
                                   ("OUTPUTS_EMPTY", G, "L4")]


def test_locations_follow_rows_the_reader_found():
    loc = Locator(table_rows={"tbl_outputs": [5, 9, 12]})
    ev = ev_outputs(out("甲", "3"), out("乙", "1", parent="甲"), out("丙", "1", parent="甲"))
    assert where(ev, CheckContext(locator=loc)) == [("OUTPUT_PARTS_MISMATCH", G, "P5")]
    ev = ev_outputs(out("甲", "2"), out("乙", "1", parent="甲"), out("丙", None, parent="甲"))
    assert where(ev, CheckContext(locator=loc)) == [("OUTPUT_ACTUAL_BLANK", G, "P12")]


def test_only_the_loop_members_are_flagged():
    ev = ev_outputs(out("甲", "1", parent="乙"), out("乙", "1", parent="丙"), out("丙", "1", parent="乙"))
    assert where(ev) == [("OUTPUT_PARENT_CYCLE", G, "Q6"), ("OUTPUT_PARENT_CYCLE", G, "Q7")]


def test_long_chains_and_many_rows_are_checked():
    n = 10_000
    chain = [out(f"o{i}", "1", parent=f"o{i + 1}" if i + 1 < n else "") for i in range(n)]
    findings = run_checks(ev_outputs(*chain), registry=goals.CHECKS)
    # each indicator is 1 and has exactly one part, also 1: all sums hold, no loop
    assert {f.code for f in findings} == set()
    tasks = tuple(KeyTask(i + 1, f"任务{i + 1}", points=("要点",)) for i in range(n))
    assert where(replace(datafile.example(), tasks=tasks)) == [("OUTPUT_TARGET_BLANK", G, "O5:O14")]


def test_percent_unit_with_a_fraction_is_flagged():
    from selfeval_xl.core.checks import goals as goal_checks
    from selfeval_xl.core.model import OutputIndicator

    ev = Evaluation(outputs=(
        OutputIndicator("效益", "满意度", "%", Decimal("0.9"), Decimal("0.96")),
        OutputIndicator("效益", "好评率", "%", Decimal("95"), Decimal("100")),
        OutputIndicator("产出", "完成率", "%", None, Decimal("0"))))
    found = [f for f in run_checks(ev, registry=goal_checks.CHECKS)
             if f.code == "OUTPUT_PERCENT_AS_FRACTION"]
    assert [(f.cell, f.severity.value) for f in found] == [("O5", "warning"), ("P5", "warning")]
    assert found[1].message == ("“满意度”单位为 %，实际值为 0.96，报告将写作0.96%；若是 96%，"
                                "请填 96")
