"""LibreOffice, the real office suite, opens the built workbooks and recalculates them: the
native formulas hold the expected values (the truth test of layout.py's formulas)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from selfeval_xl import datafile, layout
from selfeval_xl.build import builder
from selfeval_xl.render import libreoffice
from selfeval_xl.core import scoring
from selfeval_xl.core.model import (Band, Closed, Evaluation, Indicator, Method,
                                     OutputIndicator)

pytestmark = pytest.mark.libreoffice

# The example's indicator scores, worked out by hand from its rules (they total 96, the
# seed report's own score).
EXAMPLE_SCORES = {
    "1.1.1": 3, "1.1.2": 3,  # 人工, full marks
    "1.2.1": 3,  # 扣分: 0.95 does not exceed the threshold 1
    "1.2.2": 3,  # 扣分: −0.05 does not exceed 0 (a negative actual is allowed)
    "1.2.3": 5,  # 区间: 0.92 in [0.9, +∞)
    "1.3.1": 3,  # 区间: 0 in (−∞, 0]
    "2.1.1": 10,  # 比率 1 ÷ 1
    "2.1.2": 4.5,  # 比率: 5 × 0.9 ÷ 1
    "2.1.3": 3.5,  # 扣分: 5 − 1 × (0.015 − 0) ÷ 0.01
    "2.1.4": 3, "2.1.5": 6,  # 扣分: below the threshold
    "2.1.6": 3,  # 比率 1 ÷ 1
    "2.2.1": 3,  # 人工
    "2.2.2": 3,  # 扣分: 0 violations
    "2.2.3": 3,  # 是否: 是
    "2.2.4": 3, "2.3.1": 2,  # 人工
    "2.3.2": 2,  # 是否: 是
    "2.3.3": 2, "3.1.1": 10,  # 比率 1 ÷ 1
    "3.1.2": 4,  # 人工 4 of 5
    "3.2.1": 5,  # 人工
    "3.2.2": 4,  # 人工 4 of 5
    "3.2.3": 5,  # 比率 1 ÷ 0.9, capped at 1
}


def _value(values, name):
    sheet, cell = layout.defined_names()[name]
    return values[sheet].get(cell)


def _column(values, table_name: str, key: str, n: int) -> list:
    t = layout.table(table_name)
    row, col = xl_cell_to_rowcol(t.anchor)
    offset = [c.key for c in t.columns].index(key)
    return [values[t.sheet].get(xl_rowcol_to_cell(row + 1 + i, col + offset)) for i in range(n)]


@pytest.fixture(scope="module")
def example_values(built_example, soffice):
    return libreoffice.recalculated_values(built_example)


def test_example_expenditure_checks(example_values):
    assert _value(example_values, "exp_total") == 921.52
    assert _value(example_values, "exp_parts_sum") == pytest.approx(1011.58, abs=1e-9)
    # 部门整体支出 − (基本支出 + 项目支出) = 921.52 − 1011.58: the seed's own inconsistency
    assert _value(example_values, "exp_parts_diff") == -90.06
    assert _value(example_values, "exp_sources_sum") == 921.52
    assert _value(example_values, "exp_sources_diff") == 0
    assert _value(example_values, "exp_basic_sum") == pytest.approx(390.73, abs=1e-9)
    assert _value(example_values, "exp_basic_diff") == 0
    # budget_total is blank in the seed: no execution rate rather than a division by 0
    assert _value(example_values, "exec_rate") in (None, "")


def test_example_scores_total_96_grade_you(example_values):
    ev = datafile.example()
    n = len(ev.indicators)
    codes = _column(example_values, "tbl_indicators", "code", n)
    scores = _column(example_values, "tbl_indicators", "score", n)
    assert dict(zip(codes, scores)) == pytest.approx(EXAMPLE_SCORES, abs=1e-9)
    assert _value(example_values, "weight_total") == 100
    assert _value(example_values, "self_score") == 96
    assert _value(example_values, "self_grade") == "优"
    spare = layout.table("tbl_indicators").min_rows - n
    assert _column(example_values, "tbl_indicators", "score", n + spare)[n:] == [None] * spare


def test_blank_template_recalculates(built_template, soffice):
    values = libreoffice.recalculated_values(built_template)
    assert _value(values, "weight_total") == 100
    assert _value(values, "self_score") == 0
    assert _value(values, "self_grade") == "差"
    for name in ("exp_sources_diff", "exp_parts_diff", "exp_basic_diff"):
        assert _value(values, name) == 0, name


def _d(text):
    return None if text is None else Decimal(text)


def _ind(code, method, weight="10", **kw) -> Indicator:
    values = {k: (_d(v) if k != "actual" or v not in ("是", "否") else v) for k, v in kw.items()
              if k != "bands"}
    return Indicator(code=code, level1="L1", level2="L2", level3=code, weight=_d(weight),
                     method=Method(method) if method else None, method_text=method or "",
                     bands=kw.get("bands", ()), **values)


UPPER_BANDS = (Band(None, Decimal("0"), Decimal("3"), Closed.UPPER),
               Band(Decimal("0"), Decimal("0.1"), Decimal("2"), Closed.UPPER),
               Band(Decimal("0.1"), Decimal("0.3"), Decimal("1"), Closed.UPPER),
               Band(Decimal("0.3"), None, Decimal("0"), Closed.UPPER))
LOWER_BANDS = (Band(Decimal("0.9"), None, Decimal("5"), Closed.LOWER),
               Band(Decimal("0.8"), Decimal("0.9"), Decimal("4"), Closed.LOWER),
               Band(None, Decimal("0.8"), Decimal("0"), Closed.LOWER))

# Boundary cases of every method; the formula must agree with core.scoring on each.
EDGE_CASES = (
    _ind("r1", "比率", target="1", actual="1.2"),  # capped at the weight
    _ind("r2", "比率", target="0.9", actual="0.45"),
    _ind("r3", "比率", target="0", actual="1"),  # no target → 0
    _ind("r4", "比率", target="1"),  # blank actual → 0
    _ind("b1", "区间", "3", actual="0", bands=UPPER_BANDS),  # (−∞,0] closed at 0
    _ind("b2", "区间", "3", actual="0.1", bands=UPPER_BANDS),  # (0,0.1] closed at 0.1
    _ind("b3", "区间", "3", actual="0.3", bands=UPPER_BANDS),
    _ind("b4", "区间", "3", actual="0.31", bands=UPPER_BANDS),
    _ind("b5", "区间", "5", actual="0.9", bands=LOWER_BANDS),  # [0.9,∞) closed at 0.9
    _ind("b6", "区间", "5", actual="0.8999", bands=LOWER_BANDS),
    _ind("b7", "区间", "5", actual="0.5", bands=LOWER_BANDS),
    _ind("b8", "区间", "5", bands=LOWER_BANDS),  # blank actual → 0
    _ind("d1", "扣分", "6", actual="1.03", threshold="1", step="0.01", per_step="1"),
    _ind("d2", "扣分", "6", actual="1.5", threshold="1", step="0.01", per_step="1"),  # floor 0
    _ind("d3", "扣分", "3", actual="2", threshold="0", step="1", per_step="1"),
    _ind("d4", "扣分", "3", actual="-0.2", threshold="0", step="0.01", per_step="1"),
    _ind("y1", "是否", "3", actual="是"),
    _ind("y2", "是否", "3", actual="否"),
    _ind("m1", "人工", "5", manual_score="7"),  # capped at the weight
    _ind("m2", "人工", "5", manual_score="2.5"),
    _ind("m3", "人工", "5"),  # blank → 0
    _ind("n1", None, "5", manual_score="5"),  # no method: not scored
)


OUTPUTS = (OutputIndicator("产出", "受理业务", "宗", Decimal("12000"), Decimal("13453")),
           OutputIndicator("效益", "满意率", "%", Decimal("100"), Decimal("95")),
           OutputIndicator("产出", "进驻部门", "个", None, Decimal("32")),  # no target
           OutputIndicator("产出", "办件", "件", Decimal("0"), Decimal("5")))  # target 0


def test_formula_agrees_with_python_scorer_on_edge_cases(tmp_path, soffice):
    ev = Evaluation(indicators=EDGE_CASES, outputs=OUTPUTS)
    path = tmp_path / "edges.xlsm"
    builder.build_workbook(path, ev)
    values = libreoffice.recalculated_values(path)
    got = _column(values, "tbl_indicators", "score", len(EDGE_CASES))
    for ind, value in zip(EDGE_CASES, got):
        want = scoring.score_indicator(ind).score
        if want is None:
            assert value in (None, ""), ind.code
        else:
            assert value == pytest.approx(float(want), abs=1e-9), ind.code
    expected_total = scoring.score(ev).total
    assert _value(values, "self_score") == pytest.approx(float(expected_total), abs=1e-9)
    # 完成率 of the output indicators: actual ÷ target, blank without a usable target
    completion = _column(values, "tbl_outputs", "completion", len(OUTPUTS))
    assert completion[:2] == pytest.approx([13453 / 12000, 0.95], abs=1e-12)
    assert completion[2:] == [None, None]


def test_grade_follows_the_grade_table(tmp_path, soffice):
    # 85 is 良 with the default bounds; raising 良's bound to 86 in tbl_grades makes it 中.
    ev = Evaluation(indicators=(_ind("a", "人工", "100", manual_score="85"),))
    grades = tuple(dataclasses.replace(g, min_score=Decimal(86)) if g.grade == "良" else g
                   for g in ev.grades)
    paths = {"default": tmp_path / "g1.xlsm", "edited": tmp_path / "g2.xlsm"}
    builder.build_workbook(paths["default"], ev)
    builder.build_workbook(paths["edited"], dataclasses.replace(ev, grades=grades))
    assert _value(libreoffice.recalculated_values(paths["default"]), "self_grade") == "良"
    assert _value(libreoffice.recalculated_values(paths["edited"]), "self_grade") == "中"


# --- the adapter itself ------------------------------------------------------------------

def test_convert_recalculates_a_plain_formula(tmp_path, soffice):
    src = tmp_path / "plain.xlsx"
    book = xlsxwriter.Workbook(str(src))
    ws = book.add_worksheet("数据")
    ws.write_number(0, 0, 2)
    ws.write_formula(0, 1, "=A1*21")  # XlsxWriter stores 0 as the cached result
    book.close()
    assert libreoffice.recalculated_values(src) == {"数据": {"A1": 2, "B1": 42}}


def test_convert_to_pdf(tmp_path, built_example, soffice):
    out = libreoffice.convert(built_example, "pdf", tmp_path / "pdf")
    assert out == tmp_path / "pdf" / "example.pdf"
    assert out.read_bytes().startswith(b"%PDF")


def test_missing_soffice_is_a_chinese_error(tmp_path, monkeypatch):
    monkeypatch.setenv(libreoffice.SOFFICE_ENV, str(tmp_path / "no-such-soffice"))
    assert libreoffice.find_soffice() is None
    src = tmp_path / "a.xlsx"
    src.write_bytes(b"x")
    with pytest.raises(libreoffice.LibreOfficeNotFound, match="未找到 LibreOffice"):
        libreoffice.convert(src, "pdf", tmp_path)


def test_missing_source_is_an_error(tmp_path, soffice):
    with pytest.raises(libreoffice.LibreOfficeError, match="不存在"):
        libreoffice.convert(tmp_path / "absent.xlsx", "pdf", tmp_path)


def test_timeout_kills_soffice(tmp_path, soffice):
    with pytest.raises(libreoffice.LibreOfficeError, match="超时"):
        libreoffice.convert(_big_sheet(tmp_path), "pdf", tmp_path / "out", timeout=0.01)


def _big_sheet(tmp_path):
    src = tmp_path / "big.xlsx"
    book = xlsxwriter.Workbook(str(src))
    ws = book.add_worksheet()
    for r in range(200):
        ws.write_formula(r, 0, f"=ROW()*{r}")
    book.close()
    return src


# What an office suite without Python shows: Excel's error values and LibreOffice's "Err:5xx".
ERROR_VALUES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "Err:")


def _error_cells(values) -> list[tuple[str, str, object]]:
    return sorted((sheet, cell, v) for sheet, cells in values.items() for cell, v in cells.items()
                  if isinstance(v, str) and v.startswith(ERROR_VALUES))


def test_the_reported_example_reads_without_python(tmp_path, soffice):
    """The workbook as the finance bureau receives it (report written in): LibreOffice
    recalculates it, no cell anywhere shows an error, and every total, the score, the grade
    and the report itself are visible as values."""
    from selfeval_xl.cli.report import produce

    run = produce(example=True, out_dir=tmp_path, formats=("sheet",))
    assert "sheet" in run.outputs, run.skipped
    values = libreoffice.recalculated_values(run.source)
    assert _error_cells(values) == []
    blank = [o.name for o in layout.OUTPUTS if o.formula and _value(values, o.name) in (None, "")]
    assert blank == ["exec_rate"]  # the seed states no budget: no rate, rather than #DIV/0!
    assert (_value(values, "self_score"), _value(values, "self_grade")) == (96, "优")
    assert _value(values, "py_self_score") == 96  # Python's total, written by report
    report = [str(v) for v in values[layout.SHEET_REPORT].values()]
    assert "部门整体绩效自评报告" in report
    assert "较好地完成设定绩效目标，自评96分。" in report
    assert any(t.startswith("2.基本支出390.73万元") for t in report)
