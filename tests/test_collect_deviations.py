"""Deviation warnings as collect reports them: for every rule a workbook that triggers it
and one that must not; in the record, the database, the summary workbook and verify."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from selfeval_xl.build.builder import build_workbook
from selfeval_xl.bureau.collect import collect
from selfeval_xl.cli import main
from test_verify import clean_example


def budget(ev, amount: str):
    return dataclasses.replace(ev, expenditure=dataclasses.replace(
        ev.expenditure, budget_total=Decimal(amount)))


def as_dept(ev, name: str, year: int | None = None):
    year = year or ev.basics.eval_year
    return dataclasses.replace(ev, basics=dataclasses.replace(
        ev.basics, dept_name=name, eval_year=year, fill_date=date(year + 1, 4, 11)))


def reworded(ev):
    return dataclasses.replace(ev, conclusions=ev.conclusions[:-1] + (ev.conclusions[-1] + "另行说明。",))


def one_cent_apart(ev):
    return dataclasses.replace(ev, expenditure=dataclasses.replace(
        ev.expenditure, exp_other=Decimal("0.01"), exp_general_budget=Decimal("921.51")))


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    d = tmp_path_factory.mktemp("inbox")
    ev = clean_example()  # 100 % spent, 96 分 优: no rule applies on its own
    def own(k: int, data=ev):
        # every department's data its own (其他自评情况 enters the data, not the narrative)
        return dataclasses.replace(data, basics=dataclasses.replace(
            data.basics, other_notes=f"无（{k}）"))

    books = {
        "clean.xlsm": ev,
        # 921.52 / 1100 = 83.77 %: output/benefit share 93.33 % is 9.56 points above
        "over.xlsm": own(1, as_dept(budget(ev, "1100.00"), "甲局")),
        # 921.52 / 1200 = 76.79 %, 优: both per-file rules
        "low-top.xlsm": own(2, as_dept(budget(ev, "1200.00"), "乙局")),
        # 丙局 2022 repeats its 2021 text; 丁局 rewrote one point
        "bing-2021.xlsm": own(3, as_dept(ev, "丙局", 2021)),
        "bing-2022.xlsm": one_cent_apart(own(4, as_dept(ev, "丙局", 2022))),
        "ding-2021.xlsm": own(5, as_dept(ev, "丁局", 2021)),
        "ding-2022.xlsm": reworded(own(6, as_dept(ev, "丁局", 2022))),
        # 戊局 handed in 丙局's 2022 data under its own name; 己局's differs by one cent
        "wu-2022.xlsm": one_cent_apart(own(4, as_dept(ev, "戊局", 2022))),
        "ji-2022.xlsm": own(4, as_dept(ev, "己局", 2022)),
    }
    for name, data in books.items():
        build_workbook(d / name, data)
    out = tmp_path_factory.mktemp("out")
    result = collect([d], out / "汇总.xlsx", db=out / "db.sqlite")
    return {Path(r["file_name"]).name: r for r in result.records}, out, d


def codes(rec):
    return [f["code"] for f in rec["deviations"]]


def test_each_rule_triggers_and_does_not(collected):
    recs, _, _ = collected
    assert {name: codes(r) for name, r in recs.items()} == {
        "clean.xlsm": [],
        "over.xlsm": ["DEVIATION_SCORE_OVER_EXECUTION"],
        "low-top.xlsm": ["DEVIATION_SCORE_OVER_EXECUTION", "DEVIATION_TOP_GRADE_LOW_EXECUTION"],
        "bing-2021.xlsm": [],
        "bing-2022.xlsm": ["DEVIATION_NARRATIVE_COPIED", "DEVIATION_IDENTICAL_SUBMISSION"],
        "ding-2021.xlsm": [],
        "ding-2022.xlsm": [],
        "wu-2022.xlsm": ["DEVIATION_IDENTICAL_SUBMISSION"],
        "ji-2022.xlsm": [],
    }


def test_deviations_never_change_the_verdict(collected):
    recs, _, _ = collected
    assert {r["verdict"] for r in recs.values()} <= {"ok", "ok-with-warnings"}
    for r in recs.values():  # the warning count is the findings', deviations counted apart
        assert r["warnings"] == sum(f["severity"] == "warning" for f in r["findings"])
    assert all(f["code"].startswith("DEVIATION_") for r in recs.values() for f in r["deviations"])
    assert not any(f["code"].startswith("DEVIATION_") for r in recs.values() for f in r["findings"])


def test_messages(collected):
    recs, _, _ = collected
    assert [f["message"] for f in recs["wu-2022.xlsm"]["deviations"]] == [
        "与丙局提交的 2022 年度自评数据完全相同（部门名称、填报人、电话、日期除外），请核实"]
    low = recs["low-top.xlsm"]["deviations"]
    assert (low[1]["sheet"], low[1]["cell"], low[1]["message"]) == (
        "指标评分", "G2", "预算执行率 76.79%，低于 80%，而自评等级为“优”（96.00 分），请核实")


def test_database_and_summary_workbook(collected):
    recs, out, _ = collected
    con = sqlite3.connect(out / "db.sqlite")
    rows = con.execute("SELECT s.file_name, d.code FROM deviations d JOIN submissions s"
                       " USING (submission_id) ORDER BY s.file_name, d.seq").fetchall()
    assert rows == [("bing-2022.xlsm", "DEVIATION_NARRATIVE_COPIED"),
                    ("bing-2022.xlsm", "DEVIATION_IDENTICAL_SUBMISSION"),
                    ("low-top.xlsm", "DEVIATION_SCORE_OVER_EXECUTION"),
                    ("low-top.xlsm", "DEVIATION_TOP_GRADE_LOW_EXECUTION"),
                    ("over.xlsm", "DEVIATION_SCORE_OVER_EXECUTION"),
                    ("wu-2022.xlsm", "DEVIATION_IDENTICAL_SUBMISSION")]
    wb = openpyxl.load_workbook(out / "汇总.xlsx", read_only=True)
    issues = [(r[0], r[4]) for r in wb["问题清单"].iter_rows(min_row=2, values_only=True)
              if str(r[4]).startswith("DEVIATION_")]
    assert sorted(issues) == sorted(rows)
    head = [c for c in next(wb["汇总"].iter_rows(max_row=1, values_only=True))]
    col = head.index("偏差预警数")
    counts = {r[head.index("文件名")]: r[col] for r in wb["汇总"].iter_rows(min_row=2, values_only=True)}
    assert counts == {name: len(r["deviations"]) for name, r in recs.items()}


def test_last_years_text_is_found_in_the_database_of_an_earlier_run(collected, tmp_path):
    _, _, inbox = collected
    db = tmp_path / "db.sqlite"
    first = collect([inbox / "bing-2021.xlsm"], None, db=db)
    assert codes(first.records[0]) == []
    second = collect([inbox / "bing-2022.xlsm", inbox / "ding-2022.xlsm"], None, db=db)
    assert [codes(r) for r in second.records] == [["DEVIATION_NARRATIVE_COPIED"], []]
    # and without the database there is nothing to compare with
    alone = collect([inbox / "bing-2022.xlsm"], None)
    assert codes(alone.records[0]) == []


def test_verify_prints_the_per_file_deviations(collected):
    _, _, inbox = collected
    result = CliRunner().invoke(main, ["verify", str(inbox / "over.xlsm")])
    assert result.exit_code == 0, result.output
    assert "  偏差预警（1）：\n    [警告] DEVIATION_SCORE_OVER_EXECUTION 支出情况!C18：产出和效益指标得分" \
        in result.output


def test_a_database_from_before_the_digests_gains_their_columns(tmp_path):
    from selfeval_xl.bureau import store

    old_schema = "\n".join(line for line in store.SCHEMA.splitlines()
                           if "_digest" not in line)
    assert old_schema != store.SCHEMA
    con = sqlite3.connect(tmp_path / "old.sqlite")
    con.executescript(old_schema)
    con.close()
    con = store.connect(tmp_path / "old.sqlite")
    columns = {row[1] for row in con.execute("PRAGMA table_info(submissions)")}
    assert {"narrative_digest", "content_digest"} <= columns
    assert store.digests(con) == []
