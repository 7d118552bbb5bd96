"""The workbook's three buttons, run by xlwings' ``RunPython`` (workbook/vba/SelfEval.bas).

Each entry point only gets the calling workbook and hands it to a plain function that
reads it (:class:`~selfeval_xl.excel.source.XlwingsSource` under the same reader as the
command line), calls the same core functions as the CLI (checks, scoring, report) and
writes the results back (:class:`~selfeval_xl.excel.writer.XlwingsWriter`). The plain
functions take any book-like object, so tests drive them with a fake of the few xlwings
calls used, exactly as pressing the button would.

Nothing reaches the officer as a traceback: every error becomes one Chinese sentence in a
message box, and the full traceback goes to ``<workbook>.selfeval-xl.log`` next to the
workbook (the temporary folder when that is not writable).

This module and ``udfs/`` are the only ones that use xlwings at run time
(``build/udf_vba`` uses its VBA generator at build time).
"""

from __future__ import annotations

import tempfile
import traceback
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

import xlwings as xw

from selfeval_xl import layout
from selfeval_xl.write.workbook_writer import status_now
from selfeval_xl.core.findings import Severity, summary
from selfeval_xl.excel.source import XlwingsSource
from selfeval_xl.excel.writer import WriteRefused, XlwingsWriter

TITLE = "部门整体支出绩效自评"
LOG_SUFFIX = ".selfeval-xl.log"
# The Python total (校核总分); written when the workbook has the name (older templates lack it).
PY_TOTAL_NAME = layout.OUTPUTS_BY_NAME["py_self_score"].name


class NotSaved(Exception):
    """The workbook has no folder on this computer to put the report in (message in Chinese)."""


# --- the buttons ---------------------------------------------------------------------------

def validate_data() -> None:
    """Button 校验数据 (VBA ``ValidateData``): findings table, cell notes, status."""
    run_button(xw.Book.caller(), check_book)


def compute_score() -> None:
    """Button 计算得分 (VBA ``ComputeScore``): 校核得分 and 得分说明 of every indicator."""
    run_button(xw.Book.caller(), score_book)


def generate_report() -> None:
    """Button 生成报告 (VBA ``GenerateReport``): report sheet, .docx and PDF next to the book."""
    run_button(xw.Book.caller(), report_book)


def run_button(book: Any, action: Callable[[Any], str]) -> str:
    """Run ``action(book)`` and show its one-line result, or a readable error.

    Returns:
        The text shown to the officer.
    """
    try:
        message = action(book)
    except Exception as exc:  # noqa: BLE001 - the officer must never see a traceback dialog
        log = write_log(book, getattr(action, "__name__", "button"))
        message = f"{friendly(exc)}\n详细信息已记录在：{log}"
        book.app.alert(message, title=TITLE, mode="critical")
        return message
    book.app.alert(message, title=TITLE, mode="info")
    return message


# --- the work, on any book-like object -------------------------------------------------------

def analyse(book: Any) -> Any:
    """Read the open workbook and check and score it: the same orchestration as the CLI
    (:func:`selfeval_xl.pipeline.evaluate`), only the reader's source differs."""
    from selfeval_xl import pipeline
    from selfeval_xl.read import reader

    return pipeline.evaluate(reader.read_source(XlwingsSource(book)), today=date.today())


def replace_text_numbers(writer: XlwingsWriter, outcome: Any) -> tuple[list, Any]:
    """Numbers typed as text become numbers (text kept in the note), as every write-back
    does (write/text_numbers.py); returns (replaced, the findings as they now stand)."""
    from selfeval_xl.write.text_numbers import findings_after

    replaced = writer.replace_text_numbers(getattr(outcome.read, "text_numbers", None) or [])
    return replaced, findings_after(outcome.findings, replaced)


def replaced_line(replaced: list) -> str:
    """The message box's line about them ("" when there were none)."""
    if not replaced:
        return ""
    cells = "、".join(f"{t.sheet}!{t.cell}" for t in replaced[:5])
    more = f"等 {len(replaced)} 处" if len(replaced) > 5 else ""
    return f"\n{cells}{more}填写为文字的数字已改为数字，原文字保存在单元格批注中。"


def check_book(book: Any, *, now: datetime | None = None) -> str:
    """校验数据: refill 校验结果, renew the notes on cells in error, update the status."""
    writer = XlwingsWriter(book)
    replaced, findings = replace_text_numbers(writer, analyse(book))
    writer.write_findings(findings)
    writer.clear_marks()
    writer.mark(findings)
    line = summary(findings)
    writer.write_status({"status_checked_at": now or status_now(), "status_check_summary": line})
    return (f"校验完成：{line}。" + ("详见“校验结果”工作表。" if findings else "")
            + replaced_line(replaced))


def score_book(book: Any, *, now: datetime | None = None) -> str:
    """计算得分: 校核得分/得分说明 beside the native formulas, the status, the total."""
    from selfeval_xl.core import scoring

    outcome = analyse(book)
    scorecard = outcome.scorecard
    writer = XlwingsWriter(book)
    replaced, _ = replace_text_numbers(writer, outcome)
    writer.write_scores(scorecard)
    if PY_TOTAL_NAME in writer.names():
        writer.write_total(PY_TOTAL_NAME, scorecard.total)
    writer.write_status({"status_scored_at": now or status_now()})
    grade = f"（{scorecard.grade}）" if scorecard.grade else ""
    return (f"计算完成：自评得分 {scoring.fmt_score(scorecard.total)} 分{grade}，"
            f"分值合计 {scoring.fmt_score(scorecard.weight_total)}。" + replaced_line(replaced))


def report_book(book: Any, *, now: datetime | None = None) -> str:
    """生成报告: .docx (and PDF) next to the workbook, the report sheet, findings, scores, status.

    Asks before replacing report files made earlier; answering "no" changes nothing.
    """
    from selfeval_xl.render import pdf, render_docx
    from selfeval_xl.write.workbook_writer import report_footer
    from selfeval_xl.cli.report import REPORT_SUFFIX
    from selfeval_xl.core import scoring
    from selfeval_xl.core.fingerprint import fingerprint
    from selfeval_xl.core.report import build_document
    from selfeval_xl.core.report import config as report_config

    folder = book_folder(book)
    outcome = analyse(book)
    ev, findings, scorecard = outcome.evaluation, outcome.findings, outcome.scorecard
    # The template stored in the workbook (report --template / build --template), as the
    # CLI and the bureau use it; the built-in one when none is stored.
    doc = build_document(ev, scorecard, findings,
                         config=outcome.config or report_config.load(None))
    stem = Path(book.name).stem + REPORT_SUFFIX
    docx, pdf_path = folder / f"{stem}.docx", folder / f"{stem}.pdf"
    earlier = [p.name for p in (docx, pdf_path) if p.exists()]
    if earlier:
        answer = book.app.alert("文件夹中已有以前生成的报告：\n" + "\n".join(earlier)
                                + "\n是否用新报告覆盖？", title=TITLE, buttons="yes_no")
        if answer != "yes":
            return "未生成报告：以前的报告文件保持不变。"
    lines = [f"Word：{render_docx.render(doc, docx)}"]
    pdf_made = None
    if pdf.available():
        try:
            pdf_made = pdf.to_pdf(docx, folder)
            lines.append(f"PDF：{pdf_made}")
        except Exception as exc:  # noqa: BLE001 - the Word file is there; say why PDF is not
            lines.append(f"PDF 未生成：{exc}")
    else:
        lines.append("PDF 未生成：本机没有安装 LibreOffice。")
    if pdf_made is None and pdf_path.name in earlier:
        lines.append(f"注意：{pdf_path.name} 是以前的报告，已与新报告不一致。")
    status = {"status_report_at": now or status_now(), "report_fingerprint": fingerprint(ev),
              "report_score": scorecard.total}
    writer = XlwingsWriter(book)
    replaced, findings = replace_text_numbers(writer, outcome)
    writer.write_findings(findings)
    writer.clear_marks()
    writer.mark(findings)
    writer.write_scores(scorecard)
    writer.write_report(doc, report_footer(status))
    writer.write_status(status)
    errors = sum(f.severity is Severity.ERROR for f in findings)
    head = f"报告已生成（自评 {scoring.fmt_score(scorecard.total)} 分）。"
    if errors:
        head += f"数据还有 {errors} 项错误，报告首页列出了这些错误。"
    return "\n".join([head, *lines, "“自评报告”工作表已更新；请保存工作簿。"]) \
        + replaced_line(replaced)


# --- helpers -------------------------------------------------------------------------------

def book_folder(book: Any) -> Path:
    """The folder the workbook was opened from; raises :class:`NotSaved` when there is none."""
    full = str(book.fullname or "")
    if full.lower().startswith(("http://", "https://")):
        raise NotSaved("工作簿是从网络位置（OneDrive/SharePoint）打开的，报告无法保存在它旁边。"
                       "请把工作簿另存到本机文件夹后再生成报告。")
    path = Path(full)
    if not path.is_absolute() or not path.parent.is_dir():
        raise NotSaved("工作簿还没有保存过。请先保存工作簿，报告会保存在工作簿所在的文件夹。")
    return path.parent


def friendly(exc: BaseException) -> str:
    """One Chinese sentence for the officer."""
    if isinstance(exc, (WriteRefused, NotSaved)):
        return str(exc)
    if isinstance(exc, PermissionError):
        name = Path(exc.filename).name if exc.filename else "文件"
        return f"无法写入“{name}”：它可能正在 Word 或其他程序中打开，请关闭后再试。"
    if isinstance(exc, OSError):
        return f"读写文件时出错：{exc.strerror or exc}。"
    return f"操作未完成：程序出现内部错误（{type(exc).__name__}）。请把下面的日志文件发给维护人员。"


def write_log(book: Any, action: str) -> Path:
    """Append the current exception's traceback to the log next to the workbook."""
    text = (f"==== {datetime.now().isoformat(timespec='seconds')} {action} ====\n"
            f"{traceback.format_exc()}\n")
    try:
        full = Path(str(book.fullname))
        candidates = [full.with_name(full.name + LOG_SUFFIX)] if full.is_absolute() else []
    except Exception:  # noqa: BLE001 - even a broken book object must not stop the message
        candidates = []
    candidates.append(Path(tempfile.gettempdir()) / f"selfeval-xl{LOG_SUFFIX}")
    for path in candidates:
        try:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(text)
            return path
        except OSError:
            continue
    return candidates[-1]
