"""The memoisations added for collect's speed never give a stale or wrongly keyed answer.

Each cache is checked against the uncached computation it replaces: the scorecard of the
last evaluation scored, the field names per dataclass in the fingerprint, column indexes of
cell references and bounds of ranges in the OOXML source, the defined-name lookups, the
per-column labels of a table's findings, and the summary workbook's number conversion and
row iteration.
"""

from dataclasses import fields, replace
from decimal import Decimal


from selfeval_xl import layout
from selfeval_xl.read import ooxml_cells, ooxml_source
from selfeval_xl.read.cell_parse import Where
from selfeval_xl.read.table_read import TableRows
from selfeval_xl.bureau import summary_workbook as sw
from selfeval_xl.core import fingerprint as fp
from selfeval_xl.core import scoring
from selfeval_xl.core.model import Band, Closed, Evaluation
from selfeval_xl.datafile import example

D = Decimal


def _uncached_total(ev: Evaluation) -> Decimal:
    rows = [scoring.score_indicator(ind) for ind in ev.indicators]
    return sum((r.score for r in rows if r.score is not None), D(0)).quantize(D("0.01"))


def test_score_cache_is_per_evaluation_object():
    ev = example()
    changed = replace(ev, indicators=tuple(replace(ind, manual_score=None, actual=None)
                                           for ind in ev.indicators))
    first = scoring.score(ev)
    assert scoring.score(ev) is first  # the same object: served from the cache
    other = scoring.score(changed)  # another object: computed afresh, not the cached card
    assert other.total == _uncached_total(changed)
    assert first.total == _uncached_total(ev)
    assert other.total != first.total
    again = scoring.score(ev)  # back to the first: recomputed, equal to the uncached value
    assert again == first and again.total == _uncached_total(ev)
    equal_copy = replace(ev)  # equal but distinct: never confused with a different object
    assert scoring.score(equal_copy).total == first.total


def test_fingerprint_field_names_are_per_type():
    band = Band(D("0.1"), None, D("2"), Closed.LOWER)
    assert fp._canonical(band) == {"lower": "0.1", "upper": None, "score": "2",
                                   "closed": Closed.LOWER.value}
    assert fp._FIELD_NAMES[Band] == tuple(f.name for f in fields(Band))
    # A dataclass type itself is not an instance: canonicalised by its own fields, uncached.
    assert type(Band) not in fp._FIELD_NAMES
    ev = example()
    moved = replace(ev, basics=replace(ev.basics, dept_name=ev.basics.dept_name + "（改）"))
    assert fp.fingerprint(ev) == fp.fingerprint(replace(ev))
    assert fp.fingerprint(moved) != fp.fingerprint(ev)


def test_column_cache_matches_the_regex_and_stays_bounded(monkeypatch):
    assert ooxml_cells._column_of("AB12") == 28
    assert ooxml_cells._column_of("A1") == 1
    assert ooxml_cells._column_of("ab12") is None  # lower case is not an A1 reference
    assert ooxml_cells._column_of("12") is None
    assert ooxml_cells._column_of("AB12") == 28  # now from the cache: the same answer
    # the cache is keyed by the letters: a 10,000-row sheet adds nothing per row
    monkeypatch.setattr(ooxml_cells, "_LETTERS", {})
    for row in range(1, 10_001):
        for letters in ("A", "B", "AB", "XFD"):
            ooxml_cells._column_of(f"{letters}{row}")
    assert sorted(ooxml_cells._LETTERS) == ["A", "AB", "B", "XFD"]
    # the same answers as the regex on odd references, cached or not
    regex = ooxml_cells._A1
    for ref in ("A1", "AB", "AB0", "A01", "ZZZZ1", "A\u0661", "A1\u0661", "\u0661", "A 1", "",
                "XFD1048576", "Ab1", "A1B", "1A", "AAA999999999"):
        for _ in range(2):
            m = regex.match(ref)
            want = ooxml_cells.col_index(m.group(1)) if m else None
            assert ooxml_cells._column_of(ref) == want, ref


def test_bounds_cache_gives_the_same_answers():
    assert ooxml_source._bounds("B4:D12") == (2, 4, 4, 12)
    assert ooxml_source._bounds("C5") == (3, 5, 3, 5)
    assert ooxml_source._bounds("B4:D12") == (2, 4, 4, 12)


def test_defined_name_lookups_are_memoised_per_name(tmp_path):
    from selfeval_xl.build.builder import build_workbook

    path = tmp_path / "blank.xlsm"
    build_workbook(path)
    src = ooxml_source.open_book(path)
    first = src.defined_name("dept_name")
    assert first is not None and first[0] == layout.field("dept_name").sheet
    assert src.defined_name("DEPT_NAME") == first  # names are case-insensitive, as before
    assert src.defined_name("no_such_name") is None
    assert src.defined_name("no_such_name") is None
    assert src.defined_name("eval_year") != first


def test_table_where_labels_are_per_column():
    t = layout.table("tbl_indicators")
    rows = TableRows(t, "指标评分", {"code": 2, "weight": 6})
    assert rows.where(7, "code") == Where("指标评分", "B7", "",
                                          f"{t.title}“{t.column('code').header}”")
    assert rows.where(8, "weight") == Where("指标评分", "F8", "",
                                            f"{t.title}“{t.column('weight').header}”")
    assert rows.where(9, "code").cell == "B9"
    # A column the table lacks has no cell, and its label is still its own header.
    assert rows.where(9, "actual") == Where("指标评分", "", "",
                                            f"{t.title}“{t.column('actual').header}”")
    other = TableRows(t, "别的表", {"code": 3})
    assert other.where(7, "code").cell == "C7" and other.where(7, "code").sheet == "别的表"


def test_summary_number_cache():
    assert sw._num("92.50") == 92.5
    assert sw._num("92.50") == 92.5
    assert sw._num("abc") is None
    assert sw._num("") is None
    assert sw._num(D("1.25")) == 1.25
    assert sw._num("Infinity") is None and sw._num(float("nan")) is None


def test_the_cycle_collector_rests_while_a_workbook_is_read(monkeypatch, tmp_path):
    import gc

    from selfeval_xl.build.builder import build_workbook
    from selfeval_xl.read import reader

    book = tmp_path / "b.xlsm"
    build_workbook(book, example())
    seen = []
    real = ooxml_source.OoxmlSource._xml

    def recording(self, name):
        seen.append(gc.isenabled())
        return real(self, name)

    monkeypatch.setattr(ooxml_source.OoxmlSource, "_xml", recording)
    assert gc.isenabled()
    assert reader.read(book).findings == []
    assert seen and not any(seen)  # paused while parsing
    assert gc.isenabled()  # and back on after
    gc.disable()
    try:
        reader.read(book)
        assert not gc.isenabled()  # a caller's own choice is kept
    finally:
        gc.enable()
