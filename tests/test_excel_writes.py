"""COM round trips of a button press's writes, counted with the xlwings fake (issue 14).

Every property set or method called through xlwings is at least one round trip to Excel.
What is proven: the batched writer (report sheet formatted once per distinct style over
unions of ranges, stacked merged rows merged in one call, rows of one height and columns
of one width together, no note probe before each note) leaves exactly the state the
per-run writer it replaces left (values, formats, merges, row heights, widths, links and
notes of every sheet, recorded by the fake), on the built-in example and on a large case
(hundreds of findings, a long report with tables), in fewer calls. The figures are
printed (``pytest -s``) and by ``bench/bench_com_calls.py``; nothing is timed.
"""

from __future__ import annotations

import json
import shutil

import pytest
from collections import Counter

import excel_write_baseline as baseline
from selfeval_xl import layout
from selfeval_xl.build.builder import build_workbook
from selfeval_xl.excel import batches
from selfeval_xl.excel import writer as writer_mod
from xlwings_fake import FakeBook


@pytest.fixture(scope="module")
def pressed(built_example, tmp_path_factory) -> dict:
    """Both cases pressed with the old and the new writer: {case: (before, after)}, each
    (final state, calls by kind)."""
    example = tmp_path_factory.mktemp("example") / "example.xlsm"
    shutil.copy(built_example, example)
    large = tmp_path_factory.mktemp("large") / "large.xlsm"
    build_workbook(large, baseline.large_evaluation(),
                   report_template=json.dumps(baseline.LARGE_TEMPLATE, ensure_ascii=False))
    return {name: (baseline.press(path, before=True), baseline.press(path, before=False))
            for name, path in (("example", example), ("large", large))}


@pytest.mark.parametrize("case", ["example", "large"])
def test_batched_writes_leave_the_same_workbook_in_fewer_calls(case, pressed):
    (state_before, before), (state_after, after) = pressed[case]
    assert state_after == state_before
    print("\n" + baseline.table(case, before, after))
    # the same values, links and notes are written; only the drawing is batched
    for kind in ("value", "add_hyperlink", "add_note", "clear", "table.resize"):
        assert after[kind] == before[kind], kind
    # xlwings' add_note probes the cell itself; the writer's own probe before it is gone
    assert after["note probe"] == after["add_note"] > 0
    assert before["note probe"] == 2 * before["add_note"]
    # the report sheet: each distinct style set once a union (a handful of styles), not
    # once a run of cells a row
    assert after["format"] < before["format"]
    assert after["merge"] < before["merge"] and after["row_height"] < before["row_height"]


def test_large_case_figures(pressed):
    """The large case: hundreds of findings and a long report with tables."""
    (state, before), (_, after) = pressed["large"]
    assert before["add_note"] == after["add_note"] == len(state["notes"]) == 602
    assert before["add_hyperlink"] == after["add_hyperlink"] == 603
    assert len(state["merges"][layout.SHEET_REPORT]) > 1000  # a long report: over a thousand rows
    # the report sheet's drawing (formats, merges, heights, widths) shrinks by over 10×
    drawing = ("format", "merge", "row_height", "column_width")
    assert sum(after[k] for k in drawing) * 10 < sum(before[k] for k in drawing)


# --- the grouping helpers ----------------------------------------------------------------------

def test_runs_and_unions():
    assert batches.runs([(1, "a"), (2, "a"), (3, "b"), (5, "b")]) == [
        ((1, 2), "a"), ((3, 3), "b"), ((5, 5), "b")]
    assert batches.unions([(5, 2, 5, 8), (7, 2, 9, 8), (12, 3, 12, 3)]) == ["B5:H5,B7:H9,C12"]
    many = [(r, 2, r, 8) for r in range(100, 180, 2)]  # 40 areas of "B100:H100" (9 chars)
    joined = batches.unions(many)
    assert [len(a) for a in joined] == [249, 149]  # 25 areas fit in 255 characters, 15 left
    assert ",".join(joined).split(",") == [batches.ref(r) for r in many]


def test_style_blocks_stack_equal_runs_of_consecutive_rows():
    a, b = "body", "table"
    cells = {(5, 2): a, (5, 3): a, (6, 2): a, (6, 3): a, (7, 2): b, (7, 3): a, (9, 2): a,
             (9, 3): a}
    assert batches.style_blocks(cells) == {
        a: [(5, 2, 6, 3), (7, 3, 7, 3), (9, 2, 9, 3)], b: [(7, 2, 7, 2)]}


def test_merge_blocks_and_row_unions():
    merges = ["B5:H5", "B6:H6", "B7:D7", "B8:H8", "B9:C10"]
    # B5:H5 and B6:H6 merge row by row in one call; B9:C10 is one merged block of two rows
    assert batches.merge_blocks(merges) == [((5, 2, 6, 8), True), ((7, 2, 7, 4), False),
                                            ((8, 2, 8, 8), False), ((9, 2, 10, 3), False)]
    assert batches.row_unions({5: 20.0, 6: 20.0, 7: 33.5, 9: 20.0}) == [
        (20.0, "5:6,9:9"), (33.5, "7:7")]


def test_apply_of_a_hand_made_plan_equals_the_per_run_writer(built_example, tmp_path):
    """Merges of several rows, gaps, two styles on one row, a row without a height."""
    from selfeval_xl.excel.writer import _SheetPlan, _StylePlan

    st = _StylePlan()
    body = st.xf(font=st.font(name="仿宋_GB2312", size=16))
    cell = st.xf(font=st.font(name="宋体", size=12, bold=True, color="FF1F4E79"),
                 fill=st.fill("FFDDEBF7"), border=st.border(True), horizontal="center")
    plan = _SheetPlan()
    for r in (5, 6, 7, 12):
        plan.set(f"B{r}", f"段{r}", body)
        for col in "CDEFGH":
            plan.set(f"{col}{r}", None, body)
        plan.add_merge(f"B{r}:H{r}")
        plan.row(r).set("ht", "20" if r != 7 else "33.5")
    for r in (9, 10):
        for col, style in (("B", cell), ("C", cell), ("D", body), ("F", cell)):
            plan.set(f"{col}{r}", f"{col}{r}", style)
    plan.add_merge("B9:C10")
    plan.set_col_width(2, 10.5)
    plan.set_col_width(3, 10.5)
    plan.set_col_width(5, 8)
    states = []
    for name, apply in (("before", baseline.apply_per_run), ("after", writer_mod._apply)):
        book = FakeBook(shutil.copy(built_example, tmp_path / f"{name}.xlsm"))
        apply(book.sheets[layout.SHEET_REPORT], plan)
        states.append((baseline.final_state(book), Counter(c[0] for c in book.calls)))
        addresses = {c[2] for c in book.calls if c[0] == "format" and c[3] == "font.name"}
    (before, before_calls), (after, after_calls) = states
    assert after == before
    assert sorted(after["merges"][layout.SHEET_REPORT]) == [
        "B12:H12", "B5:H5", "B6:H6", "B7:H7", "B9:C10"]
    assert after_calls["merge"] == 3  # B5:H7 across, B9:C10, B12:H12
    # a body style is 6 property sets (font name, size, bold; alignments, wrap), the
    # bordered, filled, coloured cell style 9; plus the block's text format once.
    # Before: rows 5, 6, 7, 12 one body run each; rows 9 and 10 runs B:C cell, D body, F cell.
    # After: one union a style ("B5:H7,D9:D10,B12:H12" and "B9:C10,F9:F10").
    assert before_calls["format"] == 1 + 4 * 6 + 2 * (9 + 6 + 9) == 73
    assert after_calls["format"] == 1 + 6 + 9 == 16
    assert addresses == {"B5:H7,D9:D10,B12:H12", "B9:C10,F9:F10"}
    assert (before_calls["row_height"], after_calls["row_height"]) == (4, 2)
    assert (before_calls["column_width"], after_calls["column_width"]) == (3, 2)
