"""``selfeval-xl report``: read, check, score, and write the report as .docx, .md, PDF and
the workbook's 自评报告 sheet.

:func:`produce` is the whole job as a plain function (the Excel button calls the same);
the click command only parses options and prints. When the data has errors the report is
still produced, with a first-page notice listing them, and the exit status is 1;
``--allow-errors`` leaves the notice out (exit 0). Exit 2: unreadable input or template.
"""

from __future__ import annotations

import json
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

import click

from selfeval_xl import datafile, pipeline
from selfeval_xl.cli import main
from selfeval_xl.cli.zh import InputFile, input_file_problem
from selfeval_xl.core import scoring
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.model import Evaluation
from selfeval_xl.core.report import build_document
from selfeval_xl.core.report import config as report_config
from selfeval_xl.core.report.document import Document

FORMATS = ("docx", "md", "pdf", "sheet")
EXAMPLE_BOOK = "example-huizhou-2022.xlsm"
REPORT_SUFFIX = "-自评报告"


class ReportInputError(Exception):
    """The input (workbook, data file, template, options) cannot be used; message in Chinese."""


@dataclass
class ReportRun:
    """What :func:`produce` did.

    Attributes:
        source_kind: "workbook", "data" or "example".
        source: the workbook or data file read.
        document: the report.
        findings: reader and check findings.
        scorecard: the scores.
        outputs: format → file written (for "sheet": the workbook).
        skipped: format → why it was not produced (Chinese).
        backup: the workbook's backup when the sheet was written.
        notes: things the officer should know (Chinese), e.g. the example was used as data.
        text_numbers: the numbers typed as text the reader understood (the sheet's
            write-back replaces them: write/text_numbers.py).
    """

    source_kind: str
    source: Path | None
    document: Document
    findings: list[Finding]
    scorecard: object
    outputs: dict[str, Path] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    backup: Path | None = None
    notes: list[str] = field(default_factory=list)
    text_numbers: list = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    def to_json(self) -> dict:
        sc = self.scorecard
        return {
            "source": {"kind": self.source_kind, "path": str(self.source) if self.source else None},
            "outputs": {k: str(v) for k, v in self.outputs.items()},
            "skipped": dict(self.skipped),
            "backup": str(self.backup) if self.backup else None,
            "score": None if sc is None else format(sc.total, "f"),
            "grade": None if sc is None else sc.grade,
            "errors": len(self.errors),
            "notice": self.document.has_notice,
            "overridden": bool(self.document.meta.get("overridden")),
            "missing_placeholders": list(self.document.meta.get("missing_placeholders", [])),
            "notes": list(self.notes),
            "findings": [f.to_json() for f in self.findings],
        }


def parse_formats(text: str | None) -> tuple[str, ...]:
    """"docx,md" → ("docx", "md"); None → every format. Raises ReportInputError."""
    if text is None:
        return FORMATS
    wanted = tuple(dict.fromkeys(p.strip().lower() for p in text.split(",") if p.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise ReportInputError(f"未知的输出格式：{'、'.join(unknown) or '（空）'}；可用 {','.join(FORMATS)}")
    return wanted


@contextmanager
def _no_progress(_: str) -> Iterator[None]:
    yield


# Reader findings meaning part of the workbook was not read (docs/reading.md): no report.
REFUSED_READ_CODES = ("READ_TABLE_TOO_LARGE", "READ_SHEET_TOO_LARGE")


def _load_renderers(formats: tuple[str, ...]) -> None:
    """The renderers the formats need (python-docx is most of a report's imports), imported
    while the workbook is read in its child process (pipeline's ``meanwhile``)."""
    if "md" in formats:
        from selfeval_xl.render import render_markdown  # noqa: F401
    if "docx" in formats or "pdf" in formats:
        from selfeval_xl.render import render_docx  # noqa: F401
    if "pdf" in formats:
        from selfeval_xl.render import pdf  # noqa: F401


def _evaluate_book(book: Path, cfg, formats: tuple[str, ...] = ()):
    outcome = pipeline.evaluate_path_bounded(book, today=date.today(), config=cfg,
                                             meanwhile=lambda: _load_renderers(formats))
    if not outcome.readable:  # not a workbook at all: no report to make
        reason = "；".join(f.message for f in outcome.findings) or "无法读取"
        raise ReportInputError(f"无法读取工作簿 {book}：{reason}")
    cut = [f.message for f in outcome.findings if f.code in REFUSED_READ_CODES]
    if cut:  # part of the data was never read: a report on the rest would be wrong
        raise ReportInputError(f"工作簿 {book} 超出模板允许的范围，未生成报告：" + "；".join(cut))
    return outcome


def _evaluate_data(path: Path | None, cfg):
    try:
        ev = datafile.example() if path is None else datafile.load(path)
    except (OSError, ValueError) as exc:
        raise ReportInputError(f"无法读取数据文件 {path}：{exc}") from exc
    return pipeline.evaluate(pipeline.data_result(ev, path), today=date.today(), config=cfg)


def produce(*, book: Path | None = None, data: Path | None = None, example: bool = False,
            out_dir: Path | None = None, formats: tuple[str, ...] = FORMATS,
            template: Path | None = None, allow_errors: bool = False,
            step: Callable[[str], object] = _no_progress, force: bool = False) -> ReportRun:
    """Produce the report in the requested formats.

    Exactly one source: ``book`` (a workbook), ``data`` (a JSON data file) or ``example``
    (the built-in example, built into ``out_dir`` as a workbook first, then reported on).

    Args:
        step: a context-manager factory called with a Chinese step label around each slow
            step (the CLI shows progress with it).

    Raises:
        ReportInputError: no or several sources, unreadable data or template.
    """
    if sum((book is not None, data is not None, bool(example))) != 1:
        raise ReportInputError("请指定一个来源：工作簿文件、--data 数据文件或 --example")
    try:
        # A template given here is also stored in the workbook (with the sheet), so the
        # button and the bureau use it next time; without one, the workbook's stored
        # template (or the built-in one) applies.
        cfg = report_config.load(template) if template is not None else None
        stored = report_config.stored_text(template) if template is not None else None
    except report_config.ConfigError as exc:
        raise ReportInputError(str(exc)) from exc
    notes: list[str] = []
    if example:
        out_dir = Path(out_dir or ".")
        book = out_dir / EXAMPLE_BOOK
        from selfeval_xl.build.builder import build_workbook

        if book.exists():
            # Never overwrite a workbook someone may have typed into: report on it as it is.
            notes.append(f"示例工作簿已存在，直接使用（删除后重新运行可重新生成）：{book}")
        else:
            out_dir.mkdir(parents=True, exist_ok=True)
            with step("生成示例工作簿"):
                build_workbook(book, datafile.example())
            notes.append(f"已用内置示例（惠州市政务服务中心 2022 年）生成工作簿：{book}")
    if book is not None:
        book = Path(book)
        problem = input_file_problem(book)
        if problem:
            raise ReportInputError(problem)
        with step("读取并校验工作簿"):
            outcome = _evaluate_book(book, cfg, formats)
        kind, source = ("example" if example else "workbook"), book
    else:
        with step("读取并校验数据"):
            outcome = _evaluate_data(data, cfg)
        kind, source = ("example" if example else "data"), data
    ev, findings, scorecard = outcome.evaluation, outcome.findings, outcome.scorecard
    cfg = cfg or outcome.config or report_config.default()
    doc = build_document(ev, scorecard, findings, config=cfg, override=allow_errors)
    out_dir = Path(out_dir) if out_dir else (source.parent if source else Path("."))
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = (source.stem if source else "example-huizhou-2022") + REPORT_SUFFIX
    run = ReportRun(kind, source, doc, findings, scorecard, notes=notes,
                    text_numbers=list(outcome.read.text_numbers))
    _write_outputs(run, ev, out_dir, stem, formats, step, force, stored)
    return run


def _write_outputs(run: ReportRun, ev: Evaluation, out_dir: Path, stem: str,
                   formats: tuple[str, ...], step, force: bool = False,
                   stored: str | None = None) -> None:
    # Each renderer only for its format: python-docx is not loaded for Markdown alone.
    doc = run.document

    def save(fmt: str, write: Callable[[], Path]) -> None:
        # A file that cannot be replaced (e.g. open in Word on Windows) costs that format only.
        try:
            run.outputs[fmt] = write()
        except OSError as exc:
            run.skipped[fmt] = f"无法写入文件（是否正在其他程序中打开？）：{exc}"

    def write_markdown() -> Path:
        from selfeval_xl.render import render_markdown

        path = out_dir / f"{stem}.md"
        datafile.write_atomic(path, render_markdown.render(doc).encode("utf-8"))
        return path

    if "md" in formats:
        save("md", write_markdown)
    if "docx" in formats or "pdf" in formats:
        from selfeval_xl.render import render_docx
    if "docx" in formats:
        with step("生成 Word 文档"):
            save("docx", lambda: render_docx.render(doc, out_dir / f"{stem}.docx"))
    if "pdf" in formats:
        from selfeval_xl.render import pdf

        if not pdf.available():
            run.skipped["pdf"] = "未安装 LibreOffice，未生成 PDF（其余格式不受影响）"
        else:
            with step("用 LibreOffice 转换 PDF"), tempfile.TemporaryDirectory() as tmp:
                try:
                    docx = run.outputs.get("docx") or render_docx.render(
                        doc, Path(tmp) / f"{stem}.docx")
                    run.outputs["pdf"] = out_dir / pdf.to_pdf(docx, out_dir).name
                except Exception as exc:  # noqa: BLE001 - a failed PDF must not lose the rest
                    run.skipped["pdf"] = f"PDF 转换失败：{exc}"
    if "sheet" in formats:
        if run.source_kind == "data" or run.source is None or run.source.suffix.lower() == ".json":
            run.skipped["sheet"] = "来源不是工作簿，无法写入“自评报告”工作表"
        else:
            _write_sheet(run, ev, step, force, stored)


def _write_sheet(run: ReportRun, ev: Evaluation, step, force: bool = False,
                 stored: str | None = None) -> None:
    from selfeval_xl.write.workbook_writer import WorkbookWriteError, status_now, write_results
    from selfeval_xl.core.fingerprint import fingerprint

    status = {
        "status_report_at": status_now(),
        "report_fingerprint": fingerprint(ev),
        "report_score": run.scorecard.total,
    }
    if stored is not None:
        status["report_template"] = stored
    replaced: list = []
    with step("写入工作簿的“自评报告”工作表"):
        try:
            run.backup = write_results(run.source, report_doc=run.document,
                                       findings=run.findings, scorecard=run.scorecard,
                                       status=status, force=force,
                                       text_numbers=run.text_numbers, replaced=replaced)
        except (WorkbookWriteError, OSError) as exc:
            # The writer leaves the file unchanged on failure; the other formats stand.
            run.skipped["sheet"] = f"未能写入工作簿（文件未改动）：{exc}"
            return
    run.outputs["sheet"] = run.source
    if replaced:
        from selfeval_xl.cli.check import replaced_lines
        from selfeval_xl.write.text_numbers import findings_after

        run.findings = findings_after(run.findings, replaced)
        run.notes.extend(replaced_lines(replaced))


# --- command line --------------------------------------------------------------------------

LABELS = {"docx": "Word", "md": "Markdown", "pdf": "PDF", "sheet": "报告工作表"}


def _progress(console):
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                        console=console, transient=False)

    @contextmanager
    def step(label: str) -> Iterator[None]:
        task = progress.add_task(label, total=1)
        try:
            yield
        finally:
            progress.update(task, completed=1)

    return progress, step


def _print_summary(run: ReportRun, allow_errors: bool) -> None:
    echo = click.echo
    for note in run.notes:
        echo(note)
    sc = run.scorecard
    echo(f"自评得分：{scoring.fmt_score(sc.total)} 分（{sc.grade}）")
    for fmt, path in run.outputs.items():
        echo(f"已生成 {LABELS[fmt]}：{path}")
    if run.backup:
        echo(f"工作簿原版本已备份：{run.backup}")
    for fmt, reason in run.skipped.items():
        echo(f"未生成 {LABELS[fmt]}：{reason}")
    for title in run.document.meta.get("unplaced_extra_sections") or []:
        echo(f"注意：增设章节“{title}”已填写，但报告模板没有指定它的位置，未写入报告"
             f"（在模板的章节中加入 {{\"extra\": \"{title}\"}}）")
    missing = run.document.meta.get("missing_placeholders") or []
    if missing:
        echo(f"注意：文字中的占位符没有对应数据，已原样保留：{'、'.join(missing)}")
    errors = run.errors
    if not errors:
        return
    for f in errors:
        where = f"{f.sheet}!{f.cell} " if f.sheet and f.cell else ""
        echo(f"  错误 {f.code} {where}{f.message}", err=True)
    if allow_errors:
        echo(f"数据有 {len(errors)} 项错误；按 --allow-errors 生成了不带错误提示的报告。", err=True)
    else:
        echo(f"数据有 {len(errors)} 项错误；报告已生成，首页附有未解决错误的提示。"
             "改正后重新生成，或确认无误后加 --allow-errors 生成不带提示的报告。", err=True)


@main.command("report")
@click.argument("book", required=False, type=InputFile("工作簿"))
@click.option("--data", "data", type=InputFile("数据文件"),
              help="从 JSON 数据文件生成（docs/data-file.md），不读工作簿。")
@click.option("--example", is_flag=True,
              help="用内置示例：先在输出目录生成示例工作簿，再为它生成报告。")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              metavar="目录",
              help="输出目录（默认：工作簿或数据文件所在目录；--example 时为当前目录）。")
@click.option("--format", "formats", metavar="格式",
              help="逗号分隔：docx,md,pdf,sheet（默认全部；无 LibreOffice 时跳过 pdf）。")
@click.option("--template", type=InputFile("模板"),
              help="报告模板 JSON（章节、编号与措辞，docs/report.md）；同时保存进工作簿，"
                   "以后按钮和财政局都用它。默认：工作簿中保存的模板，没有则用内置模板。")
@click.option("--allow-errors", is_flag=True,
              help="数据有错误时也生成不带错误提示的报告（默认：首页列出未解决的错误）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.option("--force", is_flag=True, help="工作簿是只读文件时也写入“自评报告”工作表。")
def report_command(book, data, example, out_dir, formats, template, allow_errors, as_json, force):
    """生成自评报告：Word（公文版式）、Markdown、PDF，并写入工作簿的“自评报告”工作表。

    数据有错误时仍生成报告，但首页列出未解决的错误，退出码 1；--allow-errors 不加提示，退出码 0。

    示例：

        selfeval-xl report --example -o out/

        selfeval-xl report 自评表.xlsm --format docx,pdf
    """
    from rich.console import Console

    try:
        wanted = parse_formats(formats)
        console = Console(stderr=True, quiet=as_json)
        progress, step = _progress(console)
        with progress:
            run = produce(book=book, data=data, example=example, out_dir=out_dir,
                          formats=wanted, template=template, allow_errors=allow_errors,
                          step=step, force=force)
    except ReportInputError as exc:
        if as_json:
            click.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))
        else:
            click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(run.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_summary(run, allow_errors)
    sys.exit(1 if run.errors and not allow_errors else 0)
