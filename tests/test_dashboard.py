"""The bureau's dashboard as pure functions (bureau/dashboard.py): statuses, sorting,
filtering, searching, chart figures and the figures changed between versions."""

from decimal import Decimal

from selfeval_xl.bureau.dashboard import (build_rows, changed_figures, chart_data,
                                          indicator_averages, select_rows, status_counts,
                                          status_of)

DEPTS = [{"name": "甲局", "code": "101", "contact": "张三"},
         {"name": "乙局", "code": "102", "contact": "李四"},
         {"name": "丙局", "code": "103", "contact": ""},
         {"name": "丁局", "code": "104", "contact": "王五"},
         {"name": "戊局", "code": "105", "contact": ""},
         {"name": "己局", "code": "106", "contact": ""}]


def sub(i, verdict, score, grade, rate, errors=0, status="submitted", at="2026-11-29T08:00:00"):
    return {"id": i, "verdict": verdict, "score": score, "grade": grade, "exec_rate": rate,
            "errors": errors, "warnings": 0, "status": status, "created_at": at}


LATEST = {"甲局": sub(1, "ok", "96.00", "优", 0.95),
          "乙局": sub(2, "errors", "81.50", "良", 0.7, errors=2, at="2026-11-29T09:00:00"),
          "丙局": sub(3, "ok", "70.00", "中", 1.0, status="returned"),
          "丁局": sub(4, "ok-with-warnings", "92.25", "优", 0.75, status="accepted"),
          "戊局": sub(5, "stale", "88.00", "良", None),
          "庚局": sub(6, "ok", "59.99", "差", 0.5)}


def rows():
    return build_rows(DEPTS, LATEST, deviations={4: [{"code": "DEVIATION_TOP_GRADE_LOW_EXECUTION"}]},
                      spot_diffs={1: Decimal("-2.50")}, comments={3: "请补充扣分原因"})


def test_every_status():
    assert [(r.name, r.status, r.status_label, r.listed) for r in rows()] == [
        ("甲局", "clean", "已报送（无错误）", True), ("乙局", "errors", "已报送（有错误）", True),
        ("丙局", "returned", "已退回", True), ("丁局", "accepted", "已通过", True),
        ("戊局", "changed", "报告后数据被修改", True), ("己局", "not-submitted", "未报送", True),
        ("庚局", "clean", "已报送（无错误）", False)]   # submitted, not on the list: still shown
    assert status_of(sub(9, "score-mismatch", "90", "优", 1.0)) == "errors"
    assert status_of(sub(9, "ok-with-warnings", "90", "优", 1.0)) == "clean"
    assert status_counts(rows()) == {"not-submitted": 1, "errors": 1, "clean": 2, "returned": 1,
                                     "accepted": 1, "changed": 1}
    r = {x.name: x for x in rows()}
    assert (r["丙局"].comment, r["甲局"].spot_diff, len(r["丁局"].deviations)) == (
        "请补充扣分原因", Decimal("-2.50"), 1)


def names(selected):
    return [r.name for r in selected]


def test_sort_filter_search():
    all_rows = rows()
    assert names(select_rows(all_rows, sort="score", descending=True)) == [
        "甲局", "丁局", "戊局", "乙局", "丙局", "庚局", "己局"]   # not submitted: last
    assert names(select_rows(all_rows, sort="score")) == [
        "庚局", "丙局", "乙局", "戊局", "丁局", "甲局", "己局"]
    assert names(select_rows(all_rows, sort="exec_rate")) == [
        "庚局", "乙局", "丁局", "甲局", "丙局", "戊局", "己局"]
    assert names(select_rows(all_rows, sort="last", descending=True))[:1] == ["乙局"]
    assert names(select_rows(all_rows, status="clean")) == ["庚局", "甲局"]  # by name (code point)
    assert names(select_rows(all_rows, q="李四")) == ["乙局"]
    assert names(select_rows(all_rows, q="10", status="returned")) == ["丙局"]
    assert names(select_rows(all_rows, sort="no-such-column")) == names(select_rows(all_rows))


def test_chart_data():
    indicators = [{"code": "2.1.1", "level3": "预算完成率", "weight": "10", "score": "9"},
                  {"code": "2.1.1", "level3": "预算完成率", "weight": "10", "score": "7"},
                  {"code": "10.1", "level3": "其他", "weight": "5", "score": "5"},
                  {"code": "3.2.1", "level3": "社会效益", "weight": "5", "score": None}]
    data = chart_data(rows(), indicator_averages(indicators))
    assert data["score_counts"] == [1, 0, 1, 2, 1, 1]      # 59.99 | - | 70 | 81.5, 88 | 92.25 | 96
    assert data["grade_counts"] == [2, 2, 1, 1]
    assert data["scatter"] == [[95.0, 96.0, "甲局"], [70.0, 81.5, "乙局"], [100.0, 70.0, "丙局"],
                               [75.0, 92.25, "丁局"], [50.0, 59.99, "庚局"]]
    assert data["indicator_average"] == [["2.1.1", "预算完成率", 80.0], ["10.1", "其他", 100.0]]


def test_changed_figures_between_versions():
    old = {"exp_total": "921.52", "exp_project": "620.85", "score": "96.00", "grade": "优",
           "errors": 2, "warnings": 0, "budget_total": None}
    new = {"exp_total": "921.520", "exp_project": "530.79", "score": "96.00", "grade": "优",
           "errors": 0, "warnings": 0, "budget_total": "921.52"}
    old_inds = [{"code": "2.1.1", "level3": "预算完成率", "actual": "0.9", "score": "9"},
                {"code": "3.1.1", "level3": "重点工作完成率", "actual": "1", "score": "10"}]
    new_inds = [{"code": "2.1.1", "level3": "预算完成率", "actual": "1.00", "score": "10"},
                {"code": "3.1.1", "level3": "重点工作完成率", "actual": "1", "score": "10"}]
    assert changed_figures(old, new, old_inds, new_inds) == [
        ("全年预算数", "", "921.52"), ("项目支出", "620.85", "530.79"), ("错误数", "2", "0"),
        ("2.1.1 预算完成率 实际值", "0.9", "1.00"), ("2.1.1 预算完成率 得分", "9", "10")]
    assert changed_figures(old, old, old_inds, old_inds) == []
