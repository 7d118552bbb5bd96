"""``selfeval-xl export-data``: the workbook's data back out as a data file."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import reader_fixtures as fx
import selfeval_xl.cli.export  # noqa: F401 - registers the command on main
from selfeval_xl import datafile
from selfeval_xl.cli import main


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    return fx.built(tmp_path_factory.mktemp("export") / "example.xlsm", datafile.example())


def run(*args: str):
    return CliRunner().invoke(main, ["export-data", *args], catch_exceptions=False)


def test_to_stdout_round_trips(example):
    before = (example.read_bytes(), os.stat(example).st_mtime_ns)
    result = run(str(example))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert datafile.from_dict(json.loads(result.stdout)) == datafile.example()
    assert result.stdout == datafile.dumps(datafile.example())
    assert (example.read_bytes(), os.stat(example).st_mtime_ns) == before


def test_to_file_round_trips_and_rebuilds_the_same_workbook(example, tmp_path):
    out = tmp_path / "data.json"
    result = run(str(example), "-o", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert datafile.load(out) == datafile.example()
    rebuilt = fx.built(tmp_path / "rebuilt.xlsm", datafile.load(out))
    assert rebuilt.read_bytes() == example.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_unreadable_book_writes_nothing(tmp_path):
    book = tmp_path / "x.xlsm"
    book.write_text("not a workbook", encoding="utf-8")
    out = tmp_path / "data.json"
    result = run(str(book), "-o", str(out))
    assert result.exit_code == 2
    assert "READ_NOT_A_WORKBOOK" in result.stderr
    assert not out.exists()
    assert result.stdout == ""


def test_values_that_cannot_be_read_are_null_and_exit_1(example, tmp_path):
    sheet, cell = fx.field_cell("exp_total")
    book = fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, "约900万")
    out = tmp_path / "data.json"
    result = run(str(book), "-o", str(out))
    assert result.exit_code == 1
    assert f"READ_UNPARSED_NUMBER {sheet}!{cell}" in result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["expenditure"]["exp_total"] is None
    assert data["expenditure"]["exp_basic"] == "390.73"


def test_normalised_values_are_exported_with_a_warning(example, tmp_path):
    sheet, cell = fx.field_cell("exp_total")
    book = fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, "９２１．５２万元")
    result = run(str(book))
    assert result.exit_code == 0
    assert f"警告 READ_NORMALISED_NUMBER {sheet}!{cell}" in result.stderr
    assert datafile.from_dict(json.loads(result.stdout)).expenditure.exp_total == Decimal("921.52")
