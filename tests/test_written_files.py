"""Every kind of file the tool writes survives the independent checks a mail gateway, Office
and a previewer would apply: Office 2016 schema validation (openxml-audit), macro scanners
(MacroRaptor, olevba) and the VBA project's version field (MS-OVBA 2.3.4.1).

The files are made through the command line, as an officer or the bureau makes them:
build, build --data, check --write, score --write, report (sheet + Word) and collect's
summary workbook; plus the committed template, and check --write on a workbook whose
amounts were typed as text (replaced by numbers, the texts kept in new notes).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from office_audit import cached_vs_recalculated, macro_scan, schema_errors, vba_project_header
from selfeval_xl import datafile
from selfeval_xl.build import vba_project
from selfeval_xl.cli import main

TEMPLATE = Path(__file__).resolve().parents[1] / "workbook" / "SelfEvaluation.xlsm"
REPORT_STEM = "filled-自评报告"


def _cli(*args) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    # check/report exit 1 on the example's two published errors; 2 would be unreadable.
    assert result.exit_code in (0, 1), result.output


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    """kind → a file of that kind, written by the command line."""
    d = tmp_path_factory.mktemp("written")
    files = {"committed template": TEMPLATE,
             "build": d / "blank.xlsm", "build --data": d / "filled.xlsm",
             "check --write (blank)": d / "checked-blank.xlsm",
             "check --write": d / "checked.xlsm", "score --write": d / "scored.xlsm",
             "check --write (text amounts)": d / "checked-text.xlsm",
             "report (sheet)": d / "reported.xlsm",
             "report (docx)": d / "out" / f"{REPORT_STEM.replace('filled', 'reported')}.docx",
             "collect (summary)": d / "汇总.xlsx"}
    _cli("build", "-o", files["build"])
    _cli("build", "--data", datafile.example_path(), "-o", files["build --data"])
    shutil.copy(files["build"], files["check --write (blank)"])
    _cli("check", files["check --write (blank)"], "--write")
    for kind in ("check --write", "score --write", "report (sheet)"):
        shutil.copy(files["build --data"], files[kind])
    _cli("check", files["check --write"], "--write")
    _typed_as_text(files["build --data"], files["check --write (text amounts)"], d)
    _cli("check", files["check --write (text amounts)"], "--write")
    _cli("score", files["score --write"], "--write")
    _cli("report", files["report (sheet)"], "-o", d / "out", "--format", "docx,sheet",
         "--allow-errors")
    inbox = d / "inbox"
    inbox.mkdir()
    for kind in ("build --data", "report (sheet)", "build"):
        shutil.copy(files[kind], inbox / files[kind].name)
    _cli("collect", inbox, "-o", files["collect (summary)"])
    for kind, path in files.items():
        assert path.is_file(), kind
    return files


MACRO_KINDS = ("committed template", "build", "build --data", "check --write (blank)",
               "check --write", "check --write (text amounts)", "score --write", "report (sheet)")


def _typed_as_text(src: Path, dst: Path, folder: Path) -> None:
    """The example with three of its amounts typed as text, as officers do."""
    import reader_fixtures as fx

    x = datafile.example().expenditure
    texts = {"exp_personnel": f"{x.exp_personnel}万元", "exp_public": f" {x.exp_public} ",
             "exp_total": f"{x.exp_total:,}".translate(str.maketrans("0123456789.,", "０１２３４５６７８９．，"))}
    for i, (name, text) in enumerate(texts.items()):
        sheet, cell = fx.field_cell(name)
        src = fx.set_value(src, folder / f"text-{i}.xlsm", sheet, cell, text)
    shutil.copy(src, dst)
    from selfeval_xl.read.reader import read

    assert len(read(dst).text_numbers) == 3
ALL_KINDS = (*MACRO_KINDS, "report (docx)", "collect (summary)")


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_validates_against_office_2016_with_no_errors(written, kind):
    assert schema_errors(written[kind]) == []


def test_the_validator_finds_a_schema_error(written, tmp_path):
    # Proves the check above can fail: an element the schema does not allow in a worksheet.
    bad = tmp_path / "bad.xlsm"
    with zipfile.ZipFile(written["build --data"]) as src, zipfile.ZipFile(bad, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"<sheetData>", b"<bogus/><sheetData>", 1)
            out.writestr(info, data)
    errors = schema_errors(bad)
    assert any("Unexpected element 'bogus'" in e and "sheet2.xml" in e for e in errors), errors


@pytest.mark.parametrize("kind", MACRO_KINDS)
def test_macro_scanners_do_not_flag_it(written, kind):
    scan = macro_scan(written[kind])
    # Write and Execute remain (xlwings starts Python, writes its temp files); what a mail
    # gateway quarantines is AutoExec together with them.
    assert (scan.suspicious, scan.flags, scan.autoexec) == (False, "-WX", ())


def test_macro_scanners_flag_an_auto_run_macro(tmp_path):
    # Proves the scan can fail: the same project with a Workbook_Open is SUSPICIOUS.
    import io

    import xlsxwriter

    modules = vba_project.all_modules()
    evil = vba_project.VbaModule(
        "Evil", 'Attribute VB_Name = "Evil"\r\nSub Auto_Open()\r\n    ValidateData\r\nEnd Sub\r\n')
    path = tmp_path / "evil.xlsm"
    book = xlsxwriter.Workbook(str(path))
    book.set_vba_name(vba_project.WORKBOOK_CODE_NAME)
    from selfeval_xl import layout

    for index, sheet in enumerate(layout.SHEETS):
        book.add_worksheet(f"s{index}").set_vba_name(layout.CODE_NAMES[sheet])
    book.add_vba_project(io.BytesIO(vba_project.project_bin([*modules, evil])), is_stream=True)
    book.close()
    scan = macro_scan(path)
    assert scan.suspicious and scan.flags == "AWX" and scan.autoexec == ("Auto_Open",)


@pytest.mark.parametrize("kind", MACRO_KINDS)
def test_vba_project_stream_is_written_as_the_spec_says(written, kind):
    # MS-OVBA 2.3.4.1: Reserved1 0x61CC, Version 0xFFFF on write, Reserved2 0x00, Reserved3,
    # and no PerformanceCache: seven bytes, so Office compiles from the source.
    header = vba_project_header(written[kind])
    assert header == b"\xcc\x61\xff\xff\x00\x01\x00"
    assert int.from_bytes(header[2:4], "little") == 0xFFFF


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", [k for k in MACRO_KINDS if k != "committed template"])
def test_stored_results_agree_with_libreoffice_on_every_formula_cell(written, kind, soffice):
    # What a preview or a non-recalculating reader shows is what Excel/LibreOffice compute.
    count, wrong = cached_vs_recalculated(written[kind])
    assert count >= 60  # 7 on 支出情况, 3 totals and 30 scores on 指标评分, 20 完成率
    assert wrong == []


def test_the_text_amounts_were_replaced_and_noted(written):
    import openpyxl

    from selfeval_xl.read.reader import read

    book = written["check --write (text amounts)"]
    assert read(book).text_numbers == []
    ws = openpyxl.load_workbook(book)["支出情况"]
    notes = {c.coordinate: (c.value, c.comment.text) for row in ws.iter_rows() for c in row
             if c.comment}
    assert notes == {
        "C5": (921.52, "原填写为文本“９２１．５２”，已由自评程序改为数字 921.52（万元）。"),
        "C10": (355.99, "原填写为文本“355.99万元”，已由自评程序改为数字 355.99（万元）。"),
        "C11": (34.74, "原填写为文本“ 34.74 ”，已由自评程序改为数字 34.74（万元）。"),
    }
