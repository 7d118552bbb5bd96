"""指标评分 checks: rows, weights, methods and their inputs, bands, scores and reasons."""

from dataclasses import replace
from decimal import Decimal

import pytest

from selfeval_xl import datafile
from selfeval_xl.core.checks import indicators, run_checks
from selfeval_xl.core.findings import Severity
from selfeval_xl.core.model import Band, Closed, Evaluation, Indicator, Method

S = "指标评分"
D = Decimal


def ind(code, method="人工", weight="100", **kw) -> Indicator:
    text_keys = ("reason", "rule")
    conv = {k: (D(v) if isinstance(v, str) and k not in text_keys and v not in ("是", "否", "好")
                else v) for k, v in kw.items()}
    return Indicator(code=code, level1="一", level2="二", level3=f"指标{code}",
                     weight=None if weight is None else D(weight),
                     method=Method.from_label(method), method_text=method, **conv)


def where(*rows):
    return [f.where for f in run_checks(Evaluation(indicators=tuple(rows)),
                                        registry=indicators.CHECKS)]


def findings(*rows):
    return run_checks(Evaluation(indicators=tuple(rows)), registry=indicators.CHECKS)


def test_seed_indicators_are_clean():
    assert run_checks(datafile.example(), registry=indicators.CHECKS) == []


def test_empty_table():
    assert where() == [("IND_EMPTY", S, "B5")]


def test_codes_and_names():
    a = ind("1", weight="50", manual_score="50")
    assert where(a, replace(a, level3="别的")) == [("IND_DUPLICATE_CODE", S, "B7")]
    assert where(a, replace(a, code="2")) == [("IND_DUPLICATE_NAME", S, "E7")]
    full = replace(a, weight=D(100), manual_score=D(100))
    assert where(replace(full, code=" ")) == [("IND_CODE_BLANK", S, "B6")]
    f = findings(replace(full, level2="", level3=""))
    assert [x.where for x in f] == [("IND_LEVEL_BLANK", S, "D6")]
    assert f[0].message == "指标 1 未填二级、三级指标名称"


def test_weights():
    rows = (ind("1", weight=None, manual_score="1"), ind("2", weight="0", manual_score="0"),
            ind("3", weight="-5", manual_score="0"), ind("4", weight="60", manual_score="60"))
    found = findings(*rows)
    assert [f.where for f in found] == [
        ("IND_WEIGHT_BLANK", S, "F6"), ("IND_WEIGHT_NOT_POSITIVE", S, "F7"),
        ("IND_WEIGHT_NOT_POSITIVE", S, "F8"), ("WEIGHT_TOTAL", S, "C2")]
    assert found[-1].name == "weight_total"
    assert found[-1].message == "各指标分值合计 55 分，应为 100 分（相差 45 分）"


def test_weights_summing_to_100_with_decimals():
    assert where(ind("1", weight="33.3", manual_score="33.3"),
                 ind("2", weight="66.7", manual_score="66.7")) == []
    assert where(ind("1", weight="33.3", manual_score="33.3"),
                 ind("2", weight="66.69", manual_score="66.69")) == [("WEIGHT_TOTAL", S, "C2")]


def test_methods():
    blank = replace(ind("1", manual_score="100"), method=None, method_text="")
    unknown = replace(ind("1", manual_score="100"), method=None, method_text="打分")
    assert where(blank) == [("IND_METHOD_BLANK", S, "G6")]
    assert where(unknown) == [("IND_METHOD_UNKNOWN", S, "G6"), ("IND_REASON_MISSING", S, "P6")]


@pytest.mark.parametrize("row,expected", [
    (ind("1", "比率", target="1", actual="1"), []),
    (ind("1", "比率", target=None, actual="1", reason="x"), [("IND_TARGET_INVALID", S, "H6")]),
    (ind("1", "比率", target="0", actual="1", reason="x"), [("IND_TARGET_INVALID", S, "H6")]),
    (ind("1", "比率", target="-1", actual="-1"), [("IND_TARGET_INVALID", S, "H6")]),
    (ind("1", "比率", target="1", actual=None, reason="x"), [("IND_ACTUAL_MISSING", S, "I6")]),
    (ind("1", "比率", target="1", actual="是", reason="x"), [("IND_ACTUAL_NOT_NUMBER", S, "I6")]),
    (ind("1", "区间", actual="1", reason="x"), [("IND_BANDS_MISSING", S, "G6")]),
    (ind("1", "扣分", actual="0", threshold="0", step="1", per_step="1"), []),
    (ind("1", "扣分", actual="0", threshold="0", step=None, per_step="1", reason="x"),
     [("IND_STEP_INVALID", S, "K6")]),
    (ind("1", "扣分", actual="0", threshold="0", step="-1", per_step="1"),
     [("IND_STEP_INVALID", S, "K6")]),
    (ind("1", "扣分", actual="0", threshold="0", step="1", per_step=None),
     [("IND_PER_STEP_INVALID", S, "L6")]),
    (ind("1", "扣分", actual="0", threshold=None, step="1", per_step="1"),
     [("IND_THRESHOLD_BLANK", S, "J6")]),
    (ind("1", "扣分", actual=None, threshold="0", step="1", per_step="1", reason="x"),
     [("IND_ACTUAL_MISSING", S, "I6")]),
    (ind("1", "是否", actual="是"), []),
    (ind("1", "是否", actual="否", reason="未公开"), []),
    (ind("1", "是否", actual=None, reason="x"), [("IND_ACTUAL_MISSING", S, "I6")]),
    (ind("1", "是否", actual="好", reason="x"), [("IND_BOOLEAN_VALUE", S, "I6")]),
    (ind("1", "是否", actual="1", reason="x"), [("IND_BOOLEAN_VALUE", S, "I6")]),
    (ind("1", "人工", manual_score=None, reason="x"), [("IND_MANUAL_MISSING", S, "M6")]),
])
def test_method_inputs(row, expected):
    assert where(row) == expected


def test_reason_required_below_weight():
    found = findings(ind("1", "比率", target="1", actual="0.76"))
    assert [f.where for f in found] == [("IND_REASON_MISSING", S, "P6")]
    assert found[0].message == "指标 1“指标1”得分 76.00，低于分值 100，必须填写扣分原因"
    assert where(ind("1", "比率", target="1", actual="0.76", reason="  ")) == [
        ("IND_REASON_MISSING", S, "P6")]


def test_score_clamped():
    found = findings(ind("1", manual_score="120"))
    assert [f.where for f in found] == [("IND_SCORE_CLAMPED", S, "M6")]
    assert found[0].message == "指标 1“指标1”计算得分 120.00 超过分值 100，按 100 分计"
    assert where(ind("1", manual_score="-3", reason="x")) == [("IND_SCORE_CLAMPED", S, "M6")]
    assert where(ind("1", "扣分", actual="1.5", threshold="0", step="0.01", per_step="1",
                     reason="超标")) == [("IND_SCORE_CLAMPED", S, "O6")]


def test_percent_typed_as_number():
    found = findings(ind("1", "比率", target="1", actual="76", reason="x"))
    assert [f.where for f in found] == [("IND_PERCENT_AS_NUMBER", S, "I6")]
    # 76 scores 100 (capped), 0.76 would score 76: the slip changes the score, an error.
    assert found[0].severity is Severity.ERROR
    assert found[0].message == ("指标 1“指标1”实际值为 76，而目标值 1.00按小数填写；"
                                "百分比应按小数填，如 76% 填 0.76；按 0.76 计得 76.00 分，"
                                "现按 76 计得 100.00 分")
    # The same score either way (both in the open top band): a warning, no score effect.
    same = findings(ind("1", "区间", actual="76", reason="x",
                        bands=(Band(D("0.5"), None, D("100"), Closed.LOWER),)))
    same = [f for f in same if f.code == "IND_PERCENT_AS_NUMBER"]
    assert [f.severity for f in same] == [Severity.WARNING]
    assert same[0].message == ("指标 1“指标1”实际值为 76，而区间上下限按小数填写；"
                               "百分比应按小数填，如 76% 填 0.76")
    assert where(ind("1", "比率", target="100", actual="76", reason="x")) == []
    # a step of 1 is not a percentage table
    assert where(ind("1", "扣分", actual="3", threshold="1", step="1", per_step="1", reason="x")) == []


def bands_ind(*bands, actual="0.15", weight="100", reason="x"):
    return replace(ind("1", "区间", weight=weight, actual=actual, reason=reason), bands=bands)


U, L = Closed.UPPER, Closed.LOWER
ADJ = (Band(None, D(0), D(100), U), Band(D(0), D("0.1"), D(60), U), Band(D("0.1"), D("0.2"), D(30), U),
       Band(D("0.2"), D("0.3"), D(10), U), Band(D("0.3"), None, D(0), U))


def test_default_band_tables_cover_without_overlap():
    assert where(bands_ind(*ADJ)) == []
    seed = datafile.example()
    assert run_checks(Evaluation(indicators=seed.indicators), registry=(indicators.check_bands,)) == []


def test_band_overlap_gap_empty_and_score_range():
    rows = bands_ind(
        Band(None, D("0.1"), D(100), U),          # band 0
        Band(D("0.05"), D("0.2"), D(60), U),      # 1: overlaps band 0
        Band(D("0.5"), D("0.5"), D(10), L),       # 2: empty
        Band(D("0.3"), None, D(120), U),          # 3: leaves (0.2, 0.3] uncovered; score > weight
    )
    found = findings(rows)
    assert [f.where for f in found] == [
        ("IND_BANDS_OVERLAP", S, "W7"), ("IND_BAND_EMPTY", S, "W8"),
        ("IND_BAND_SCORE_RANGE", S, "Y9"), ("IND_BANDS_GAP", S, "W6")]
    assert found[0].message == ("指标 1“指标1”的区间 (0.05,0.20] 与第 1 个区间 (-∞,0.10] 重叠；"
                                "落在重叠部分的值会被重复计分")
    assert found[3].message == "指标 1“指标1”的区间没有覆盖 (0.20,0.30]，实际值落在其中将得 0 分"


@pytest.mark.parametrize("bands,gaps", [
    ((Band(D(0), None, D(1), L),), "(-∞,0.00)"),
    ((Band(D(0), None, D(1), U),), "(-∞,0.00]"),
    ((Band(None, D(1), D(1), L),), "[1.00,+∞)"),
    ((Band(None, D(1), D(1), U),), "(1.00,+∞)"),
    ((Band(None, D(1), D(1), L), Band(D(1), None, D(1), U)), "[1.00,1.00]"),
    ((Band(None, D(1), D(1), U), Band(D(1), None, D(1), U)), None),
    ((Band(None, D(1), D(1), L), Band(D(1), None, D(1), L)), None),
    ((Band(None, D(1), D(1), L), Band(D(2), None, D(1), L)), "[1.00,2.00)"),
    ((Band(D(2), None, D(1), L), Band(None, D(1), D(1), L), Band(D(1), D(2), D(1), U)), "[1.00,1.00]"),
])
def test_gap_detection(bands, gaps):
    found = [f for f in findings(bands_ind(*bands, actual="5")) if f.code == "IND_BANDS_GAP"]
    if gaps is None:
        assert found == []
    else:
        assert [f.message.split("覆盖 ")[1].split("，")[0] for f in found] == [gaps]


def test_closed_ends_touching_overlap():
    # [0,1] shares the point 1 with [1,2): only LOWER/UPPER mixing can make that happen
    rows = bands_ind(Band(D(0), D(1), D(1), U), Band(D(1), D(2), D(1), L),
                     Band(None, D(0), D(1), U), Band(D(2), None, D(1), L), actual="0.5")
    assert [f.where for f in findings(rows)] == [("IND_BANDS_OVERLAP", S, "W7")]


def test_actual_in_no_band():
    rows = bands_ind(Band(D(0), D(1), D(100), U), actual="-1")
    assert where(rows) == [("IND_BANDS_GAP", S, "W6"), ("IND_BANDS_NO_MATCH", S, "I6")]


def test_band_rows_are_counted_indicator_by_indicator():
    first = replace(bands_ind(*ADJ, weight="100"), code="A")
    second = replace(bands_ind(Band(None, D("0.1"), D(50), U), Band(D("0.05"), None, D(1), U),
                               weight="50", actual="0"), code="B", level3="乙")
    ev = Evaluation(indicators=(first, second))
    assert [f.where for f in run_checks(ev, registry=(indicators.check_bands,))] == [
        ("IND_BANDS_OVERLAP", S, "W12")]
