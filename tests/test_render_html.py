"""The HTML renderer prints the document's blocks, in order, in the same words, escaped."""

from __future__ import annotations

from html.parser import HTMLParser

from selfeval_xl import datafile, pipeline
from selfeval_xl.core.report import build_document
from selfeval_xl.core.report.document import (Align, Document, Heading, Notice, NumberedPoint,
                                              Paragraph, Table, Title)
from selfeval_xl.render import render_html


class _Blocks(HTMLParser):
    """The text of each top-level block of the article (a block = one child element)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.blocks = 0, []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.blocks[-1] += "\n"
            return
        self.depth += 1
        if self.depth == 2:
            self.blocks.append("")

    def handle_endtag(self, tag):
        self.depth -= 1

    def handle_data(self, data):
        if self.depth >= 2:
            self.blocks[-1] += data


def test_example_report_has_the_documents_words_in_order():
    outcome = pipeline.evaluate(pipeline.data_result(datafile.example()))
    doc = build_document(outcome.evaluation, outcome.scorecard, outcome.findings)
    parser = _Blocks()
    parser.feed(render_html.render(doc))
    expected = []
    for b in doc.blocks:
        if isinstance(b, Table):
            expected.append((b.caption or "") + "".join(b.headers) + "".join(
                "".join(r) for r in b.rows))
        elif isinstance(b, Notice):
            expected.append(b.title + "".join(b.items))
        else:
            expected.append(b.plain)
    assert parser.blocks == expected


def test_every_kind_of_block_and_escaping():
    doc = Document(blocks=(
        Title("<自评>"),
        Notice("注意 & 提示", ("支出情况!C5：a < b",)),
        Heading(2, "（一）", "部门\"职能\""),
        Paragraph("第一行\n第二行 <script>"),
        NumberedPoint("1.", "正文", lead="预算编制情况。"),
        Table("表 1", ("项目", "金额"), (("合计", "1,011.58"),), (Align.LEFT, Align.RIGHT)),
    ))
    assert render_html.render(doc) == (
        '<article class="report">\n'
        '<h1 class="report-title">&lt;自评&gt;</h1>\n'
        '<aside class="report-notice" role="note"><p><strong>注意 &amp; 提示</strong></p>'
        '<ul><li>支出情况!C5：a &lt; b</li></ul></aside>\n'
        '<h3 class="report-heading">（一）部门&quot;职能&quot;</h3>\n'
        '<p class="report-body">第一行<br>第二行 &lt;script&gt;</p>\n'
        '<p class="report-body">1.<strong>预算编制情况。</strong>正文</p>\n'
        '<table class="report-table"><caption>表 1</caption><thead><tr>'
        '<th class="left">项目</th><th class="right">金额</th></tr></thead><tbody><tr>'
        '<td class="left">合计</td><td class="right">1,011.58</td></tr></tbody></table>\n'
        '</article>\n')
