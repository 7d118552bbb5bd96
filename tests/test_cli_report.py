"""``selfeval-xl report``: the README's first command end to end, sources, formats, errors."""

from __future__ import annotations

import json
from pathlib import Path

import docx
from click.testing import CliRunner

from selfeval_xl import datafile
from selfeval_xl.render import libreoffice
from selfeval_xl.cli import main
from selfeval_xl.cli import report as report_cli

SNAPSHOT = Path(__file__).parent / "snapshots" / "report_example.md"
STEM = "example-huizhou-2022-自评报告"


def _run(*args):
    return CliRunner().invoke(main, ["report", *map(str, args)], catch_exceptions=False)


def test_example_builds_the_workbook_and_reproduces_the_seed(tmp_path):
    result = _run("--example", "-o", tmp_path, "--format", "md,docx,sheet", "--allow-errors")
    assert result.exit_code == 0, result.output
    book = tmp_path / report_cli.EXAMPLE_BOOK
    # Read back from the built workbook, the report is the seed's (the snapshot) word for word.
    md = (tmp_path / f"{STEM}.md").read_text(encoding="utf-8")
    assert md == SNAPSHOT.read_text(encoding="utf-8")
    paragraphs = [p.text for p in docx.Document(str(tmp_path / f"{STEM}.docx")).paragraphs]
    assert paragraphs[0] == "部门整体绩效自评报告" and "较好地完成设定绩效目标，自评96分。" in paragraphs
    assert f"已生成 报告工作表：{book}" in result.stdout
    assert "按 --allow-errors 生成了不带错误提示的报告" in result.stderr
    assert "EXP_PARTS_MISMATCH 支出情况!C5" in result.stderr
    backups = [p for p in tmp_path.iterdir() if p.suffix == ".xlsm" and p != book]
    assert len(backups) == 1


def test_errors_put_the_notice_in_and_exit_1(tmp_path):
    data = datafile.example_path()
    result = _run("--data", data, "-o", tmp_path, "--format", "md")
    assert result.exit_code == 1
    md = (tmp_path / "example_huizhou_2022-自评报告.md").read_text(encoding="utf-8")
    assert md.split("\n\n")[1].startswith("> **注意：本报告所依据的数据尚有2项未解决的错误")
    assert "报告已生成，首页附有未解决错误的提示" in result.stderr
    assert "自评得分：96 分（优）" in result.output


def test_json_output_and_sheet_skipped_for_a_data_file(tmp_path):
    result = _run("--data", datafile.example_path(), "-o", tmp_path, "--format", "md,sheet",
                  "--json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["source"]["kind"] == "data"
    assert out["outputs"] == {"md": str(tmp_path / "example_huizhou_2022-自评报告.md")}
    assert out["skipped"] == {"sheet": "来源不是工作簿，无法写入“自评报告”工作表"}
    assert (out["score"], out["grade"], out["errors"], out["notice"]) == ("96.00", "优", 2, True)
    assert [(f["code"], f["sheet"], f["cell"]) for f in out["findings"]
            if f["severity"] == "error"] == [("FIELD_REQUIRED", "支出情况", "C4"),
                                             ("EXP_PARTS_MISMATCH", "支出情况", "C5")]


def test_pdf_is_skipped_without_libreoffice_and_the_rest_produced(tmp_path, monkeypatch):
    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)
    result = _run("--data", datafile.example_path(), "-o", tmp_path, "--format", "pdf,md",
                  "--allow-errors")
    assert result.exit_code == 0
    assert "未生成 PDF：未安装 LibreOffice，未生成 PDF（其余格式不受影响）" in result.stdout
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".md"]


def test_usage_errors_exit_2(tmp_path):
    assert _run("--data", datafile.example_path(), "--format", "doc").exit_code == 2
    assert "未知的输出格式：doc" in _run("--data", datafile.example_path(), "--format", "doc").stderr
    assert _run().exit_code == 2
    assert _run("--example", "--data", datafile.example_path()).exit_code == 2
    assert _run(tmp_path / "none.xlsm").exit_code == 2
    bad = tmp_path / "t.json"
    bad.write_text('{"sections": []}', encoding="utf-8")
    result = _run("--data", datafile.example_path(), "--template", bad, "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {"error": "模板缺少章节列表（sections）"}


def test_unreadable_workbook_exits_2(tmp_path):
    book = tmp_path / "not-a-book.xlsm"
    book.write_bytes(b"plain text, not a zip")
    result = _run(book, "--format", "md")
    assert result.exit_code == 2
    assert f"\n错误：无法读取工作簿 {book}：" in result.stderr
    assert list(tmp_path.iterdir()) == [book]


def test_example_never_overwrites_an_existing_workbook(tmp_path):
    book = tmp_path / report_cli.EXAMPLE_BOOK
    assert _run("--example", "-o", tmp_path, "--format", "md").exit_code == 1
    book.write_bytes(book.read_bytes())  # same content, new mtime: must be left alone
    stamp = book.stat().st_mtime_ns
    result = _run("--example", "-o", tmp_path, "--format", "md")
    assert f"示例工作簿已存在，直接使用（删除后重新运行可重新生成）：{book}" in result.stdout
    assert book.stat().st_mtime_ns == stamp


def test_parse_formats():
    assert report_cli.parse_formats(None) == report_cli.FORMATS
    assert report_cli.parse_formats(" MD, docx,md ") == ("md", "docx")


def test_a_sheet_that_cannot_be_written_leaves_the_other_formats(tmp_path, monkeypatch):
    from selfeval_xl.write import workbook_writer

    assert _run("--example", "-o", tmp_path, "--format", "md", "--allow-errors").exit_code == 0

    def refuse(*args, **kwargs):
        raise workbook_writer.WorkbookWriteError("目标单元格有用户输入")

    monkeypatch.setattr(workbook_writer, "write_results", refuse)
    book = tmp_path / report_cli.EXAMPLE_BOOK
    before = book.read_bytes()
    result = _run(book, "--format", "sheet,docx", "--json", "--allow-errors")
    out = json.loads(result.stdout)
    assert out["skipped"] == {"sheet": "未能写入工作簿（文件未改动）：目标单元格有用户输入"}
    assert list(out["outputs"]) == ["docx"]
    assert book.read_bytes() == before


def test_a_file_that_cannot_be_replaced_costs_only_its_format(tmp_path, monkeypatch):
    from selfeval_xl.render import render_docx

    def locked(doc, path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(render_docx, "render", locked)
    result = _run("--data", datafile.example_path(), "-o", tmp_path, "--format", "docx,md",
                  "--json", "--allow-errors")
    out = json.loads(result.stdout)
    assert list(out["outputs"]) == ["md"]
    assert out["skipped"]["docx"].startswith("无法写入文件（是否正在其他程序中打开？）：")
