"""The three buttons (selfeval_xl.excel) pressed on a fake of xlwings backed by openpyxl.

What is proven: each button on the built seed example gives the same findings, scores and
report as the command line / file writer on the same workbook; no input cell changes;
the notes on cells in error are renewed by the next check and the officer's own notes are
left alone; an earlier report is only replaced after the officer says yes; every error
reaches the officer as one Chinese sentence, with the traceback in a log beside the book;
and the button's VBA, run in pyOpenVBA's interpreter, reaches the entry point.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from selfeval_xl import layout, pipeline
from selfeval_xl.excel import buttons as excel
from selfeval_xl.render import render_docx, render_markdown
from selfeval_xl.write import render_sheet, workbook_writer
from selfeval_xl.read.book_source import CellError
from selfeval_xl.write.workbook_writer import write_results
from selfeval_xl.cli import report as cli_report
from selfeval_xl.core import scoring
from selfeval_xl.excel.source import XlwingsSource, plain
from selfeval_xl.excel.writer import MARK, STATUS_NAMES, XlwingsWriter
from xlwings_fake import FakeBook

NOW = datetime(2026, 3, 1, 9, 30, 5, tzinfo=timezone.utc).astimezone()
TODAY = date(2026, 3, 1)
BOOK_NAME = "自评表.xlsm"


# --- fixtures and readers of what was written --------------------------------------------------

@pytest.fixture(scope="session")
def computed(built_example, soffice):
    """Formula values as an office suite shows them after recalculating (as Excel would)."""
    from selfeval_xl.render.libreoffice import recalculated_values

    return recalculated_values(built_example)


@pytest.fixture
def book_path(built_example, tmp_path):
    folder = tmp_path / "book"
    folder.mkdir()
    return Path(shutil.copy(built_example, folder / BOOK_NAME))


@pytest.fixture
def cli_copy(built_example, tmp_path):
    """A second copy for the command-line / file-writer side of each comparison."""
    folder = tmp_path / "cli"
    folder.mkdir()
    return Path(shutil.copy(built_example, folder / BOOK_NAME))


def table_rows(wb: openpyxl.Workbook, name: str) -> list[tuple]:
    spec = layout.table(name)
    ws = wb[spec.sheet]
    t = ws.tables[name]
    rows = [tuple(c.value for c in row) for row in ws[t.ref]]
    return rows[1:]


def column_values(wb, table: str, header: str) -> list:
    spec = layout.table(table)
    ws = wb[spec.sheet]
    rows = [tuple(c.value for c in row) for row in ws[ws.tables[table].ref]]
    i = list(rows[0]).index(header)
    return [r[i] for r in rows[1:]]


def column_coords(wb, table: str, header: str) -> list[str]:
    ws = wb[layout.table(table).sheet]
    rows = list(ws[ws.tables[table].ref])
    i = [c.value for c in rows[0]].index(header)
    return [r[i].coordinate for r in rows[1:]]


def expected_rows(findings) -> list[tuple]:
    return [(f.severity.label, f.code, f.sheet or None, f.cell or None, f.name or None,
             f.message or None) for f in findings] or [(None,) * 6]


def snapshot(wb: openpyxl.Workbook) -> dict:
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets
            for row in ws.iter_rows() for c in row if c.value is not None}


def output_cells(wb: openpyxl.Workbook) -> set[tuple[str, str]]:
    """Every cell a button may write: the findings and report sheets, the indicator output
    columns, the status block."""
    allowed = set()
    ws = wb[layout.table("tbl_indicators").sheet]
    ref = ws.tables["tbl_indicators"].ref
    header = [c.value for c in ws[ref][0]]
    for row in ws[ref][1:]:
        for key in ("py_score", "py_explain"):
            allowed.add((ws.title, row[header.index(layout.table("tbl_indicators").column(key).header)].coordinate))
    for name in (*STATUS_NAMES, "py_self_score"):
        sheet, cell = layout.defined_names()[name]
        allowed.add((sheet, cell))
    return allowed


def changed(before: dict, after: dict) -> set[tuple[str, str]]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


# --- same results as the command line ------------------------------------------------------

def test_check_button_gives_the_cli_findings_and_writes_them_like_the_file_writer(
        book_path, cli_copy, computed):
    book = FakeBook(book_path, computed)
    message = excel.run_button(book, lambda b: excel.check_book(b, now=NOW))

    cli_findings = pipeline.evaluate_path(cli_copy).findings
    # ``selfeval-xl check`` (which also checks dates against today) agrees on this book
    assert cli_findings == pipeline.evaluate_path(cli_copy, today=TODAY).findings
    # the seed's own inconsistency is among them (DESIGN.md)
    assert ("EXP_PARTS_MISMATCH", "支出情况", "C5") in [f.where for f in cli_findings]
    assert table_rows(book.wb, "tbl_findings") == expected_rows(cli_findings)
    write_results(cli_copy, findings=cli_findings, backup=False)
    assert table_rows(book.wb, "tbl_findings") == table_rows(
        openpyxl.load_workbook(cli_copy), "tbl_findings")

    cell_col = "D"  # 单元格 is the 4th column of tbl_findings, anchored at column A
    assert book.links == {
        ("校验结果", f"{cell_col}{5 + i}"): "#'" + f.sheet + "'!" + f.cell
        for i, f in enumerate(cli_findings) if f.sheet and f.cell}
    marked = {(f.sheet, f.cell.split(":")[0]) for f in cli_findings
              if f.severity.value in ("error", "warning") and f.cell}
    notes = {(s.name, n.cell.address.replace("$", "")) for s in book.sheets for n in s.notes}
    assert notes == marked
    assert excel.summary(cli_findings) in message
    assert message == f"校验完成：{excel.summary(cli_findings)}。详见“校验结果”工作表。"
    assert book.app.alerts == [{"prompt": message, "title": excel.TITLE, "buttons": "ok",
                                "mode": "info"}]
    status = {n: book.sheets[layout.defined_names()[n][0]].range(layout.defined_names()[n][1]).value
              for n in ("status_checked_at", "status_check_summary")}
    assert status == {"status_checked_at": NOW.strftime("%Y-%m-%d %H:%M:%S"),
                      "status_check_summary": excel.summary(cli_findings)}


def test_score_button_gives_the_cli_scores(book_path, cli_copy, computed):
    book = FakeBook(book_path, computed)
    message = excel.score_book(book, now=NOW)
    card = pipeline.evaluate_path(cli_copy).scorecard
    assert message == (f"计算完成：自评得分 {scoring.fmt_score(card.total)} 分（{card.grade}），"
                       f"分值合计 {scoring.fmt_score(card.weight_total)}。")
    assert message.startswith("计算完成：自评得分 96 分（优）")  # the seed's published score
    write_results(cli_copy, scorecard=card, backup=False)
    cli_wb = openpyxl.load_workbook(cli_copy)
    for header in ("校核得分", "得分说明"):
        assert column_values(book.wb, "tbl_indicators", header) == column_values(
            cli_wb, "tbl_indicators", header), header
    scores = [s for s in column_values(book.wb, "tbl_indicators", "校核得分") if s is not None]
    assert scores == [float(r.score) for r in card.rows]
    # and the Python scores agree with the workbook's own formula column, recalculated
    formula_scores = [computed[layout.SHEET_INDICATORS].get(coord)
                      for coord in column_coords(book.wb, "tbl_indicators", "得分")]
    assert scores == [float(v) for v in formula_scores if v is not None]


def _fix_cli_clock(monkeypatch):
    # the one status clock the CLI and the buttons share
    monkeypatch.setattr(workbook_writer, "status_now",
                        lambda: NOW.astimezone().replace(microsecond=0))


def test_report_button_gives_the_cli_report(book_path, cli_copy, computed, monkeypatch):
    _fix_cli_clock(monkeypatch)
    rendered = []
    real_render = render_docx.render
    monkeypatch.setattr(render_docx, "render",
                        lambda doc, path: rendered.append(doc) or real_render(doc, path))
    book = FakeBook(book_path, computed)
    message = excel.report_book(book, now=NOW)

    run = cli_report.produce(book=cli_copy, formats=("md", "docx", "sheet"))
    assert len(rendered) == 2  # the button's, then the CLI's
    assert render_markdown.render(rendered[0]) == render_markdown.render(run.document)
    stem = Path(BOOK_NAME).stem + cli_report.REPORT_SUFFIX
    docx = book_path.parent / f"{stem}.docx"
    with zipfile.ZipFile(docx) as ours, zipfile.ZipFile(run.outputs["docx"]) as theirs:
        assert ours.read("word/document.xml") == theirs.read("word/document.xml")
    pdf = book_path.parent / f"{stem}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert message.splitlines()[1:] == [f"Word：{docx}", f"PDF：{pdf}",
                                        "“自评报告”工作表已更新；请保存工作簿。"]
    # the report sheet as the file writer lays it out: same texts, merges, row heights
    cli_wb = openpyxl.load_workbook(cli_copy)
    ours_ws, theirs_ws = book.wb[layout.SHEET_REPORT], cli_wb[layout.SHEET_REPORT]
    assert snapshot_sheet(ours_ws) == snapshot_sheet(theirs_ws)
    assert sorted(map(str, ours_ws.merged_cells.ranges)) == sorted(
        map(str, theirs_ws.merged_cells.ranges))
    title = book.formats[(layout.SHEET_REPORT, "B2")]
    name, size, bold = render_sheet.FONTS["title"]
    assert (title["font.name"], title["font.size"], title["font.bold"]) == (name, size, bold)
    assert title["horizontal_alignment"] == "center" and title["wrap_text"] is True
    heights = {r: h for (s, r), h in book.row_heights.items() if s == layout.SHEET_REPORT}
    assert heights == {r: d.height for r, d in theirs_ws.row_dimensions.items()
                       if d.customHeight and r >= 2}
    # findings, scores and status as the CLI's report command writes them
    for table in ("tbl_findings",):
        assert table_rows(book.wb, table) == table_rows(cli_wb, table)
    assert column_values(book.wb, "tbl_indicators", "校核得分") == column_values(
        cli_wb, "tbl_indicators", "校核得分")
    for name in ("status_report_at", "report_fingerprint", "report_score"):
        sheet, cell = layout.defined_names()[name]
        assert book.wb[sheet][cell].value == cli_wb[sheet][cell].value, name


def snapshot_sheet(ws) -> dict:
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


def test_buttons_change_no_input_cell(book_path, tmp_path):
    before_wb = openpyxl.load_workbook(book_path)
    before = snapshot(before_wb)
    book = FakeBook(book_path)
    excel.check_book(book, now=NOW)
    excel.score_book(book, now=NOW)
    excel.report_book(book, now=NOW)
    allowed = output_cells(before_wb)
    moved = {k for k in changed(before, snapshot(book.wb))
             if k[0] not in (layout.SHEET_FINDINGS, layout.SHEET_REPORT) and k not in allowed}
    assert moved == set()
    # and something was written, so the assertion above could fail
    assert {k[0] for k in changed(before, snapshot(book.wb))} >= {
        layout.SHEET_FINDINGS, layout.SHEET_REPORT, layout.SHEET_INDICATORS, layout.SHEET_GUIDE}


# --- marks, overwriting, errors ----------------------------------------------------------------

def test_next_check_removes_its_marks_and_keeps_the_officers_notes(book_path):
    book = FakeBook(book_path)
    book.wb["支出情况"]["C6"].comment = Comment("上级要求核对", "officer")
    excel.check_book(book, now=NOW)
    assert book.sheets["支出情况"].range("C4").note.text.startswith(MARK)  # budget_total blank
    first_rows = len(table_rows(book.wb, "tbl_findings"))

    # the officer fills in the budget and fixes the project spending: two errors go away
    book.sheets["支出情况"].range("C4").value = 921.52
    book.sheets["支出情况"].range("C12").value = 530.79
    excel.check_book(book, now=NOW)
    assert book.sheets["支出情况"].range("C4").note is None
    assert book.sheets["支出情况"].range("C5").note is None
    assert book.sheets["支出情况"].range("C6").note.text == "上级要求核对"
    rows = table_rows(book.wb, "tbl_findings")
    assert rows == expected_rows(excel.analyse(book).findings)
    assert len(rows) < first_rows
    assert not {"FIELD_REQUIRED", "EXP_PARTS_MISMATCH"} & {r[1] for r in rows}
    # links of rows that no longer exist are gone with them
    assert all(int(cell[1:]) <= 4 + len(rows) for (_, cell) in book.links)


def test_no_findings_leaves_one_blank_row_and_says_so(book_path, monkeypatch):
    empty = pipeline.Outcome(read=None, findings=[], scorecard=None)
    monkeypatch.setattr(excel, "analyse", lambda book: empty)
    book = FakeBook(book_path)
    assert excel.check_book(book, now=NOW) == "校验完成：未发现问题。"
    assert table_rows(book.wb, "tbl_findings") == [(None,) * 6]
    assert book.links == {}


def test_report_asks_before_replacing_an_earlier_report(book_path):
    stem = Path(BOOK_NAME).stem + cli_report.REPORT_SUFFIX
    earlier = book_path.parent / f"{stem}.docx"
    earlier.write_bytes(b"earlier report")
    book = FakeBook(book_path)
    book.app.answers.append("no")
    assert excel.report_book(book, now=NOW) == "未生成报告：以前的报告文件保持不变。"
    assert earlier.read_bytes() == b"earlier report"
    assert book.calls == []
    question = book.app.alerts[0]
    assert question["buttons"] == "yes_no" and f"{stem}.docx" in question["prompt"]

    book.app.answers.append("yes")
    excel.report_book(book, now=NOW)
    assert earlier.read_bytes().startswith(b"PK")


def _log_of(path: Path) -> Path:
    return path.with_name(path.name + excel.LOG_SUFFIX)


def test_missing_table_is_a_chinese_message_and_a_logged_traceback(book_path):
    book = FakeBook(book_path)
    del book.wb[layout.SHEET_FINDINGS].tables["tbl_findings"]
    message = excel.run_button(book, excel.check_book)
    assert message.splitlines() == ["工作簿中没有表格“tbl_findings”，无法写入结果。",
                                    f"详细信息已记录在：{_log_of(book_path)}"]
    assert book.app.alerts[-1]["mode"] == "critical"
    log = _log_of(book_path).read_text(encoding="utf-8")
    assert "Traceback" in log and "WriteRefused" in log and "check_book" in log


def test_unexpected_error_is_an_internal_error_message(book_path, monkeypatch):
    def boom(self, findings):
        raise KeyError("tbl")

    monkeypatch.setattr(XlwingsWriter, "write_findings", boom)
    book = FakeBook(book_path)
    message = excel.run_button(book, excel.check_book)
    assert message.startswith("操作未完成：程序出现内部错误（KeyError）。")
    assert "KeyError: 'tbl'" in _log_of(book_path).read_text(encoding="utf-8")


def test_report_file_open_in_word_is_explained(book_path, monkeypatch):
    def locked(doc, path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(render_docx, "render", locked)
    book = FakeBook(book_path)
    message = excel.run_button(book, excel.report_book)
    stem = Path(BOOK_NAME).stem + cli_report.REPORT_SUFFIX
    assert message.splitlines()[0] == (f"无法写入“{stem}.docx”：它可能正在 Word 或其他程序中打开，"
                                       "请关闭后再试。")
    assert book.calls == []  # nothing written into the workbook either


@pytest.mark.parametrize("fullname, start", [
    ("工作簿1", "工作簿还没有保存过。"),
    ("https://contoso-my.sharepoint.com/personal/li/Documents/自评表.xlsm", "工作簿是从网络位置"),
])
def test_report_needs_a_local_folder(book_path, fullname, start):
    book = FakeBook(book_path)
    book.fullname = fullname
    message = excel.run_button(book, excel.report_book)
    assert message.startswith(start)


def test_growing_findings_table_never_covers_the_officers_content(book_path):
    book = FakeBook(book_path)
    book.sheets[layout.SHEET_FINDINGS].range("C6").value = "我的备注"
    book.calls.clear()
    message = excel.run_button(book, lambda b: excel.check_book(b, now=NOW))
    assert message.startswith("“校验结果”工作表中校验结果表的下方有内容")
    assert book.wb[layout.SHEET_FINDINGS]["C6"].value == "我的备注"
    assert book.calls == []


def test_python_total_is_written_when_the_workbook_has_a_cell_for_it(book_path):
    book = FakeBook(book_path)
    book.wb.defined_names[excel.PY_TOTAL_NAME] = DefinedName(
        excel.PY_TOTAL_NAME, attr_text=f"'{layout.SHEET_INDICATORS}'!$I$2")
    excel.score_book(book, now=NOW)
    assert book.wb[layout.SHEET_INDICATORS]["I2"].value == 96.0


# --- the BookSource over xlwings ------------------------------------------------------------

def test_plain_values_match_a_files():
    assert plain(2022.0) == 2022 and isinstance(plain(2022.0), int)
    assert plain(921.52) == 921.52
    assert plain("#DIV/0!") == CellError("#DIV/0!")
    assert plain("#不是错误") == "#不是错误"
    assert plain(None) is None and plain(True) is True


def test_source_reads_what_the_file_reader_reads(book_path):
    source = XlwingsSource(FakeBook(book_path))
    from selfeval_xl.read.ooxml_source import open_book

    ooxml = open_book(book_path)
    assert source.sheet_names() == ooxml.sheet_names()
    for name in layout.defined_names():
        assert source.defined_name(name) == ooxml.defined_name(name), name
    for t in layout.TABLES:
        assert source.table(t.name) == ooxml.table(t.name), t.name
    for f in layout.FIELDS:
        assert source.values(f.sheet, f.cell) == ooxml.values(f.sheet, f.cell), f.name
    assert source.defined_name("no_such_name") is None


def test_source_leaves_out_a_totals_row_and_sheet_scoped_names(book_path):
    book = FakeBook(book_path)
    ws = book.wb[layout.SHEET_GOALS]
    ws.defined_names["dept_name"] = DefinedName("dept_name", attr_text=f"'{layout.SHEET_GOALS}'!$A$1")
    t = ws.tables["tbl_goals"]
    first, last = t.ref.split(":")
    t.totalsRowCount = 1
    source = XlwingsSource(book)
    assert source.table("tbl_goals") == (layout.SHEET_GOALS, f"{first}:{last[:1]}{int(last[1:]) - 1}")
    assert source.defined_name("dept_name") == (layout.SHEET_BASICS, layout.field("dept_name").cell)


# --- the button's VBA reaches the entry point ---------------------------------------------

def test_validate_button_vba_runs_the_check_on_the_calling_book(book_path, monkeypatch):
    import xlwings as xw
    from pyopenvba.apps.excel import ExcelApplication

    from selfeval_xl.build import vba_project

    app = ExcelApplication()
    app.add_workbook()
    for module in vba_project.our_modules():
        body = "\r\n".join(line for line in module.source.split("\r\n")
                           if not line.startswith("Attribute "))
        app.add_module(body, name=module.name)
    # RegisterFunctionHelp (module udf_help, tested in test_vba/test_udf_vba) calls Excel's
    # MacroOptions, which the interpreter lacks: a no-op stands in here.
    app.add_module("Public LastCommand As String\r\nPublic Function RunPython(cmd As String)\r\n"
                   "    LastCommand = cmd\r\nEnd Function\r\n"
                   "Public Sub RegisterFunctionHelp()\r\nEnd Sub\r\n", name="RunPythonStub")
    app.run("ValidateData")
    command = app.evaluate("LastCommand")

    book = FakeBook(book_path)
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    exec(command, {})  # noqa: S102 - what xlwings' RunPython does with the text
    findings = excel.analyse(FakeBook(book_path)).findings
    assert table_rows(book.wb, "tbl_findings") == expected_rows(findings)
    assert book.app.alerts[-1]["prompt"].startswith("校验完成：")


def test_an_earlier_pdf_that_is_not_replaced_is_called_out(book_path, monkeypatch):
    from selfeval_xl.render import pdf

    monkeypatch.setattr(pdf, "available", lambda: False)
    stem = Path(BOOK_NAME).stem + cli_report.REPORT_SUFFIX
    (book_path.parent / f"{stem}.pdf").write_bytes(b"%PDF old")
    book = FakeBook(book_path)
    message = excel.report_book(book, now=NOW)
    assert message.splitlines()[2:] == ["PDF 未生成：本机没有安装 LibreOffice。",
                                        f"注意：{stem}.pdf 是以前的报告，已与新报告不一致。",
                                        "“自评报告”工作表已更新；请保存工作簿。"]


def test_without_python_no_cell_of_the_example_shows_an_error(computed):
    # LibreOffice has neither Python nor xlwings: what it shows after recalculating is what
    # a recipient without Python sees. No formula may depend on a UDF.
    from selfeval_xl.excel.source import ERROR_TEXTS

    errors = {(sheet, ref): v for sheet, cells in computed.items() for ref, v in cells.items()
              if isinstance(v, str) and v.strip() in ERROR_TEXTS}
    assert errors == {}
    assert computed[layout.SHEET_INDICATORS][layout.OUTPUTS_BY_NAME["self_score"].cell] == 96


def test_every_python_function_the_button_vba_calls_exists_without_arguments():
    import importlib
    import inspect
    import re

    from selfeval_xl.build import vba_project

    commands = [c for m in vba_project.our_modules()
                for c in re.findall(r'RunPython\s+"([^"]+)"', m.source)]
    assert len(commands) == 3
    for command in commands:
        m = re.fullmatch(r"import ([\w.]+) as (\w+); \2\.(\w+)\(\)", command)
        assert m, command
        func = getattr(importlib.import_module(m.group(1)), m.group(3))
        inspect.signature(func).bind()  # RunPython passes nothing
        assert func.__module__ == "selfeval_xl.excel.buttons"


# --- COM round trips of a button press -----------------------------------------------------

def test_reading_a_live_book_reads_each_sheet_once(book_path, computed, monkeypatch):
    """Every value read is a COM round trip in Excel: the reader takes each sheet's used
    range once (was ≈ 170 range reads a press) and the defined names in one pass."""
    import xlwings_fake

    reads: list[tuple[str, tuple]] = []
    passes = []
    value = xlwings_fake.FakeRange.value
    names = xlwings_fake.FakeBook.names

    def counted_value(rng):
        reads.append((rng.sheet.name, rng.dims[:4]))
        return value.fget(rng)

    def counted_names(book):
        passes.append(1)
        return names.fget(book)

    monkeypatch.setattr(xlwings_fake.FakeRange, "value", property(counted_value, value.fset))
    monkeypatch.setattr(xlwings_fake.FakeBook, "names", property(counted_names))
    book = FakeBook(book_path, computed)
    from selfeval_xl.read import reader

    live = pipeline.evaluate(reader.read_source(XlwingsSource(book)), today=TODAY)
    sheets = [name for name, _ in reads]
    assert len(sheets) == len(set(sheets))  # each sheet at most once
    assert len(reads) <= len(layout.SHEETS)
    assert len(passes) == 1
    # and the same reading as the file's
    assert live.evaluation == pipeline.evaluate_path(book_path, today=TODAY).evaluation


@pytest.mark.parametrize("press", ["check_book", "score_book"])
def test_a_button_press_reads_the_defined_names_twice_at_most(book_path, computed, monkeypatch,
                                                              press):
    """Once for the reader's source, once for the writer (a press made 7–11 passes)."""
    import xlwings_fake

    passes = []
    names = xlwings_fake.FakeBook.names

    def counted_names(book):
        passes.append(1)
        return names.fget(book)

    monkeypatch.setattr(xlwings_fake.FakeBook, "names", property(counted_names))
    book = FakeBook(book_path, computed)
    message = getattr(excel, press)(book, now=NOW)  # raises if the press fails
    assert message.startswith(("校验完成", "计算完成")), message
    assert 1 <= len(passes) <= 2
