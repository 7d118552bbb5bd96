"""Numbers typed as text ("77.40万元") become numbers at write-back, the text kept in a note.

Today's symptom first: such a text leaves the workbook's own formulas in error (支出情况
C17/D17 show #VALUE! after a LibreOffice recalculation) while Python reads it fine. Then the
file writer (``write_results``, behind ``check --write``, ``score --write``, ``report``):
each spelling, the exact note and finding, what is never touched (refused texts, text
fields, a cell changed since it was read), the officer's own note, idempotence, the parts
(openpyxl, openxml-audit, the macro scanners, LibreOffice showing the note) and, above all,
LibreOffice's recalculation giving the Python figures, with the stored results equal to it.
The buttons' writer is in tests/test_text_numbers_buttons.py.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

import reader_fixtures as fx
from selfeval_xl import datafile, layout, pipeline
from selfeval_xl.core.findings import Severity
from selfeval_xl.read import reader
from selfeval_xl.read.cell_parse import TextNumber
from selfeval_xl.write.text_numbers import MARK
from selfeval_xl.write.workbook_writer import write_results

SHEET, CELL = fx.field_cell("exp_personnel")  # 支出情况!C10, added into C17 (exp_basic_sum)
PUBLIC = datafile.example().expenditure.exp_public  # 34.74
BASIC = datafile.example().expenditure.exp_basic  # 390.73
STATUS = {"status_checked_at": "2024-01-01 00:00:00", "status_check_summary": "x"}
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def example_book(tmp_path_factory) -> Path:
    return fx.built(tmp_path_factory.mktemp("tn") / "example.xlsm", datafile.example())


def typed(example_book: Path, folder: Path, text, name: str = "exp_personnel") -> Path:
    sheet, cell = fx.field_cell(name)
    return fx.set_value(example_book, folder / "book.xlsm", sheet, cell, text)


def check_write(book: Path, replaced: list | None = None):
    """What ``check --write`` does: read, check, write back with the text numbers."""
    result = reader.read(book)
    outcome = pipeline.evaluate(result)
    write_results(book, findings=outcome.findings, status=dict(STATUS),
                  text_numbers=result.text_numbers, replaced=replaced)
    return result


def cell_and_note(book: Path, sheet: str = SHEET, cell: str = CELL):
    ws = openpyxl.load_workbook(book)[sheet]
    c = ws[cell]
    return c.value, (c.comment.text if c.comment else None)


def findings_table(book: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(book)[layout.SHEET_FINDINGS]
    t = ws.tables["tbl_findings"]
    rows = list(ws[t.ref])[1:]
    return [tuple(c.value for c in r) for r in rows if any(c.value for c in r)]


def _basic_figures(values) -> tuple:
    s_sum = values[SHEET].get(layout.OUTPUTS_BY_NAME["exp_basic_sum"].cell)
    s_diff = values[SHEET].get(layout.OUTPUTS_BY_NAME["exp_basic_diff"].cell)
    return s_sum, s_diff


# --- the symptom, and the fix, in LibreOffice ----------------------------------------------------

@pytest.mark.libreoffice
def test_text_amount_leaves_native_formulas_in_error_until_written_back(example_book, tmp_path,
                                                                        soffice):
    from office_audit import cached_vs_recalculated
    from selfeval_xl.render import libreoffice

    book = typed(example_book, tmp_path, "77.40万元")
    # Before: Python reads 77.40, LibreOffice's + on text gives #VALUE! in C17 and D17.
    assert reader.read(book).evaluation.expenditure.exp_personnel == Decimal("77.40")
    before = libreoffice.recalculated_values(book)
    assert _basic_figures(before) == ("#VALUE!", "#VALUE!")
    check_write(book)
    after = libreoffice.recalculated_values(book)
    # 77.40 + 34.74 = 112.14; 390.73 − 112.14 = 278.59 (by hand)
    assert PUBLIC == Decimal("34.74") and BASIC == Decimal("390.73")
    assert _basic_figures(after) == (pytest.approx(112.14, abs=1e-9), pytest.approx(278.59, abs=1e-9))
    assert after[SHEET][CELL] == 77.4
    errors = [(s, c, v) for s, cells in after.items() for c, v in cells.items()
              if isinstance(v, str) and v.startswith(("#", "Err:"))]
    assert errors == []
    # every stored formula result (what a reader that does not recalculate sees) is the
    # recalculated one: the dependants of the replaced cell are no longer left empty
    count, wrong = cached_vs_recalculated(book)
    assert count > 40 and wrong == []
    stored = openpyxl.load_workbook(book, data_only=True)[SHEET]
    assert stored[layout.OUTPUTS_BY_NAME["exp_basic_sum"].cell].value == pytest.approx(112.14)
    assert stored[layout.OUTPUTS_BY_NAME["exp_basic_diff"].cell].value == pytest.approx(278.59)


@pytest.mark.libreoffice
def test_libreoffice_shows_the_note(example_book, tmp_path, soffice):
    from selfeval_xl.render import libreoffice

    book = typed(example_book, tmp_path, "77.40万元")
    check_write(book)
    out = libreoffice.convert(book, "xlsx", tmp_path / "lo")
    ws = openpyxl.load_workbook(out)[SHEET]
    assert ws[CELL].value == 77.4
    assert ws[CELL].comment is not None
    assert ws[CELL].comment.text.strip() == "原填写为文本“77.40万元”，已由自评程序改为数字 77.40（万元）。"


# --- each spelling --------------------------------------------------------------------------------

SPELLINGS = [
    # (field, typed text, stored number, number in the note, unit)
    ("exp_personnel", "77.40万元", 77.4, "77.40", "万元"),
    ("exp_personnel", "７７．４０", 77.4, "77.40", "万元"),
    ("exp_personnel", " 77.4 ", 77.4, "77.4", "万元"),
    ("exp_personnel", "1,234.50", 1234.5, "1234.50", "万元"),
    ("exp_personnel", "1234.5万", 1234.5, "1234.5", "万元"),
    ("exp_personnel", "77.4", 77.4, "77.4", "万元"),
    ("exp_total", "９２１．５２万元", 921.52, "921.52", "万元"),
    ("sub_unit_count", "3个", 3, "3", ""),
    ("sub_unit_count", "无", 0, "0", ""),
    ("eval_year", "2022年", 2022, "2022", ""),
]


@pytest.mark.parametrize("name,text,number,shown,unit", SPELLINGS)
def test_each_spelling_is_replaced_with_its_number_and_noted(example_book, tmp_path, name, text,
                                                               number, shown, unit):
    sheet, cell = fx.field_cell(name)
    book = typed(example_book, tmp_path, text, name)
    replaced: list = []
    result = check_write(book, replaced)
    assert [(t.sheet, t.cell, t.text) for t in result.text_numbers] == [(sheet, cell, text)]
    assert [(t.sheet, t.cell, t.text) for t in replaced] == [(sheet, cell, text)]
    unit_note = f"（{unit}）" if unit else ""
    value, note = cell_and_note(book, sheet, cell)
    assert value == number and type(value) in (int, float)
    assert note == f"原填写为文本“{text}”，已由自评程序改为数字 {shown}{unit_note}。"
    again = reader.read(book)
    assert again.text_numbers == []
    assert [f.code for f in again.findings if (f.sheet, f.cell) == (sheet, cell)] == []
    unit_msg = f" {unit}" if unit else ""
    row = next(r for r in findings_table(book) if r[3] == cell and r[2] == sheet)
    assert row == ("提示", "WRITE_TEXT_NUMBER_REPLACED", sheet, cell, name,
                   f"原填写为文本“{text}”，已改为数字 {shown}{unit_msg}（原文字保存在该单元格的批注中）。")


def test_the_cell_keeps_its_style(example_book, tmp_path):
    book = typed(example_book, tmp_path, "77.40万元")
    before = openpyxl.load_workbook(book)[SHEET][CELL]
    fmt, style = before.number_format, before.style_id
    check_write(book)
    after = openpyxl.load_workbook(book)[SHEET][CELL]
    assert (after.number_format, after.style_id) == (fmt, style)
    assert fmt == "#,##0.00"


def _column_cell(table: str, key: str, index: int) -> tuple[str, str]:
    from selfeval_xl.a1 import col_index, col_letter, split_ref

    t = layout.table(table)
    col, row = split_ref(t.anchor)
    offset = [c.key for c in t.columns].index(key)
    return t.sheet, f"{col_letter(col_index(col) + offset)}{row + 1 + index}"


def test_a_percent_in_a_rate_column_gets_the_fraction_the_reader_used(example_book, tmp_path):
    from selfeval_xl.core.model import Method

    i = next(k for k, ind in enumerate(datafile.example().indicators) if ind.method is Method.RATIO)
    sheet, cell = _column_cell("tbl_indicators", "actual", i)
    book = fx.set_value(example_book, tmp_path / "b.xlsm", sheet, cell, "90%")
    check_write(book)
    assert cell_and_note(book, sheet, cell) == (0.9, "原填写为文本“90%”，已由自评程序改为数字 0.9。")


def test_a_percent_figure_in_an_output_keeps_its_figure(example_book, tmp_path):
    i = next(k for k, o in enumerate(datafile.example().outputs) if o.unit == "%")
    sheet, cell = _column_cell("tbl_outputs", "actual", i)
    book = fx.set_value(example_book, tmp_path / "b.xlsm", sheet, cell, "100%")
    check_write(book)
    assert cell_and_note(book, sheet, cell) == (100, "原填写为文本“100%”，已由自评程序改为数字 100。")


# --- what is never touched --------------------------------------------------------------------

@pytest.mark.parametrize("text", ["921.52元", "约77", "7,7.40"])
def test_a_refused_text_stays_as_typed_with_its_error(example_book, tmp_path, text):
    book = typed(example_book, tmp_path, text)
    result = check_write(book)
    assert result.text_numbers == []
    assert cell_and_note(book) == (text, None)
    assert [f.code for f in reader.read(book).findings if f.cell == CELL] == ["READ_UNPARSED_NUMBER"]


def test_a_text_field_is_never_touched_even_when_asked(example_book, tmp_path):
    sheet, cell = fx.field_cell("dept_name")
    book = fx.set_value(example_book, tmp_path / "b.xlsm", sheet, cell, "77.40")
    before = book.read_bytes()
    forged = [TextNumber(sheet, cell, "77.40", Decimal("77.40"))]
    replaced: list = []
    write_results(book, text_numbers=forged, replaced=replaced)
    assert replaced == [] and book.read_bytes() == before


def test_a_cell_changed_since_it_was_read_is_left_alone(example_book, tmp_path):
    book = typed(example_book, tmp_path, "77.40万元")
    result = reader.read(book)
    outcome = pipeline.evaluate(result)
    # the officer saves another text in Excel before the write-back takes the lock
    book = fx.set_value(book, tmp_path / "changed.xlsm", SHEET, CELL, "88.00万元")
    replaced: list = []
    write_results(book, findings=outcome.findings, status=dict(STATUS),
                  text_numbers=result.text_numbers, replaced=replaced)
    assert replaced == []
    assert cell_and_note(book) == ("88.00万元", None)
    codes = [r[1] for r in findings_table(book) if r[3] == CELL]
    assert codes == ["READ_NORMALISED_NUMBER"]  # what the caller read, unchanged


def test_the_write_back_does_nothing_more_the_second_time(example_book, tmp_path):
    book = typed(example_book, tmp_path, "77.40万元")
    result = check_write(book)
    first = fx_parts(book)
    replaced: list = []
    # the same (now stale) text numbers again, and a fresh check: nothing more changes
    write_results(book, text_numbers=result.text_numbers, replaced=replaced)
    assert replaced == [] and fx_parts(book) == first
    check_write(book, replaced)
    assert replaced == []
    again = fx_parts(book)
    notes = [n for n in first if "comments" in n or n.endswith(".vml") or "_rels/sheet" in n]
    assert notes and all(again[n] == first[n] for n in notes)
    assert cell_and_note(book)[1].count("原填写为文本") == 1


def fx_parts(book: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(book) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


# --- notes already there ---------------------------------------------------------------------------

def _with_note(example_book: Path, folder: Path, text: str) -> Path:
    def add(wb):
        wb[SHEET][CELL].comment = Comment(text, "张三")

    noted = fx.with_openpyxl(example_book, folder / "noted.xlsm", add)
    return fx.set_value(noted, folder / "book.xlsm", SHEET, CELL, "77.40万元")


def test_the_officers_own_note_is_kept_and_the_line_added(example_book, tmp_path):
    book = _with_note(example_book, tmp_path, "数据来自决算报表")
    before = fx_parts(book)
    check_write(book)
    after = fx_parts(book)
    vml = [n for n in before if n.endswith(".vml")]
    assert vml and all(after[n] == before[n] for n in vml)  # the note's box as it was
    assert set(after) == set(before)  # no part added: the comment was extended
    value, note = cell_and_note(book)
    assert value == 77.4
    assert note == "数据来自决算报表\n原填写为文本“77.40万元”，已由自评程序改为数字 77.40（万元）。"
    ws = openpyxl.load_workbook(book)[SHEET]
    assert [c.coordinate for row in ws.iter_rows() for c in row if c.comment] == [CELL]


def test_a_note_ending_in_a_line_break_gets_the_line_below_it(example_book, tmp_path):
    book = _with_note(example_book, tmp_path, "数据来自决算报表\n")
    check_write(book)
    assert cell_and_note(book)[1] == (
        "数据来自决算报表\n原填写为文本“77.40万元”，已由自评程序改为数字 77.40（万元）。")


def test_a_note_of_an_earlier_check_is_replaced_by_the_line(example_book, tmp_path):
    book = _with_note(example_book, tmp_path, MARK + "\n警告：“其中：人员经费”填写为文本…")
    check_write(book)
    assert cell_and_note(book)[1] == "原填写为文本“77.40万元”，已由自评程序改为数字 77.40（万元）。"


# --- the package --------------------------------------------------------------------------------

def test_only_the_note_parts_and_the_usual_parts_change(example_book, tmp_path):
    from office_audit import macro_scan, schema_errors

    book = typed(example_book, tmp_path, "77.40万元")
    before = fx_parts(book)
    check_write(book)
    after = fx_parts(book)
    sheet_part = "xl/worksheets/sheet4.xml"
    assert set(after) - set(before) == {"xl/comments1.xml", "xl/drawings/vmlDrawing2.vml",
                                         "xl/worksheets/_rels/sheet4.xml.rels"}
    changed = {n for n in before if before[n] != after[n]}
    usual = {"xl/workbook.xml", "xl/tables/table11.xml", "xl/worksheets/sheet7.xml",
             "xl/worksheets/sheet1.xml", "xl/worksheets/sheet5.xml", "xl/worksheets/sheet3.xml"}
    assert changed - usual == {sheet_part, "[Content_Types].xml"}
    assert before["xl/vbaProject.bin"] == after["xl/vbaProject.bin"]
    assert before["xl/drawings/vmlDrawing1.vml"] == after["xl/drawings/vmlDrawing1.vml"]
    sheet_xml = after[sheet_part].decode()
    assert re.search(r'<legacyDrawing r:id="rId\d+"/>', sheet_xml)
    types = after["[Content_Types].xml"].decode()
    assert 'PartName="/xl/comments1.xml"' in types and 'Extension="vml"' in types
    assert schema_errors(book) == []
    scan = macro_scan(book)
    assert (scan.suspicious, scan.autoexec) == (False, ())


def test_notes_are_appended_to_a_vml_that_holds_the_buttons(example_book, tmp_path):
    """使用说明's VML holds the three buttons: a note there is a shape appended to it."""
    from office_audit import schema_errors
    from selfeval_xl.read.ooxml_parts import Package, load_map, serialize
    from selfeval_xl.write.notes import set_notes
    from selfeval_xl.write.sheet_xml import SheetXml

    pkg = Package(example_book.read_bytes())
    wmap = load_map(pkg)
    part = wmap.sheets[layout.SHEET_GUIDE]
    sheet = SheetXml(pkg.xml(part))
    vml_before = pkg.get("xl/drawings/vmlDrawing1.vml")
    assert set_notes(pkg, part, sheet, {"C21": lambda before: "说明"}) == {"C21"}
    pkg.put(part, serialize(sheet.root))
    vml = pkg.get("xl/drawings/vmlDrawing1.vml").decode()
    assert vml.count('ObjectType="Button"') == 3 and vml.count('ObjectType="Note"') == 1
    for macro in ("ValidateData", "ComputeScore", "GenerateReport"):
        assert f"[0]!{macro}" in vml
    old = vml_before.decode()
    kept = re.findall(r"<v:shapetype .*?</v:shapetype>|<v:shape .*?</v:shape>", old)
    assert len(kept) == 4 and all(piece in vml for piece in kept)  # byte for byte
    ids = re.findall(r'id="_x0000_s(\d+)"', vml)
    assert len(ids) == len(set(ids)) == 4
    out = tmp_path / "noted.xlsm"
    out.write_bytes(pkg.to_bytes())
    ws = openpyxl.load_workbook(out)[layout.SHEET_GUIDE]
    assert ws["C21"].comment.text == "说明"
    assert schema_errors(out) == []


# --- the codes are documented --------------------------------------------------------------------

def test_every_write_code_is_documented_and_back():
    source = "".join(p.read_text(encoding="utf-8") for folder in ("write", "excel")
                     for p in (ROOT / "selfeval_xl" / folder).glob("*.py"))
    emitted = set(re.findall(r'"(WRITE_[A-Z_]+)"', source))
    doc = (ROOT / "docs" / "writing.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(WRITE_[A-Z_]+)` \|", doc, re.M))
    assert emitted == documented == {"WRITE_TEXT_NUMBER_REPLACED"}


def test_the_finding_is_an_info_naming_text_and_number():
    from selfeval_xl.write.text_numbers import finding

    f = finding(TextNumber("支出情况", "C10", "77.40万元", Decimal("77.40"), "万元"), "exp_personnel")
    assert (f.code, f.severity, f.sheet, f.cell, f.name) == (
        "WRITE_TEXT_NUMBER_REPLACED", Severity.INFO, "支出情况", "C10", "exp_personnel")
    assert f.message == "原填写为文本“77.40万元”，已改为数字 77.40 万元（原文字保存在该单元格的批注中）。"


# --- the commands ---------------------------------------------------------------------------------

def test_check_write_prints_the_reading_then_says_what_it_replaced(example_book, tmp_path):
    from click.testing import CliRunner

    from selfeval_xl.cli import main

    book = typed(example_book, tmp_path, "77.40万元")
    plain = CliRunner().invoke(main, ["check", str(book)])
    written = CliRunner().invoke(main, ["check", str(book), "--write"])
    assert written.stdout == plain.stdout  # the report of the reading is what it was
    assert "READ_NORMALISED_NUMBER" in plain.stdout
    assert written.stderr.splitlines()[-1] == (
        f"{SHEET}!{CELL}：文本“77.40万元”已改为数字 77.40，原文字保存在该单元格的批注中")
    assert cell_and_note(book) == (77.4, "原填写为文本“77.40万元”，已由自评程序改为数字 77.40（万元）。")
    ws = openpyxl.load_workbook(book)[layout.SHEET_GUIDE]
    summary = ws[layout.OUTPUTS_BY_NAME["status_check_summary"].cell].value
    counts = plain.stdout.strip().splitlines()[-1]  # 错误 e，警告 w，提示 i
    e, w, i = (int(x) for x in re.findall(r"\d+", counts))
    assert summary == f"错误 {e} 项，警告 {w - 1} 项，提示 {i + 1} 项"


def test_score_write_and_report_replace_too(example_book, tmp_path):
    from click.testing import CliRunner

    from selfeval_xl.cli import main
    from selfeval_xl.cli.report import produce

    book = typed(example_book, tmp_path, "77.40万元")
    result = CliRunner().invoke(main, ["score", str(book), "--write", "--json"])
    assert result.exit_code == 0 and "已改为数字 77.40" in result.stderr
    assert cell_and_note(book)[0] == 77.4
    other = fx.set_value(example_book, tmp_path / "r.xlsm", SHEET, CELL, "77.40万元")
    run = produce(book=other, out_dir=tmp_path / "out", formats=("sheet",), allow_errors=True)
    assert "sheet" in run.outputs, run.skipped
    assert run.notes[-1] == f"{SHEET}!{CELL}：文本“77.40万元”已改为数字 77.40，原文字保存在该单元格的批注中"
    assert [f.code for f in run.findings if f.cell == CELL] == ["WRITE_TEXT_NUMBER_REPLACED"]
    assert cell_and_note(other)[0] == 77.4


# --- notes written by other programs already on the sheet ----------------------------------------

def _schema_errors_shape(path: Path) -> set[str]:
    from office_audit import schema_errors

    # the counts in a message ("19 inline-string cell(s)") change with the cell replaced
    return {re.sub(r"\d+", "N", e) for e in schema_errors(path)}


def _noted_elsewhere(example_book: Path, folder: Path) -> Path:
    def add(wb):
        wb[SHEET]["C11"].comment = Comment("公用经费含物业费", "张三")

    noted = fx.with_openpyxl(example_book, folder / "noted.xlsm", add)
    return fx.set_value(noted, folder / "typed.xlsm", SHEET, CELL, "77.40万元")


def _notes(book: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(book)[SHEET]
    return {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}


def test_a_sheet_with_another_programs_notes_gets_one_more(example_book, tmp_path):
    """openpyxl's comments part and VML on 支出情况: the note is added, the shape appended,
    and the package has no schema error it did not have before."""
    book = _noted_elsewhere(example_book, tmp_path)
    errors_before = _schema_errors_shape(book)
    check_write(book)
    assert _notes(book) == {"C10": "原填写为文本“77.40万元”，已由自评程序改为数字 77.40（万元）。",
                            "C11": "公用经费含物业费"}
    assert _schema_errors_shape(book) <= errors_before


@pytest.mark.libreoffice
def test_a_workbook_saved_by_libreoffice_with_a_note(example_book, tmp_path, soffice):
    from selfeval_xl.render import libreoffice

    typed_book = _noted_elsewhere(example_book, tmp_path)
    book = libreoffice.convert(typed_book, "xlsm:Calc MS Excel 2007 VBA XML", tmp_path / "lo")
    errors_before = _schema_errors_shape(book)
    replaced: list = []
    check_write(book, replaced)
    assert [(t.sheet, t.cell) for t in replaced] == [(SHEET, CELL)]
    expected = {"C10": "原填写为文本“77.40万元”，已由自评程序改为数字 77.40（万元）。",
                "C11": "公用经费含物业费"}
    assert _notes(book) == expected
    assert _schema_errors_shape(book) <= errors_before
    back = libreoffice.convert(book, "xlsx", tmp_path / "back")  # LibreOffice shows both
    ws = openpyxl.load_workbook(back)[SHEET]
    assert {c.coordinate: c.comment.text.strip() for row in ws.iter_rows() for c in row
            if c.comment} == expected
    assert ws[CELL].value == 77.4


def test_an_excel_style_note_keeps_its_formatted_runs(example_book, tmp_path):
    """Excel stores a note as runs (the author in bold): they stay, the line is a new run."""
    book = _with_note(example_book, tmp_path, "placeholder")
    parts = fx_parts(book)
    name = next(n for n in parts if re.fullmatch(r"xl/comments\d*\.xml|xl/comments/comment\d+\.xml", n))
    runs = ('<r><rPr><b/><sz val="9"/></rPr><t>张三:</t></r>'
            '<r><rPr><sz val="9"/></rPr><t xml:space="preserve">\n数据来自决算报表</t></r>')
    xml = re.sub(r"<text>.*?</text>", f"<text>{runs}</text>", parts[name].decode(), flags=re.S)
    book = fx.rewrite_parts(book, tmp_path / "runs.xlsm", {name: xml.encode()})
    check_write(book)
    after = fx_parts(book)[name].decode()
    assert runs in after  # the officer's runs, byte for byte
    assert after.count("<r>") == 3
    assert cell_and_note(book)[1] == (
        "张三:\n数据来自决算报表\n原填写为文本“77.40万元”，已由自评程序改为数字 77.40（万元）。")
