"""The buttons replace numbers typed as text too, as the file writer does (same cells, same
numbers, same note text), on the fake xlwings book: the officer's note kept, idempotent, a
cell changed since it was read or a text field left alone, and sheet protection obeyed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import Protection

import reader_fixtures as fx
from selfeval_xl import datafile, layout
from selfeval_xl.excel import buttons
from selfeval_xl.excel.writer import MARK, XlwingsWriter
from selfeval_xl.read.cell_parse import TextNumber
from test_text_numbers import check_write, findings_table
from xlwings_fake import FakeBook

SHEET, CELL = fx.field_cell("exp_personnel")
LINE = "原填写为文本“77.40万元”，已由自评程序改为数字 77.40（万元）。"


@pytest.fixture(scope="module")
def example_book(tmp_path_factory) -> Path:
    return fx.built(tmp_path_factory.mktemp("tnb") / "example.xlsm", datafile.example())


def typed(example_book: Path, folder: Path, text: str, name: str = "exp_personnel") -> Path:
    sheet, cell = fx.field_cell(name)
    folder.mkdir(exist_ok=True)
    return fx.set_value(example_book, folder / "自评表.xlsm", sheet, cell, text)


def live(book: FakeBook, sheet: str = SHEET, cell: str = CELL):
    c = book.wb[sheet][cell]
    return c.value, (c.comment.text if c.comment else None)


def fake_findings(book: FakeBook) -> list[tuple]:
    ws = book.wb[layout.SHEET_FINDINGS]
    rows = list(ws[ws.tables["tbl_findings"].ref])[1:]
    return [tuple(c.value for c in r) for r in rows if any(c.value for c in r)]


def test_check_button_replaces_the_text_and_says_so(example_book, tmp_path):
    book = FakeBook(typed(example_book, tmp_path / "b", "77.40万元"))
    message = buttons.check_book(book)
    assert live(book) == (77.4, LINE)
    assert message.endswith(f"\n{SHEET}!{CELL}填写为文字的数字已改为数字，原文字保存在单元格批注中。")
    row = next(r for r in fake_findings(book) if r[3] == CELL)
    assert row == ("提示", "WRITE_TEXT_NUMBER_REPLACED", SHEET, CELL, "exp_personnel",
                   "原填写为文本“77.40万元”，已改为数字 77.40 万元（原文字保存在该单元格的批注中）。")
    # the status summary counts the findings as listed: the warning became a notice
    status = book.wb[layout.SHEET_GUIDE][layout.OUTPUTS_BY_NAME["status_check_summary"].cell].value
    assert "警告 0 项" in status


@pytest.mark.parametrize("name,text", [
    ("exp_personnel", "77.40万元"), ("exp_personnel", "７７．４０"), ("exp_personnel", " 77.4 "),
    ("exp_personnel", "1,234.50"), ("exp_personnel", "1234.5万"), ("sub_unit_count", "无"),
    ("eval_year", "2022年"),
])
def test_both_writers_give_the_same_cells_numbers_and_notes(example_book, tmp_path, name, text):
    sheet, cell = fx.field_cell(name)
    in_excel = FakeBook(typed(example_book, tmp_path / "xl", text, name))
    buttons.check_book(in_excel)
    on_disk = typed(example_book, tmp_path / "cli", text, name)
    check_write(on_disk)
    file_value, file_note = (lambda c: (c.value, c.comment.text if c.comment else None))(
        openpyxl.load_workbook(on_disk)[sheet][cell])
    assert live(in_excel, sheet, cell) == (file_value, file_note)
    assert isinstance(file_value, (int, float)) and file_note.startswith("原填写为文本“")
    mine = [r for r in fake_findings(in_excel) if r[1] == "WRITE_TEXT_NUMBER_REPLACED"]
    theirs = [r for r in findings_table(on_disk) if r[1] == "WRITE_TEXT_NUMBER_REPLACED"]
    assert mine == theirs and len(mine) == 1


def test_score_and_report_buttons_replace_too(example_book, tmp_path):
    book = FakeBook(typed(example_book, tmp_path / "s", "77.40万元"))
    message = buttons.score_book(book)
    assert live(book) == (77.4, LINE)
    assert "已改为数字" in message
    book = FakeBook(typed(example_book, tmp_path / "r", "77.40万元"))
    message = buttons.report_book(book)
    assert live(book) == (77.4, LINE)
    assert message.endswith("原文字保存在单元格批注中。")


def test_a_second_press_changes_nothing_more(example_book, tmp_path):
    book = FakeBook(typed(example_book, tmp_path / "b", "77.40万元"))
    buttons.check_book(book)
    book.calls.clear()
    message = buttons.check_book(book)
    assert live(book) == (77.4, LINE)
    assert "已改为数字" not in message
    # the findings' notes of other cells are renewed; nothing touches the replaced cell
    assert [c for c in book.calls if c[1] == SHEET and c[2] == f"${CELL[0]}${CELL[1:]}"] == []


def test_the_officers_note_is_kept_and_survives_the_next_check(example_book, tmp_path):
    book = FakeBook(typed(example_book, tmp_path / "b", "77.40万元"))
    book.wb[SHEET][CELL].comment = Comment("数据来自决算报表", "张三")
    buttons.check_book(book)
    buttons.check_book(book)
    assert live(book) == (77.4, "数据来自决算报表\n" + LINE)


def test_a_note_of_an_earlier_check_gives_way_to_the_line(example_book, tmp_path):
    book = FakeBook(typed(example_book, tmp_path / "b", "77.40万元"))
    book.wb[SHEET][CELL].comment = Comment(MARK + "\n警告：…", "selfeval-xl")
    buttons.check_book(book)
    buttons.check_book(book)  # the next check deletes the MARK notes: the line stays
    assert live(book) == (77.4, LINE)


def test_a_cell_changed_since_it_was_read_and_a_text_field_are_left_alone(example_book, tmp_path):
    book = FakeBook(typed(example_book, tmp_path / "b", "88.00万元"))
    name_sheet, name_cell = fx.field_cell("dept_name")
    asked = [TextNumber(SHEET, CELL, "77.40万元", Decimal("77.40"), "万元"),  # read before
             TextNumber(name_sheet, name_cell, book.wb[name_sheet][name_cell].value, Decimal(1))]
    assert XlwingsWriter(book).replace_text_numbers(asked) == []
    assert live(book) == ("88.00万元", None)
    assert book.calls == []


def test_a_sheet_protecting_its_objects_keeps_the_text(example_book, tmp_path):
    book = FakeBook(typed(example_book, tmp_path / "b", "77.40万元"))
    book.wb[SHEET].protection.objects = True  # notes cannot be added: no number without one
    buttons.check_book(book)
    assert live(book) == ("77.40万元", None)
    codes = [r[1] for r in fake_findings(book) if r[3] == CELL]
    assert codes == ["READ_NORMALISED_NUMBER"]


def test_a_locked_cell_keeps_its_text_and_no_note_is_left(example_book, tmp_path):
    book = FakeBook(typed(example_book, tmp_path / "b", "77.40万元"))
    book.wb[SHEET][CELL].protection = Protection(locked=True)
    tn = TextNumber(SHEET, CELL, "77.40万元", Decimal("77.40"), "万元")
    assert XlwingsWriter(book).replace_text_numbers([tn]) == []
    assert live(book) == ("77.40万元", None)
    book.wb[SHEET][CELL].comment = Comment("我的批注", "张三")
    assert XlwingsWriter(book).replace_text_numbers([tn]) == []
    assert live(book) == ("77.40万元", "我的批注")  # the officer's note as it was


def test_the_fake_obeys_protection_as_excel_does(example_book, tmp_path):
    from xlwings_fake import Protected

    book = FakeBook(typed(example_book, tmp_path / "b", "77.40万元"))
    assert book.wb[SHEET].protection.sheet  # the template protects its input sheets
    sheet = book.sheets[SHEET]
    sheet.range(CELL).value = 1.0  # an input cell is unlocked
    with pytest.raises(Protected):
        sheet.range("B10").value = "x"  # its label is locked
    guide = book.sheets[layout.SHEET_GUIDE]
    with pytest.raises(Protected):  # 使用说明 protects its objects (the buttons)
        guide.range("C21").add_note("x")



def test_both_writers_agree_on_a_rate_typed_as_a_percent(example_book, tmp_path):
    from selfeval_xl.core.model import Method
    from test_text_numbers import _column_cell

    i = next(k for k, ind in enumerate(datafile.example().indicators) if ind.method is Method.RATIO)
    sheet, cell = _column_cell("tbl_indicators", "actual", i)
    (tmp_path / "xl").mkdir()
    (tmp_path / "cli").mkdir()
    in_excel = FakeBook(fx.set_value(example_book, tmp_path / "xl" / "b.xlsm", sheet, cell, "90%"))
    buttons.check_book(in_excel)
    on_disk = fx.set_value(example_book, tmp_path / "cli" / "b.xlsm", sheet, cell, "90%")
    check_write(on_disk)
    c = openpyxl.load_workbook(on_disk)[sheet][cell]
    assert live(in_excel, sheet, cell) == (c.value, c.comment.text) == (
        0.9, "原填写为文本“90%”，已由自评程序改为数字 0.9。")
