"""The one orchestration every front end uses: read → check → score.

The CLI (``check``, ``score``, ``report``, ``verify``, ``collect``), the Excel buttons
(``selfeval_xl.excel``) and the UDFs all call these functions, so a button and the CLI on
the same file give the same findings, score and report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from selfeval_xl.core.findings import Finding, Severity

DATA_FILE_INVALID = "DATA_FILE_INVALID"


@dataclass(frozen=True)
class Outcome:
    """Everything known about one workbook after checking and scoring.

    Attributes:
        read: the reader's ReadResult (evaluation, reader findings, locator, meta).
        findings: reader findings followed by check findings (only the reader's when the
            file could not be read at all).
        scorecard: the scored indicator tree, total and grade.
    """

    read: object
    findings: list[Finding]
    scorecard: object
    config: object = None  # the report template in use (given, or stored in the workbook)

    @property
    def evaluation(self):
        return self.read.evaluation

    @property
    def readable(self) -> bool:
        """False when the file was not readable at all (one file-level finding says why)."""
        return self.read.meta.get("readable", True) is not False


def evaluate(read_result, *, today: date | None = None, config=None) -> Outcome:
    """Check and score what a reader produced (from a file or from a live Excel book).

    Args:
        read_result: the reader's ReadResult.
        today: the date the date checks compare with (填报日期 not in the future); the
            front ends pass ``date.today()``, tests pass a fixed date or None (left out).
        config: the report template in use, so findings name report sections as it
            numbers them; the default template when None.
    """
    from selfeval_xl.core.checks import CheckContext, merge, run_checks
    from selfeval_xl.core.scoring import score

    ev = read_result.evaluation
    template_findings: list[Finding] = []
    if config is None:
        config, template_findings = stored_config(read_result)
    if read_result.meta.get("readable", True) is False:
        # An empty evaluation would only add "未填写" everywhere: the file-level finding
        # is the whole story.
        findings = list(read_result.findings)
    else:
        ctx = CheckContext(locator=read_result.locator, meta=read_result.meta, today=today)
        if config is not None:
            from selfeval_xl.core.report.config import section_titles

            ctx.sections = section_titles(config)
        findings = merge(list(read_result.findings), run_checks(ev, ctx)) + template_findings
    return Outcome(read=read_result, findings=findings, scorecard=score(ev), config=config)


def stored_config(read_result):
    """The report template the workbook carries (validated), or None for the built-in one;
    a stored template that is not valid is an error finding and the built-in one is used."""
    from selfeval_xl import layout
    from selfeval_xl.core.report import config as report_config

    try:
        return report_config.from_stored(read_result.meta.get("report_template")), []
    except report_config.ConfigError as exc:
        out = layout.OUTPUTS_BY_NAME["report_template"]
        return None, [Finding("REPORT_TEMPLATE_INVALID", Severity.ERROR, out.sheet, out.cell,
                              out.name, str(exc).replace("；未生成任何文件。", "。")
                              + "报告改用内置模板。")]


def read_path(path: str | Path):
    """A ReadResult for a workbook, or for a JSON data file (by its ``.json`` suffix).

    A data file has no cells of its own: its findings point where the builder would put
    each value (``Locator.from_layout()``).
    """
    from selfeval_xl.read.reader import ReadResult, read
    from selfeval_xl.core.locations import Locator
    from selfeval_xl.core.model import Evaluation

    path = Path(path)
    if path.suffix.lower() != ".json":
        return read(path)
    from selfeval_xl import datafile

    try:
        ev = datafile.load(path)
    except datafile.DataFileError as exc:
        finding = Finding(DATA_FILE_INVALID, Severity.ERROR, "", "", "", str(exc))
        return ReadResult(Evaluation(), [finding], Locator.from_layout(),
                          {"readable": False, "path": str(path)})
    return data_result(ev, path)


def data_result(ev, path: str | Path | None = None):
    """A ReadResult for an Evaluation that did not come from a workbook (a data file, the
    built-in example): findings point where the builder would put each value."""
    from selfeval_xl.read.reader import ReadResult
    from selfeval_xl.core.locations import Locator

    meta = {"readable": True} if path is None else {"readable": True, "path": str(path)}
    return ReadResult(ev, [], Locator.from_layout(), meta)


def evaluate_path(path: str | Path, *, today: date | None = None, config=None) -> Outcome:
    """Read a workbook or data file (:func:`read_path`), then :func:`evaluate` it."""
    return evaluate(read_path(path), today=today, config=config)


# --- one file, bounded as collect bounds each file -------------------------------------------

# The limits of one file read by a command (None: collect's defaults, bureau.limits.Limits).
DEFAULT_LIMITS = None


def _read_path_item(path: str):
    return read_path(path)


def _read_item(path: str):
    from selfeval_xl.read.reader import read

    return read(path)


def _prepare_checks() -> None:
    """What :func:`evaluate` needs next, loaded while the child reads: the checks, the
    scoring and the built-in report template's section titles."""
    import selfeval_xl.core.checks  # noqa: F401
    import selfeval_xl.core.scoring  # noqa: F401
    from selfeval_xl.core.checks.base import default_sections

    default_sections()


def _bounded(fn, item, path: str | Path, limits, meanwhile=None):
    """``fn(item)`` in a child process with collect's per-file time and memory limits
    (:func:`selfeval_xl.bureau.bounded.run_one`, as one of collect's workers); a file past
    them is one READ_LIMIT_EXCEEDED finding with collect's own Chinese reason, as an
    unreadable file. ``meanwhile`` runs here while the child reads."""
    from selfeval_xl.bureau.bounded import run_one
    from selfeval_xl.bureau.limits import Limits
    from selfeval_xl.core.locations import Locator
    from selfeval_xl.core.model import Evaluation
    # imported before the child starts: the child reads with them, this process unpickles
    from selfeval_xl.read.reader import READ_LIMIT_EXCEEDED, ReadResult

    limits = limits or DEFAULT_LIMITS or Limits()
    done = run_one(fn, item, timeout=limits.timeout, memory_bytes=limits.memory_bytes,
                   meanwhile=meanwhile)
    if not done.failure:
        return done.value
    message = done.message if done.failure != "exception" else f"读取出错：{done.message}"
    finding = Finding(READ_LIMIT_EXCEEDED, Severity.ERROR, "", "", "", message)
    return ReadResult(Evaluation(), [finding], Locator(), {"readable": False, "path": str(path)})


def evaluate_path_bounded(path: str | Path, *, today: date | None = None, config=None,
                          limits=None, meanwhile=None) -> Outcome:
    """:func:`evaluate_path`, its reading done in a child process bounded in time and
    memory like one of collect's workers (default 60 s and 768 MB,
    ``bureau.limits.Limits``), for the commands that read one file (check, score,
    report). A file that exhausts either gives an unreadable outcome whose one finding is
    READ_LIMIT_EXCEEDED.

    Args:
        meanwhile: work of the caller's to do while the child reads (e.g. importing what
            it prints or writes with), after the checks' own preparation.
    """
    def prepare() -> None:
        _prepare_checks()
        if meanwhile is not None:
            meanwhile()

    # The child reads (the costly, hostile part); the checks run here on what it read,
    # bounded by the contract's table limits.
    return evaluate(_bounded(_read_path_item, str(path), path, limits, prepare), today=today,
                    config=config)


def read_bounded(path: str | Path, *, limits=None):
    """The reader's ``read(path)`` bounded as :func:`evaluate_path_bounded` (export-data)."""
    return _bounded(_read_item, str(path), path, limits)
