"""The openpyxl BookSource: a second, independent implementation that must read every
workbook exactly as the file reader does."""

from __future__ import annotations

from pathlib import Path

import pytest

import reader_fixtures as fx
from selfeval_xl import datafile, layout
from selfeval_xl.read import reader
from selfeval_xl.read.book_source import BookSource
from selfeval_xl.read.openpyxl_source import OpenpyxlSource


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    return fx.built(tmp_path_factory.mktemp("opx") / "example.xlsm", datafile.example())


def _same(path: Path, *, meta: bool = True) -> reader.ReadResult:
    a = reader.read(path)
    b = reader.read_source(OpenpyxlSource.open(path))
    assert (b.evaluation, b.findings, b.locator) == (a.evaluation, a.findings, a.locator)
    if meta:
        assert b.meta == {k: v for k, v in a.meta.items() if k not in ("path", "size", "sha256")}
    return b


def test_is_a_book_source(example):
    assert isinstance(OpenpyxlSource.open(example), BookSource)


def test_built_example(example):
    result = _same(example)
    assert result.evaluation == datafile.example() and result.meta["calc_stale"] is True


def test_hand_damaged_cells(example, tmp_path):
    sheet, cell = fx.field_cell("exp_total")
    book = fx.set_value(example, tmp_path / "a.xlsm", sheet, cell, "９２１．５２万元")
    sheet, cell = fx.field_cell("exp_basic")
    book = fx.set_cell_xml(book, tmp_path / "b.xlsm", sheet, cell, "<v>#REF!</v>", "e")
    sheet, cell = fx.field_cell("fill_date")
    book = fx.set_value(book, tmp_path / "c.xlsm", sheet, cell, "2023年4月11日")
    sheet, cell = fx.field_cell("exp_project")
    book = fx.set_cell_xml(book, tmp_path / "d.xlsm", sheet, cell, "<f>600+20.85</f>")
    result = _same(book)
    assert [f.code for f in result.findings] == ["READ_NORMALISED_DATE", "READ_NORMALISED_NUMBER",
                                                 "READ_CELL_ERROR", "READ_FORMULA_COMPUTED"]


def test_moved_and_merged(example, tmp_path):
    def change(wb):
        fx.insert_rows(wb, layout.SHEET_GOALS, 2, 4)
        wb[layout.SHEET_BASICS].merge_cells("B5:C5")

    _same(fx.with_openpyxl(example, tmp_path / "m.xlsm", change))


@pytest.mark.libreoffice
def test_saved_by_libreoffice(example, tmp_path):
    import os

    from selfeval_xl.render import libreoffice

    if libreoffice.find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice is required in CI")
        pytest.skip("LibreOffice not installed")
    # meta differs on purpose: openpyxl reads a formula's stored "" as no result
    result = _same(libreoffice.convert(example, "xlsx", tmp_path), meta=False)
    assert result.evaluation == datafile.example()
