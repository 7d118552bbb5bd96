"""Scoring: the worked examples of DOMAIN.md, band boundaries, clamping, the total, the
grade, the score sentence, and the built-in example's 96 → 优."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfeval_xl import datafile
from selfeval_xl.core import scoring
from selfeval_xl.core.model import DEFAULT_GRADES, Band, Closed, Evaluation, GradeBand, Indicator, Method

D = Decimal


def ind(method, weight="10", **kw) -> Indicator:
    conv = {k: (D(v) if isinstance(v, str) and v not in ("是", "否", "x") else v) for k, v in kw.items()}
    m = Method.from_label(method) if isinstance(method, str) else method
    return Indicator(code="9.9.9", level1="a", level2="b", level3="c",
                     weight=None if weight is None else D(weight), method=m,
                     method_text=method if isinstance(method, str) else "", **conv)


ADJUSTMENT_BANDS = (  # 预算调整率: 0 → 3; ≤10% → 2; ≤20% → 1; ≤30% → 0.5; >30% → 0
    Band(None, D("0"), D("3"), Closed.UPPER),
    Band(D("0"), D("0.1"), D("2"), Closed.UPPER),
    Band(D("0.1"), D("0.2"), D("1"), Closed.UPPER),
    Band(D("0.2"), D("0.3"), D("0.5"), Closed.UPPER),
    Band(D("0.3"), None, D("0"), Closed.UPPER),
)
KEY_SPENDING_BANDS = (  # 重点支出安排率: ≥90% → 5; 80–90% → 4; 70–80% → 3; 60–70% → 2; <60% → 0
    Band(D("0.9"), None, D("5"), Closed.LOWER),
    Band(D("0.8"), D("0.9"), D("4"), Closed.LOWER),
    Band(D("0.7"), D("0.8"), D("3"), Closed.LOWER),
    Band(D("0.6"), D("0.7"), D("2"), Closed.LOWER),
    Band(None, D("0.6"), D("0"), Closed.LOWER),
)


def test_ratio_worked_example_execution_rate_76_percent():
    r = scoring.score_indicator(ind("比率", "10", target="1", actual="0.76"))
    assert r.score == D("7.6")
    assert r.explanation == "实际 0.76 ÷ 目标 1.00 × 分值 10 = 7.60"


def test_ratio_explanation_format_from_the_brief():
    r = scoring.score_indicator(ind("比率", "5", target="1", actual="0.9"))
    assert (r.score, r.explanation) == (D("4.5"), "实际 0.90 ÷ 目标 1.00 × 分值 5 = 4.50")


def test_ratio_is_capped_at_the_weight():
    r = scoring.score_indicator(ind("比率", "5", target="0.9", actual="1"))
    assert r.score == D(5)
    assert r.explanation == "实际 1.00 ÷ 目标 0.90 = 1.11，超过 1 按 1 计，× 分值 5 = 5.00"


@pytest.mark.parametrize("target,actual,why", [
    (None, "0.5", "目标值空白或为 0，无法计算比率，得 0 分"),
    ("0", "0.5", "目标值空白或为 0，无法计算比率，得 0 分"),
    ("1", None, "实际值空白，得 0 分"),
])
def test_ratio_without_inputs_gives_zero_like_the_formula(target, actual, why):
    r = scoring.score_indicator(ind("比率", "10", target=target, actual=actual))
    assert (r.score, r.explanation) == (D(0), why)


def test_ratio_negative_actual_is_clamped_to_zero_and_says_so():
    r = scoring.score_indicator(ind("比率", "10", target="1", actual="-0.2"))
    assert r.score == D(0)
    assert r.explanation == "实际 -0.20 ÷ 目标 1.00 × 分值 10 = -2.00；低于 0，按 0.00 计"


@pytest.mark.parametrize("actual,expected", [
    ("0.15", "1"),     # the worked example
    ("0", "3"),        # exactly 0 → 3 (band (−∞,0])
    ("-0.01", "3"),
    ("0.0001", "2"),
    ("0.1", "2"),      # boundaries belong to the band below: (0,0.1]
    ("0.1001", "1"),
    ("0.2", "1"),
    ("0.3", "0.5"),
    ("0.30001", "0"),
])
def test_bands_budget_adjustment_rate(actual, expected):
    r = scoring.score_indicator(ind("区间", "3", actual=actual, bands=ADJUSTMENT_BANDS))
    assert r.score == D(expected)


def test_bands_explanation():
    r = scoring.score_indicator(ind("区间", "3", actual="0.15", bands=ADJUSTMENT_BANDS))
    assert r.explanation == "实际 0.15 落在区间 (0.10,0.20]，得 1.00"


@pytest.mark.parametrize("actual,expected", [
    ("0.9", "5"), ("0.8999", "4"), ("0.8", "4"), ("0.7999", "3"), ("0.6", "2"),
    ("0.5999", "0"), ("1.2", "5"),
])
def test_bands_key_spending_rate_lower_closed(actual, expected):
    r = scoring.score_indicator(ind("区间", "5", actual=actual, bands=KEY_SPENDING_BANDS))
    assert r.score == D(expected)


def test_bands_at_89_99_percent_gives_4():
    r = scoring.score_indicator(ind("区间", "5", actual="0.8999", bands=KEY_SPENDING_BANDS))
    assert (r.score, r.explanation) == (D(4), "实际 0.8999 落在区间 [0.80,0.90)，得 4.00")


def test_bands_no_match_and_blank_actual():
    bands = (Band(D("0"), D("1"), D("2"), Closed.UPPER),)
    r = scoring.score_indicator(ind("区间", "3", actual="5", bands=bands))
    assert (r.score, r.explanation) == (D(0), "实际 5.00 不在任何区间内，得 0 分")
    r = scoring.score_indicator(ind("区间", "3", actual=None, bands=bands))
    assert (r.score, r.explanation) == (D(0), "实际值空白，得 0 分")


def test_overlapping_bands_add_up_like_sumproduct_then_clamp():
    bands = (Band(D("0"), D("1"), D("2"), Closed.UPPER), Band(D("0.5"), None, D("2"), Closed.UPPER))
    r = scoring.score_indicator(ind("区间", "3", actual="0.7", bands=bands))
    assert r.score == D(3)
    assert r.explanation == ("实际 0.70 同时落在 2 个区间 (0.00,1.00]、(0.50,+∞)，按工作簿公式得分相加 = "
                             "4.00（区间重叠，应修正区间表）；超过分值 3，按 3.00 计")


def test_band_score_above_weight_is_clamped():
    bands = (Band(None, None, D("9"), Closed.LOWER),)
    r = scoring.score_indicator(ind("区间", "3", actual="1", bands=bands))
    assert r.score == D(3)
    assert r.explanation.endswith("；超过分值 3，按 3.00 计")


def dedu(actual, weight="6", threshold="1", step="0.01", per_step="1"):
    return ind("扣分", weight, actual=actual, threshold=threshold, step=step, per_step=per_step)


# Quotients with more than two decimals, each score worked out by hand (not by the code):
# the score is rounded to 2 decimals half away from zero, then the rows are added.
HAND_COMPUTED = [
    (ind("比率", "10", target="3", actual="2"), D("6.67")),     # 10 × 2/3 = 6.666…
    (ind("比率", "5", target="1", actual="0.9457"), D("4.73")),  # 5 × 0.9457 = 4.7285
    (ind("比率", "5", target="1", actual="0.29096"), D("1.45")),  # 5 × 0.29096 = 1.4548
    (ind("比率", "4", target="3", actual="1"), D("1.33")),      # 4/3 = 1.333…
    (dedu("1", weight="5", threshold="0", step="3", per_step="1"), D("4.67")),  # 5 − 1/3
    (ind("比率", "1", target="3", actual="1"), D("0.33")),      # 1/3 = 0.333…
    (ind("比率", "1", target="3", actual="1"), D("0.33")),
    (ind("比率", "1", target="3", actual="1"), D("0.33")),
]


def test_hand_computed_scores_of_quotients_with_many_decimals():
    assert [scoring.score_indicator(c).score for c, _ in HAND_COMPUTED] == [
        want for _, want in HAND_COMPUTED]
    card = scoring.score(Evaluation(indicators=tuple(
        replace(c, code=f"H{n}") for n, (c, _) in enumerate(HAND_COMPUTED))))
    # 6.67 + 4.73 + 1.45 + 1.33 + 4.67 + 3 × 0.33 = 19.84: the sum of the printed scores.
    # (Rounding only the exact total would give 19.85, which the table would not add up to.)
    assert card.total == D("19.84")
    assert scoring.fmt_score(card.total) == "19.84"


def test_deduction_three_public_expenses_103_percent():
    r = scoring.score_indicator(dedu("1.03"))
    assert r.score == D(3)
    assert r.explanation == ("实际 1.03 超过扣分起点 1.00 共 0.03，每 0.01 扣 1 分，扣 3.00 分："
                             "6 − 3.00 = 3.00")


def test_deduction_floored_at_zero_at_130_percent():
    r = scoring.score_indicator(dedu("1.3"))
    assert r.score == D(0)
    assert r.explanation.endswith("6 − 30.00 = -24.00；低于 0，按 0.00 计")


@pytest.mark.parametrize("actual,expected", [("1", "6"), ("0.9", "6"), ("1.005", "5.5"),
                                             ("1.06", "0")])
def test_deduction_values(actual, expected):
    assert scoring.score_indicator(dedu(actual)).score == D(expected)


def test_deduction_per_violation():
    r = scoring.score_indicator(dedu("2", weight="3", threshold="0", step="1", per_step="1"))
    assert r.score == D(1)


@pytest.mark.parametrize("kw,why", [
    (dict(step=None), "扣分步长空白或为 0，得 0 分"),
    (dict(step="0"), "扣分步长空白或为 0，得 0 分"),
])
def test_deduction_without_step_gives_zero_like_the_formula(kw, why):
    r = scoring.score_indicator(dedu("1.03", **kw))
    assert (r.score, r.explanation) == (D(0), why)


def test_deduction_blank_threshold_and_per_step_count_as_zero():
    assert scoring.score_indicator(dedu("0.02", threshold=None)).score == D(4)
    assert scoring.score_indicator(dedu("1.5", per_step=None)).score == D(6)


@pytest.mark.parametrize("actual,expected,why", [
    ("是", "3", "实际为“是”，得满分 3.00"),
    ("否", "0", "实际为“否”，得 0 分"),
    (None, "0", "实际值空白，得 0 分"),
    ("1", "0", "实际值“1.00”不是“是”，得 0 分"),
])
def test_boolean(actual, expected, why):
    r = scoring.score_indicator(ind("是否", "3", actual=actual))
    assert (r.score, r.explanation) == (D(expected), why)


def test_manual_and_its_clamp():
    assert scoring.score_indicator(ind("人工", "5", manual_score="4.5")) == scoring.IndicatorScore(
        "9.9.9", D("4.5"), "人工评分 4.50")
    r = scoring.score_indicator(ind("人工", "5", manual_score="6"))
    assert (r.score, r.explanation) == (D(5), "人工评分 6.00；超过分值 5，按 5.00 计")
    r = scoring.score_indicator(ind("人工", "5", manual_score=None))
    assert (r.score, r.explanation) == (D(0), "人工得分空白，得 0 分")


def test_text_actual_counts_as_zero_like_excel_n():
    r = scoring.score_indicator(ind("比率", "10", target="1", actual="是"))
    assert (r.score, r.explanation) == (D(0), "实际值“是”不是数字，按 0 计；实际 0.00 ÷ 目标 1.00 × 分值 10 = 0.00")


def test_unscored_and_unknown_rows():
    assert scoring.score_indicator(ind("比率", None, target="1", actual="1")) == scoring.IndicatorScore(
        "9.9.9", None, "分值或评分方法空白，不计分")
    blank = replace(ind("比率", "10"), method=None, method_text="")
    assert scoring.score_indicator(blank).score is None
    unknown = replace(ind("比率", "10"), method=None, method_text="打分")
    assert scoring.score_indicator(unknown) == scoring.IndicatorScore(
        "9.9.9", D(0), "评分方法“打分”无法识别，得 0 分")


def test_negative_weight_scores_zero():
    assert scoring.score_indicator(ind("人工", "-5", manual_score="3")).score == D(0)


# --- the total ---------------------------------------------------------------------------

def test_built_in_example_scores_96_excellent():
    ev = datafile.example()
    card = scoring.score(ev)
    assert (card.total, card.grade, card.weight_total) == (D("96.00"), "优", D(100))
    assert [r.code for r in card.rows] == [i.code for i in ev.indicators]
    below = {r.code: r.score for r in card.rows if r.score != next(
        i.weight for i in ev.indicators if i.code == r.code)}
    assert below == {"2.1.2": D("4.5"), "2.1.3": D("3.5"), "3.1.2": D(4), "3.2.2": D(4)}
    assert scoring.score_sentence(card, ev) == "较好地完成设定绩效目标，自评96分。"


def test_total_rounds_half_up_to_cents_and_skips_unscored_rows():
    rows = (ind("人工", "50", manual_score="33.335"), ind("人工", "50", manual_score="20"),
            ind("人工", None, manual_score="20"))
    card = scoring.score(Evaluation(indicators=rows))
    assert (card.total, card.weight_total, card.grade) == (D("53.34"), D(100), "差")


def test_total_of_nothing_is_zero_and_last_grade():
    card = scoring.score(Evaluation())
    assert (card.total, card.grade, card.rows) == (D("0.00"), "差", ())


@pytest.mark.parametrize("score,grade", [
    ("100", "优"), ("90", "优"), ("89.99", "良"), ("80", "良"), ("79.99", "中"), ("60", "中"),
    ("59.99", "差"), ("0", "差"), ("-1", "差"),
])
def test_grade_of_default_bands(score, grade):
    assert scoring.grade_of(D(score), DEFAULT_GRADES) == grade


def test_grade_of_uses_the_editable_table():
    grades = (GradeBand("优", D(95), "x"), GradeBand("良", D(85), "y"), GradeBand("中", D(70), "z"),
              GradeBand("差", D(0), "w"))
    assert [scoring.grade_of(D(s), grades) for s in ("96", "94", "84", "69")] == ["优", "良", "中", "差"]
    assert scoring.grade_of(D(50), ()) == ""


@pytest.mark.parametrize("manual,sentence", [
    ("95.5", "较好地完成设定绩效目标，自评95.5分。"),
    ("95.25", "较好地完成设定绩效目标，自评95.25分。"),
    ("85", "基本完成设定绩效目标，自评85分。"),
    ("70", "部分完成设定绩效目标，自评70分。"),
    ("12.3", "未能完成设定绩效目标，自评12.3分。"),
])
def test_score_sentence_per_grade(manual, sentence):
    ev = Evaluation(indicators=(ind("人工", "100", manual_score=manual),))
    assert scoring.score_sentence(scoring.score(ev), ev) == sentence


def test_score_sentence_without_wording():
    grades = tuple(replace(g, wording="") for g in DEFAULT_GRADES)
    ev = Evaluation(indicators=(ind("人工", "100", manual_score="96"),), grades=grades)
    assert scoring.score_sentence(scoring.score(ev), ev) == "自评96分。"


# --- properties --------------------------------------------------------------------------

decimals_ = st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False,
                        allow_infinity=False)
maybe = lambda s: st.none() | s  # noqa: E731
bands_ = st.lists(st.builds(Band, maybe(decimals_), maybe(decimals_), decimals_,
                            st.sampled_from(list(Closed))), max_size=5).map(tuple)


@settings(max_examples=60, deadline=None)
@given(weight=maybe(decimals_), method=st.sampled_from(list(Method) + [None]),
       target=maybe(decimals_), actual=maybe(decimals_ | st.sampled_from(["是", "否", "x"])),
       threshold=maybe(decimals_), step=maybe(decimals_), per_step=maybe(decimals_),
       manual=maybe(decimals_), bands=bands_)
def test_every_score_is_within_zero_and_weight(weight, method, target, actual, threshold, step,
                                               per_step, manual, bands):
    i = Indicator("1", "a", "b", "c", weight, method, method.value if method else "?",
                  target, actual, threshold, step, per_step, manual, bands=bands)
    r = scoring.score_indicator(i)
    assert r.explanation
    if weight is None:
        assert r.score is None
    else:
        assert D(0) <= r.score <= max(weight, D(0))


# --- the native formula: LibreOffice computes INDICATOR_SCORE_FORMULA, Python must agree ---

def _formula_cases() -> list[Indicator]:
    """Hand-picked edge cases plus seeded random rows, one unique code each."""
    import random

    ex = datafile.example().indicators
    cases: list[Indicator] = list(ex)  # the example's 24 rows: 96 in both
    cases += [
        ind("比率", "10", target="1", actual="0.76"),
        ind("比率", "10", target="0", actual="0.76"),
        ind("比率", "10", target=None, actual="0.76"),
        ind("比率", "10", target="1", actual=None),
        ind("比率", "10", target="1", actual="是"),
        ind("比率", "10", target="-1", actual="-0.5"),
        ind("比率", "10", target="1", actual="-0.5"),
        ind("区间", "3", actual="0.15", bands=ADJUSTMENT_BANDS),
        ind("区间", "3", actual="0.1", bands=ADJUSTMENT_BANDS),
        ind("区间", "3", actual="0", bands=ADJUSTMENT_BANDS),
        ind("区间", "3", actual="0.3", bands=ADJUSTMENT_BANDS),
        ind("区间", "5", actual="0.9", bands=KEY_SPENDING_BANDS),
        ind("区间", "5", actual="0.8999", bands=KEY_SPENDING_BANDS),
        ind("区间", "5", actual=None, bands=KEY_SPENDING_BANDS),
        ind("区间", "5", actual="否", bands=KEY_SPENDING_BANDS),
        ind("区间", "5", actual="0.5", bands=()),
        ind("区间", "3", actual="0.7", bands=(Band(D("0"), D("1"), D("2"), Closed.UPPER),
                                            Band(D("0.5"), None, D("2"), Closed.UPPER))),
        ind("区间", "3", actual="1", bands=(Band(None, None, D("-2"), Closed.LOWER),)),
        dedu("1.03"), dedu("1.3"), dedu("1"), dedu("1.005"), dedu(None), dedu("1.03", step=None),
        dedu("1.03", step="0"), dedu("1.03", step="-0.01"), dedu("0.02", threshold=None),
        dedu("1.5", per_step=None), dedu("2", weight="3", threshold="0", step="1"),
        dedu("x"),
        ind("是否", "3", actual="是"), ind("是否", "3", actual="否"), ind("是否", "3", actual=None),
        ind("是否", "3", actual="1"),
        ind("人工", "5", manual_score="4.5"), ind("人工", "5", manual_score="6"),
        ind("人工", "5", manual_score="-1"), ind("人工", "5", manual_score=None),
        ind("人工", "-5", manual_score="3"), ind("人工", "0", manual_score="3"),
        ind("人工", None, manual_score="3"),
        replace(ind("比率", "10", target="1", actual="1"), method=None, method_text="打分"),
        replace(ind("比率", "10", target="1", actual="1"), method=None, method_text=""),
        *(c for c, _ in HAND_COMPUTED),
    ]
    rnd = random.Random(2022)
    pick = lambda *xs: rnd.choice(xs)  # noqa: E731
    num = lambda: D(rnd.randint(-200, 1500)) / D(1000)  # noqa: E731
    for _ in range(60):
        method = rnd.choice(list(Method))
        bands = tuple(Band(pick(None, num()), pick(None, num()), D(rnd.randint(-1, 12)),
                           pick(*Closed)) for _ in range(rnd.randint(0, 4)))
        cases.append(Indicator(
            "", "x", "y", "z", pick(None, D(rnd.randint(-2, 15))), method, method.value,
            target=pick(None, num(), D(0)), actual=pick(None, num(), num(), "是", "否"),
            threshold=pick(None, num()), step=pick(None, D("0.01"), D("0.1"), D(1), D(0), num()),
            per_step=pick(None, D(1), D("0.5"), num()), manual_score=pick(None, num() * 10),
            bands=bands))
    return [replace(c, code=f"T{n:03d}") for n, c in enumerate(cases)]


def _formula_workbook(path, cases: list[Indicator]) -> None:
    """Only the parts the formulas read: tbl_indicators, tbl_bands, self_score, tbl_grades."""
    import xlsxwriter

    from selfeval_xl import layout
    from selfeval_xl.a1 import col_index, split_ref
    from selfeval_xl.build.builder_sheets import expand_this_row
    from selfeval_xl.datafile import indicator_to_dict

    wb = xlsxwriter.Workbook(str(path))
    sheets = {s: wb.add_worksheet(s) for s in (layout.SHEET_INDICATORS, layout.SHEET_CONCLUSION)}

    def add(name: str, rows: list[list]) -> None:
        t = layout.table(name)
        col, row = split_ref(t.anchor)
        c0, r0 = col_index(col) - 1, row - 1
        # the formula exactly as the builder writes it ([@列] fully qualified)
        columns = [{"header": c.header,
                    **({"formula": expand_this_row(c.formula, t.name)} if c.formula else {})}
                   for c in t.columns]
        sheets[t.sheet].add_table(r0, c0, r0 + max(1, len(rows)), c0 + len(columns) - 1,
                                  {"name": t.name, "columns": columns, "data": rows or None})

    num = lambda v: None if v is None else float(v)  # noqa: E731
    ind_rows, band_rows = [], []
    for c in cases:
        d = indicator_to_dict(c)
        actual = c.actual if isinstance(c.actual, str) else num(c.actual)
        ind_rows.append([c.code, c.level1, c.level2, c.level3, num(c.weight), d["method"] or None,
                         num(c.target), actual, num(c.threshold), num(c.step), num(c.per_step),
                         num(c.manual_score), "", None, "", None, None])
        band_rows += [[c.code, b.closed.value, num(b.lower), num(b.upper), num(b.score)]
                      for b in c.bands]
    add("tbl_indicators", ind_rows)
    add("tbl_bands", band_rows)
    add("tbl_grades", [[g.grade, float(g.min_score), g.wording] for g in DEFAULT_GRADES])
    for name in ("self_score", "self_grade"):
        out = layout.OUTPUTS_BY_NAME[name]
        sheets[out.sheet].write_formula(out.cell, out.formula)
        wb.define_name(name, f"='{out.sheet}'!${split_ref(out.cell)[0]}${split_ref(out.cell)[1]}")
    wb.close()


@pytest.mark.libreoffice
def test_python_equals_the_native_formula_row_for_row(tmp_path):
    import os

    from selfeval_xl import layout
    from selfeval_xl.render import libreoffice
    from selfeval_xl.a1 import col_index, col_letter, split_ref

    if libreoffice.find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI but was not found")
        pytest.skip("LibreOffice is not installed on this machine")
    cases = _formula_cases()
    book = tmp_path / "formula.xlsx"
    _formula_workbook(book, cases)
    values = libreoffice.recalculated_values(book)[layout.SHEET_INDICATORS]

    t = layout.table("tbl_indicators")
    col, header_row = split_ref(t.anchor)
    score_col = col_letter(col_index(col) + [c.key for c in t.columns].index("score"))
    mismatches = []
    for n, case in enumerate(cases):
        native = values.get(f"{score_col}{header_row + 1 + n}")
        py = scoring.score_indicator(case).score
        if py is None:
            ok = native in (None, "")
        else:
            ok = isinstance(native, (int, float)) and abs(D(repr(native)) - py) < D("1e-9")
        if not ok:
            mismatches.append((case.code, native, py, scoring.score_indicator(case).explanation))
    assert mismatches == []
    card = scoring.score(Evaluation(indicators=tuple(cases)))
    total = layout.OUTPUTS_BY_NAME["self_score"]
    grade = layout.OUTPUTS_BY_NAME["self_grade"]
    assert D(repr(values[total.cell])).quantize(D("0.01")) == card.total
    assert values[grade.cell] == card.grade
