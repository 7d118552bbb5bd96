"""Report state checks: stale report, report score, cached native results."""

from dataclasses import replace
from decimal import Decimal

from selfeval_xl import datafile
from selfeval_xl.core.checks import report_state, run_checks
from selfeval_xl.core.checks.base import CheckContext
from selfeval_xl.core.fingerprint import fingerprint

GUIDE, IND = "使用说明", "指标评分"
D = Decimal


def run(ev, **meta):
    return run_checks(ev, CheckContext(meta=meta), registry=report_state.CHECKS)


def where(ev, **meta):
    return [f.where for f in run(ev, **meta)]


EV = datafile.example()
FP = fingerprint(EV)


def test_no_meta_no_finding():
    assert run(EV) == []


def test_current_report_is_fine():
    assert run(EV, report_fingerprint=FP, report_score=D("96"), self_score=D("96"),
               self_grade="优") == []


def test_stale_report():
    changed = replace(EV, basics=replace(EV.basics, preparer="张三"))
    found = run(changed, report_fingerprint=FP, status_report_at="2023-04-11 10:00",
                report_score=D("96"))
    assert [(f.where, f.severity.value, f.name) for f in found] == [
        (("REPORT_STALE", GUIDE, "C25"), "warning", "report_fingerprint")]
    assert found[0].message == ("报告生成（2023-04-11 10:00）后数据已被修改（数据指纹不一致），"
                                "报告内容可能已过时，请重新生成报告")


def test_blank_fingerprint_is_no_report():
    assert run(EV, report_fingerprint="", report_score=None) == []


def test_report_score_differs_while_data_unchanged():
    found = run(EV, report_fingerprint=FP, report_score=D("95.5"))
    assert [f.where for f in found] == [("REPORT_SCORE_MISMATCH", GUIDE, "C26")]
    assert found[0].message == "报告中的自评得分为 95.5 分，按当前数据计算为 96 分，请重新生成报告"
    assert where(EV, report_score="96") == []
    assert where(EV, report_score=96.0) == []


def test_cached_total_and_grade():
    assert where(EV, self_score=D("95")) == [("SELF_SCORE_MISMATCH", IND, "E2")]
    assert where(EV, self_score=96.00000000001) == []
    assert where(EV, self_score="#REF!") == [("SELF_SCORE_ERROR", IND, "E2")]
    assert where(EV, self_score=None, self_grade="良") == [("SELF_GRADE_MISMATCH", IND, "G2")]
    # a wrong total explains a wrong grade: one finding
    assert where(EV, self_score=D("85"), self_grade="良") == [("SELF_SCORE_MISMATCH", IND, "E2")]


def test_cached_indicator_scores():
    cached = {ind.code: ind.weight for ind in EV.indicators}  # full marks everywhere
    cached["2.1.2"] = 4.499999999999  # float noise is not a mismatch
    cached["1.2.3"] = "#DIV/0!"
    cached["3.1.1"] = None            # no cached value: nothing to compare
    found = run(EV, indicator_cached_scores=cached)
    assert [f.where for f in found] == [
        ("INDICATOR_SCORE_ERROR", IND, "O10"),
        ("INDICATOR_SCORE_MISMATCH", IND, "O14"),   # 2.1.3: 5 cached, 3.5 computed
        ("INDICATOR_SCORE_MISMATCH", IND, "O26"),   # 3.1.2
        ("INDICATOR_SCORE_MISMATCH", IND, "O28")]   # 3.2.2
    assert found[1].message == ("指标 2.1.3 的得分单元格为 5.00，按数据计算为 3.50；"
                                "请在 Excel 中重新计算（或公式已被改动）")


def test_checked_scores_written_by_python_go_stale():
    found = run(EV, indicator_checked_scores={"2.1.2": D("5"), "2.1.3": D("3.5")})
    assert [(f.where, f.severity.value) for f in found] == [
        (("INDICATOR_CHECKED_STALE", IND, "Q13"), "info")]


def test_duplicate_codes_are_not_compared():
    dup = replace(EV, indicators=EV.indicators + (EV.indicators[7],))
    assert where(dup, indicator_cached_scores={"2.1.2": D("1")}) == []
