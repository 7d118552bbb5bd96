"""PDF: the example report converted by LibreOffice, rendered to PNG by pdftoppm, and read
back through its text layer. Without LibreOffice there is no PDF and to_pdf says so (None).

Marked ``libreoffice``: skipped on a developer machine without soffice, but FAILS in CI
(CI=true), where LibreOffice is installed by .ci/run.
"""

from __future__ import annotations

import os
import re
import struct

import pytest

from selfeval_xl import datafile
from selfeval_xl.render import libreoffice, pdf, render_docx
from selfeval_xl.core import scoring
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.report import build_document

# The example report is about 3,300 characters of 16-pt text at 22 lines a page (about 600
# characters a page) plus headings and the notice: it takes 5 pages with LibreOffice 7.4 and
# Noto CJK; 4 to 6 allows for another font metric, not for a broken layout (1 page, 20 pages).
EXPECTED_PAGES = range(4, 7)

ERR = Finding("EXP_PARTS_MISMATCH", Severity.ERROR, "支出情况", "C5", "exp_total",
              "部门整体支出 921.52 万元 ≠ 基本支出 + 项目支出 1011.58 万元")


def _require_soffice() -> None:
    if libreoffice.find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI but was not found")
        pytest.skip("LibreOffice is not installed on this machine")


@pytest.fixture(scope="module")
def example_pdf(tmp_path_factory):
    _require_soffice()
    out = tmp_path_factory.mktemp("pdf")
    ev = datafile.example()
    docx = render_docx.render(build_document(ev, scoring.score(ev), [ERR]), out / "报告.docx")
    result = pdf.to_pdf(docx, out)
    assert result == out / "报告.pdf"
    return result


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.libreoffice
def test_page_count(example_pdf):
    assert pdf.page_count(example_pdf) in EXPECTED_PAGES


@pytest.mark.libreoffice
def test_text_layer_has_title_notice_and_score_sentence(example_pdf):
    first_page = _squash(pdf.text_of(example_pdf, first=1, last=1))
    assert first_page.startswith("部门整体绩效自评报告注意：本报告所依据的数据尚有1项未解决的错误")
    everything = _squash(pdf.text_of(example_pdf))
    assert "较好地完成设定绩效目标，自评96分。" in everything
    assert "2.基本支出390.73万元，其中人员经费355.99万元，公用经费34.74万元；项目支出620.85万元。" \
        in everything
    assert "—1—" in first_page  # the PAGE field in the footer was evaluated


@pytest.mark.libreoffice
def test_pages_render_to_a4_png(example_pdf, tmp_path):
    pages = pdf.to_png(example_pdf, tmp_path / "page", first=1, last=2, dpi=40)
    assert [p.name for p in pages] == ["page-1.png", "page-2.png"]
    header = pages[0].read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert abs(height / width - 297 / 210) < 0.01


def test_no_libreoffice_means_no_pdf(monkeypatch, tmp_path):
    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)
    assert not pdf.available()
    assert pdf.to_pdf(tmp_path / "missing.docx", tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_missing_poppler_tool_is_reported(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(pdf.PdfToolMissing, match="pdfinfo"):
        pdf.page_count(tmp_path / "x.pdf")


def test_fontconfig_adds_open_fallbacks_after_the_official_fonts():
    xml = pdf.fontconfig_xml("/etc/fonts/custom.conf")
    assert '<include ignore_missing="yes">/etc/fonts/custom.conf</include>' in xml
    assert ('<alias binding="same"><family>仿宋_GB2312</family><accept><family>仿宋</family>'
            '<family>FangSong</family><family>Noto Serif CJK SC</family></accept></alias>') in xml
    assert "<family>黑体</family><accept><family>SimHei</family><family>Noto Sans CJK SC" in xml
    assert "<prefer>" not in xml  # an installed official font must still win


def test_conversion_runs_with_the_font_file_and_restores_the_environment(monkeypatch, tmp_path):
    seen = {}

    def fake_convert(src, fmt, outdir, *, timeout=180):
        conf = os.environ["FONTCONFIG_FILE"]
        seen["conf"] = open(conf, encoding="utf-8").read()
        seen["fmt"] = fmt
        return tmp_path / "r.pdf"

    monkeypatch.setattr(libreoffice, "find_soffice", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(libreoffice, "convert", fake_convert)
    monkeypatch.setenv("FONTCONFIG_FILE", "/etc/fonts/mine.conf")
    assert pdf.to_pdf(tmp_path / "r.docx", tmp_path) == tmp_path / "r.pdf"
    assert seen["fmt"] == "pdf"
    assert "<include ignore_missing=\"yes\">/etc/fonts/mine.conf</include>" in seen["conf"]
    assert os.environ["FONTCONFIG_FILE"] == "/etc/fonts/mine.conf"
