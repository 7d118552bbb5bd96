"""``selfeval-xl build``: write the macro-enabled workbook (blank template or filled)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from selfeval_xl import datafile
from selfeval_xl.cli import main
from selfeval_xl.cli.zh import InputFile

DEFAULT_OUTPUT = "SelfEvaluation.xlsm"


@main.command("build")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              metavar="文件", default=DEFAULT_OUTPUT, show_default=True,
              help="要写入的工作簿（.xlsm）。")
@click.option("--data", "data_file", type=InputFile("数据文件"),
              help="用数据文件（JSON，见 docs/data-file.md）填好各项内容。")
@click.option("--example", is_flag=True,
              help="用内置示例（惠州市政务服务中心 2022 年）填好各项内容。")
@click.option("--template", type=InputFile("模板"),
              help="把报告模板（JSON，docs/report.md）保存进工作簿，按钮、命令行和财政局都用它。")
@click.option("-f", "--force", is_flag=True,
              help="输出文件已存在时覆盖它（默认拒绝，以免覆盖已填写的工作簿）。")
def build_command(output: Path, data_file: Path | None, example: bool, template: Path | None,
                  force: bool) -> None:
    """生成宏工作簿：空白模板，或用数据文件填好的工作簿。

    工作簿含 docs/workbook-contract.md 所列的工作表、名称、表格、原生公式、数据验证、按钮和
    VBA。同样的输入生成同样的字节。已有文件不会被覆盖，除非加 --force。
    退出码：0 已生成；2 数据文件有误或拒绝覆盖。

    示例：

        selfeval-xl build -o SelfEvaluation.xlsm
        selfeval-xl build --example -o example.xlsm
        selfeval-xl build --data data.json -o 2022.xlsm
        selfeval-xl build --force -o workbook/SelfEvaluation.xlsm
    """
    from selfeval_xl.build.builder import build_workbook

    if data_file is not None and example:
        _fail("--data 与 --example 只能选一个。")
    if output.suffix.lower() != ".xlsm":
        _fail(f"输出文件应以 .xlsm 结尾（含宏的工作簿）：{output}")
    if output.exists() and not force:
        _fail(f"{output} 已存在，未覆盖。确认要替换它请加 --force。")
    ev = None
    if example:
        ev = datafile.example()
    elif data_file is not None:
        try:
            ev = datafile.load(data_file)
        except datafile.DataFileError as exc:
            _fail(f"数据文件有误，未生成工作簿：{exc}")
    stored = None
    if template is not None:
        from selfeval_xl.core.report import config as report_config

        try:
            stored = report_config.stored_text(template)
        except report_config.ConfigError as exc:
            _fail(f"报告模板有误，未生成工作簿：{exc}")
    build_workbook(output, ev, report_template=stored)
    kind = "空白模板" if ev is None else "已填写的工作簿"
    click.echo(f"已生成{kind}：{output}（{output.stat().st_size:,} 字节）")


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(2)
