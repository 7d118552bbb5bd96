"""The bureau's desk through FastAPI's TestClient: department list, dashboard, review with
return and resubmission, spot-check, deviation warnings, trends, downloads, and every
refusal (a department never reaches a desk route)."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from selfeval_xl.build.builder import build_workbook
from selfeval_xl.bureau.dashboard import indicator_averages
from selfeval_xl.datafile import example
from test_verify import clean_example
from web_helpers import ACCOUNTS, BUREAU, DEPT, OTHER_DEPT, csrf, make_app, signed_in

XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
THIRD = "惠州市未报送局"


def as_dept(ev, name, year=2022, **expenditure):
    ev = dataclasses.replace(ev, basics=dataclasses.replace(
        ev.basics, dept_name=name, eval_year=year, fill_date=date(year + 1, 4, 11)))
    if expenditure:
        ev = dataclasses.replace(ev, expenditure=dataclasses.replace(
            ev.expenditure, **{k: Decimal(v) for k, v in expenditure.items()}))
    return ev


def submit_book(client: TestClient, path: Path) -> int:
    """Upload and submit a workbook as the client's department; the submission id."""
    r = client.post("/upload", files={"file": (path.name, path.read_bytes(), XLSM)},
                    data={"csrf_token": csrf(client, "/")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    r = client.post(f"{r.headers['location']}/submit", follow_redirects=False,
                    data={"csrf_token": csrf(client, "/"), "confirm_errors": "yes"})
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def import_list(bureau: TestClient, text: str, year=2022, encoding="utf-8", name="名单.csv"):
    return bureau.post("/desk/departments/import", data={
        "year": str(year), "csrf_token": csrf(bureau, "/desk/departments")},
        files={"file": (name, text.encode(encoding), "text/csv")})


def rows(bureau: TestClient, **params) -> list[dict]:
    r = bureau.get("/api/desk/dashboard", params={"year": 2022, **params})
    assert r.status_code == 200, r.text
    return r.json()["rows"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("desk")
    app = make_app(tmp, accounts=ACCOUNTS + ((THIRD, THIRD, "dept"),))
    books = {
        # the seed as published: two errors; no budget, so no per-file deviation
        "dept-2022": (example(), DEPT),
        # 示例部门: 921.52 of a 1200.00 budget (76.79 %) while 优: both per-file rules
        "other-2022": (as_dept(clean_example(), OTHER_DEPT, budget_total="1200.00"), OTHER_DEPT),
        # the corrected seed, as 示例部门's data of the year before, and as its own fix
        "other-2021": (as_dept(clean_example(), OTHER_DEPT, 2021), OTHER_DEPT),
        "dept-2022-v2": (clean_example(), DEPT),
    }
    paths = {}
    for key, (ev, _) in books.items():
        paths[key] = tmp / f"{key}.xlsm"
        build_workbook(paths[key], ev)
    w = {"app": app, "paths": paths, "dept": signed_in(app, DEPT),
         "other": signed_in(app, OTHER_DEPT), "bureau": signed_in(app, BUREAU)}
    w["other_2021"] = submit_book(w["other"], paths["other-2021"])
    w["dept_v1"] = submit_book(w["dept"], paths["dept-2022"])
    w["other_2022"] = submit_book(w["other"], paths["other-2022"])
    r = import_list(w["bureau"], f"部门名称,部门编码,联系人\n{DEPT},101,罗燕君\n{OTHER_DEPT},102,李四\n"
                                 f"{THIRD},103,王五\n,104,缺名称\n", encoding="gbk")
    assert r.status_code == 200, r.text
    return w


DESK_GETS = ["/desk?year=2022", "/desk/departments?year=2022", "/desk/submissions/1",
             "/desk/trends?dept=x", "/desk/summary.xlsx?year=2022",
             "/desk/database.sqlite?year=2022"]
DESK_API_GETS = ["/api/desk/dashboard?year=2022", "/api/desk/trends?dept=x"]
DESK_POSTS = ["/desk/departments/import", "/desk/departments/save", "/desk/departments/1/delete",
              "/desk/submissions/1/review", "/desk/submissions/1/spot",
              "/api/desk/submissions/1/review"]


def test_a_department_never_reaches_the_desk(world):
    dept = world["dept"]
    for url in DESK_GETS:
        r = dept.get(url, follow_redirects=False)
        assert (r.status_code, "此操作仅限财政局账号" in r.text) == (403, True), url
    for url in DESK_API_GETS:
        r = dept.get(url)
        assert (r.status_code, r.json()) == (403, {"error": "此操作仅限财政局账号"}), url
    token = csrf(dept, "/")
    for url in DESK_POSTS:
        r = dept.post(url, data={"csrf_token": token, "year": "2022", "decision": "accepted",
                                 "name": "x", "code": "1"}, follow_redirects=False)
        assert r.status_code == 403, url
    assert "/desk" not in dept.get("/").text  # no link to it either
    anonymous = TestClient(world["app"])
    for url in DESK_GETS:
        r = anonymous.get(url, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/login?why="), url
    assert anonymous.get(DESK_API_GETS[0]).status_code == 401
    # nothing changed: the list still has its three departments
    assert [d["name"] for d in world["app"].state.desk.departments(2022)] == [DEPT, OTHER_DEPT, THIRD]


def test_desk_posts_need_the_csrf_token(world):
    bureau = world["bureau"]
    for url in DESK_POSTS:
        r = bureau.post(url, data={"year": "2022", "decision": "accepted"}, follow_redirects=False)
        assert (r.status_code, "安全令牌" in r.text) == (403, True), url


def test_the_import_reports_bad_rows_and_keeps_the_good(world):
    page = world["bureau"].get("/desk/departments?year=2022")
    assert page.status_code == 200
    assert f'value="{THIRD}"' in page.text and 'value="103"' in page.text
    r = import_list(world["bureau"], "单位,电话\n甲,1\n", year=2030)
    assert r.status_code == 400
    assert "第 1 行应为表头，未找到“部门名称”“部门编码”列" in r.text
    assert world["app"].state.desk.departments(2030) == []
    entries = world["app"].state.storage.audit_entries("departments_import")
    assert entries[-1]["detail"] == '{"file": "名单.csv", "added": 3, "updated": 0, "skipped": 1}'


def test_the_bureau_sees_every_department(world):
    found = {r["name"]: r for r in rows(world["bureau"])}
    assert {n: (r["code"], r["status"], r["version"]) for n, r in found.items()} == {
        DEPT: ("101", "errors", 1), OTHER_DEPT: ("102", "clean", 1), THIRD: ("103", "not-submitted", None)}
    assert found[DEPT]["errors"] == 2 and found[DEPT]["score"] == "96.00"
    assert found[OTHER_DEPT]["deviations"] == ["DEVIATION_SCORE_OVER_EXECUTION",
                                               "DEVIATION_TOP_GRADE_LOW_EXECUTION",
                                               "DEVIATION_NARRATIVE_COPIED"]
    assert found[DEPT]["deviations"] == []
    page = world["bureau"].get("/desk?year=2022")
    assert page.status_code == 200
    for name in (DEPT, OTHER_DEPT, THIRD):
        assert f'data-dept="{name}"' in page.text
    assert '<script src="/static/echarts.min.js"></script>' in page.text
    assert world["bureau"].get("/static/echarts.min.js").status_code == 200


def test_sort_filter_and_search(world):
    bureau = world["bureau"]
    assert [r["name"] for r in rows(bureau, sort="code", desc="true")] == [THIRD, OTHER_DEPT, DEPT]
    assert [r["name"] for r in rows(bureau, status="not-submitted")] == [THIRD]
    assert [r["name"] for r in rows(bureau, q="李四")] == [OTHER_DEPT]
    assert bureau.get("/api/desk/dashboard", params={"year": 2022, "status": "x"}).status_code == 400
    counts = bureau.get("/api/desk/dashboard", params={"year": 2022}).json()["counts"]
    assert counts["not-submitted"] == 1


def test_charts_data(world):
    charts = world["bureau"].get("/api/desk/dashboard", params={"year": 2022}).json()["charts"]
    assert charts["grade_counts"] == [2, 0, 0, 0]
    assert sorted(charts["scatter"]) == [[76.79, 96.0, OTHER_DEPT]]  # the seed has no budget
    assert charts["indicator_average"][0][:2] == ["1.1.1", "绩效目标合理性"]
    # the database's aggregate (floats, for the chart) equals the exact pure computation
    desk = world["app"].state.desk
    ids = [s["id"] for s in desk.latest_of_year(2022).values()]
    assert sorted(desk.indicator_averages(ids)) == sorted(
        indicator_averages(desk.indicators_of_many(ids)))
    assert len(charts["indicator_average"]) == 24


def test_return_comment_resubmit_and_versions(world):
    bureau, dept, app = world["bureau"], world["dept"], world["app"]
    sid = world["dept_v1"]
    token = csrf(bureau, f"/desk/submissions/{sid}")
    r = bureau.post(f"/desk/submissions/{sid}/review", data={"decision": "returned", "comment": "",
                                                             "csrf_token": token})
    assert (r.status_code, "退回时必须填写意见" in r.text) == (400, True)
    r = bureau.post(f"/desk/submissions/{sid}/review", follow_redirects=False, data={
        "decision": "returned", "comment": "支出合计与明细不符，请核对项目支出", "csrf_token": token})
    assert r.status_code == 303
    assert {x["name"]: x["status"] for x in rows(bureau)}[DEPT] == "returned"
    # the department's next visit: signed in afresh, the comment is on its home page
    again = signed_in(app, DEPT)
    home = again.get("/").text
    assert "2022 年度第 1 版报送已被财政局退回" in home and "支出合计与明细不符，请核对项目支出" in home
    page = again.get(f"/submissions/{sid}").text
    assert "财政局审核：退回" in page and "意见：支出合计与明细不符，请核对项目支出" in page
    assert "状态 已退回" in page
    assert "<td>已退回</td>" in again.get("/submissions").text
    # resubmitting makes version 2: the notice goes, the dashboard shows the new version
    v2 = submit_book(dept, world["paths"]["dept-2022-v2"])
    assert "已被财政局退回" not in dept.get("/").text
    row = {x["name"]: x for x in rows(bureau)}[DEPT]
    assert (row["version"], row["status"], row["submission_id"]) == (2, "clean", v2)
    review = bureau.get(f"/desk/submissions/{v2}").text
    assert "与上一版相比" in review and "全年预算数" in review and "项目支出" in review
    assert "620.85" in review and "530.79" in review
    # the old version can no longer be decided on
    r = bureau.post(f"/desk/submissions/{sid}/review", data={
        "decision": "accepted", "comment": "", "csrf_token": token})
    assert (r.status_code, "已报送更新的第 2 版" in r.text) == (409, True)
    r = bureau.post(f"/api/desk/submissions/{v2}/review", data={"decision": "accepted", "comment": "好"},
                    headers={"X-CSRF-Token": token})
    assert r.json() == {"submission_id": v2, "status": "accepted", "comment": "好"}
    assert "财政局审核：通过" in dept.get(f"/submissions/{v2}").text
    audit = [(e["action"], e["target"]) for e in app.state.storage.audit_entries("review")]
    assert audit[:2] == [("review", str(v2)), ("review", str(sid))]


def test_review_refusals(world):
    bureau = world["bureau"]
    token = csrf(bureau, "/desk?year=2022")
    r = bureau.post(f"/desk/submissions/{world['other_2022']}/review",
                    data={"decision": "maybe", "csrf_token": token})
    assert (r.status_code, "请选择“通过”或“退回”" in r.text) == (400, True)
    assert bureau.get("/desk/submissions/99999").status_code == 404


def test_spot_check_differences(world):
    bureau, app = world["bureau"], world["app"]
    sid = world["other_2022"]
    token = csrf(bureau, f"/desk/submissions/{sid}")
    r = bureau.post(f"/desk/submissions/{sid}/spot", data={
        "csrf_token": token, "spot:2.1.1": "12", "spot:3.1.2": "abc"})
    assert r.status_code == 400
    assert "指标 2.1.1 预算完成率：抽评得分 12 超出 0–10 分" in r.text
    assert "指标 3.1.2 绩效目标完成情况：抽评得分“abc”不是数字" in r.text
    r = bureau.post(f"/desk/submissions/{sid}/spot", follow_redirects=False, data={
        "csrf_token": token, "spot:2.1.1": "7.5", "spot:3.1.2": "5", "spot:3.2.2": ""})
    assert r.status_code == 303
    page = bureau.get(f"/desk/submissions/{sid}").text
    assert 'name="spot:2.1.1" value="7.5"' in page
    assert "合计（抽评 2 项，未抽评的按自评计）" in page
    # 预算完成率 self 10 → 7.5 (−2.5), 绩效目标完成情况 4 → 5 (+1): total −1.5
    assert {x["name"]: x["spot_diff"] for x in rows(bureau)}[OTHER_DEPT] == "-1.50"
    data = bureau.get("/desk/summary.xlsx", params={"year": 2022})
    wb = openpyxl.load_workbook(io.BytesIO(data.content), read_only=True)
    spot = [r for r in wb["抽评"].iter_rows(min_row=2, values_only=True) if r[0] == OTHER_DEPT]
    assert [r[3:] for r in spot[:-1] if r[7] is not None] == [
        ("2.1.1", "预算完成率", 10, 10, 7.5, -2.5), ("3.1.2", "绩效目标完成情况", 5, 4, 5, 1)]
    assert spot[-1][4:] == ("合计（抽评 2 项，未抽评的按自评计）", None, 96, 94.5, -1.5)
    assert app.state.storage.audit_entries("spot_check")[0]["target"] == str(sid)


def test_summary_and_database_downloads(world):
    bureau = world["bureau"]
    r = bureau.get("/desk/summary.xlsx", params={"year": 2022})
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    names = [row[0] for row in wb["汇总"].iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted([DEPT, OTHER_DEPT])
    issues = [row[4] for row in wb["问题清单"].iter_rows(min_row=2, values_only=True)]
    assert "DEVIATION_TOP_GRADE_LOW_EXECUTION" in issues
    r = bureau.get("/desk/database.sqlite", params={"year": 2022})
    path = Path(world["paths"]["dept-2022"]).parent / "downloaded.sqlite"
    path.write_bytes(r.content)
    con = sqlite3.connect(path)
    versions = con.execute("SELECT dept_name, COUNT(*) FROM submissions GROUP BY dept_name "
                           "ORDER BY dept_name").fetchall()
    assert dict(versions)[OTHER_DEPT] == 1 and dict(versions)[DEPT] >= 1
    assert con.execute("SELECT COUNT(*) FROM deviations").fetchone()[0] >= 2


def test_trends_across_years(world):
    r = world["bureau"].get("/api/desk/trends", params={"dept": OTHER_DEPT})
    assert [(p["year"], p["score"], p["grade"]) for p in r.json()] == [
        (2021, "96.00", "优"), (2022, "96.00", "优")]
    assert [round(p["exec_rate"], 4) for p in r.json()] == [1.0, 0.7679]
    page = world["bureau"].get("/desk/trends", params={"dept": OTHER_DEPT}).text
    assert 'id="trend-table"' in page and "76.79%" in page


def test_last_years_text_again_is_a_deviation_in_the_service(world):
    # 示例部门 2022 repeats its 2021 text (the same conclusions and analysis)
    found = {x["name"]: x["deviations"] for x in rows(world["bureau"])}
    assert "DEVIATION_NARRATIVE_COPIED" in found[OTHER_DEPT]
    page = world["bureau"].get(f"/desk/submissions/{world['other_2022']}").text
    assert "DEVIATION_NARRATIVE_COPIED" in page and "与本部门 2021 年度提交的内容相同" in page


def test_edit_and_delete_a_department(world):
    bureau, desk = world["bureau"], world["app"].state.desk
    token = csrf(bureau, "/desk/departments?year=2022")
    third = next(d for d in desk.departments(2022) if d["name"] == THIRD)
    r = bureau.post("/desk/departments/save", follow_redirects=False, data={
        "year": "2022", "dept_id": str(third["id"]), "name": THIRD, "code": "101",
        "contact": "", "csrf_token": token})
    assert (r.status_code, "已有同名或同编码的部门" in r.text) == (409, True)
    r = bureau.post("/desk/departments/save", follow_redirects=False, data={
        "year": "2022", "dept_id": str(third["id"]), "name": THIRD, "code": "109",
        "contact": "赵六 0752-1234567", "csrf_token": token})
    assert r.status_code == 303
    assert {x["name"]: (x["code"], x["contact"]) for x in rows(world["bureau"])}[THIRD] == (
        "109", "赵六 0752-1234567")
    r = bureau.post("/desk/departments/save", follow_redirects=False, data={
        "year": "2022", "name": "临时局", "code": "199", "contact": "", "csrf_token": token})
    temp = next(d for d in desk.departments(2022) if d["name"] == "临时局")
    r = bureau.post(f"/desk/departments/{temp['id']}/delete", follow_redirects=False,
                    data={"csrf_token": token})
    assert r.status_code == 303
    assert "临时局" not in [d["name"] for d in desk.departments(2022)]


def test_review_through_the_api_with_a_bearer_token(world):
    def token_of(client):
        r = client.post("/account/tokens", data={"label": "脚本",
                                                 "csrf_token": csrf(client, "/account")})
        return r.text.split('id="new-token">')[1].split("<")[0]

    script = TestClient(world["app"])
    sid = world["other_2022"]
    headers = {"Authorization": f"Bearer {token_of(world['other'])}"}  # a department's token
    r = script.post(f"/api/desk/submissions/{sid}/review", data={"decision": "accepted"},
                    headers=headers)
    assert (r.status_code, r.json()) == (403, {"error": "此操作仅限财政局账号"})
    headers = {"Authorization": f"Bearer {token_of(world['bureau'])}"}  # no CSRF token needed
    r = script.post(f"/api/desk/submissions/{sid}/review", data={"decision": "accepted"},
                    headers=headers)
    assert r.json() == {"submission_id": sid, "status": "accepted", "comment": ""}
    assert script.get("/api/desk/dashboard?year=2022", headers=headers).status_code == 200
