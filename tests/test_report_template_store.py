"""The report template travels in the workbook (使用说明!C27, issue 11).

What is proven: the 生成报告 button, pressed on the xlwings fake, uses the template a
workbook stores (its own outline, numbering and extra section) and writes the same sheet
and the same .docx as ``selfeval-xl report`` on the same file; a template too long for an
Excel cell (32,767 characters) is refused by ``report --template`` and ``build --template``
before anything is written, and a stored one that is too long or cut at the limit is a
finding naming the cell, the report falling back to the built-in template.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from selfeval_xl import layout, pipeline
from selfeval_xl.cli import main
from selfeval_xl.cli import report as cli_report
from selfeval_xl.core.report import config as report_config
from selfeval_xl.core.report.document import Heading
from selfeval_xl.excel import buttons as excel
from selfeval_xl.read import reader
from selfeval_xl.render import pdf, render_docx, render_markdown
from selfeval_xl.write import workbook_writer
from xlwings_fake import FakeBook

DATA = Path(__file__).parent / "data"
EV_FILE = DATA / "maoming_2023.json"
NOW = datetime(2026, 3, 1, 9, 30, 5, tzinfo=timezone.utc).astimezone()
BOOK_NAME = "湛江.xlsm"

# Another city's outline, written for this test: its own section tree and titles, every
# numbering style changed, the extra section 设置机构及人员情况 placed in 一（二）, fixed text.
CUSTOM = {
    "format": "selfeval-xl/report-template/1",
    "title": "部门整体支出绩效自评情况报告",
    "numbering": {"tasks": "（1）", "goal_items": "1、", "conclusions": "1、",
                  "expenditure": "（1）"},
    "sections": [
        {"title": "基本情况", "sections": [
            {"title": "单位职能", "content": ["dept_functions"]},
            {"title": "设置机构及人员情况", "content": [{"extra": "设置机构及人员情况"}]},
            {"title": "资金使用情况", "content": ["expenditure"]},
            {"title": "重点工作和绩效目标", "content": ["tasks", "goals"]}]},
        {"title": "自评结论", "content": ["conclusions", "score_sentence"]},
        {"title": "存在问题及整改措施", "content": [{"text": "{评价年度}年未发现需要整改的问题。"}]},
        {"title": "其他需说明的情况", "content": ["other_notes"]},
    ],
}


def _headings(doc) -> list[str]:
    return [b.numbering + b.text for b in doc.blocks if isinstance(b, Heading)]


def _sheet_texts(ws) -> dict:
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


@pytest.fixture
def custom_book(tmp_path):
    """A workbook built from 茂名's data that stores the custom template."""
    template = tmp_path / "湛江.json"
    template.write_text(json.dumps(CUSTOM, ensure_ascii=False, indent=2), encoding="utf-8")
    book = tmp_path / "built" / BOOK_NAME
    book.parent.mkdir()
    res = CliRunner().invoke(main, ["build", "--data", str(EV_FILE), "--template", str(template),
                                    "-o", str(book)])
    assert res.exit_code == 0, res.output
    return book


def test_report_button_uses_the_stored_template_as_the_cli_does(custom_book, tmp_path, soffice,
                                                                 monkeypatch):
    from selfeval_xl.render.libreoffice import recalculated_values

    monkeypatch.setattr(workbook_writer, "status_now",
                        lambda: NOW.astimezone().replace(microsecond=0))
    monkeypatch.setattr(pdf, "available", lambda: False)  # the PDF is not what is compared
    rendered = []
    real_render = render_docx.render
    monkeypatch.setattr(render_docx, "render",
                        lambda doc, path: rendered.append(doc) or real_render(doc, path))
    ours, theirs = tmp_path / "button" / BOOK_NAME, tmp_path / "cli" / BOOK_NAME
    for path in (ours, theirs):
        path.parent.mkdir()
        shutil.copy(custom_book, path)

    book = FakeBook(ours, recalculated_values(custom_book))
    message = excel.report_book(book, now=NOW)
    assert message.startswith("报告已生成（自评 95.34 分）。"), message
    res = CliRunner().invoke(main, ["report", str(theirs), "--format", "md,docx,sheet"])
    assert res.exit_code == 0, res.output

    button_doc, cli_doc = rendered
    # the custom outline, numbered as the template says, on both sides
    assert _headings(button_doc) == _headings(cli_doc) == [
        "一、基本情况", "（一）单位职能", "（二）设置机构及人员情况", "（三）资金使用情况",
        "（四）重点工作和绩效目标", "二、自评结论", "三、存在问题及整改措施", "四、其他需说明的情况"]
    md = render_markdown.render(button_doc)
    cli_md = (theirs.parent / f"湛江{cli_report.REPORT_SUFFIX}.md").read_text(encoding="utf-8")
    assert md == cli_md
    lines = md.splitlines()
    for line in ("# 部门整体支出绩效自评情况报告",
                 "核定事业编制32名，2023年末实有在职人员29人，离退休人员11人。",
                 "（1）一般公共预算实际支出为1203.67万元；",
                 "（2）基本支出702.15万元，其中人员经费611.38万元，公用经费90.77万元；"
                 "项目支出501.52万元。",
                 "（2）规范交易服务。修订进场交易服务指南，统一全市交易规则和文件范本。",
                 "2、交易服务满意度不低于90%。",
                 "2、预算执行总体良好，“三公”经费较上年下降。",
                 "2023年未发现需要整改的问题。"):
        assert line in lines, line
    # the .docx the button wrote next to the workbook is the CLI's
    docx = ours.parent / f"湛江{cli_report.REPORT_SUFFIX}.docx"
    cli_docx = theirs.parent / docx.name
    with zipfile.ZipFile(docx) as a, zipfile.ZipFile(cli_docx) as b:
        assert a.read("word/document.xml") == b.read("word/document.xml")
    # the 自评报告 sheet the button drew is the one the CLI wrote into its copy
    button_ws = book.wb[layout.SHEET_REPORT]
    cli_ws = openpyxl.load_workbook(theirs)[layout.SHEET_REPORT]
    assert _sheet_texts(button_ws) == _sheet_texts(cli_ws)
    assert "（三）资金使用情况" in _sheet_texts(button_ws).values()


# --- Excel's cell limit: 32,767 characters ---------------------------------------------------

# {"sections":[{"title":"甲","content":[{"text":"…"}]}]} is 52 characters around the text.
def _long_template(path: Path, text: str) -> Path:
    d = {"sections": [{"title": "甲", "content": [{"text": text}]}]}
    path.write_text(json.dumps(d, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _too_long(path: Path, n: int) -> str:
    return (f"报告模板“{path}”存入工作簿需要 {n} 个字符（已去掉缩进和换行），超过 Excel 单元格最多 "
            "32,767 个字符的上限；请精简模板（例如删去以 _ 开头的说明、缩短固定文字）后重试。"
            "未生成任何文件。")


def test_a_template_stored_as_compact_json_fits_up_to_the_cell_limit(tmp_path):
    exact = _long_template(tmp_path / "exact.json", "乙" * 32715)
    assert len(exact.read_text(encoding="utf-8")) > 32767  # the file only fits compacted
    text = report_config.stored_text(exact)
    assert len(text) == 32767
    assert text.startswith('{"sections":[{"title":"甲","content":[{"text":"乙乙')


@pytest.mark.parametrize("text, n", [
    ("乙" * 32716, "32,768"),
    # a character outside the BMP counts twice in Excel (UTF-16): 32,767 in Python, 32,768 there
    ("乙" * 32714 + "𠮷", "32,768"),
    ("乙" * 40000, "40,052"),
])
def test_report_and_build_refuse_a_template_too_long_for_a_cell(tmp_path, text, n):
    template = _long_template(tmp_path / "长模板.json", text)
    with pytest.raises(report_config.ConfigError) as info:
        report_config.stored_text(template)
    assert str(info.value) == _too_long(template, n)

    runner = CliRunner()
    book = tmp_path / "新.xlsm"
    res = runner.invoke(main, ["build", "--example", "--template", str(template), "-o", str(book)])
    assert (res.exit_code, res.output) == (2, f"报告模板有误，未生成工作簿：{_too_long(template, n)}\n")
    assert not book.exists()

    out = tmp_path / "out"
    res = runner.invoke(main, ["report", "--example", "-o", str(out), "--template", str(template)])
    # (the progress display may leave a blank line before the message)
    assert (res.exit_code, res.output.strip()) == (2, f"错误：{_too_long(template, n)}")
    assert not out.exists()


def test_report_on_a_workbook_with_a_too_long_template_writes_nothing(built_example, tmp_path):
    book = Path(shutil.copy(built_example, tmp_path / "b.xlsm"))
    before = book.read_bytes()
    template = _long_template(tmp_path / "长模板.json", "乙" * 32716)
    res = CliRunner().invoke(main, ["report", str(book), "--template", str(template)])
    assert (res.exit_code, res.output.strip()) == (2, f"错误：{_too_long(template, '32,768')}")
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.xlsm", "长模板.json"]


RESTORE = "请用 selfeval-xl report 工作簿 --template 模板文件 重新保存模板。报告改用内置模板。"
CELL = "工作簿“使用说明”C27（report_template）"


@pytest.mark.parametrize("stored, message", [
    # too long for a cell, though valid: Excel would cut it, the button would differ
    ('{"sections":[{"title":"甲","content":[{"text":"' + "乙" * 32716 + '"}]}]}',
     f"报告模板“{CELL}”有 32,768 个字符，超过 Excel 单元格最多 32,767 个字符的上限，"
     f"Excel 会截断它；{RESTORE}"),
    # cut where Excel cuts
    (('{"sections":[{"title":"甲","content":[{"text":"' + "乙" * 40000 + '"}]}]}')[:32767],
     f"报告模板“{CELL}”正好 32,767 个字符（Excel 单元格的上限）且不是完整的 JSON，已被截断；"
     f"{RESTORE}"),
])
def test_a_stored_template_too_long_or_cut_is_a_finding_at_the_cell(built_example, tmp_path,
                                                                    stored, message):
    book = Path(shutil.copy(built_example, tmp_path / "b.xlsm"))
    workbook_writer.write_results(book, status={"report_template": stored})
    sheet, cell = layout.defined_names()["report_template"]
    assert (sheet, cell) == ("使用说明", "C27")
    for outcome in (pipeline.evaluate(reader.read(book)), excel.analyse(FakeBook(book))):
        found = [(f.severity.value, f.sheet, f.cell, f.message) for f in outcome.findings
                 if f.code == "REPORT_TEMPLATE_INVALID"]
        assert found == [("error", "使用说明", "C27", message)]
        assert outcome.config is None  # the built-in template applies
    run = cli_report.produce(book=book, formats=("md",))
    assert "## 一、部门基本情况" in render_markdown.render(run.document).splitlines()
