"""Examine an uploaded workbook the way collect does: preflight, then a sandboxed worker.

Nothing uploaded is trusted. Each upload runs :func:`analyse_job` in a worker process
of :func:`selfeval_xl.bureau.sandbox.run_bounded`, started by the service's fork server
(:mod:`selfeval_xl.web.workers`; never forked from the threaded server itself),
bounded in time and memory (``Settings.limits``); the server process never parses an
uploaded file itself. A file that is hostile, broken or too costly gets collect's Chinese
reason (:func:`selfeval_xl.bureau.verify.sandbox_failure`), and the server goes on
serving.
At most ``workers`` files are examined at once; further uploads wait their turn.

The worker returns plain data only: verify's record (findings, indicator rows with the
scoring explanation, score, grade, fingerprint), the report as HTML and Markdown, and the
evaluation in the data-file format (for next year's workbook). Downloads that need the
document again (.docx, the workbook with its 自评报告 sheet) run :func:`render_job` in the
same kind of worker on the stored file.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from datetime import date
from pathlib import Path

from selfeval_xl.bureau.preflight import Limits
from selfeval_xl.bureau.sandbox import run_bounded
from selfeval_xl.bureau.verify import examine_outcome, sandbox_failure

# Verdicts after which there is no report: the file was never read as a self-evaluation.
UNREAD_VERDICTS = ("unreadable", "rejected", "not-selfeval")


def _document(outcome, findings):
    from selfeval_xl.core.report import build_document

    return build_document(outcome.evaluation, outcome.scorecard, findings)


def analyse_job(item: tuple[str, Limits]) -> dict:
    """In the worker: examine the file; when it was read, write the report too."""
    from selfeval_xl import datafile
    from selfeval_xl.render import render_html, render_markdown

    path, limits = item
    rec, outcome, findings = examine_outcome(path, limits, date.today())
    result = {"record": rec, "report_html": "", "report_md": "", "evaluation_json": "",
              "notice": ""}
    if outcome is None:
        return result
    for row, scored in zip(rec["indicators"], outcome.scorecard.rows):
        row["explanation"] = scored.explanation
    doc = _document(outcome, findings)
    result["report_html"] = render_html.render(doc)
    result["report_md"] = render_markdown.render(doc)
    result["evaluation_json"] = datafile.dumps(outcome.evaluation)
    result["notice"] = next((b.plain for b in doc.blocks if type(b).__name__ == "Notice"), "")
    result["title"] = doc.title
    return result


def render_job(item: tuple[str, str, str, Limits]) -> bytes:
    """In the worker: the report as .docx ("docx"), or the workbook with its 自评报告 sheet
    written ("sheet"), as bytes. ``name`` is the file name the workbook had."""
    from selfeval_xl.core.fingerprint import fingerprint
    from selfeval_xl.render import render_docx
    from selfeval_xl.write.workbook_writer import status_now, write_results

    path, fmt, name, limits = item
    rec, outcome, findings = examine_outcome(path, limits, date.today())
    if outcome is None:
        raise ValueError(rec["verdict_reason"])
    doc = _document(outcome, findings)
    with tempfile.TemporaryDirectory(prefix="selfeval-web-") as tmp:
        if fmt == "docx":
            return render_docx.render(doc, Path(tmp) / "report.docx").read_bytes()
        # The stored file is never touched: the sheet is written into a copy.
        copy = Path(tmp) / (Path(name).name or "workbook.xlsm")
        shutil.copyfile(path, copy)
        status = {"status_report_at": status_now(), "report_fingerprint": fingerprint(
            outcome.evaluation), "report_score": outcome.scorecard.total}
        # Numbers typed as text become numbers (text kept in the note) in the copy too,
        # so its own formulas show figures, not #VALUE! (write/text_numbers.py).
        write_results(copy, report_doc=doc, findings=outcome.findings,
                      scorecard=outcome.scorecard, status=status, backup=False,
                      text_numbers=outcome.read.text_numbers)
        return copy.read_bytes()


class SandboxFailure(Exception):
    """The worker timed out, ran out of memory or crashed; ``message`` in Chinese."""

    def __init__(self, failure: str, message: str) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message


class Analyser:
    """Runs worker jobs, at most ``workers`` at a time, each bounded by ``limits``, in
    processes started by ``context`` (the service's fork server; None: the sandbox's
    default, fork)."""

    def __init__(self, limits: Limits, workers: int, context=None) -> None:
        self.limits = limits
        self.context = context
        self._slots = threading.BoundedSemaphore(max(1, workers))

    def _run(self, fn, item):
        with self._slots:
            (outcome,) = list(run_bounded([item], fn, workers=1, timeout=self.limits.timeout,
                                          memory_bytes=self.limits.memory_bytes,
                                          context=self.context))
        if outcome.failure:
            raise SandboxFailure(outcome.failure, outcome.message)
        return outcome.value

    def analyse(self, path: Path) -> dict:
        """The worker's result for one file; a failed worker gives collect's record."""
        try:
            return self._run(analyse_job, (str(path), self.limits))
        except SandboxFailure as exc:
            rec = sandbox_failure(Path(path), exc.failure, exc.message)
            return {"record": rec, "report_html": "", "report_md": "", "evaluation_json": "",
                    "notice": ""}

    def render(self, path: Path, fmt: str, name: str) -> bytes:
        """Bytes of a download (see :func:`render_job`). Raises SandboxFailure."""
        return self._run(render_job, (str(path), fmt, name, self.limits))
