"""Hostile and broken files never stop a collect run (preflight, sandbox, collect).

Every file is generated here (tests/hostile_files.py); nothing is downloaded.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import hostile_files as h
import worker_probe
from selfeval_xl.build.builder import build_workbook
from selfeval_xl.bureau import store
from selfeval_xl.bureau.collect import collect, examine_all
from selfeval_xl.bureau.preflight import MB, Limits, inspect
from selfeval_xl.bureau.sandbox import run_bounded
from test_verify import clean_example


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("good") / "good.xlsm"
    build_workbook(path, clean_example())
    return path


@pytest.fixture(scope="module")
def inbox(tmp_path_factory, good) -> Path:
    d = tmp_path_factory.mktemp("inbox")
    (d / "01-good.xlsm").write_bytes(good.read_bytes())
    h.not_a_workbook(d / "02-not-a-workbook.xlsm")
    h.truncated(d / "03-truncated.xlsm", good)
    h.encrypted(d / "04-encrypted.xlsm", good)
    h.zip_bomb_declared(d / "05-bomb-declared.xlsm")
    h.zip_bomb_ratio(d / "06-bomb-ratio.xlsm")
    h.billion_laughs(d / "07-laughs-workbook.xlsm", good, "xl/workbook.xml")
    h.billion_laughs(d / "08-laughs-sheet.xlsm", good, h.sheet_part(good, "支出情况"))
    h.with_external_link(d / "09-external-link.xlsm", good)
    h.unrelated_workbook(d / "10-unrelated.xlsx")
    h.other_version(d / "11-other-version.xlsm", good)
    h.huge_rows(d / "12-100MB-rows.xlsm", good, megabytes=100)
    (d / "~$01-good.xlsm").write_bytes(b"lock file")  # Excel's lock file: not collected
    (d / "notes.txt").write_text("not a workbook suffix: not collected")
    return d


EXPECTED = {
    "01-good.xlsm": ("ok", "没有错误和警告，得分与数据一致"),
    "02-not-a-workbook.xlsm": ("unreadable", "不是 Excel 工作簿：文件内容不是 .xlsx/.xlsm 的压缩包"
                               "格式（可能是改了扩展名的其他文件）"),
    "03-truncated.xlsm": ("unreadable", "文件已损坏或不完整（可能在传输中被截断）：File is not a zip file"),
    "04-encrypted.xlsm": ("unreadable", "工作簿已加密（设置了打开密码），无法读取；请部门去掉密码后重新报送"),
    "05-bomb-declared.xlsm": ("rejected", None),
    "06-bomb-ratio.xlsm": ("rejected", None),
    "07-laughs-workbook.xlsm": ("rejected", "部件 xl/workbook.xml 含 DTD/实体声明（可用于 XML 实体扩展"
                                "攻击，Excel 从不写入），未读取"),
    "08-laughs-sheet.xlsm": ("rejected", None),
    "09-external-link.xlsm": ("ok-with-warnings", "没有错误，1 个警告"),
    "10-unrelated.xlsx": ("not-selfeval", "工作簿中没有自评模板的名称和表格（如 dept_name、"
                          "tbl_indicators），不是部门整体支出绩效自评工作簿。"),
    "11-other-version.xlsm": ("wrong-version", "模板版本为“selfeval-xl/0”，本程序读取的是 "
                              "selfeval-xl/1；数据按定义名称读出，仅供参考"),
    "12-100MB-rows.xlsm": ("rejected", None),
}


def test_mixed_hostile_inbox(inbox, tmp_path):
    result = collect([inbox], tmp_path / "summary.xlsx", db=tmp_path / "bureau.sqlite")
    got = {r["file_name"]: (r["verdict"], r["verdict_reason"]) for r in result.records}
    assert sorted(got) == sorted(EXPECTED)  # one row per file; lock file and .txt skipped
    for name, (verdict, reason) in EXPECTED.items():
        assert got[name][0] == verdict, (name, got[name])
        if reason is not None:
            assert got[name][1] == reason, name
    assert got["05-bomb-declared.xlsm"][1].startswith(
        "疑似压缩炸弹：部件 xl/worksheets/sheet1.xml 压缩比 ")
    assert got["06-bomb-ratio.xlsm"][1].startswith(
        "疑似压缩炸弹：部件 xl/worksheets/sheet1.xml 压缩比 ")
    laughs_part = h.sheet_part(inbox / "01-good.xlsm", "支出情况")
    assert got["08-laughs-sheet.xlsm"][1] == (
        f"部件 {laughs_part} 含 DTD/实体声明（可用于 XML 实体扩展攻击，Excel 从不写入），未读取")
    assert got["12-100MB-rows.xlsm"][1].startswith("工作表数据过大：")
    assert got["12-100MB-rows.xlsm"][1].endswith("超过上限 48 MB（自评工作簿通常不足 1 MB），未读取")
    external = next(r for r in result.records if r["file_name"] == "09-external-link.xlsm")
    assert [(f["code"], f["severity"]) for f in external["findings"]
            if f["severity"] != "info"] == [("BUREAU_EXTERNAL_LINKS", "warning")]
    # every file is in the database too, once
    assert result.db_counts["submissions"] == len(EXPECTED)


def test_hostile_files_cost_little(inbox):
    # Bounded work: the refusals come from the zip directory and part prologs, so even the
    # 100 MB sheet and the 3 GB declared bomb are turned away without inflating them.
    for name in ("05-bomb-declared.xlsm", "06-bomb-ratio.xlsm", "12-100MB-rows.xlsm",
                 "07-laughs-workbook.xlsm"):
        pf = inspect(inbox / name)
        assert pf.verdict == "rejected", name


def test_100mb_file_is_really_100mb_of_rows(inbox):
    import zipfile

    part = h.sheet_part(inbox / "01-good.xlsm", "基本情况")
    with zipfile.ZipFile(inbox / "12-100MB-rows.xlsm") as zf:
        assert zf.getinfo(part).file_size >= 100 * MB


# --- the sandbox: what gets past preflight is still bounded ----------------------------------

RELAXED = dict(max_file_bytes=256 * MB, max_part_bytes=256 * MB, max_total_bytes=512 * MB)


@pytest.fixture(scope="module")
def heavy(tmp_path_factory, good) -> Path:
    """40 MB of rows in a sheet the reader must parse (past preflight only when relaxed)."""
    return h.huge_rows(tmp_path_factory.mktemp("heavy") / "heavy.xlsm", good, megabytes=40)


def test_memory_limit_stops_one_file_only(heavy, good):
    recs = examine_all([heavy, good], limits=Limits(**RELAXED, memory_bytes=150 * MB), workers=2)
    assert [(r["verdict"], r["verdict_reason"]) for r in recs] == [
        ("rejected", "读取时内存超出上限，已中止"), ("ok", "没有错误和警告，得分与数据一致")]
    assert recs[0]["file_hash"].startswith("sha256:")


def test_time_limit_stops_one_file_only(heavy, good):
    recs = examine_all([heavy, good, good], limits=Limits(**RELAXED, timeout=1.0), workers=2)
    assert [(r["verdict"], r["verdict_reason"]) for r in recs] == [
        ("rejected", "读取超过 1 秒时限，已中止"),
        ("ok", "没有错误和警告，得分与数据一致"), ("ok", "没有错误和警告，得分与数据一致")]


def test_sandbox_recycles_workers_and_finishes_the_rest():
    items = worker_probe.POOL_ITEMS
    outcomes = {o.index: o for o in run_bounded(items, worker_probe.task, workers=2,
                                                 timeout=1.0, memory_bytes=256 * MB)}
    got = [(outcomes[i].failure, outcomes[i].value, outcomes[i].message) for i in range(len(items))]
    assert got == worker_probe.POOL_ENDINGS


def test_recollect_hostile_inbox_is_idempotent(inbox, tmp_path):
    db = tmp_path / "bureau.sqlite"
    first = collect([inbox], None, db=db).db_counts
    second = collect([inbox], None, db=db).db_counts
    assert first == second
    con = store.connect(db)
    try:
        assert con.execute("SELECT COUNT(*) FROM submissions WHERE verdict = 'rejected'"
                           ).fetchone()[0] == 5
    finally:
        con.close()


def test_pipes_odd_names_and_huge_files_never_stall_the_run(tmp_path):
    os.mkfifo(tmp_path / "pipe.xlsm")  # opening it would block forever
    odd = tmp_path / os.fsdecode(b"\xff\xfe-not-utf8.xlsm")  # not valid UTF-8 on disk
    odd.write_bytes(b"junk")
    with open(tmp_path / "huge.xlsm", "wb") as fh:  # sparse: 65 MB on paper, nothing written
        fh.truncate(65 * MB)
    result = collect([tmp_path / "pipe.xlsm", odd, tmp_path / "huge.xlsm"],
                     tmp_path / "s.xlsx", db=tmp_path / "s.sqlite")
    got = [(r["file_name"], r["verdict"], r["verdict_reason"]) for r in result.records]
    assert sorted(got) == sorted([
        ("pipe.xlsm", "unreadable", "不是普通文件（可能是管道、设备或目录），未读取"),
        ("\ufffd\ufffd-not-utf8.xlsm", "unreadable", "不是 Excel 工作簿：文件内容不是 .xlsx/.xlsm "
         "的压缩包格式（可能是改了扩展名的其他文件）"),
        ("huge.xlsm", "rejected", "文件 65.0 MB，超过上限 64 MB，未读取"),
    ])
    huge = next(r for r in result.records if r["file_name"] == "huge.xlsm")
    assert huge["file_hash"].startswith("sha256-head:") and huge["file_hash"].endswith(
        f":{65 * MB}")
    assert result.db_counts["submissions"] == 3


# --- one file of each extreme among good ones (issue 13) -------------------------------------

def _set(good: Path, dst: Path, name: str, inner: str, t: str | None = None) -> Path:
    import reader_fixtures as fx

    sheet, cell = fx.field_cell(name)
    return fx.set_cell_xml(good, dst, sheet, cell, inner, t)


EXTREMES = {
    # a 310-digit amount typed as text: read with a warning before, then collect died on
    # "TypeError: NAN/INF not supported in write_number()"
    "x-310-digits.xlsm": ("exp_total", "<is><t>" + "9" * 310 + "</t></is>", "inlineStr"),
    "x-1e30.xlsm": ("exp_total", "<v>1E+30</v>", None),
    "x-tiny-budget.xlsm": ("budget_total", "<v>1E-300</v>", None),
    "x-negative.xlsm": ("exp_basic", "<v>-99999999999999</v>", None),
    "x-huge-year.xlsm": ("eval_year", "<v>1E+20</v>", None),
    "x-long-name.xlsm": ("dept_name", "<is><t>" + "部门" * 40_000 + "</t></is>", "inlineStr"),
}


@pytest.fixture(scope="module")
def extremes(tmp_path_factory, good) -> Path:
    d = tmp_path_factory.mktemp("extremes")
    (d / "a-good.xlsm").write_bytes(good.read_bytes())
    for name, (field, inner, t) in EXTREMES.items():
        _set(good, d / name, field, inner, t)
    (d / "z-good.xlsm").write_bytes(good.read_bytes())
    return d


def test_extreme_values_never_abort_collect(extremes, tmp_path):
    import sqlite3

    from openpyxl import load_workbook

    out = tmp_path / "summary.xlsx"
    result = collect([extremes], out, db=tmp_path / "db.sqlite", workers=2)
    by_name = {r["file_name"]: r for r in result.records}
    assert len(by_name) == len(EXTREMES) + 2
    assert by_name["a-good.xlsm"]["verdict"] == by_name["z-good.xlsm"]["verdict"] == "ok"
    out_of_range = "超出合理范围"
    for name in ("x-310-digits.xlsm", "x-1e30.xlsm", "x-huge-year.xlsm", "x-tiny-budget.xlsm"):
        rec = by_name[name]
        assert rec["verdict"] == "errors", (name, rec["verdict_reason"])
        assert [f["code"] for f in rec["findings"] if out_of_range in f["message"]] == [
            "READ_NUMBER_OUT_OF_RANGE"], name
    assert by_name["x-310-digits.xlsm"]["exp_total"] == ""
    assert by_name["x-negative.xlsm"]["exp_basic"] == "-99999999999999"
    assert by_name["x-long-name.xlsm"]["dept_name"] == "部门" * 40_000
    # everything was written: the summary opens with one row per file, the database too
    wb = load_workbook(out, read_only=True)
    cells = {v for row in wb["汇总"].iter_rows(values_only=True) for v in row}
    assert set(by_name) <= cells
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        # a-good and z-good are the same bytes: one submission
        assert db.execute("select count(*) from submissions").fetchone()[0] == len(by_name) - 1
