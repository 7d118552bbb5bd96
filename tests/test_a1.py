"""The project's own A1 helpers agree with openpyxl's (the oracle here, never on the read path)."""

from __future__ import annotations

import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from selfeval_xl.a1 import cell_ref, col_index, col_letter, split_ref


def test_every_column_of_a_sheet_and_beyond_matches_openpyxl():
    for i in range(1, 18279):  # A … ZZZ, the whole three-letter range openpyxl accepts
        letters = get_column_letter(i)
        assert col_letter(i) == letters
        assert col_index(letters) == column_index_from_string(letters) == i


@pytest.mark.parametrize("col, index", [("A", 1), ("Z", 26), ("AA", 27), ("AZ", 52),
                                        ("BA", 53), ("XFD", 16384), ("ab", 28)])
def test_hand_worked_columns(col, index):
    assert col_index(col) == index


@pytest.mark.parametrize("bad", ["", "1", "AAAA", "A1", "甲", "Ａ"])
def test_junk_columns_are_refused(bad):
    with pytest.raises(ValueError):
        col_index(bad)


@pytest.mark.parametrize("bad", [0, -1, 18279])
def test_out_of_range_indexes_are_refused(bad):
    with pytest.raises(ValueError):
        col_letter(bad)


def test_refs():
    assert split_ref("$C$5") == ("C", 5)
    assert split_ref(" c5 ") == ("C", 5)
    assert cell_ref(3, 5) == cell_ref("C", 5) == "C5"
    with pytest.raises(ValueError):
        split_ref("C")
