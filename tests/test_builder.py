"""The built workbook's structure, read back with openpyxl: sheets, names, tables, formulas,
validations, protection, styles; determinism and the committed template's freshness."""

from __future__ import annotations

import dataclasses
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from selfeval_xl import TEMPLATE_VERSION, datafile, layout
from selfeval_xl.build import builder, builder_guide, builder_sheets
from selfeval_xl.cli import main
from selfeval_xl.core.model import Goal

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook" / "SelfEvaluation.xlsm"
INPUT_RGB = "FF" + builder_sheets.INPUT_FILL.lstrip("#").upper()


@pytest.fixture(scope="module")
def template(built_template):
    return load_workbook(built_template)


@pytest.fixture(scope="module")
def example(built_example):
    return load_workbook(built_example)


def _rows(table: layout.Table, n: int) -> str:
    row, col = xl_cell_to_rowcol(table.anchor)
    return f"{table.anchor}:{xl_rowcol_to_cell(row + n, col + len(table.columns) - 1)}"


def _data_cells(table: layout.Table, key: str, n: int) -> list[str]:
    row, col = xl_cell_to_rowcol(table.anchor)
    offset = [c.key for c in table.columns].index(key)
    return [xl_rowcol_to_cell(row + 1 + i, col + offset) for i in range(n)]


def _validations(ws) -> list[tuple[set[str], object]]:
    out = []
    for dv in ws.data_validations.dataValidation:
        cells = set()
        for rng in str(dv.sqref).split():
            min_col, min_row, max_col, max_row = range_boundaries(rng)
            cells |= {xl_rowcol_to_cell(r - 1, c - 1) for r in range(min_row, max_row + 1)
                      for c in range(min_col, max_col + 1)}
        out.append((cells, dv))
    return out


def _validation_of(ws, cell: str):
    found = [dv for cells, dv in _validations(ws) if cell in cells]
    assert len(found) == 1, (ws.title, cell, len(found))
    return found[0]


# --- sheets and names ----------------------------------------------------------------------

def test_sheets_in_order_with_code_names(template):
    assert template.sheetnames == list(layout.SHEETS)
    assert template.code_name == "ThisWorkbook"
    for name in layout.SHEETS:
        assert template[name].sheet_properties.codeName == layout.CODE_NAMES[name]


def test_every_layout_name_points_at_its_cell(template):
    for name, (sheet, cell) in layout.defined_names().items():
        defined = template.defined_names[name]
        assert defined.localSheetId is None, name  # workbook-scoped
        ((sheet_found, ref),) = list(defined.destinations)
        assert (sheet_found, ref.replace("$", "")) == (sheet, cell), name


def test_only_documented_extra_names(template):
    extra = set(template.defined_names) - set(layout.defined_names())
    assert extra == {name for name, *_ in builder_guide.LISTS} | {builder_guide.TRIAL_NAME}


def test_output_formulas_are_the_layout_formulas(template):
    for o in layout.OUTPUTS:
        value = template[o.sheet][o.cell].value
        if o.formula:
            assert value == o.formula, o.name
        elif o.name == "template_version":
            assert value == TEMPLATE_VERSION
        else:
            assert value is None, o.name


def test_labels_sit_left_of_fields(template):
    for f in layout.FIELDS:
        row, col = xl_cell_to_rowcol(f.cell)
        assert template[f.sheet][xl_rowcol_to_cell(row, col - 1)].value == f.label, f.name


# --- tables --------------------------------------------------------------------------------

def test_tables_with_exact_headers_refs_and_calculated_columns(template):
    ev = builder.template_evaluation()
    for t in layout.TABLES:
        ws = template[t.sheet]
        assert t.name in ws.tables, t.name
        tbl = ws.tables[t.name]
        n = max(t.min_rows, len(builder_sheets.table_items(t, ev)))
        assert tbl.ref == _rows(t, n), t.name
        assert [c.name for c in tbl.tableColumns] == [c.header for c in t.columns]
        for column, tc in zip(t.columns, tbl.tableColumns):
            if column.formula:
                expected = builder_sheets.expand_this_row(column.formula, t.name)
                assert tc.calculatedColumnFormula.attr_text == expected.lstrip("=")
                for cell in _data_cells(t, column.key, n):
                    assert ws[cell].value == expected, (t.name, cell)
            else:
                assert tc.calculatedColumnFormula is None


def test_this_row_references_are_qualified():
    got = builder_sheets.expand_this_row('=IF([@a]="[@b]",[@c],tbl_x[d])', "tbl_y")
    assert got == '=IF(tbl_y[[#This Row],[a]]="[@b]",tbl_y[[#This Row],[c]],tbl_x[d])'
    formula = builder_sheets.expand_this_row(layout.INDICATOR_SCORE_FORMULA, "tbl_indicators")
    assert "[@" not in formula and "tbl_bands[指标编码]" in formula


def test_template_holds_the_default_framework_and_grades(template):
    framework = datafile.default_framework()
    t = layout.table("tbl_indicators")
    ws = template[t.sheet]
    codes = [ws[c].value for c in _data_cells(t, "code", len(framework))]
    assert codes == [i.code for i in framework]
    weights = [ws[c].value for c in _data_cells(t, "weight", len(framework))]
    assert sum(Decimal(str(w)) for w in weights) == 100
    g = layout.table("tbl_grades")
    assert [template[g.sheet][c].value for c in _data_cells(g, "grade", 4)] == ["优", "良", "中", "差"]


def test_tables_grow_past_min_rows(tmp_path):
    ev = builder.template_evaluation()
    goals = tuple(Goal(no=i, text=f"目标{i}") for i in range(1, 13))
    path = tmp_path / "many.xlsm"
    builder.build_workbook(path, dataclasses.replace(ev, goals=goals))
    t = layout.table("tbl_goals")
    ws = load_workbook(path)[t.sheet]
    assert ws.tables[t.name].ref == _rows(t, 12)
    assert [ws[c].value for c in _data_cells(t, "text", 12)] == [g.text for g in goals]


# --- styles, validation, protection --------------------------------------------------------

def _input_cells(ev) -> list[tuple[str, str, str]]:
    """(sheet, cell, kind) of every officer input: fields and input table columns."""
    cells = [(f.sheet, f.cell, f.kind) for f in layout.FIELDS]
    for t in layout.TABLES:
        n = max(t.min_rows, len(builder_sheets.table_items(t, ev)))
        for c in t.columns:
            if c.kind not in ("formula", "output"):
                cells += [(t.sheet, cell, c.kind) for cell in _data_cells(t, c.key, n)]
    return cells


def test_input_cells_are_yellow_unlocked_and_validated(template):
    cells = _input_cells(builder.template_evaluation())
    assert len(cells) > 500
    for sheet, cell, kind in cells:
        c = template[sheet][cell]
        assert c.protection.locked is False, (sheet, cell)
        assert c.fill.fgColor.rgb == INPUT_RGB, (sheet, cell)
        dv = _validation_of(template[sheet], cell)
        assert dv.showErrorMessage and dv.prompt, (sheet, cell)


def test_formula_cells_are_locked(template):
    cells = [(o.sheet, o.cell) for o in layout.OUTPUTS if o.formula]
    for t in layout.TABLES:
        for c in t.columns:
            if c.kind == "formula":
                cells += [(t.sheet, cell) for cell in _data_cells(t, c.key, t.min_rows)]
    for sheet, cell in cells:
        c = template[sheet][cell]
        assert c.protection.locked is True and c.fill.fgColor.rgb != INPUT_RGB, (sheet, cell)


def test_validation_kinds(template):
    def dv(name):
        f = layout.field(name)
        return _validation_of(template[f.sheet], f.cell)

    assert (dv("exp_total").type, dv("exp_total").operator, dv("exp_total").formula1) == \
        ("decimal", "greaterThanOrEqual", "0")
    assert (dv("dept_name").type, dv("dept_name").formula1) == ("textLength", "60")
    assert dv("fill_date").type == "date"
    assert (dv("eval_year").type, dv("eval_year").formula1, dv("eval_year").formula2) == \
        ("whole", "2000", "2100")
    assert (dv("sub_unit_count").type, dv("sub_unit_count").formula1) == ("whole", "0")
    t = layout.table("tbl_indicators")
    ws = template[t.sheet]
    method = _validation_of(ws, _data_cells(t, "method", 1)[0])
    assert (method.type, method.formula1) == ("list", "list_methods")
    actual_cell = _data_cells(t, "actual", 1)[0]
    actual = _validation_of(ws, actual_cell)
    # 实际值 may be negative (三公经费变动率 −5%) or 是/否.
    assert actual.type == "custom"
    assert actual.formula1 == f'OR(ISNUMBER({actual_cell}),{actual_cell}="是",{actual_cell}="否")'
    band = _validation_of(ws, _data_cells(layout.table("tbl_bands"), "closed", 1)[0])
    assert (band.type, band.formula1) == ("list", "list_band_closed")
    guide = template[layout.SHEET_GUIDE]
    listed = [guide[c].value for c in _list_cells(template, "list_band_closed")]
    assert listed == list(layout.BAND_CHOICES)


def _list_cells(book, name: str) -> list[str]:
    ((sheet, ref),) = list(book.defined_names[name].destinations)
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    return [xl_rowcol_to_cell(r - 1, min_col - 1) for r in range(min_row, max_row + 1)]


def test_every_dropdown_list_holds_its_choices(template):
    for name, _, choices, _ in builder_guide.LISTS:
        cells = _list_cells(template, name)
        assert [template[layout.SHEET_GUIDE][c].value for c in cells] == list(choices), name


def test_protection_without_password(template):
    for name in layout.SHEETS:
        p = template[name].protection
        if name in builder.PROTECTED_SHEETS:
            assert p.sheet is True and not p.password, name
            assert p.formatRows is False and p.formatColumns is False  # False = allowed
            # Buttons cannot be moved on the guide; notes can be added on the input sheets.
            assert p.objects is (name == layout.SHEET_GUIDE), name
        else:
            assert not p.sheet, name


def test_python_written_cells_are_unlocked(template):
    for o in layout.OUTPUTS:
        if o.formula is None and o.name != "template_version":
            assert template[o.sheet][o.cell].protection.locked is False, o.name
    t = layout.table("tbl_indicators")
    for key in ("py_score", "py_explain"):
        cell = _data_cells(t, key, 1)[0]
        assert template[t.sheet][cell].protection.locked is False


def test_conditional_formatting_marks_mismatches(template):
    def rules(sheet, cell):
        return [(r.operator, r.formula) for cf in template[sheet].conditional_formatting
                if cell in str(cf.sqref).split() for r in cf.rules]

    for name in ("exp_sources_diff", "exp_parts_diff", "exp_basic_diff"):
        o = layout.OUTPUTS_BY_NAME[name]
        assert rules(o.sheet, o.cell) == [("notEqual", ["0"])], name
    o = layout.OUTPUTS_BY_NAME["weight_total"]
    assert rules(o.sheet, o.cell) == [("notEqual", ["100"])]


def test_page_setup_and_frozen_headers(template):
    for name in layout.SHEETS:
        ws = template[name]
        assert ws.page_setup.paperSize == 9, name
        assert ws.print_area, name
    t = layout.table("tbl_indicators")
    assert template[t.sheet].freeze_panes == f"A{xl_cell_to_rowcol(t.anchor)[0] + 2}"
    first = min(xl_cell_to_rowcol(f.cell)[0] for f in layout.FIELDS
                if f.sheet == layout.SHEET_BASICS)
    assert template[layout.SHEET_BASICS].freeze_panes == f"A{first + 1}"


def test_xlwings_conf_sheet(template):
    ws = template[layout.SHEET_XLWINGS]
    keys = []
    row = 1
    while ws[f"A{row}"].value is not None:  # xlwings reads A1 down to the first blank
        keys.append(ws[f"A{row}"].value)
        row += 1
    assert keys == [k for k, _ in builder_guide.XLWINGS_SETTINGS]
    values = {ws[f"A{r}"].value.upper(): ws[f"B{r}"].value for r in range(1, row)}
    assert values["UDF MODULES"] == "udfs.selfeval_udfs"
    assert values["SHOW CONSOLE"] is False and values["USE UDF SERVER"] is False


def test_guide_has_three_buttons_with_chinese_captions(built_template):
    with zipfile.ZipFile(built_template) as package:
        vml = b"".join(package.read(n) for n in package.namelist()
                       if n.startswith("xl/drawings/vmlDrawing")).decode("utf-8")
    for macro, caption, _ in builder_guide.BUTTONS:
        assert f"[0]!{macro}</x:FmlaMacro>" in vml
        assert caption in vml


# --- filled workbook -----------------------------------------------------------------------

def test_example_fields_are_typed_values(example):
    ev = datafile.example()
    basics = example[layout.SHEET_BASICS]
    assert basics[layout.field("dept_name").cell].value == ev.basics.dept_name
    assert basics[layout.field("fill_date").cell].value == datetime(2023, 4, 11)
    assert basics[layout.field("eval_year").cell].value == 2022
    assert basics[layout.field("sub_unit_count").cell].value == 0
    exp = example[layout.SHEET_EXPENDITURE]
    assert exp[layout.field("exp_total").cell].value == 921.52
    assert exp[layout.field("exp_project").cell].value == 620.85
    assert exp[layout.field("budget_total").cell].value is None


def test_example_tables_hold_the_model(example):
    ev = datafile.example()
    for t in layout.TABLES:
        items = builder_sheets.table_items(t, ev)
        ws = example[t.sheet]
        for c in t.columns:
            if c.kind in ("formula", "output"):
                continue
            got = [ws[cell].value for cell in _data_cells(t, c.key, len(items))]
            want = [_cell_value(item.get(c.key)) for item in items]
            assert got == want, (t.name, c.key)


def _cell_value(value):
    if isinstance(value, Decimal):
        number = float(value)
        return int(number) if number.is_integer() else number
    return None if value in ("", None) else value


def test_no_python_scores_in_the_workbook(example):
    t = layout.table("tbl_indicators")
    ws = example[t.sheet]
    for key in ("py_score", "py_explain"):
        assert all(ws[c].value is None for c in _data_cells(t, key, t.min_rows))
    assert all(ws[c].value.startswith("=") for c in _data_cells(t, "score", t.min_rows))


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    ev = datafile.example()
    ev = dataclasses.replace(ev, basics=dataclasses.replace(ev.basics, dept_name="=1+1"),
                             conclusions=("=HYPERLINK(\"x\")", "@SUM(A1)"))
    path = tmp_path / "formula-text.xlsm"
    builder.build_workbook(path, ev)
    book = load_workbook(path)
    cell = book[layout.SHEET_BASICS][layout.field("dept_name").cell]
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    t = layout.table("tbl_conclusions")
    cells = [book[t.sheet][c] for c in _data_cells(t, "text", 2)]
    assert [(c.value, c.data_type) for c in cells] == [("=HYPERLINK(\"x\")", "s"), ("@SUM(A1)", "s")]


# --- determinism, template, CLI ------------------------------------------------------------

def test_build_is_deterministic():
    assert builder.build_bytes() == builder.build_bytes()
    ev = datafile.example()
    assert builder.build_bytes(ev) == builder.build_bytes(ev)


def test_committed_template_is_fresh():
    assert TEMPLATE.exists(), "run selfeval-xl build --force -o workbook/SelfEvaluation.xlsm"
    assert TEMPLATE.read_bytes() == builder.build_bytes(), (
        "workbook/SelfEvaluation.xlsm is stale: run "
        "selfeval-xl build --force -o workbook/SelfEvaluation.xlsm")


def test_cli_builds_template_and_refuses_to_overwrite(tmp_path):
    runner = CliRunner()
    out = tmp_path / "book.xlsm"
    result = runner.invoke(main, ["build", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == builder.build_bytes()
    out.write_bytes(b"officer's work")
    result = runner.invoke(main, ["build", "-o", str(out)])
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_bytes() == b"officer's work"
    assert runner.invoke(main, ["build", "--force", "-o", str(out)]).exit_code == 0
    assert out.read_bytes() == builder.build_bytes()


def test_cli_builds_from_data_file(tmp_path):
    data = tmp_path / "data.json"
    datafile.save(datafile.example(), data)
    out = tmp_path / "filled.xlsm"
    result = CliRunner().invoke(main, ["build", "--data", str(data), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == builder.build_bytes(datafile.example())


@pytest.mark.parametrize("text, named", [
    ('{"format": "selfeval-xl/data/1", "expenditure": {"exp_total": "九百"}}', "expenditure.exp_total: '九百' 不是数字"),
    ('{"format": "other"}', "selfeval-xl/data/1"),
    ("not json", "数据文件"),
])
def test_cli_refuses_bad_data_and_writes_nothing(tmp_path, text, named):
    data = tmp_path / "bad.json"
    data.write_text(text, encoding="utf-8")
    out = tmp_path / "never.xlsm"
    result = CliRunner().invoke(main, ["build", "--data", str(data), "-o", str(out)])
    assert result.exit_code == 2
    assert "数据文件有误" in result.output and named in result.output
    assert not out.exists()


def test_contract_doc_is_generated_from_the_layout():
    from selfeval_xl.build import contract_doc

    doc = (ROOT / "docs" / "workbook-contract.md").read_text(encoding="utf-8")
    start, end = doc.index(contract_doc.BEGIN), doc.index(contract_doc.END) + len(contract_doc.END)
    assert doc[start:end] == contract_doc.generate(), (
        "docs/workbook-contract.md is stale: replace its generated block with the output of "
        "python -m selfeval_xl.build.contract_doc")


def test_cli_example_and_refusals(tmp_path):
    runner = CliRunner()
    out = tmp_path / "example.xlsm"
    assert runner.invoke(main, ["build", "--example", "-o", str(out)]).exit_code == 0
    assert out.read_bytes() == builder.build_bytes(datafile.example())
    wrong = tmp_path / "book.xlsx"
    result = runner.invoke(main, ["build", "-o", str(wrong)])
    assert result.exit_code == 2 and ".xlsm" in result.output and not wrong.exists()
    both = runner.invoke(main, ["build", "--example", "--data", str(tmp_path / "d.json"),
                                "-o", str(tmp_path / "x.xlsm")])
    assert both.exit_code == 2 and not (tmp_path / "x.xlsm").exists()


def test_cli_default_output_is_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["build"]).exit_code == 0
    assert (tmp_path / "SelfEvaluation.xlsm").read_bytes() == builder.build_bytes()
