"""``selfeval-xl export-data``: a workbook's data as a data file (docs/data-file.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from selfeval_xl import datafile, pipeline
from selfeval_xl.cli import main
from selfeval_xl.cli.zh import InputFile
from selfeval_xl.core.findings import Severity, has_errors


@main.command("export-data")
@click.argument("book", type=InputFile("工作簿"))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              metavar="文件",
              help="写入的数据文件（JSON）；省略则输出到标准输出。")
def export_data(book: Path, output: Path | None) -> None:
    """把工作簿中填写的数据导出为数据文件（JSON，格式 selfeval-xl/data/1）。

    读取中的问题（金额栏里的文字、错误值……）列在标准错误输出上；读得出的数据照常写出，
    读不出的值写为 null。退出码：0 无问题；1 有值读不出；2 文件无法读取。

    示例：

        selfeval-xl export-data SelfEvaluation.xlsm -o data.json
    """
    result = pipeline.read_bounded(book)  # collect's time and memory limits
    for f in result.findings:
        where = f"{f.sheet}!{f.cell}" if f.cell else (f.sheet or f.name or str(book))
        click.echo(f"{f.severity.label} {f.code} {where} {f.message}", err=True)
    if not result.meta.get("readable", False):
        sys.exit(2)
    text = datafile.dumps(result.evaluation)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            datafile.write_atomic(output, text.encode("utf-8"))
        except OSError as exc:  # folder missing, not writable, disk full: nothing written
            click.echo(f"无法写入 {output}（{exc.strerror or exc}），未导出。", err=True)
            sys.exit(2)
        counts = sum(1 for f in result.findings if f.severity is not Severity.INFO)
        click.echo(f"已导出到 {output}" + (f"（读取时有 {counts} 条问题，见上）" if counts else ""),
                   err=True)
    sys.exit(1 if has_errors(result.findings) else 0)
