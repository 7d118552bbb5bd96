"""collect: a mixed inbox → summary workbook, database (selfeval_xl.bureau.collect, store,
summary_workbook and the ``collect`` command)."""

from __future__ import annotations

import dataclasses
import sqlite3
import zipfile
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import hostile_files as h
from selfeval_xl.build.builder import build_workbook
from selfeval_xl.bureau import store
from selfeval_xl.bureau.collect import collect, find_inputs
from selfeval_xl.bureau.summary_workbook import chart_tables
from selfeval_xl.cli import main
from selfeval_xl.datafile import example
from test_verify import clean_example, edit_input, with_report

# Text a department could type that a spreadsheet would run if it were written as a formula.
INJECTED = {"dept_name": '=HYPERLINK("http://evil.example/x","点击")', "preparer": "+SUM(1,1)",
            "phone": "-2+3", "other_notes": "@cmd|' /C calc'!A0"}


def injected_example():
    ev = clean_example()
    b = dataclasses.replace(ev.basics, dept_name=INJECTED["dept_name"],
                            preparer=INJECTED["preparer"], phone=INJECTED["phone"],
                            other_notes=INJECTED["other_notes"])
    return dataclasses.replace(ev, basics=b)


def other_department(name: str, year: int, actual: str):
    """The clean example as another department: another name, year and one indicator value."""
    ev = clean_example()
    b = dataclasses.replace(ev.basics, dept_name=name, eval_year=year,
                            fill_date=date(year + 1, 4, 11))
    inds = list(ev.indicators)
    i = next(k for k, ind in enumerate(inds) if ind.level3 == "政府采购执行率")  # 比率, weight 3
    inds[i] = dataclasses.replace(inds[i], actual=Decimal(actual), reason="执行进度偏慢")
    return dataclasses.replace(ev, basics=b, indicators=tuple(inds))


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("inbox")
    ev = clean_example()
    build_workbook(d / "a-ok.xlsm", ev)
    build_workbook(d / "b-seed-errors.xlsm", example())
    build_workbook(d / "c-stale.xlsm", ev)
    with_report(d / "c-stale.xlsm", ev)
    edit_input(d / "c-stale.xlsm", "other_notes", "报告后改动")
    build_workbook(d / "d-mismatch.xlsm", ev)
    with_report(d / "d-mismatch.xlsm", ev, score=Decimal("99"))
    build_workbook(d / "e-injected.xlsm", injected_example())
    build_workbook(d / "f-other-dept.xlsm", other_department("惠州市某某局", 2022, "0.5"))
    h.unrelated_workbook(d / "g-unrelated.xlsx")
    h.not_a_workbook(d / "h-junk.xlsm")
    return d


EXPECTED = {"a-ok.xlsm": "ok", "b-seed-errors.xlsm": "errors", "c-stale.xlsm": "stale",
            "d-mismatch.xlsm": "score-mismatch", "e-injected.xlsm": "ok-with-warnings",
            "f-other-dept.xlsm": "ok", "g-unrelated.xlsx": "not-selfeval",
            "h-junk.xlsm": "unreadable"}


@pytest.fixture(scope="module")
def collected(inbox, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return collect([inbox], out / "汇总.xlsx", db=out / "bureau.sqlite"), out


def test_rows_and_verdicts(collected):
    result, _ = collected
    assert [(r["file_name"], r["verdict"]) for r in result.records] == list(EXPECTED.items())
    by_name = {r["file_name"]: r for r in result.records}
    assert by_name["a-ok.xlsm"]["score"] == "96.00"
    assert by_name["b-seed-errors.xlsm"]["errors"] == 2
    assert by_name["f-other-dept.xlsm"]["dept_name"] == "惠州市某某局"


def test_summary_workbook_sheets_and_rows(collected):
    result, _ = collected
    wb = openpyxl.load_workbook(result.summary_path)
    assert wb.sheetnames == ["汇总", "问题清单", "指标得分", "指标矩阵", "图表", "说明"]
    summary = wb["汇总"]
    assert summary.max_row == 1 + len(EXPECTED)
    headers = [c.value for c in summary[1]]
    col = {h: i for i, h in enumerate(headers)}
    rows = {r[col["文件名"]].value: r for r in summary.iter_rows(min_row=2)}
    ok = rows["a-ok.xlsm"]
    assert (ok[col["部门名称"]].value, ok[col["评价年度"]].value, ok[col["自评得分（重算）"]].value,
            ok[col["等级"]].value, ok[col["核验结论"]].value) == ("惠州市政务服务中心", 2022, 96, "优", "通过")
    assert ok[col["部门整体支出（万元）"]].value == 921.52
    assert (ok[col["错误数"]].value, ok[col["警告数"]].value) == (0, 0)
    assert ok[col["预算执行率"]].value == 1
    junk = rows["h-junk.xlsm"]
    assert junk[col["核验结论"]].value == "无法读取"
    assert (junk[col["部门名称"]].value, junk[col["评价年度"]].value) == (None, None)
    findings = wb["问题清单"]
    total = sum(len(r["findings"]) for r in result.records)
    assert findings.max_row == 1 + total
    # the long table: one row per file and indicator, in collect order
    long = wb["指标得分"]
    assert [c.value for c in long[1]] == ["部门名称", "评价年度", "指标编码", "一级指标", "二级指标",
                                          "三级指标", "分值", "评分方法", "实际值", "得分",
                                          "工作簿中得分", "得分率", "扣分原因", "文件名"]
    want = [(r["file_name"], i["code"]) for r in result.records for i in r["indicators"]]
    assert [(row[13], row[2]) for row in long.iter_rows(min_row=2, values_only=True)] == want
    first = next(long.iter_rows(min_row=2, values_only=True))
    ind = result.records[0]["indicators"][0]
    assert first[:3] == ("惠州市政务服务中心", 2022, ind["code"])
    assert first[5:7] == (ind["level3"], float(ind["weight"]))
    assert first[9] == float(ind["score"])
    assert first[11] == float(ind["score"]) / float(ind["weight"])
    # the matrix: one row per file with indicators, one column per code
    matrix = wb["指标矩阵"]
    codes = list(dict.fromkeys(i["code"] for r in result.records for i in r["indicators"]))
    assert matrix.max_row == 1 + sum(1 for r in result.records if r["indicators"])
    assert [c.value.split()[0] for c in matrix[1][3:]] == codes
    assert matrix.cell(2, 4).value == float(ind["score"])


def test_summary_prints_as_a_bureau_prints_it(collected):
    result, _ = collected
    wb = openpyxl.load_workbook(result.summary_path)
    for ws in wb:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize == 9, ws.title  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (1, None), ws.title  # 1 is the default
    for name, frozen in (("汇总", "B2"), ("问题清单", "A2"), ("指标得分", "B2"), ("指标矩阵", "B2")):
        ws = wb[name]
        assert ws.page_setup.fitToHeight == 0, name  # as many pages down as it takes
        assert ws.print_title_rows == "$1:$1", name
        assert ws.freeze_panes == frozen, name
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
    assert wb["图表"].page_setup.fitToHeight in (1, None)  # the charts on one page


def test_department_text_is_never_a_formula(collected):
    result, out = collected
    wb = openpyxl.load_workbook(result.summary_path)
    values = {c.value: c.data_type for ws in wb for row in ws.iter_rows() for c in row
              if isinstance(c.value, str) and c.value[:1] in "=+-@"}
    for text in (INJECTED["dept_name"], INJECTED["preparer"]):
        assert values.get(text) == "s", text
    with zipfile.ZipFile(result.summary_path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in zf.read(n) for n in sheets)
    con = sqlite3.connect(out / "bureau.sqlite")
    assert con.execute("SELECT preparer FROM submissions WHERE dept_name = ?",
                       (INJECTED["dept_name"],)).fetchall() == [(INJECTED["preparer"],)]
    con.close()


def test_charts_exist(collected):
    result, _ = collected
    with zipfile.ZipFile(result.summary_path) as zf:
        charts = sorted(n for n in zf.namelist() if n.startswith("xl/charts/chart"))
        assert charts == [f"xl/charts/chart{i}.xml" for i in range(1, 5)]
        assert not any(n.endswith("vbaProject.bin") for n in zf.namelist())
    tables = chart_tables(result.records)
    # six readable files: five at 96 (the example), one at 94.5 (a ratio indicator at 50 %)
    assert tables["grade"] == [("优", 6), ("良", 0), ("中", 0), ("差", 0)]
    assert [n for _, n in tables["score"]] == [0, 0, 0, 0, 0, 0, 0, 1, 5]
    assert sum(n for _, n in tables["verdict"]) == len(EXPECTED)


@pytest.mark.libreoffice
def test_summary_opens_in_libreoffice(collected, soffice, tmp_path):
    from selfeval_xl.render.libreoffice import convert

    result, _ = collected
    pdf = convert(result.summary_path, "pdf", tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")
    # landscape, fitted to the width: a page or two a sheet (the 24 sheets per indicator
    # and the cut charts made 94 pages for three departments before)
    from selfeval_xl.render.pdf import page_count

    sheets = len(openpyxl.load_workbook(result.summary_path, read_only=True).sheetnames)
    assert sheets == 6 and sheets <= page_count(pdf) <= sheets + 3
    again = convert(result.summary_path, "xlsx", tmp_path / "lo")
    wb = openpyxl.load_workbook(again)
    assert "图表" in wb.sheetnames
    found = {c.value: c.data_type for row in wb["汇总"].iter_rows() for c in row}
    assert found.get(INJECTED["dept_name"]) == "s"  # LibreOffice kept it as text too
    with zipfile.ZipFile(again) as zf:
        assert len([n for n in zf.namelist() if n.startswith("xl/charts/chart")]) == 4


def test_recollect_is_idempotent_and_accumulates(collected, inbox, tmp_path):
    result, out = collected
    db = out / "bureau.sqlite"
    con = store.connect(db)
    before = store.counts(con)
    first_seen = con.execute("SELECT submission_id, first_collected_at FROM submissions").fetchall()
    con.close()
    assert before["submissions"] == len(EXPECTED)
    assert before["indicator_scores"] == sum(len(r["indicators"]) for r in result.records)
    again = collect([inbox], None, db=db)
    assert again.db_counts == before
    con = store.connect(db)
    assert con.execute("SELECT submission_id, first_collected_at FROM submissions").fetchall() \
        == first_seen
    con.close()
    # next year's return from the same department is a new row beside the old one
    build_workbook(tmp_path / "2023.xlsm", other_department("惠州市政务服务中心", 2023, "0.9"))
    after = collect([tmp_path / "2023.xlsm"], None, db=db).db_counts
    assert after["submissions"] == before["submissions"] + 1
    con = store.connect(db)
    trend = con.execute("SELECT eval_year, score FROM submissions WHERE dept_name = ? "
                        "AND verdict LIKE 'ok%' ORDER BY eval_year",
                        ("惠州市政务服务中心",)).fetchall()
    con.close()
    assert trend == [(2022, "96.00"), (2023, "95.70")]


def test_find_inputs_skips_lock_files_and_other_suffixes(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("a.xlsm", "sub/b.xlsx", "~$a.xlsm", "c.txt", "d.XLS"):
        (tmp_path / name).write_bytes(b"x")
    named = tmp_path / "c.txt"
    got = [p.relative_to(tmp_path).as_posix() for p in find_inputs([tmp_path, named])]
    assert got == ["a.xlsm", "c.txt", "d.XLS", "sub/b.xlsx"]


def test_cli_collect(inbox, tmp_path):
    res = CliRunner().invoke(main, ["collect", str(inbox), "-o", str(tmp_path / "s.xlsx")])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == ("已汇总 8 个文件：无法读取 1，不是自评工作簿 1，得分与重算不符 1，"
                        "报告生成后数据被修改 1，校验有错误 1，通过（有警告） 1，通过 2")
    assert lines[1] == f"汇总工作簿：{tmp_path / 's.xlsx'}"
    assert lines[2].startswith(f"数据库：{tmp_path / 's.sqlite'}（submissions 8 行")
    empty = tmp_path / "empty"
    empty.mkdir()
    res = CliRunner().invoke(main, ["collect", str(empty), "-o", str(tmp_path / "e.xlsx")])
    assert res.exit_code == 2


def test_summary_saved_in_the_inbox_is_not_collected_again(tmp_path):
    h.unrelated_workbook(tmp_path / "a.xlsx")
    h.not_a_workbook(tmp_path / "b.xlsm")
    for _ in range(2):
        result = collect([tmp_path], tmp_path / "汇总.xlsx", db=tmp_path / "汇总.sqlite")
        assert [r["file_name"] for r in result.records] == ["a.xlsx", "b.xlsm"]


def test_constant_memory_summary_has_the_same_cells(collected, tmp_path):
    from selfeval_xl.bureau.summary_workbook import write_summary

    result, _ = collected
    now = datetime(2026, 1, 2, tzinfo=timezone.utc)
    a = openpyxl.load_workbook(write_summary(result.records, tmp_path / "a.xlsx", now=now))
    b = openpyxl.load_workbook(write_summary(result.records, tmp_path / "b.xlsx", now=now,
                                             constant_memory=True))
    assert a.sheetnames == b.sheetnames
    for ws in a:
        assert ([[c.value for c in row] for row in ws.iter_rows()]
                == [[c.value for c in row] for row in b[ws.title].iter_rows()]), ws.title
        assert ws.freeze_panes == b[ws.title].freeze_panes
        assert ws.auto_filter.ref == b[ws.title].auto_filter.ref


def test_a_large_inbox_writes_the_summary_row_by_row(collected, inbox, tmp_path, monkeypatch):
    from selfeval_xl.bureau import collect as collect_module

    result, _ = collected
    monkeypatch.setattr(collect_module, "SUMMARY_IN_MEMORY_FILES", 3)  # 8 files: above it
    big = collect([inbox], tmp_path / "s.xlsx", db=None, workers=1)
    with zipfile.ZipFile(big.summary_path) as zf:
        assert "xl/sharedStrings.xml" not in zf.namelist()  # constant_memory: inline strings
    with zipfile.ZipFile(result.summary_path) as zf:
        assert "xl/sharedStrings.xml" in zf.namelist()
    a = openpyxl.load_workbook(big.summary_path)
    b = openpyxl.load_workbook(result.summary_path)
    for name in ("汇总", "指标得分", "指标矩阵"):
        assert ([[c.value for c in row] for row in a[name].iter_rows()]
                == [[c.value for c in row] for row in b[name].iter_rows()]), name
