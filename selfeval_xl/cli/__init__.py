"""Command line: ``selfeval-xl COMMAND``. One module per command group, each adding its
commands to :data:`main` through :func:`register`; this file only wires them up."""

from __future__ import annotations

import importlib

import click

from selfeval_xl import __version__

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="selfeval-xl")
def main() -> None:
    """部门整体支出绩效自评：生成工作簿、校验、评分、生成报告、核验与汇总。

    Every command that reports has --json. Exit status: 0 ok, 1 findings of severity
    error (or a failed verdict), 2 usage or unreadable input.
    """


# Command modules, in the order their commands appear in --help.
COMMAND_MODULES = (
    "build",  # build
    "export",  # export-data
    "check",  # check, score
    "report",  # report
    "doctor",  # doctor
    "bureau",  # verify, collect
)

for _module in COMMAND_MODULES:
    importlib.import_module(f"selfeval_xl.cli.{_module}")
