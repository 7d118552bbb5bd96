"""The result stored beside every formula, so a reader that does not recalculate sees figures.

A workbook stores each formula with a cached result. XlsxWriter stores 0, and Excel only
recalculates on opening; phone mail apps, file previews and readers that do not recalculate
(openpyxl ``data_only``, python-calamine) show that 0 for 差额, 自评得分 and the rest. So
whenever the tool writes a workbook (the build, and every write-back) each formula cell of
the layout gets the figure its formula gives, computed by the engine from what the reader
read: the sums and differences of 支出情况, the indicator scores, total and grade
(:mod:`selfeval_xl.core.scoring`, the rules the native formulas implement), the 完成率 of
the output indicators. No formula is parsed or evaluated here.

Only a figure we are sure of is stored. A formula fed by a cell the reader had to
interpret (a number typed as text, an error value: any ``READ_*`` finding on it; a text
number the write-back has just replaced by its number is a plain number again), by a
scoring method or band type that is not exactly one of the drop-down labels, or by a table
the reader could not pair row for row, keeps no cached result at all: a reader then sees an
empty cell, never a wrong figure. ``calcPr/@fullCalcOnLoad`` stays set, so Excel still
recalculates on opening, and this project's reader still treats every cached result in
such a file as untrusted (it did not compute them; see ``read/ooxml_source.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from selfeval_xl import layout
from selfeval_xl.a1 import col_index, col_letter, split_ref
from selfeval_xl.core import scoring
from selfeval_xl.core.model import Evaluation, Method
from selfeval_xl.core.money import CENT
from selfeval_xl.read.ooxml_parts import WorkbookMap, q
from selfeval_xl.write.sheet_xml import SheetXml, number_text

# A formula whose result we cannot vouch for: stored without a cached value.
UNSURE = object()
Value = Decimal | float | str | object  # a number, text ("" = the formulas' blank) or UNSURE

ZERO = Decimal(0)


def formula_values(result, wmap: WorkbookMap,
                   plain: set[tuple[str, str]] = frozenset()) -> dict[tuple[str, str], Value]:
    """(sheet, cell) → the result of each layout formula in the file, or UNSURE.

    Args:
        result: the reader's ReadResult for this very file (evaluation, findings, locator).
        wmap: where the file keeps its names and tables.
        plain: cells whose text the write-back has just replaced by the very number the
            reader read from it (write/text_numbers.py): sure inputs now.
    """
    ev: Evaluation = result.evaluation
    doubtful = {(f.sheet, f.cell) for f in result.findings
                if f.code.startswith("READ_") and f.sheet and f.cell
                and not (f.code == "READ_NORMALISED_NUMBER" and (f.sheet, f.cell) in plain)}
    card = scoring.score(ev)
    out: dict[tuple[str, str], Value] = {}
    out.update(_expenditure(ev, wmap, doubtful))
    rows_sure = _indicator_rows(result, card, wmap, doubtful, out)
    _indicator_totals(result, card, wmap, doubtful, rows_sure, out)
    _completion(result, wmap, doubtful, out)
    return out


def with_cached_values(raw: bytes) -> bytes:
    """A package just built (by XlsxWriter) with every formula's result stored."""
    from selfeval_xl.read.ooxml_parts import Package, load_map, serialize
    from selfeval_xl.read.ooxml_source import OoxmlSource
    from selfeval_xl.read.reader import read_source

    pkg = Package(raw)
    wmap = load_map(pkg)
    result = read_source(OoxmlSource.from_bytes(raw))
    sheets: dict[str, SheetXml] = {}

    def sheet(name: str) -> SheetXml:
        if name not in sheets:
            sheets[name] = SheetXml(pkg.xml(wmap.sheets[name]))
        return sheets[name]

    for name in store(formula_values(result, wmap), sheet):
        pkg.put(wmap.sheets[name], serialize(sheets[name].root))
    return pkg.to_bytes() if pkg.changed else raw


def store(values: dict[tuple[str, str], Value], sheet: Callable[[str], SheetXml]) -> set[str]:
    """Put each value into its formula cell (formula kept); returns the sheets changed.

    A cell that no longer holds a formula (the officer typed over it) is left alone.
    """
    changed = set()
    for (sheet_name, ref), value in values.items():
        c = sheet(sheet_name).cell(ref)
        if c is None or c.find(q("f")) is None:
            continue
        if _set_cached(c, value):
            changed.add(sheet_name)
    return changed


def _set_cached(c: etree._Element, value: Value) -> bool:
    before = etree.tostring(c)
    old_type = c.attrib.pop("t", None)
    for v in c.findall(q("v")):
        c.remove(v)
    if value is not UNSURE:
        v = etree.Element(q("v"))
        if isinstance(value, str):
            c.set("t", "str")  # a formula's text result (Excel writes "" as an empty <v/>)
            v.text = value
        else:
            if old_type == "n":
                c.set("t", "n")  # LibreOffice spells out the default; keep the file's way
            v.text = number_text(value)
        c.find(q("f")).addnext(v)
    return etree.tostring(c) != before


# --- 支出情况 ---------------------------------------------------------------------------------

def _round2(value: Decimal) -> Decimal:
    # Excel's ROUND: half away from zero, which is Decimal's ROUND_HALF_UP.
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _expenditure(ev: Evaluation, wmap: WorkbookMap, doubtful) -> dict:
    x = ev.expenditure

    def n(name: str) -> Decimal:  # a blank cell counts as 0 in + and -
        value = getattr(x, name)
        return ZERO if value is None else value

    sources = n("exp_general_budget") + n("exp_gov_fund") + n("exp_other")
    parts = n("exp_basic") + n("exp_project")
    basic_parts = n("exp_personnel") + n("exp_public")
    budget = n("budget_total")
    figures = {
        "exp_sources_sum": (sources, ("exp_general_budget", "exp_gov_fund", "exp_other")),
        "exp_sources_diff": (_round2(n("exp_total") - sources),
                             ("exp_total", "exp_general_budget", "exp_gov_fund", "exp_other")),
        "exp_parts_sum": (parts, ("exp_basic", "exp_project")),
        "exp_parts_diff": (_round2(n("exp_total") - parts), ("exp_total", "exp_basic", "exp_project")),
        "exp_basic_sum": (basic_parts, ("exp_personnel", "exp_public")),
        "exp_basic_diff": (_round2(n("exp_basic") - basic_parts),
                           ("exp_basic", "exp_personnel", "exp_public")),
        # a quotient is stored as the double Excel would compute
        "exec_rate": ("" if budget == 0 else float(n("exp_total") / budget),
                      ("exp_total", "budget_total")),
    }
    out = {}
    for name, (value, inputs) in figures.items():
        place = wmap.names.get(name)
        if place is None:
            continue
        sure = all(_plain(wmap, i, doubtful) for i in inputs)
        out[place] = value if sure else UNSURE
    return out


def _plain(wmap: WorkbookMap, name: str, doubtful) -> bool:
    place = wmap.names.get(name)
    return place is not None and place not in doubtful


# --- 指标评分 ---------------------------------------------------------------------------------

def _data_rows(wmap: WorkbookMap, table: str) -> tuple[str, list[int], dict[str, str]] | None:
    """(sheet, every data row, header → column letter) of a table as the file has it."""
    t = wmap.tables.get(table)
    if t is None or ":" not in t.ref:
        return None
    (c1, r1), (_, r2) = (split_ref(x) for x in t.ref.split(":"))
    cols = {h: col_letter(col_index(c1) + i) for i, h in enumerate(t.columns)}
    return t.sheet, list(range(r1 + 1, r2 + 1)), cols


def _row_doubtful(sheet: str, row: int, doubtful) -> bool:
    return any(s == sheet and split_ref(c)[1] == row for s, c in doubtful)


def _paired(result, table: str, items: int, rows: list[int]) -> list[int] | None:
    """The worksheet row of each item read from ``table``, when they pair one to one."""
    found = result.locator.table_rows.get(table)
    if found is None or len(found) != items or not set(found) <= set(rows):
        return None
    return list(found)


def _indicator_rows(result, card, wmap, doubtful, out) -> bool:
    """Every row's 得分; returns whether all of them are sure (the totals depend on it)."""
    spec = layout.table("tbl_indicators")
    geometry = _data_rows(wmap, spec.name)
    score_header = spec.column("score").header
    if geometry is None or score_header not in geometry[2]:
        return False
    sheet, rows, cols = geometry
    ev = result.evaluation
    paired = _paired(result, spec.name, len(ev.indicators), rows)
    bands_sure = _bands_sure(result, wmap, doubtful)
    all_sure = paired is not None
    by_row = dict(zip(paired or [], zip(ev.indicators, card.rows)))
    for row in rows:
        ref = f"{cols[score_header]}{row}"
        if paired is None:
            out[(sheet, ref)] = UNSURE
            continue
        if row not in by_row:
            out[(sheet, ref)] = ""  # a blank row: 分值 or 评分方法 blank
            continue
        ind, scored = by_row[row]
        sure = (not _row_doubtful(sheet, row, doubtful)
                and ind.method_text in ("", *layout.METHOD_CHOICES)
                and (ind.method is not Method.BANDS or bands_sure))
        if ind.method is Method.BOOLEAN and ind.actual not in (None, "是", "否"):
            sure = False
        all_sure &= sure
        if not sure:
            out[(sheet, ref)] = UNSURE
        else:
            out[(sheet, ref)] = "" if scored.score is None else scored.score
    return all_sure


def _bands_sure(result, wmap, doubtful) -> bool:
    geometry = _data_rows(wmap, "tbl_bands")
    if geometry is None:
        return False
    sheet, rows, _ = geometry
    bands = result.locator.table_rows.get("tbl_bands", [])
    if any(_row_doubtful(sheet, r, doubtful) for r in bands):
        return False
    closed = {b.closed.value for ind in result.evaluation.indicators for b in ind.bands}
    return closed <= set(layout.BAND_CHOICES)


def _indicator_totals(result, card, wmap, doubtful, rows_sure: bool, out) -> None:
    ev = result.evaluation
    weights_sure = rows_sure
    if "weight_total" in wmap.names:
        out[wmap.names["weight_total"]] = card.weight_total if weights_sure else UNSURE
    if "self_score" in wmap.names:
        out[wmap.names["self_score"]] = card.total if rows_sure else UNSURE
    if "self_grade" in wmap.names:
        out[wmap.names["self_grade"]] = (
            card.grade if rows_sure and _grades_sure(result, wmap, doubtful) else UNSURE)


def _grades_sure(result, wmap, doubtful) -> bool:
    # The formula reads rows 1 to 4 of tbl_grades by position: the four grades must be
    # exactly those rows, and plain.
    geometry = _data_rows(wmap, "tbl_grades")
    if geometry is None:
        return False
    sheet, rows, _ = geometry
    paired = _paired(result, "tbl_grades", len(result.evaluation.grades), rows)
    return (paired is not None and paired == rows[:4] and len(rows) >= 4
            and not any(_row_doubtful(sheet, r, doubtful) for r in paired))


# --- 绩效目标: 完成率 ------------------------------------------------------------------------

def _completion(result, wmap, doubtful, out) -> None:
    spec = layout.table("tbl_outputs")
    geometry = _data_rows(wmap, spec.name)
    header = spec.column("completion").header
    if geometry is None or header not in geometry[2]:
        return
    sheet, rows, cols = geometry
    outputs = result.evaluation.outputs
    paired = _paired(result, spec.name, len(outputs), rows)
    by_row = dict(zip(paired or [], outputs))
    for row in rows:
        ref = f"{cols[header]}{row}"
        if paired is None or _row_doubtful(sheet, row, doubtful):
            out[(sheet, ref)] = UNSURE
        elif row not in by_row:
            out[(sheet, ref)] = ""
        else:
            item = by_row[row]
            usable = item.target not in (None, ZERO) and item.actual is not None
            out[(sheet, ref)] = float(item.actual / item.target) if usable else ""
