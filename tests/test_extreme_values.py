"""Any value the reader lets through survives every writer (issue 13): the report in every
format, the workbook writer, check --write and score --write."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import reader_fixtures as fx
from selfeval_xl.build.builder import build_workbook
from selfeval_xl.cli import main
from test_collect_hostile import EXTREMES
from test_verify import clean_example


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("extreme") / "good.xlsm"
    build_workbook(path, clean_example())
    return path


@pytest.mark.parametrize("name", sorted(EXTREMES))
def test_every_writer_survives(name, good, tmp_path):
    field, inner, t = EXTREMES[name]
    sheet, cell = fx.field_cell(field)
    book = fx.set_cell_xml(good, tmp_path / name, sheet, cell, inner, t)
    runner = CliRunner()
    for args in (["check", "--write", str(book)], ["score", "--write", str(book)],
                 ["report", str(book), "-o", str(tmp_path / "out"), "--format", "md,docx,sheet",
                  "--allow-errors"]):
        res = runner.invoke(main, args, catch_exceptions=False)
        assert res.exit_code in (0, 1), (args, res.output)
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".docx", ".md"]
