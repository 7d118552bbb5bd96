"""PDF of the report: the .docx converted by LibreOffice headless, plus poppler helpers.

Without LibreOffice there is no PDF: :func:`to_pdf` returns None and the caller says so
and produces the other formats. ``pdftoppm`` / ``pdftotext`` / ``pdfinfo`` (poppler-utils)
render pages to PNG and read the text layer, for the tests and the documentation image.

The official fonts (仿宋_GB2312, 楷体_GB2312, 黑体, 方正小标宋简体) are rarely installed on
Linux. Left to itself fontconfig substitutes one sans-serif CJK face for all of them, so
the conversion runs with a small fontconfig file that adds, *after* each official font, the
open face closest in style (Song/Fangsong/Kai → Noto Serif CJK SC, Hei → Noto Sans CJK SC):
an installed official font still wins. docs/report.md lists the substitutions.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Iterator

from selfeval_xl.render import libreoffice


def escape(text: str) -> str:
    """&, < and > as XML entities (xml.sax.saxutils.escape, whose module imports
    urllib.request and the HTTP client: ≈ 35 ms of every report's start-up)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

# Official font → open fallback (fonts-noto-cjk), in the order fontconfig should try them.
OPEN_FALLBACKS = {
    "仿宋_GB2312": ("仿宋", "FangSong", "Noto Serif CJK SC"),
    "楷体_GB2312": ("楷体", "KaiTi", "Noto Serif CJK SC"),
    "方正小标宋简体": ("华文中宋", "宋体", "Noto Serif CJK SC"),
    "宋体": ("SimSun", "Noto Serif CJK SC"),
    "黑体": ("SimHei", "Noto Sans CJK SC"),
    "Times New Roman": ("Liberation Serif", "DejaVu Serif"),
}

_ENV_LOCK = threading.Lock()


def fontconfig_xml(base: str | None = None) -> str:
    """A fontconfig file: the system configuration plus the fallbacks above (as <accept>,
    so they only apply when the official font itself is missing)."""
    include = escape(base or "/etc/fonts/fonts.conf")
    aliases = "".join(
        f"<alias binding=\"same\"><family>{escape(name)}</family><accept>"
        + "".join(f"<family>{escape(f)}</family>" for f in fallbacks)
        + "</accept></alias>\n"
        for name, fallbacks in OPEN_FALLBACKS.items())
    return ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
            f'<include ignore_missing="yes">{include}</include>\n{aliases}</fontconfig>\n')


@contextlib.contextmanager
def _report_fonts() -> Iterator[None]:
    # libreoffice.convert builds the child's environment from os.environ when called, so the
    # variable is set for the duration of the call only (under a lock, restored after).
    with _ENV_LOCK, tempfile.TemporaryDirectory(prefix="selfeval-fonts-") as tmp:
        previous = os.environ.get("FONTCONFIG_FILE")
        conf = Path(tmp) / "fonts.conf"
        conf.write_text(fontconfig_xml(previous), encoding="utf-8")
        os.environ["FONTCONFIG_FILE"] = str(conf)
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = previous


class PdfToolMissing(RuntimeError):
    """A poppler tool (pdftoppm, pdftotext, pdfinfo) is not installed."""


def available() -> bool:
    """True when LibreOffice is installed, i.e. :func:`to_pdf` can produce a PDF."""
    return libreoffice.find_soffice() is not None


def to_pdf(docx: str | Path, outdir: str | Path, *, timeout: float = 180) -> Path | None:
    """Convert a .docx to PDF in ``outdir``; None when LibreOffice is not installed.

    Raises:
        libreoffice.LibreOfficeError: LibreOffice is there but the conversion failed.
    """
    if not available():
        return None
    with _report_fonts():
        return libreoffice.convert(docx, "pdf", outdir, timeout=timeout)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PdfToolMissing(f"未找到 {name}（请安装 poppler-utils）")
    return path


def to_png(pdf: str | Path, out_prefix: str | Path, *, first: int = 1, last: int | None = None,
           dpi: int = 80) -> list[Path]:
    """Render pages ``first``..``last`` to ``<out_prefix>-<n>.png``; returns the files in order."""
    out_prefix = Path(out_prefix)
    cmd = [_tool("pdftoppm"), "-png", "-r", str(dpi), "-f", str(first)]
    if last is not None:
        cmd += ["-l", str(last)]
    subprocess.run(cmd + [str(pdf), str(out_prefix)], check=True, capture_output=True,
                   timeout=120)
    pages = sorted(out_prefix.parent.glob(out_prefix.name + "-*.png"),
                   key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return pages


def page_count(pdf: str | Path) -> int:
    """Number of pages, from ``pdfinfo``."""
    out = subprocess.run([_tool("pdfinfo"), str(pdf)], check=True, capture_output=True,
                         timeout=60).stdout.decode("utf-8", "replace")
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    if m is None:
        raise ValueError(f"pdfinfo gave no page count for {pdf}")
    return int(m.group(1))


def text_of(pdf: str | Path, *, first: int | None = None, last: int | None = None) -> str:
    """The PDF's text layer (``pdftotext``), of pages ``first``..``last`` when given."""
    cmd = [_tool("pdftotext"), "-enc", "UTF-8"]
    if first is not None:
        cmd += ["-f", str(first)]
    if last is not None:
        cmd += ["-l", str(last)]
    return subprocess.run(cmd + [str(pdf), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8", "replace")
