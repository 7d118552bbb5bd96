"""The check registry: the seed's exact findings, crash isolation, documented codes."""

import ast
import re
from dataclasses import replace
from pathlib import Path

from selfeval_xl import datafile
from selfeval_xl.core import checks
from selfeval_xl.core.checks import REGISTRY, CheckContext, run_checks
from selfeval_xl.core.locations import Locator

ROOT = Path(__file__).resolve().parents[1]
CODE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")


def test_seed_example_exact_findings():
    findings = run_checks(datafile.example(), CheckContext(locator=Locator.from_layout()))
    assert [(f.code, f.severity.value, f.sheet, f.cell, f.name) for f in findings] == [
        ("FIELD_REQUIRED", "error", "支出情况", "C4", "budget_total"),
        ("EXP_PARTS_MISMATCH", "error", "支出情况", "C5", "exp_total"),
        ("OUTPUT_TARGET_BLANK", "info", "绩效目标", "O5:O14", ""),
    ]
    assert findings[1].message == ("部门整体支出 921.52 万元 ≠ 基本支出 390.73 万元 + 项目支出 620.85 万元 = "
                                   "1011.58 万元，相差 90.06 万元")


def test_default_context_is_the_layout():
    assert run_checks(datafile.example()) == run_checks(datafile.example(), CheckContext())


def test_seed_with_budget_and_true_total_only_keeps_the_info():
    ev = datafile.example()
    from decimal import Decimal
    fixed = replace(ev, expenditure=replace(ev.expenditure, budget_total=Decimal("1011.58"),
                                            exp_total=Decimal("1011.58"),
                                            exp_general_budget=Decimal("1011.58")))
    assert [f.where for f in run_checks(fixed)] == [("OUTPUT_TARGET_BLANK", "绩效目标", "O5:O14")]


def test_a_crashing_check_becomes_one_internal_error_and_the_rest_run():
    def check_boom(ev, ctx):
        raise ZeroDivisionError("division by zero")

    registry = (check_boom,) + REGISTRY
    findings = run_checks(datafile.example(), registry=registry)
    assert [f.where for f in findings] == [
        ("INTERNAL_ERROR", "", ""), ("FIELD_REQUIRED", "支出情况", "C4"),
        ("EXP_PARTS_MISMATCH", "支出情况", "C5"), ("OUTPUT_TARGET_BLANK", "绩效目标", "O5:O14")]
    assert findings[0].severity.value == "error"
    assert findings[0].message.startswith(
        "校验项 check_boom 出现内部错误，未能完成（ZeroDivisionError: division by zero）。")


def test_registry_holds_every_check_function_once():
    names = [c.__name__ for c in REGISTRY]
    assert len(names) == len(set(names))
    for module in checks.MODULES:
        defined = [n for n in dir(module) if n.startswith("check_")]
        assert sorted(defined) == sorted(c.__name__ for c in module.CHECKS), module.__name__


def _codes_in_source() -> set[str]:
    codes = set()
    for path in (ROOT / "selfeval_xl" / "core" / "checks").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and CODE.fullmatch(node.value):
                codes.add(node.value)
    return codes


def test_every_emitted_code_is_documented_and_every_documented_code_exists():
    doc = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    source = _codes_in_source()
    assert len(source) > 80
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", doc, re.M))
    assert source - documented == set()
    pipeline = (ROOT / "selfeval_xl" / "pipeline.py").read_text(encoding="utf-8")
    assert documented - source == {c for c in documented if c in pipeline}  # DATA_FILE_INVALID


def test_every_finding_of_a_hostile_evaluation_uses_a_documented_code():
    # A thoroughly broken evaluation: every check runs without crashing.
    from decimal import Decimal
    from selfeval_xl.core.model import Band, Closed, Evaluation, Indicator

    ev = datafile.example()
    bad = Indicator("1", "", "", "", Decimal(-1), None, "??", Decimal(0), "x", None, Decimal(0),
                    None, None, bands=(Band(Decimal(1), Decimal(0), Decimal(9), Closed.LOWER),))
    hostile = replace(ev, indicators=(bad, bad), grades=(), outputs=ev.outputs * 2,
                      expenditure=replace(ev.expenditure, exp_total=Decimal("-1.005")))
    findings = run_checks(hostile, CheckContext(meta={"self_score": "#REF!", "report_score": "x",
                                                      "report_fingerprint": "sha256:0",
                                                      "indicator_cached_scores": {"1": "y"}}))
    doc = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    assert "INTERNAL_ERROR" not in {f.code for f in findings}
    assert all(f"`{f.code}`" in doc for f in findings)
    assert len(findings) > 15
    empty = run_checks(Evaluation())
    assert "INTERNAL_ERROR" not in {f.code for f in empty}


def test_merge_drops_blank_value_findings_where_the_reader_failed():
    from selfeval_xl.core.checks import merge
    from selfeval_xl.core.findings import Finding, Severity

    unread = Finding("READ_UNPARSED_NUMBER", Severity.ERROR, "支出情况", "C4", "budget_total", "abc")
    normalised = Finding("READ_NORMALISED_NUMBER", Severity.WARNING, "支出情况", "C5", "exp_total", "x")
    checked = run_checks(datafile.example())
    merged = merge([unread, normalised], checked)
    assert [f.where for f in merged] == [
        ("READ_UNPARSED_NUMBER", "支出情况", "C4"), ("READ_NORMALISED_NUMBER", "支出情况", "C5"),
        ("EXP_PARTS_MISMATCH", "支出情况", "C5"), ("OUTPUT_TARGET_BLANK", "绩效目标", "O5:O14")]
    # a warning from the reader does not hide anything; nor does an error elsewhere
    assert merge([normalised], checked) == [normalised] + checked


# --- hostile evaluations: no check ever crashes --------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from selfeval_xl.core.model import (  # noqa: E402
    AnalysisParagraph, Band, Basics, Closed, Evaluation, Expenditure, Goal, GradeBand, Indicator,
    KeyTask, Method, OutputIndicator)

_dec = st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False,
                   allow_infinity=False)
_opt = lambda s: st.none() | s  # noqa: E731
_text = st.text(alphabet=st.sampled_from(list("ab {}自评96分等级为优良是否一是\n　")), max_size=30)
_ints = st.integers(min_value=-5, max_value=3000)


@st.composite
def evaluations(draw):
    from datetime import date

    basics = Basics(draw(_text), draw(_text), draw(_opt(_ints)), draw(_text), draw(_text),
                    draw(_opt(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)))),
                    draw(_opt(_ints)), draw(_text), draw(_text))
    expenditure = Expenditure(*[draw(_opt(_dec)) for _ in range(9)])
    names = st.sampled_from(["甲", "乙", "丙", "", "评价年度"])
    outputs = draw(st.lists(st.builds(OutputIndicator, st.sampled_from(["产出", "效益", "x"]), names,
                                      st.sampled_from(["项", "%", ""]), _opt(_dec), _opt(_dec), names,
                                      _text), max_size=6))
    bands = st.lists(st.builds(Band, _opt(_dec), _opt(_dec), _dec, st.sampled_from(list(Closed))),
                     max_size=4).map(tuple)
    method = st.sampled_from(list(Method) + [None])
    indicators = draw(st.lists(st.builds(
        Indicator, st.sampled_from(["1", "2", ""]), _text, _text, _text, _opt(_dec), method, _text,
        _opt(_dec), _opt(_dec | st.sampled_from(["是", "否", "x"])), _opt(_dec), _opt(_dec),
        _opt(_dec), _opt(_dec), _text, _text, bands), max_size=6))
    grades = draw(st.lists(st.builds(GradeBand, st.sampled_from(["优", "良", "x"]), _dec, _text),
                           max_size=5))
    return Evaluation(
        basics=basics, expenditure=expenditure,
        tasks=tuple(draw(st.lists(st.builds(KeyTask, _ints, _text, _text,
                                            st.lists(_text, max_size=3).map(tuple)), max_size=4))),
        goals=tuple(draw(st.lists(st.builds(Goal, _ints, _text), max_size=3))),
        outputs=tuple(outputs), indicators=tuple(indicators),
        conclusions=tuple(draw(st.lists(_text, max_size=3))),
        analysis=tuple(draw(st.lists(st.builds(AnalysisParagraph, _text, _ints, _text), max_size=3))),
        grades=tuple(grades))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ev=evaluations(), meta=st.fixed_dictionaries({}, optional={
    "report_fingerprint": _text, "report_score": _opt(_dec | _text), "self_score": _opt(_dec | _text),
    "self_grade": _opt(_text), "indicator_cached_scores": st.dictionaries(_text, _opt(_dec | _text)),
    "indicator_checked_scores": st.dictionaries(_text, _opt(_dec | _text))}))
def test_no_check_crashes_on_hostile_data(ev, meta):
    from datetime import date

    findings = run_checks(ev, CheckContext(meta=meta, today=date(2024, 1, 1)))
    doc = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    assert [f for f in findings if f.code == "INTERNAL_ERROR"] == []
    for f in findings:
        assert f"`{f.code}`" in doc
        assert f.message
        # every finding names where it is: a sheet, and a cell or a defined name / table
        assert f.sheet and (f.cell or f.name), f
