"""The lazy command line: a command imports only its own module, --help imports none and
lists every command exactly as an eager group would."""

import inspect
import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from selfeval_xl.cli import COMMAND_MODULES, COMMANDS, main, short_help

CLI_MODULES = [f"selfeval_xl.cli.{m}" for m in COMMAND_MODULES]


def _loaded_after(args: list[str], preload: bool = False) -> dict:
    """Run the CLI in a fresh interpreter; which command modules and heavy libraries
    were imported, and what it printed."""
    code = f"""
import json, sys
from selfeval_xl.cli import main
if {preload!r}:
    main.load_all()
try:
    main({args!r}, prog_name="selfeval-xl")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules
      if m.startswith("selfeval_xl.cli.") or m.split(".")[0] in
      ("openpyxl", "numpy", "pandas", "docx", "rich", "xlsxwriter", "xlwings"))))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    *printed, last = out.rstrip("\n").split("\n")
    return {"modules": set(json.loads(last)), "printed": "\n".join(printed)}


def test_table_equals_each_commands_docstring():
    commands = main.load_all()
    assert set(commands) == set(COMMANDS)
    for name, cmd in commands.items():
        module, short = COMMANDS[name]
        assert cmd.callback.__module__ == f"selfeval_xl.cli.{module}", name
        first_paragraph = " ".join(inspect.cleandoc(cmd.help).split("\n\n")[0].split())
        assert short == first_paragraph, name
        for limit in (20, 45, 94):
            assert short_help(name, limit) == cmd.get_short_help_str(limit)


def test_help_imports_no_command_module_and_lists_every_command():
    lazy = _loaded_after(["--help"])
    assert not (lazy["modules"] & set(CLI_MODULES))
    # no heavy library either; only the group's own Chinese message table (cli/zh.py)
    assert lazy["modules"] == {"selfeval_xl.cli.zh"}
    # the same text as the group with every command imported
    eager = _loaded_after(["--help"], preload=True)
    assert set(CLI_MODULES) <= eager["modules"]
    assert lazy["printed"] == eager["printed"]
    for name in COMMANDS:
        assert f"\n  {name} " in lazy["printed"]


def test_check_imports_only_its_module(tmp_path):
    run = _loaded_after(["check", "--help"])
    assert run["modules"] & set(CLI_MODULES) == {"selfeval_xl.cli.check"}
    assert "openpyxl" not in run["modules"] and "docx" not in run["modules"]


def test_unknown_command_is_refused():
    result = CliRunner().invoke(main, ["nosuch"])
    assert result.exit_code == 2
    assert isinstance(main.get_command(click.Context(main), "nosuch"), type(None))


def _modules_after(args: list[str]) -> tuple[set[str], str]:
    """Every module a command loaded in a fresh interpreter, and what it printed."""
    code = f"""
import json, sys
from selfeval_xl.cli import main
try:
    main({args!r}, prog_name="selfeval-xl")
except SystemExit as exc:
    assert exc.code == 1, exc.code  # the example's deliberate errors
print(json.dumps(sorted(sys.modules)))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    *printed, last = out.rstrip("\n").split("\n")
    return set(json.loads(last)), "\n".join(printed)


@pytest.fixture(scope="module")
def example_book(tmp_path_factory):
    from selfeval_xl.build.builder import build_workbook
    from selfeval_xl.datafile import example

    book = tmp_path_factory.mktemp("lazy") / "ex.xlsm"
    build_workbook(book, example())
    return book


def test_check_on_a_workbook_loads_only_what_it_uses(example_book):
    """Start-up (docs/report.md): the one-file read is forked bare (bureau/bounded.py), so no
    multiprocessing; its limits come without preflight; the report template's section titles
    without the document builder or its blocks; a workbook needs no data-file module."""
    modules, printed = _modules_after(["check", str(example_book)])
    assert "EXP_PARTS_MISMATCH" in printed  # it did read the workbook
    assert not modules & {"multiprocessing", "selfeval_xl.bureau.sandbox",
                          "selfeval_xl.bureau.preflight", "selfeval_xl.core.report.build",
                          "selfeval_xl.core.report.document",
                          "selfeval_xl.datafile", "docx", "openpyxl"}
    assert {"selfeval_xl.bureau.bounded", "selfeval_xl.core.report.config"} <= modules


def test_a_markdown_report_loads_no_word_or_pdf_renderer(example_book, tmp_path):
    modules, _ = _modules_after(["report", str(example_book), "-o", str(tmp_path),
                                 "--format", "md"])
    assert (tmp_path / "ex-自评报告.md").exists()
    assert not modules & {"docx", "selfeval_xl.render.render_docx", "selfeval_xl.render.pdf"}
    modules, _ = _modules_after(["report", str(example_book), "-o", str(tmp_path),
                                 "--format", "docx,md"])
    assert {"docx", "selfeval_xl.render.render_docx"} <= modules
    assert "selfeval_xl.render.pdf" not in modules
