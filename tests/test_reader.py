"""The reader on real built workbooks: round trip, moved cells, officer input parsing."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from selfeval_xl import datafile, layout
from selfeval_xl.read import reader
from selfeval_xl.a1 import split_ref
from selfeval_xl.core.findings import Severity
from selfeval_xl.core.model import DEFAULT_GRADES, Method
import reader_fixtures as fx


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("books")
    return {"example": fx.built(d / "example.xlsm", datafile.example()),
            "template": fx.built(d / "template.xlsm")}


@pytest.fixture
def example(books, tmp_path) -> Path:
    """A private copy of the built example, to damage."""
    return fx.copy(books["example"], tmp_path / "copy.xlsm")


def where(findings) -> list[tuple[str, str, str]]:
    return [f.where for f in findings]


def data_row(table: str, index: int) -> int:
    """Worksheet row of the index-th data row of a table as the builder lays it out."""
    return split_ref(layout.table(table).anchor)[1] + 1 + index


def column_cell(table: str, key: str, index: int) -> tuple[str, str]:
    t = layout.table(table)
    first_col, _ = split_ref(t.anchor)
    from selfeval_xl.a1 import col_index, col_letter

    col = col_letter(col_index(first_col) + [c.key for c in t.columns].index(key))
    return t.sheet, f"{col}{data_row(table, index)}"


# --- round trip ----------------------------------------------------------------------------

def test_example_reads_back_exactly(books):
    from selfeval_xl.core.fingerprint import fingerprint

    result = reader.read(books["example"])
    assert result.findings == []
    assert result.evaluation == datafile.example()
    assert result.meta["readable"] is True
    # not only equal: spelled the same (3 not 3.0), so the data fingerprint is the same
    assert fingerprint(result.evaluation) == fingerprint(datafile.example())


def test_template_reads_blank_with_the_default_framework(books):
    result = reader.read(books["template"])
    assert result.findings == []
    ev = result.evaluation
    assert ev.basics.dept_name == "" and ev.basics.fill_date is None
    assert ev.expenditure.exp_total is None
    assert ev.tasks == () and ev.goals == () and ev.outputs == () and ev.conclusions == ()
    assert ev.indicators == datafile.default_framework()
    assert ev.grades == DEFAULT_GRADES


def test_locator_records_where_each_item_was(books):
    result = reader.read(books["example"])
    ev, loc = result.evaluation, result.locator
    for f in layout.FIELDS:
        assert loc.field(f.name).sheet == f.sheet and loc.field(f.name).cell == f.cell
    assert loc.table_rows["tbl_tasks"] == [data_row("tbl_tasks", i) for i in range(len(ev.tasks))]
    n_points = sum(len(t.points) for t in ev.tasks)
    assert loc.table_rows["tbl_task_points"] == [data_row("tbl_task_points", i) for i in range(n_points)]
    assert loc.table_rows["tbl_indicators"] == [data_row("tbl_indicators", i)
                                                for i in range(len(ev.indicators))]
    sheet, cell = column_cell("tbl_indicators", "actual", 3)
    assert loc.cell("tbl_indicators", 3, "actual").cell == cell


def test_freshly_built_formula_results_are_not_trusted(books):
    """XlsxWriter stores 0 as every formula's result: the reader must not report 0 as a score."""
    meta = reader.read(books["example"]).meta
    formulas = [o.name for o in layout.OUTPUTS if o.formula]
    assert meta["calc_stale"] is True
    assert meta["uncached"] == formulas
    assert all(meta[name] is None for name in formulas)
    assert set(meta["indicator_cached_scores"].values()) == {None}
    assert meta["template_version"] not in (None, "")


def test_reading_never_modifies_the_file(example):
    before = (example.read_bytes(), os.stat(example).st_mtime_ns)
    reader.read(example)
    reader.load(example)
    assert (example.read_bytes(), os.stat(example).st_mtime_ns) == before


def test_file_meta(example):
    import hashlib

    meta = reader.read(example).meta
    assert meta["sha256"] == hashlib.sha256(example.read_bytes()).hexdigest()
    assert meta["size"] == example.stat().st_size


def test_load_is_read_in_short(books):
    ev, findings = reader.load(books["example"])
    assert ev == datafile.example() and findings == []


# --- the officer moved things ----------------------------------------------------------------

def test_inserted_rows_move_names_and_tables(example, tmp_path):
    def change(wb):
        fx.insert_rows(wb, layout.SHEET_BASICS, 2, 3)
        fx.insert_rows(wb, layout.SHEET_GOALS, 3, 2)
        fx.insert_rows(wb, layout.SHEET_INDICATORS, 4, 1)

    moved = fx.with_openpyxl(example, tmp_path / "moved.xlsm", change)
    result = reader.read(moved)
    assert result.findings == []
    assert result.evaluation == datafile.example()
    col, row = split_ref(layout.field("dept_name").cell)
    assert result.locator.field("dept_name").cell == f"{col}{row + 3}"
    assert result.locator.table_rows["tbl_tasks"][0] == data_row("tbl_tasks", 0) + 2
    assert result.locator.table_rows["tbl_bands"][0] == data_row("tbl_bands", 0) + 1


def test_sheet_renamed_as_excel_does_it(example, tmp_path):
    """Excel rewrites the names when a sheet is renamed: reading still works."""
    def change(wb):
        wb[layout.SHEET_EXPENDITURE].title = "支出"
        for dn in wb.defined_names.values():
            dn.attr_text = dn.attr_text.replace(f"{layout.SHEET_EXPENDITURE}!", "支出!")

    renamed = fx.with_openpyxl(example, tmp_path / "renamed.xlsm", change)
    result = reader.read(renamed)
    assert result.findings == []
    assert result.evaluation == datafile.example()
    assert result.locator.field("exp_total").sheet == "支出"


def test_extra_table_column_is_ignored(example, tmp_path):
    def change(wb):
        ws = wb[layout.SHEET_GOALS]
        t = ws.tables["tbl_goals"]
        from openpyxl.utils.cell import range_boundaries
        from openpyxl.worksheet.table import TableColumn

        min_col, min_row, max_col, max_row = range_boundaries(t.ref)
        # the goals table is followed by an empty column: widen it by one, as Excel would
        ws.cell(min_row, max_col + 1).value = "负责科室"
        ws.cell(min_row + 1, max_col + 1).value = "办公室"
        t.tableColumns.append(TableColumn(id=len(t.tableColumns) + 1, name="负责科室"))
        from openpyxl.utils import get_column_letter

        t.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col + 1)}{max_row}"
        if t.autoFilter is not None:
            t.autoFilter.ref = t.ref

    wider = fx.with_openpyxl(example, tmp_path / "wider.xlsm", change)
    result = reader.read(wider)
    assert result.findings == []
    assert result.evaluation.goals == datafile.example().goals


def test_missing_table_column_is_an_error_and_reads_blank(example, tmp_path):
    narrow = fx.with_openpyxl(example, tmp_path / "narrow.xlsm",
                              lambda wb: fx.drop_column(wb, "tbl_indicators", "人工得分"))
    result = reader.read(narrow)
    t = layout.table("tbl_indicators")
    first_col, header_row = split_ref(t.anchor)
    from selfeval_xl.a1 import col_index, col_letter

    last = col_letter(col_index(first_col) + len(t.columns) - 2)
    assert where(result.findings) == [("READ_COLUMN_MISSING", t.sheet, f"{t.anchor}:{last}{header_row}")]
    assert result.findings[0].severity is Severity.ERROR
    assert "人工得分" in result.findings[0].message
    assert all(i.manual_score is None for i in result.evaluation.indicators)
    expected = [i.__class__(**{**i.__dict__, "manual_score": None}) for i in datafile.example().indicators]
    assert list(result.evaluation.indicators) == expected


# --- officer input, parsed -------------------------------------------------------------------

AMOUNTS = [
    ("921.52万元", Decimal("921.52"), "READ_NORMALISED_NUMBER"),
    ("1,011.58", Decimal("1011.58"), "READ_NORMALISED_NUMBER"),
    ("９２１．５２", Decimal("921.52"), "READ_NORMALISED_NUMBER"),
    ("  921.52 ", Decimal("921.52"), "READ_NORMALISED_NUMBER"),
    ("921.52", Decimal("921.52"), "READ_NORMALISED_NUMBER"),
    ("9,21.52", None, "READ_UNPARSED_NUMBER"),
    ("921.52元", None, "READ_UNPARSED_NUMBER"),
    ("约900", None, "READ_UNPARSED_NUMBER"),
    ("nan", None, "READ_UNPARSED_NUMBER"),
    (921.52, Decimal("921.52"), None),
    (1011, Decimal("1011"), None),
]


@pytest.mark.parametrize("raw,value,code", AMOUNTS)
def test_amounts(example, tmp_path, raw, value, code):
    sheet, cell = fx.field_cell("exp_total")
    book = fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, raw)
    result = reader.read(book)
    assert result.evaluation.expenditure.exp_total == value
    assert where(result.findings) == ([(code, sheet, cell)] if code else [])
    if code:
        assert result.findings[0].name == "exp_total"


def test_amount_warning_text(example, tmp_path):
    sheet, cell = fx.field_cell("exp_total")
    result = reader.read(fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, "921.52万元"))
    label = layout.field("exp_total").label
    assert result.findings[0].message == (
        f"“{label}”填写为文本“921.52万元”，已按 921.52 万元读取：已去掉单位“万元”。建议直接填写数字。")
    assert result.findings[0].severity is Severity.WARNING


def test_error_value_in_an_amount(example, tmp_path):
    sheet, cell = fx.field_cell("exp_basic")
    book = fx.set_cell_xml(example, tmp_path / "b.xlsm", sheet, cell, "<f>1/0</f><v>#DIV/0!</v>", "e")
    result = reader.read(fx.as_if_saved_by_excel(book, tmp_path / "saved.xlsm"))
    assert result.evaluation.expenditure.exp_basic is None
    assert where(result.findings) == [("READ_CELL_ERROR", sheet, cell)]
    assert "#DIV/0!" in result.findings[0].message


def test_stale_formula_that_cannot_be_computed(example, tmp_path):
    sheet, cell = fx.field_cell("exp_basic")
    book = fx.set_cell_xml(example, tmp_path / "b.xlsm", sheet, cell, "<f>1/0</f><v>0</v>")
    result = reader.read(book)
    assert result.evaluation.expenditure.exp_basic is None
    assert where(result.findings) == [("READ_FORMULA_NO_CACHE", sheet, cell)]
    assert "除数为零" in result.findings[0].message


def test_formula_with_a_stored_result_in_a_recalculated_book(example, tmp_path):
    sheet, cell = fx.field_cell("exp_basic")
    book = fx.set_cell_xml(example, tmp_path / "b.xlsm", sheet, cell,
                           "<f>exp_personnel+exp_public</f><v>390.73</v>")
    result = reader.read(fx.as_if_saved_by_excel(book, tmp_path / "saved.xlsm"))
    assert result.evaluation.expenditure.exp_basic == Decimal("390.73")
    assert result.findings == []
    assert result.meta["calc_stale"] is False


def test_formula_without_result_is_computed_when_plain_arithmetic(example, tmp_path):
    sheet, cell = fx.field_cell("exp_basic")
    book = fx.set_cell_xml(example, tmp_path / "b.xlsm", sheet, cell, "<f>355.99+34.74</f>")
    result = reader.read(book)
    assert result.evaluation.expenditure.exp_basic == Decimal("390.73")
    assert where(result.findings) == [("READ_FORMULA_COMPUTED", sheet, cell)]
    assert result.findings[0].severity is Severity.INFO


def test_formula_without_result_referring_to_cells_is_an_error(example, tmp_path):
    sheet, cell = fx.field_cell("exp_basic")
    book = fx.set_cell_xml(example, tmp_path / "b.xlsm", sheet, cell, "<f>exp_personnel+exp_public</f>")
    result = reader.read(book)
    assert result.evaluation.expenditure.exp_basic is None
    assert where(result.findings) == [("READ_FORMULA_NO_CACHE", sheet, cell)]


DATES = [
    ("2023-4-11", date(2023, 4, 11), "READ_NORMALISED_DATE"),
    ("2023/4/11", date(2023, 4, 11), "READ_NORMALISED_DATE"),
    ("2023年4月11日", date(2023, 4, 11), "READ_NORMALISED_DATE"),
    ("20230411", date(2023, 4, 11), "READ_NORMALISED_DATE"),
    ("2023-2-30", None, "READ_BAD_DATE"),
    ("上周", None, "READ_BAD_DATE"),
]


@pytest.mark.parametrize("raw,value,code", DATES)
def test_dates_typed_as_text(example, tmp_path, raw, value, code):
    sheet, cell = fx.field_cell("fill_date")
    result = reader.read(fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, raw))
    assert result.evaluation.basics.fill_date == value
    assert where(result.findings) == [(code, sheet, cell)]


def test_date_as_serial_number_in_a_general_cell(example, tmp_path):
    sheet, cell = fx.field_cell("fill_date")
    book = fx.set_cell_xml(example, tmp_path / "b.xlsm", sheet, cell, "<v>45027</v>", keep_style=False)
    result = reader.read(book)
    assert result.evaluation.basics.fill_date == date(2023, 4, 11)
    assert where(result.findings) == [("READ_NORMALISED_DATE", sheet, cell)]
    assert "45027" in result.findings[0].message


def test_date_in_a_date_cell_is_clean(books):
    assert reader.read(books["example"]).evaluation.basics.fill_date == date(2023, 4, 11)


@pytest.mark.parametrize("raw,value,code", [
    ("无", 0, "READ_NORMALISED_NUMBER"),
    ("0", 0, "READ_NORMALISED_NUMBER"),
    ("3个", 3, "READ_NORMALISED_NUMBER"),
    (0, 0, None),
    (2.5, None, "READ_BAD_INT"),
    ("若干", None, "READ_BAD_INT"),
])
def test_sub_unit_count(example, tmp_path, raw, value, code):
    sheet, cell = fx.field_cell("sub_unit_count")
    result = reader.read(fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, raw))
    assert result.evaluation.basics.sub_unit_count == value
    assert where(result.findings) == ([(code, sheet, cell)] if code else [])


@pytest.mark.parametrize("raw,value,code", [
    ("2022", 2022, "READ_NORMALISED_NUMBER"),
    ("2022年", 2022, "READ_NORMALISED_NUMBER"),
    (2022.0, 2022, None),
    ("二〇二二", None, "READ_BAD_INT"),
])
def test_eval_year(example, tmp_path, raw, value, code):
    sheet, cell = fx.field_cell("eval_year")
    result = reader.read(fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, raw))
    assert result.evaluation.basics.eval_year == value
    assert where(result.findings) == ([(code, sheet, cell)] if code else [])


def test_phone_typed_as_a_number_reads_as_text(example, tmp_path):
    sheet, cell = fx.field_cell("phone")
    result = reader.read(fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, 13800000000))
    assert result.evaluation.basics.phone == "13800000000"
    assert result.findings == []


def _indicator_index(method: Method) -> int:
    return next(i for i, ind in enumerate(datafile.example().indicators) if ind.method is method)


def test_percent_text_in_the_indicator_table(example, tmp_path):
    i = _indicator_index(Method.RATIO)
    sheet, cell = column_cell("tbl_indicators", "actual", i)
    result = reader.read(fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, "90%"))
    assert result.evaluation.indicators[i].actual == Decimal("0.9")
    assert where(result.findings) == [("READ_NORMALISED_NUMBER", sheet, cell)]
    assert "百分号已换算为小数" in result.findings[0].message


@pytest.mark.parametrize("raw,value,code", [("是", "是", None), (" 否 ", "否", None),
                                            ("√", None, "READ_BAD_BOOLEAN"),
                                            (1, None, "READ_BAD_BOOLEAN")])
def test_boolean_actuals(example, tmp_path, raw, value, code):
    i = _indicator_index(Method.BOOLEAN)
    sheet, cell = column_cell("tbl_indicators", "actual", i)
    result = reader.read(fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, raw))
    assert result.evaluation.indicators[i].actual == value
    assert where(result.findings) == ([(code, sheet, cell)] if code else [])


def test_output_percent_keeps_the_figure_as_written(example, tmp_path):
    ex = datafile.example()
    i = next(k for k, o in enumerate(ex.outputs) if o.unit == "%")
    sheet, cell = column_cell("tbl_outputs", "actual", i)
    result = reader.read(fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, "100%"))
    assert result.evaluation.outputs[i].actual == Decimal("100")
    assert where(result.findings) == [("READ_NORMALISED_NUMBER", sheet, cell)]


def test_point_of_no_task(example, tmp_path):
    sheet, cell = column_cell("tbl_task_points", "task_no", 0)
    result = reader.read(fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, 99))
    assert where(result.findings) == [("READ_ORPHAN_POINT", sheet, cell)]
    ex = datafile.example()
    assert result.evaluation.tasks[0].points == ex.tasks[0].points[1:]
    assert result.evaluation.tasks[1:] == ex.tasks[1:]


def test_band_of_no_indicator(example, tmp_path):
    sheet, cell = column_cell("tbl_bands", "code", 0)
    result = reader.read(fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, "9.9.9"))
    assert where(result.findings) == [("READ_ORPHAN_BAND", sheet, cell)]


def test_unreadable_grade_falls_back_to_defaults(example, tmp_path):
    sheet, cell = column_cell("tbl_grades", "min_score", 1)
    result = reader.read(fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, "八十"))
    assert where(result.findings) == [("READ_UNPARSED_NUMBER", sheet, cell),
                                      ("READ_GRADES_DEFAULT", sheet, "")]
    assert result.evaluation.grades == DEFAULT_GRADES


def test_blank_task_number_continues_the_numbering(example, tmp_path):
    sheet, cell = column_cell("tbl_tasks", "no", 1)
    result = reader.read(fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, " "))
    assert where(result.findings) == [("READ_DEFAULTED", sheet, cell)]
    assert [t.no for t in result.evaluation.tasks] == [t.no for t in datafile.example().tasks]


# --- a real office suite saved it --------------------------------------------------------------

@pytest.mark.libreoffice
def test_workbook_saved_by_libreoffice(books, tmp_path):
    from selfeval_xl.render import libreoffice

    if libreoffice.find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice is required in CI")
        pytest.skip("LibreOffice not installed")
    from selfeval_xl.core.fingerprint import fingerprint

    saved = libreoffice.convert(books["example"], "xlsx", tmp_path)
    result = reader.read(saved)
    assert result.findings == []
    assert result.evaluation == datafile.example()
    assert fingerprint(result.evaluation) == fingerprint(datafile.example())
    assert result.meta["calc_stale"] is False
    # the native formulas' results, as LibreOffice computed them, are in meta
    assert result.meta["exp_parts_sum"] == Decimal("1011.58")
    assert result.meta["exp_parts_diff"] == Decimal("-90.06")
    assert result.meta["weight_total"] == Decimal("100")


def test_every_reader_code_is_documented():
    import re

    root = Path(__file__).resolve().parents[1]
    mine = ["reader", "cell_parse", "table_read", "model_tables", "ooxml_source", "book_source",
            "formula_eval", "openpyxl_source"]
    source = "".join((root / "selfeval_xl" / "read" / f"{m}.py").read_text(encoding="utf-8")
                     for m in mine)
    emitted = set(re.findall(r'"(READ_[A-Z_]+)"', source))
    doc = (root / "docs" / "reading.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(READ_[A-Z_]+)` \|", doc, re.M))
    assert emitted and emitted == documented


def test_a_native_formula_holding_an_error_value_is_a_finding(example, tmp_path):
    # 支出情况 C17/D17 showed #VALUE! after a recalculation while check passed: the figures
    # a reader without Python sees are broken, so say so.
    out = layout.OUTPUTS_BY_NAME["exp_basic_diff"]
    formula = out.formula.lstrip("=")
    path = fx.set_cell_xml(example, tmp_path / "err0.xlsm", out.sheet, out.cell,
                           f"<f>{formula}</f><v>#VALUE!</v>", "e")
    path = fx.as_if_saved_by_excel(path, tmp_path / "err.xlsm")  # results count as computed
    result = reader.read(path)
    found = [f for f in result.findings if f.code == "READ_FORMULA_ERROR"]
    assert [(f.sheet, f.cell, f.name, f.severity) for f in found] == [
        (out.sheet, out.cell, "exp_basic_diff", Severity.ERROR)]
    assert found[0].message == (
        f"“{out.label}”的公式结果为错误值 #VALUE!：不用本程序打开工作簿的人（如财政局）"
        "看到的是错误值。通常是它引用的某个金额填成了文字（如“77.40万元”），"
        "请改为数字后在 Excel 中重新计算并保存。")
    assert not [f for f in reader.read(example).findings if f.code == "READ_FORMULA_ERROR"]
