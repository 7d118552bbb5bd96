"""verify: the verdict on one workbook as the bureau receives it (selfeval_xl.bureau.verify
and the ``verify`` command)."""

from __future__ import annotations

import dataclasses
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from hostile_files import other_version, rewrite_zip, sheet_part
from selfeval_xl import layout
from selfeval_xl.build.builder import build_workbook
from selfeval_xl.write.workbook_writer import write_results
from selfeval_xl.bureau.verify import VERDICTS, examine
from selfeval_xl.cli import main
from selfeval_xl.core import scoring
from selfeval_xl.core.fingerprint import fingerprint
from selfeval_xl.datafile import example


def clean_example():
    """The seed department with figures that add up (the seed's own do not: 390.73 + 620.85
    ≠ 921.52) and the budget filled in (fully spent, as its 预算完成率 of 100 % says), so
    that the checks find nothing."""
    ev = example()
    x = dataclasses.replace(ev.expenditure, budget_total=Decimal("921.52"),
                            exp_project=Decimal("530.79"))
    return dataclasses.replace(ev, expenditure=x)


@pytest.fixture(scope="module")
def ev():
    return clean_example()


@pytest.fixture()
def book(tmp_path, ev):
    path = tmp_path / "惠州市政务服务中心.xlsm"
    build_workbook(path, ev)
    return path


def with_report(path: Path, ev, *, score: Decimal | None = None) -> Path:
    """The state after 生成报告: status block with the data fingerprint and the score."""
    total = scoring.score(ev).total if score is None else score
    write_results(path, backup=False, status={
        "report_fingerprint": fingerprint(ev), "report_score": total,
        "status_report_at": "2023-04-11 10:00:00"})
    return path


def _replace_cell(path: Path, name: str, new_cell) -> None:
    """Replace the ``<c>`` element of the cell named ``name`` in its sheet part.

    ``new_cell(cell, attrs, content)`` gets the cell reference, the attributes after it and
    the element's content (None for an empty ``<c …/>``), all bytes, and returns the new
    element.
    """
    sheet, cell = layout.defined_names()[name]
    part = sheet_part(path, sheet)

    def edit(data: bytes) -> bytes:
        pattern = re.compile(rb'<c r="%s"([^>]*?)(?:/>|>(.*?)</c>)' % cell.encode(), re.S)
        m = pattern.search(data)
        assert m, (sheet, cell)
        return data[: m.start()] + new_cell(cell.encode(), m.group(1), m.group(2)) + data[m.end():]
    tmp = path.with_name("tampered.tmp")
    rewrite_zip(path, tmp, {part: edit})
    tmp.replace(path)


def edit_input(path: Path, name: str, text: str) -> None:
    """Change one input cell the way a later edit in Excel would (inline string in place)."""
    def new_cell(cell: bytes, attrs: bytes, _content: bytes | None) -> bytes:
        style = re.search(rb'\ss="\d+"', attrs)
        return b'<c r="%s"%s t="inlineStr"><is><t>%s</t></is></c>' % (
            cell, style.group(0) if style else b"", text.encode())
    _replace_cell(path, name, new_cell)


def set_cached_value(path: Path, name: str, value: str) -> None:
    """Overwrite the stored result of a formula cell (what a hand-tampered file looks like)."""
    def new_cell(cell: bytes, attrs: bytes, content: bytes | None) -> bytes:
        head = b'<c r="%s"' % cell + re.sub(rb'\st="\w+"', b"", attrs)
        formula = re.search(rb"<f>.*?</f>", content or b"", re.S)
        kept = formula.group(0) if formula else b""
        return head + b">" + kept + b"<v>%s</v></c>" % value.encode()
    _replace_cell(path, name, new_cell)


# The seed states no targets for its output figures: the checks say so, as information.
SEED_INFO = [("OUTPUT_TARGET_BLANK", "绩效目标", "O5:O14")]


def codes(rec: dict) -> list[tuple[str, str, str]]:
    return [(f["code"], f["sheet"], f["cell"]) for f in rec["findings"]]


def test_untouched_example_without_report_is_ok(book, ev):
    rec = examine(book)
    assert (rec["verdict"], codes(rec)) == ("ok", SEED_INFO)
    assert rec["dept_name"] == "惠州市政务服务中心"
    assert rec["eval_year"] == 2022
    assert rec["score"] == "96.00"
    assert rec["grade"] == "优"
    assert rec["exp_total"] == "921.52"
    assert rec["fingerprint"] == fingerprint(ev)
    assert rec["details"][2] == "报告：没有记录有效的数据指纹（视为未生成报告），无法判断报告生成后数据是否改动"


def test_example_with_report_is_ok(book, ev):
    with_report(book, ev)
    rec = examine(book)
    assert (rec["verdict"], codes(rec)) == ("ok", SEED_INFO)
    assert rec["report_fingerprint"] == fingerprint(ev)
    assert rec["report_score"] == "96.00"
    assert rec["details"][2] == ("报告：生成于 2023-04-11 10:00:00，当前数据与报告时记录的数据指纹一致"
                                 "（指纹不带密钥，只能发现无意的改动，不能证明未被有意改动）")


def test_edited_after_report_is_stale(book, ev):
    with_report(book, ev)
    edit_input(book, "other_notes", "报告生成后补充的说明")
    rec = examine(book)
    place = layout.defined_names()["report_fingerprint"]
    assert rec["verdict"] == "stale"
    assert codes(rec) == SEED_INFO + [("REPORT_STALE", *place)]
    assert rec["fingerprint"] != fingerprint(ev)
    assert rec["verdict_reason"] == ("报告生成（2023-04-11 10:00:00）后数据被修改，"
                                     "报告所依据数据的指纹与当前数据不一致")


def test_tampered_report_score_is_mismatch(book, ev):
    with_report(book, ev, score=Decimal("99"))
    rec = examine(book)
    assert rec["verdict"] == "score-mismatch"
    place = layout.defined_names()["report_score"]
    assert codes(rec) == SEED_INFO + [("REPORT_SCORE_MISMATCH", *place)]
    assert rec["verdict_reason"] == "报告中的自评得分为 99 分，按当前数据计算为 96 分，请重新生成报告"


# Odd text typed into the report's score cell: verify's record and the checks read it by one
# rule (money.stored_number), so the record's figure and the mismatch finding always agree.
@pytest.mark.parametrize("typed, recorded, mismatch", [
    ("99", "99.00", True),          # a number typed as text is what anyone sees: 99
    ("９９", "99.00", True),        # full-width digits read as half-width
    (" 96 ", "96.00", False),       # padded, equal to the computed 96
    ("96.004", "96.00", False),     # compared to the cent
    ("99分", "", False),            # not unambiguously a number: no stored score
    ("NaN", "", False),
    ("1E+30", "", False),           # exponent text is not an officer's number
    ("#DIV/0!", "", False),
])
def test_record_and_findings_read_an_odd_score_cell_alike(book, ev, typed, recorded, mismatch):
    with_report(book, ev)
    edit_input(book, "report_score", typed)
    rec = examine(book)
    assert rec["report_score"] == recorded
    place = layout.defined_names()["report_score"]
    assert (("REPORT_SCORE_MISMATCH", *place) in codes(rec)) is mismatch
    assert rec["verdict"] == ("score-mismatch" if mismatch else "ok")


@pytest.mark.libreoffice
def test_tampered_self_score_cell_is_mismatch(book, ev, soffice, tmp_path):
    # A file as an office suite saves it (formula results stored), then the stored
    # 自评得分 overwritten by hand. (A freshly built file stores no results to tamper with.)
    from selfeval_xl.render.libreoffice import convert

    saved = convert(with_report(book, ev), "xlsx", tmp_path / "saved")
    assert examine(saved)["stored_score"] == "96.00"
    set_cached_value(saved, "self_score", "99.5")
    rec = examine(saved)
    assert rec["verdict"] == "score-mismatch"
    place = layout.defined_names()["self_score"]
    assert codes(rec) == SEED_INFO + [("SELF_SCORE_MISMATCH", *place)]
    assert rec["stored_score"] == "99.50"


def test_other_template_version(book, tmp_path):
    rec = examine(other_version(tmp_path / "old.xlsm", book))
    assert rec["verdict"] == "wrong-version"
    assert rec["template_version"] == "selfeval-xl/0"
    assert rec["dept_name"] == "惠州市政务服务中心"  # still read through the names


def test_seed_figures_are_errors(tmp_path):
    path = tmp_path / "seed.xlsm"
    build_workbook(path, example())
    rec = examine(path)
    assert rec["verdict"] == "errors"
    assert codes(rec) == [("FIELD_REQUIRED", "支出情况", "C4"), ("EXP_PARTS_MISMATCH", "支出情况", "C5"),
                          *SEED_INFO]


def test_cli_exit_codes_and_json(book, ev, tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["verify", str(book)])
    assert res.exit_code == 0
    assert res.output.splitlines()[0] == ("核验结论：通过　惠州市政务服务中心 2022 年度，"
                                          "自评 96 分（优）")
    with_report(book, ev, score=Decimal("99"))
    res = runner.invoke(main, ["verify", str(book), "--json"])
    data = json.loads(res.output)
    assert (res.exit_code, data["verdict"], data["exit_code"]) == (6, "score-mismatch", 6)
    junk = tmp_path / "junk.xlsm"
    junk.write_bytes(b"not a zip")
    res = runner.invoke(main, ["verify", str(junk)])
    assert res.exit_code == 2
    assert res.output.splitlines()[0] == "核验结论：无法读取"


def test_exit_codes_are_distinct_except_the_two_passes():
    failing = [v.exit_code for v in VERDICTS if v.key not in ("ok", "ok-with-warnings")]
    assert sorted(failing) == [1, 2, 3, 4, 5, 6, 7]
    assert {v.exit_code for v in VERDICTS if v.key in ("ok", "ok-with-warnings")} == {0}


# --- verify says only what it knows (issue 13) -----------------------------------------------

NO_REPORT = "报告：没有记录有效的数据指纹（视为未生成报告），无法判断报告生成后数据是否改动"


def _set_fingerprint_cell(path: Path, inner: bytes | None) -> None:
    """The stored fingerprint cell typed over (a number), cleared, or junk text."""
    def new_cell(cell: bytes, attrs: bytes, _content: bytes | None) -> bytes:
        style = re.search(rb'\ss="\d+"', attrs)
        s_attr = style.group(0) if style else b""
        if inner is None:
            return b'<c r="%s"%s/>' % (cell, s_attr)
        if inner.startswith(b"<v>"):
            return b'<c r="%s"%s>%s</c>' % (cell, s_attr, inner)
        return b'<c r="%s"%s t="inlineStr"><is><t>%s</t></is></c>' % (cell, s_attr, inner)
    _replace_cell(path, "report_fingerprint", new_cell)


@pytest.mark.parametrize("inner, finding", [
    (b"<v>0</v>", True), (None, False), (b"   ", False), (b"sha256:1234", True),
    (b"sha256:" + b"G" * 64, True)])
def test_missing_or_malformed_fingerprint_is_never_unchanged(book, ev, inner, finding):
    """Typing 0 into the fingerprint cell (or clearing it) and changing the data answered
    "通过 … 此后数据未改动"."""
    with_report(book, ev)
    _set_fingerprint_cell(book, inner)
    edit_input(book, "other_notes", "报告生成后补充的说明")
    rec = examine(book)
    assert rec["details"][2] == NO_REPORT
    assert not any("一致" in d or "未改动" in d for d in rec["details"][2:])
    place = layout.defined_names()["report_fingerprint"]
    invalid = [(f["code"], f["sheet"], f["cell"]) for f in rec["findings"]
               if f["code"] == "REPORT_FINGERPRINT_INVALID"]
    assert invalid == ([("REPORT_FINGERPRINT_INVALID", *place)] if finding else [])
    assert rec["verdict"] == ("ok-with-warnings" if finding else "ok")


def _table_cell(path: Path, table: str, index: int, key: str) -> tuple[str, str]:
    from selfeval_xl.read import reader

    place = reader.read(path).locator.cell(table, index, key)
    assert place.cell, (table, index, key)
    return place.sheet, place.cell


# Every part of the data the fingerprint covers, edited after the report (a fingerprint
# that ignored the indicator table passed every test before).
EDITS = [
    ("tbl_indicators", 0, "weight", "<v>7</v>", None),
    ("tbl_indicators", 5, "actual", "<v>0.5</v>", None),
    ("tbl_indicators", 3, "manual_score", "<v>1</v>", None),
    ("tbl_indicators", 2, "target", "<v>0.8</v>", None),
    ("tbl_indicators", 1, "reason", "<is><t>改过的理由</t></is>", "inlineStr"),
    ("tbl_indicators", 4, "level3", "<is><t>改名的指标</t></is>", "inlineStr"),
    ("tbl_tasks", 0, "title", "<is><t>改过的任务</t></is>", "inlineStr"),
    ("tbl_task_points", 0, "text", "<is><t>改过的要点</t></is>", "inlineStr"),
    ("tbl_goals", 0, "text", "<is><t>改过的目标</t></is>", "inlineStr"),
    ("tbl_outputs", 0, "actual", "<v>12345</v>", None),
    ("tbl_conclusions", 0, "text", "<is><t>改过的结论</t></is>", "inlineStr"),
    ("tbl_analysis", 0, "text", "<is><t>改过的分析</t></is>", "inlineStr"),
    ("tbl_grades", 0, "min_score", "<v>91</v>", None),
]


@pytest.mark.parametrize("table, index, key, inner, t", EDITS,
                         ids=[f"{e[0]}.{e[2]}" for e in EDITS])
def test_every_covered_part_edited_after_the_report_is_stale(book, ev, tmp_path, table, index,
                                                             key, inner, t):
    import reader_fixtures as fx

    with_report(book, ev)
    sheet, cell = _table_cell(book, table, index, key)
    edited = fx.set_cell_xml(book, tmp_path / "edited.xlsm", sheet, cell, inner, t)
    rec = examine(edited)
    assert rec["fingerprint"] != fingerprint(ev)
    assert rec["verdict"] in ("stale", "score-mismatch", "errors"), rec["verdict_reason"]
    assert "REPORT_STALE" in [f["code"] for f in rec["findings"]]
    assert rec["details"][2] == "报告：生成于 2023-04-11 10:00:00，之后数据被修改"


def test_expenditure_and_band_edits_are_stale(book, ev, tmp_path):
    import reader_fixtures as fx

    with_report(book, ev)
    sheet, cell = layout.defined_names()["exp_basic"]
    rec = examine(fx.set_cell_xml(book, tmp_path / "a.xlsm", sheet, cell, "<v>390.74</v>"))
    assert "REPORT_STALE" in [f["code"] for f in rec["findings"]]


def _with_sheet_report(path: Path) -> Path:
    res = CliRunner().invoke(main, ["report", str(path), "--format", "sheet", "-o",
                                    str(path.parent / "out")])
    assert res.exit_code == 0, res.output
    return path


def _edit_report_sheet_text(path: Path, old: str, new: str) -> None:
    part = sheet_part(path, layout.SHEET_REPORT)
    tmp = path.with_name("sheet-edited.tmp")
    rewrite_zip(path, tmp, {part: lambda data: data.replace(old.encode(), new.encode())})
    tmp.replace(path)


def test_report_sheet_saying_another_score_is_a_mismatch(book):
    """A sheet saying 97 beside data scoring 96, the status cells untouched."""
    _with_sheet_report(book)
    assert examine(book)["verdict"] == "ok"
    _edit_report_sheet_text(book, "自评96分", "自评97分")
    rec = examine(book)
    assert rec["verdict"] == "score-mismatch"
    assert [(f["code"], f["sheet"], f["cell"]) for f in rec["findings"]
            if f["code"].startswith("REPORT_SHEET")] == [
        ("REPORT_SHEET_SCORE_MISMATCH", "自评报告", "")]
    assert rec["verdict_reason"] == "“自评报告”工作表写的自评得分为 97 分，按当前数据计算为 96 分，请重新生成报告"


def test_report_sheet_fingerprint_older_than_the_status_cells_is_stale(book, ev):
    """The data edited and the status cells made to match it (anyone can recompute the
    fingerprint): the sheet's own footer still names the data it was written from."""
    _with_sheet_report(book)
    edit_input(book, "other_notes", "报告生成后补充的说明")
    from selfeval_xl.read import reader

    changed = reader.read(book).evaluation
    write_results(book, backup=False, status={"report_fingerprint": fingerprint(changed)})
    rec = examine(book)
    assert rec["verdict"] == "stale"
    assert [f["code"] for f in rec["findings"] if f["code"].startswith("REPORT_")] == [
        "REPORT_SHEET_STALE"]


def test_verdict_words_claim_no_tampering():
    labels = " ".join(v.label + v.meaning for v in VERDICTS)
    assert "篡改" not in labels
