"""The layout contract: DESIGN.md's names exist exactly; no two things share a cell."""

from selfeval_xl import layout
from selfeval_xl.core.fingerprint import fingerprint
from selfeval_xl.core.locations import Locator
from selfeval_xl import datafile

CONTRACT = """dept_name dept_self_ref sub_unit_count preparer phone fill_date eval_year dept_functions
budget_total exp_total exp_general_budget exp_gov_fund exp_other exp_basic exp_personnel exp_public
exp_project self_score self_grade other_notes""".split()


def test_every_contract_name_is_defined():
    names = layout.defined_names()
    assert [n for n in CONTRACT if n not in names] == []


def test_no_cell_is_used_twice():
    cells = [(s, c) for s, c in layout.defined_names().values()]
    assert len(cells) == len(set(cells))


def test_tables_have_unique_names_and_headers():
    assert len({t.name for t in layout.TABLES}) == len(layout.TABLES)
    for t in layout.TABLES:
        headers = [c.header for c in t.columns]
        assert len(headers) == len(set(headers)), t.name
        assert t.sheet in layout.SHEETS


def test_locator_defaults_to_template_positions():
    loc = Locator.from_layout()
    assert loc.field("exp_total") == loc.fields.get("exp_total", loc.field("exp_total"))
    assert (loc.field("exp_total").sheet, loc.field("exp_total").cell) == ("支出情况", "C5")
    assert loc.cell("tbl_indicators", 0, "actual").cell == "I6"
    assert loc.cell("tbl_outputs", 3, "actual").cell == "P8"


def test_fingerprint_changes_with_inputs_only():
    ev = datafile.example()
    fp = fingerprint(ev)
    assert fp.startswith("sha256:") and len(fp) == 71
    assert fingerprint(datafile.example()) == fp
    from dataclasses import replace
    from decimal import Decimal
    changed = replace(ev, expenditure=replace(ev.expenditure, exp_total=Decimal("921.53")))
    assert fingerprint(changed) != fp


def test_fingerprint_ignores_how_a_number_is_spelled():
    from dataclasses import replace
    from decimal import Decimal
    ev = datafile.example()
    a = replace(ev, expenditure=replace(ev.expenditure, exp_total=Decimal("921.520")))
    b = replace(ev, expenditure=replace(ev.expenditure, exp_total=Decimal("921.52")))
    assert fingerprint(a) == fingerprint(b)
    hundred = replace(ev, expenditure=replace(ev.expenditure, exp_total=Decimal("1E+2")))
    assert fingerprint(hundred) == fingerprint(
        replace(ev, expenditure=replace(ev.expenditure, exp_total=Decimal("100.00"))))
