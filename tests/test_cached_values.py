"""Every formula is stored with its current result (write/cached_values.py): what phone
previews and non-recalculating readers show is the real figure, on the build and on every
write-back; a result we cannot vouch for is not stored; our own reader still trusts none."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from office_audit import cached_vs_recalculated
from selfeval_xl import datafile, layout
from selfeval_xl.build import builder
from selfeval_xl.core import scoring
from selfeval_xl.core.model import Evaluation
from selfeval_xl.read.ooxml_parts import Package, load_map, q, serialize
from selfeval_xl.read.reader import read
from selfeval_xl.write.sheet_xml import SheetXml
from selfeval_xl.write.workbook_writer import write_results


def _at(path: Path, name: str):
    sheet, cell = layout.defined_names()[name]
    return openpyxl.load_workbook(path, data_only=True)[sheet][cell].value


def _stored(path: Path, name: str) -> tuple[str | None, str | None]:
    """(t attribute, <v> text) of a named formula cell as stored."""
    pkg = Package(path.read_bytes())
    wmap = load_map(pkg)
    sheet, ref = wmap.names[name]
    c = SheetXml(pkg.xml(wmap.sheets[sheet])).cell(ref)
    assert c.find(q("f")) is not None, name  # the formula itself stays
    v = c.find(q("v"))
    return c.get("t"), None if v is None else v.text


def _set_input(path: Path, name: str, value) -> None:
    """Change an input cell in the file as a program would, leaving every cached result."""
    pkg = Package(path.read_bytes())
    wmap = load_map(pkg)
    sheet, ref = wmap.names[name]
    xml = SheetXml(pkg.xml(wmap.sheets[sheet]))
    xml.set(ref, value)
    pkg.put(wmap.sheets[sheet], serialize(xml.root))
    path.write_bytes(pkg.to_bytes())


def test_a_non_recalculating_reader_sees_the_examples_figures(built_example):
    assert _at(built_example, "self_score") == 96
    assert _at(built_example, "exp_parts_diff") == pytest.approx(-90.06, abs=1e-9)
    assert _at(built_example, "self_grade") == "优"
    assert _at(built_example, "weight_total") == 100
    assert _stored(built_example, "exp_parts_diff") == (None, "-90.06")
    # python-calamine, the bureau's fast reader, reads the same stored results.
    sheet, cell = layout.defined_names()["self_score"]
    calamine = CalamineWorkbook.from_path(str(built_example)).get_sheet_by_name(sheet)
    top, left = calamine.start  # its grid starts at the first used row and column
    row, col = int(cell[1:]) - 1 - top, ord(cell[0]) - ord("A") - left
    assert calamine.to_python()[row][col] == 96.0


def test_stored_results_are_the_engines(built_example):
    ev = datafile.example()
    card = scoring.score(ev)
    assert _stored(built_example, "self_score") == (None, format(card.total, "f"))
    assert _stored(built_example, "self_grade") == ("str", card.grade)
    x = ev.expenditure
    assert Decimal(_stored(built_example, "exp_parts_sum")[1]) == x.exp_basic + x.exp_project
    # 预算执行率 with no budget: the formula's own blank result, stored as empty text
    assert _stored(built_example, "exec_rate") == ("str", None)


def test_a_write_back_refreshes_stale_results(built_example, tmp_path):
    book = tmp_path / "book.xlsm"
    shutil.copy(built_example, book)
    _set_input(book, "exp_project", Decimal("530.79"))  # now 390.73 + 530.79 = 921.52
    assert _at(book, "exp_parts_diff") == pytest.approx(-90.06)  # stale until written
    write_results(book, status={"status_checked_at": "2024-01-01 00:00:00"})
    assert _stored(book, "exp_parts_diff") == (None, "0.00")
    assert _stored(book, "exp_parts_sum") == (None, "921.52")
    assert _at(book, "self_score") == 96


def test_a_result_fed_by_text_is_not_stored(built_example, tmp_path):
    # 基本支出 typed as text: Excel's + gives #VALUE!, the reader reads 390.73 with a warning.
    # Neither is stored; the results that do not depend on it still are.
    book = tmp_path / "book.xlsm"
    shutil.copy(built_example, book)
    _set_input(book, "exp_basic", "390.73万元")
    write_results(book, status={"status_checked_at": "2024-01-01 00:00:00"})
    for name in ("exp_parts_sum", "exp_parts_diff", "exp_basic_diff"):
        assert _stored(book, name) == (None, None), name
        assert _at(book, name) is None
    assert _stored(book, "exp_basic_sum") == (None, "390.73")
    assert _at(book, "self_score") == 96


def test_nothing_to_write_still_writes_nothing(built_example, tmp_path):
    book = tmp_path / "book.xlsm"
    shutil.copy(built_example, book)
    before = book.read_bytes()
    assert write_results(book) is None
    assert book.read_bytes() == before


@pytest.mark.parametrize("written", ["build", "write-back"])
def test_our_reader_still_trusts_no_stored_result(built_example, tmp_path, written):
    # fullCalcOnLoad stays set: the reader computes every figure itself and reads the
    # stored results as "not calculated" (calc_stale), exactly as before they were stored.
    book = tmp_path / "book.xlsm"
    shutil.copy(built_example, book)
    if written == "write-back":
        write_results(book, status={"status_checked_at": "2024-01-01 00:00:00"})
    meta = read(book).meta
    assert meta["calc_stale"] is True
    assert meta["self_score"] is None and meta["exp_parts_diff"] is None
    assert set(meta["uncached"]) >= {"self_score", "self_grade", "exp_parts_diff"}


@pytest.mark.libreoffice
def test_edge_cases_agree_with_libreoffice_on_every_formula_cell(tmp_path, soffice):
    from test_libreoffice import EDGE_CASES, OUTPUTS

    path = tmp_path / "edges.xlsm"
    builder.build_workbook(path, Evaluation(indicators=EDGE_CASES, outputs=OUTPUTS))
    count, wrong = cached_vs_recalculated(path)
    assert count >= len(EDGE_CASES) + 10 and wrong == []
