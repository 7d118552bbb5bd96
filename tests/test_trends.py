"""Trends across years (bureau/trends.py) from collect's database, and `selfeval-xl trends`."""

import json
import sqlite3
from datetime import datetime, timezone
from decimal import Decimal

from click.testing import CliRunner

from selfeval_xl.bureau import store
from selfeval_xl.bureau.trends import TrendPoint, all_trends, department_trend, latest_per_year
from selfeval_xl.cli import main


def rec(dept, year, score, grade, rate, verdict="ok", file_hash=None):
    return {"file_hash": file_hash or f"sha256:{dept}{year}{score}", "dept_name": dept,
            "eval_year": year, "score": score, "grade": grade, "exec_rate": rate,
            "verdict": verdict, "file_name": "x.xlsm", "file_path": "x.xlsm", "file_size": 1,
            "verdict_reason": "", "errors": 0, "warnings": 0}


def at(hour):
    return datetime(2026, 11, 29, hour, tzinfo=timezone.utc)


def database(path):
    con = store.connect(path)
    store.save(con, [rec("甲局", 2021, "88.50", "良", 0.91),
                     rec("乙局", 2022, "70.00", "中", 0.5)], now=at(8))
    store.save(con, [rec("甲局", 2022, "80.00", "良", 0.8)], now=at(9))
    # a corrected 2022 file arrives later; a broken file of 2023 carries no figures
    store.save(con, [rec("甲局", 2022, "93.25", "优", 0.97),
                     rec("甲局", 2023, "", "", None, verdict="unreadable")], now=at(10))
    return con


def test_department_trend_takes_the_latest_read_submission_per_year(tmp_path):
    con = database(tmp_path / "db.sqlite")
    assert department_trend(con, "甲局") == [
        TrendPoint(2021, Decimal("88.50"), "良", 0.91, "ok", "2026-11-29T08:00:00+00:00"),
        TrendPoint(2022, Decimal("93.25"), "优", 0.97, "ok", "2026-11-29T10:00:00+00:00")]
    assert list(all_trends(con)) == ["乙局", "甲局"]
    assert department_trend(con, "丙局") == []


def test_latest_per_year_is_pure():
    rows = [{"eval_year": 2022, "score": "1", "grade": "差", "exec_rate": None,
             "verdict": "errors", "at": "b"},
            {"eval_year": 2022, "score": "x", "grade": "", "exec_rate": 0.5,
             "verdict": "not-selfeval", "at": "c"},
            {"eval_year": 0, "score": "9", "grade": "", "exec_rate": 0.5, "verdict": "ok", "at": "d"}]
    assert latest_per_year(rows) == [TrendPoint(2022, Decimal(1), "差", None, "errors", "b")]


def test_trends_command(tmp_path):
    database(tmp_path / "db.sqlite").close()
    out = CliRunner().invoke(main, ["trends", "--db", str(tmp_path / "db.sqlite"), "--dept", "甲局"])
    assert out.exit_code == 0, out.output
    assert out.output == ("甲局\n  2021  88.5 分  良  预算执行率 91.00%  通过\n"
                          "  2022  93.25 分  优  预算执行率 97.00%  通过\n")
    out = CliRunner().invoke(main, ["trends", "--db", str(tmp_path / "db.sqlite"), "--json"])
    assert json.loads(out.output)["乙局"] == [
        {"year": 2022, "score": "70.00", "grade": "中", "exec_rate": 0.5, "verdict": "ok"}]
