"""Markdown rendering: a snapshot of the example report, and each block kind."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from selfeval_xl import datafile
from selfeval_xl.render import render_markdown
from selfeval_xl.core import scoring
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.report import build_document
from selfeval_xl.core.report.document import (
    Align,
    Document,
    HeaderLine,
    Heading,
    Notice,
    NumberedPoint,
    Paragraph,
    Table,
    Title,
)

SNAPSHOT = Path(__file__).parent / "snapshots" / "report_example.md"


def _example_markdown(findings=()) -> str:
    ev = datafile.example()
    return render_markdown.render(build_document(ev, scoring.score(ev), list(findings)))


def test_example_matches_the_snapshot():
    """After an intended change: UPDATE_SNAPSHOTS=1 pytest tests/test_render_markdown.py"""
    actual = _example_markdown()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(actual, encoding="utf-8")
    expected = SNAPSHOT.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            "snapshot", "rendered"))
        raise AssertionError("Markdown differs from tests/snapshots/report_example.md:\n" + diff)


def test_block_kinds():
    doc = Document((
        Title("标题"),
        HeaderLine("部门名称", "某局"),
        Heading(1, "一、", "甲"), Heading(2, "（一）", "乙"), Heading(3, "1.", "丙"),
        Heading(4, "（1）", "丁"),
        Paragraph("正文"),
        NumberedPoint("1.", "内容", lead="小标题。"),
    ))
    assert render_markdown.render(doc) == (
        "# 标题\n\n部门名称：某局\n\n## 一、甲\n\n### （一）乙\n\n#### 1.丙\n\n##### （1）丁\n\n"
        "正文\n\n1.小标题。内容\n")


def test_markup_characters_are_escaped():
    doc = Document((Paragraph("a*b_c [d] <e> `f` \\g"),))
    assert render_markdown.render(doc) == "a\\*b\\_c \\[d\\] \\<e\\> \\`f\\` \\\\g\n"


def test_table_aligns_amounts_right_and_escapes_pipes():
    t = Table("支出", ("项目", "金额"), (("基本|支出", "390.73"), ("合计", "921.52")),
              (Align.LEFT, Align.RIGHT))
    assert render_markdown.render(Document((t,))) == (
        "**支出**\n\n| 项目 | 金额 |\n|:---|---:|\n| 基本\\|支出 | 390.73 |\n| 合计 | 921.52 |\n")


def test_notice_is_a_block_quote_under_the_title():
    err = Finding("EXP_PARTS_MISMATCH", Severity.ERROR, "支出情况", "C12", "", "合计不符。")
    text = _example_markdown([err])
    lines = text.split("\n\n")
    assert lines[0] == "# 部门整体绩效自评报告"
    assert lines[1] == ("> **注意：本报告所依据的数据尚有1项未解决的错误，报告内容可能不准确。"
                        "请按下列提示修改工作簿后重新生成：**\n"
                        "> - 支出情况!C12：合计不符。（EXP\\_PARTS\\_MISMATCH）")
    assert Notice in {type(b) for b in build_document(
        datafile.example(), None, [err]).blocks}
