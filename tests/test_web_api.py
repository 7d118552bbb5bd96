"""The service through FastAPI's TestClient: every route, and every refusal.

One app per module (accounts signed in once: argon2 is deliberately slow); each test
uploads what it needs, so the order of tests does not matter.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import hostile_files as h
from selfeval_xl import datafile, pipeline
from selfeval_xl.build.builder import build_workbook
from web_helpers import BUREAU, DEPT, OTHER_DEPT, csrf, login, make_app, signed_in

XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
EXAMPLE_ERRORS = [("FIELD_REQUIRED", "支出情况", "C4"), ("EXP_PARTS_MISMATCH", "支出情况", "C5")]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("web"))
    return {"app": app, "dept": signed_in(app, DEPT), "other": signed_in(app, OTHER_DEPT),
            "bureau": signed_in(app, BUREAU)}


def upload(client: TestClient, path: Path, name: str | None = None):
    return client.post("/upload", files={"file": (name or path.name, path.read_bytes(), XLSM)},
                       data={"csrf_token": csrf(client, "/")}, follow_redirects=False)


def uploaded(client: TestClient, path: Path, name: str | None = None) -> str:
    r = upload(client, path, name)
    assert r.status_code == 303, r.text
    return r.headers["location"]


def api_upload(client: TestClient, path: Path, **headers):
    return client.post("/api/uploads", files={"file": (path.name, path.read_bytes(), XLSM)},
                       headers=headers)


def cells(findings) -> list[tuple[str, str, str]]:
    return [(f["code"], f["sheet"], f["cell"]) for f in findings]


def submit(client: TestClient, page: str, confirm: bool = True):
    data = {"csrf_token": csrf(client, "/")}
    if confirm:
        data["confirm_errors"] = "yes"
    return client.post(f"{page}/submit", data=data, follow_redirects=False)


# --- signing in ----------------------------------------------------------------------------

def test_login_needs_csrf_and_right_password(tmp_path):
    app = make_app(tmp_path)
    client = TestClient(app)
    first = app.state.initial_passwords[DEPT]
    r = client.post("/login", data={"username": DEPT, "password": first},
                    follow_redirects=False)
    assert r.status_code == 403 and "安全令牌" in r.text
    r = login(client, DEPT, "wrong password")
    assert r.status_code == 401 and "用户名或密码不正确" in r.text
    r = login(client, "nobody", "whatever")
    assert r.status_code == 401 and "用户名或密码不正确" in r.text
    r = login(client, DEPT, first)
    assert (r.status_code, r.headers["location"]) == (303, "/password")
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    actions = [(e["action"], e["username"]) for e in app.state.storage.audit_entries()]
    assert actions[:3] == [("login", DEPT), ("login_failed", "nobody"), ("login_failed", DEPT)]


def test_logins_are_rate_limited(tmp_path):
    app = make_app(tmp_path, login_max_failures=3)
    client = TestClient(app)
    for _ in range(3):
        assert login(client, DEPT, "wrong password").status_code == 401
    r = login(client, DEPT, app.state.initial_passwords[DEPT])  # right, but too late
    assert r.status_code == 429 and "登录失败次数过多，请 15 分钟后再试" in r.text
    # Another account is not locked out by this one's failures.
    assert login(client, OTHER_DEPT, app.state.initial_passwords[OTHER_DEPT]).status_code == 303


def test_first_login_must_change_password(tmp_path):
    app = make_app(tmp_path)
    client = TestClient(app)
    first = app.state.initial_passwords[DEPT]
    login(client, DEPT, first)
    assert client.get("/", follow_redirects=False).headers["location"] == "/password"
    r = client.get("/api/me")
    assert (r.status_code, r.json()) == (403, {"error": "首次登录须先修改初始密码"})
    token = csrf(client, "/password")
    for new, repeat, current, why in (("short", "short", first, "新密码至少 10 个字符"),
                                      ("long enough 1", "long enough 2", first, "两次输入的新密码不一致"),
                                      ("long enough 1", "long enough 1", "bad", "当前密码不正确")):
        r = client.post("/password", data={"current": current, "new": new, "repeat": repeat,
                                           "csrf_token": token})
        assert r.status_code == 400 and why in r.text
    old_cookie = client.cookies.get("sx_session")
    r = client.post("/password", data={"current": first, "new": "long enough 1",
                                       "repeat": "long enough 1", "csrf_token": token},
                    follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/")
    assert client.get("/api/me").json() == {"username": DEPT, "dept_name": DEPT, "role": "dept"}
    # The cookie from before the change is stale now.
    stale = TestClient(app, cookies={"sx_session": old_cookie})
    assert stale.get("/", follow_redirects=False).headers["location"] == "/login?why=stale"
    assert stale.get("/api/me").json() == {"error": "会话已过期，请重新登录"}
    assert "会话已过期" in stale.get("/login?why=stale").text


def test_expired_and_forged_sessions_are_refused(world):
    app, dept = world["app"], world["dept"]
    cookie = dept.cookies.get("sx_session")
    sessions = app.state.sessions
    try:
        sessions.max_age = -1  # every cookie is older than that
        r = TestClient(app, cookies={"sx_session": cookie}).get("/api/me")
        assert (r.status_code, r.json()) == (401, {"error": "会话已过期，请重新登录"})
    finally:
        sessions.max_age = app.state.settings.session_max_age
    forged = TestClient(app, cookies={"sx_session": cookie[:-3] + "abc"})
    assert forged.get("/", follow_redirects=False).headers["location"] == "/login?why="
    assert forged.get("/api/me").status_code == 401


def test_logout_needs_csrf_and_ends_the_session(tmp_path):
    app = make_app(tmp_path, accounts=((DEPT, DEPT, "dept"),))
    client = signed_in(app, DEPT)
    assert client.post("/logout", follow_redirects=False).status_code == 403
    r = client.post("/logout", data={"csrf_token": csrf(client, "/")}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/login")
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?why="


def test_pages_need_a_session(world):
    anon = TestClient(world["app"])
    for url in ("/", "/submissions", "/submissions/1", "/uploads/x", "/uploads/x/report",
                "/uploads/x/download/docx", "/workbook", "/account", "/password"):
        r = anon.get(url, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/login?why="), url
    for url in ("/api/me", "/api/submissions", "/api/uploads/x", "/api/workbook"):
        assert anon.get(url).json() == {"error": "请先登录"}, url


# --- upload, result, report, downloads ---------------------------------------------------------

def test_upload_shows_the_same_findings_and_score_as_check(world, built_example):
    dept = world["dept"]
    page = uploaded(dept, built_example, "惠州 2022.xlsm")
    html = dept.get(page).text
    assert 'data-cell="支出情况!C5"' in html
    assert "部门整体支出 921.52 万元 ≠ 基本支出 390.73 万元 + 项目支出 620.85 万元 = 1011.58 万元，相差 90.06 万元" in html
    # The page prints the score as the report and the CLI do (96 分), the verdict in Chinese.
    assert "自评得分 <strong>96</strong> 分（优）" in html
    assert '<p class="verdict-label">校验有错误</p>' in html
    data = dept.get("/api" + page).json()
    outcome = pipeline.evaluate_path(built_example)
    assert cells(data["findings"]) == [(f.code, f.sheet, f.cell) for f in outcome.findings]
    assert [c for c in cells(data["findings"]) if c[0] in {e[0] for e in EXAMPLE_ERRORS}] == EXAMPLE_ERRORS
    assert (data["score"], data["grade"], data["errors"]) == ("96.00", "优", 2)
    assert data["file_name"] == "惠州 2022.xlsm" and data["verdict"] == "errors"
    # Indicator rows carry the scoring explanation, as `score` prints it.
    assert [i["explanation"] for i in data["indicators"]] == [
        r.explanation for r in outcome.scorecard.rows]


def test_report_page_and_downloads(world, built_example):
    import docx

    dept = world["dept"]
    page = uploaded(dept, built_example)
    report = dept.get(page + "/report").text
    assert '<h1 class="report-title">部门整体绩效自评报告</h1>' in report
    assert '<aside class="report-notice" role="note">' in report
    r = dept.get(page + "/download/docx")
    assert r.status_code == 200
    assert r.headers["content-disposition"].endswith(
        "filename*=UTF-8''example-%E8%87%AA%E8%AF%84%E6%8A%A5%E5%91%8A.docx")
    document = docx.Document(io.BytesIO(r.content))
    assert document.paragraphs[0].text == "部门整体绩效自评报告"
    md = dept.get(page + "/download/md").text
    assert md.startswith("# 部门整体绩效自评报告\n\n> **注意：")
    r = dept.get(page + "/download/workbook")
    assert r.headers["content-type"] == "application/vnd.ms-excel.sheet.macroEnabled.12"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        names = zf.namelist()
    assert "xl/vbaProject.bin" in names
    # The 自评报告 sheet was written into a copy: the stored upload is untouched.
    upload_id = page.rsplit("/", 1)[1]
    stored = world["app"].state.storage.upload(upload_id)
    path = world["app"].state.storage.path_of(stored["stored_path"])
    assert path.read_bytes() == built_example.read_bytes()
    assert r.content != built_example.read_bytes()
    assert dept.get(page + "/download/exe").status_code == 404
    audit = [(e["action"], json.loads(e["detail"]).get("format"))
             for e in world["app"].state.storage.audit_entries("download")[:3]]
    assert audit == [("download", "xlsm"), ("download", "md"), ("download", "docx")]


@pytest.mark.libreoffice
def test_pdf_download(world, built_example, soffice):
    dept = world["dept"]
    page = uploaded(dept, built_example)
    r = dept.get(page + "/download/pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_report_escapes_department_text(world, tmp_path):
    ev = datafile.example()
    hostile = "<script>alert(1)</script>=HYPERLINK(\"http://x\")"
    ev = replace(ev, basics=replace(ev.basics, dept_functions=hostile))
    book = tmp_path / "hostile-text.xlsm"
    build_workbook(book, ev)
    dept = world["dept"]
    page = uploaded(dept, book)
    html = dept.get(page + "/report").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;=HYPERLINK(&quot;http://x&quot;)" in html
    # The workbook the service writes keeps the text as text: no formula anywhere quotes it.
    r = dept.get(page + "/download/workbook")
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                for formula in zf.read(name).decode("utf-8").split("<f>")[1:]:
                    assert "HYPERLINK" not in formula.split("</f>")[0], name


def test_upload_refusals(world, tmp_path):
    dept = world["dept"]
    token = csrf(dept, "/")
    r = dept.post("/upload", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 400 and "请选择要上传的工作簿文件" in r.text
    r = dept.post("/upload", files={"file": ("data.csv", b"a,b", "text/csv")},
                  data={"csrf_token": token})
    assert r.status_code == 400 and "只接受 .xlsm 或 .xlsx 工作簿（收到“data.csv”）" in r.text
    r = dept.post("/upload", files={"file": ("empty.xlsm", b"", XLSM)},
                  data={"csrf_token": token})
    assert r.status_code == 400 and "空文件" in r.text
    r = dept.post("/upload", files={"file": ("x.xlsm", b"PK", XLSM)})
    assert r.status_code == 403 and "安全令牌" in r.text
    r = dept.post("/upload", files={"file": ("x.xlsm", b"PK", XLSM)},
                  data={"csrf_token": "forged"})
    assert r.status_code == 403


def test_upload_size_cap(tmp_path):
    app = make_app(tmp_path, accounts=((DEPT, DEPT, "dept"),), max_upload_bytes=1000)
    client = signed_in(app, DEPT)
    r = client.post("/upload", files={"file": ("big.xlsm", b"PK" + b"0" * 1000, XLSM)},
                    data={"csrf_token": csrf(client, "/")})
    assert r.status_code == 413 and "文件超过 1 KB 上限，未接收（自评工作簿通常不足 1 MB）" in r.text
    assert app.state.storage.audit_entries("upload") == []


def test_hostile_uploads_get_a_chinese_reason(world, tmp_path, built_example):
    dept = world["dept"]
    cases = {
        h.not_a_workbook(tmp_path / "renamed.xlsm"): (
            "unreadable", "不是 Excel 工作簿：文件内容不是 .xlsx/.xlsm 的压缩包格式（可能是改了扩展名的其他文件）"),
        h.zip_bomb_declared(tmp_path / "bomb.xlsm"): ("rejected", "部件"),
        h.unrelated_workbook(tmp_path / "other.xlsx"): ("not-selfeval", ""),
    }
    for path, (verdict, reason) in cases.items():
        page = uploaded(dept, path)
        data = dept.get("/api" + page).json()
        assert data["verdict"] == verdict, path.name
        assert reason in data["verdict_reason"], path.name
        assert data["downloads"] == {}
        assert dept.get(page + "/report").status_code == 404
        assert dept.get(page + "/download/docx").status_code == 404
        r = submit(dept, page)
        assert r.status_code == 400 and "该文件未能读取，不能报送" in r.text


def test_a_file_over_the_time_limit_stops_alone(tmp_path, built_example):
    from selfeval_xl.bureau.preflight import MB, Limits

    limits = Limits(max_file_bytes=256 * MB, max_part_bytes=256 * MB,
                    max_total_bytes=512 * MB, timeout=0.5)
    app = make_app(tmp_path, accounts=((DEPT, DEPT, "dept"),), limits=limits,
                   max_upload_bytes=256 * MB)
    client = signed_in(app, DEPT)
    # 40 MB: rows past 20,000 are not parsed (READ_SHEET_TOO_LARGE), the XML still is
    heavy = h.huge_rows(tmp_path / "heavy.xlsm", built_example, megabytes=40)
    data = client.get("/api" + uploaded(client, heavy)).json()
    assert (data["verdict"], data["verdict_reason"]) == ("rejected", "读取超过 0.5 秒时限，已中止")
    # The server goes on serving: the next upload is examined normally.
    assert client.get("/api" + uploaded(client, built_example)).json()["verdict"] == "errors"


# --- submitting ------------------------------------------------------------------------------

def test_submit_needs_confirmation_then_keeps_versions(world, built_example):
    app, dept = world["app"], world["dept"]
    page = uploaded(dept, built_example)
    r = submit(dept, page, confirm=False)
    assert r.status_code == 409 and "校验发现 2 个错误。确需报送，请勾选确认" in r.text
    before = [s["version"] for s in app.state.storage.submissions_of(DEPT)]
    r = submit(dept, page)
    assert r.status_code == 303
    first = dept.get(r.headers["location"])
    assert "报送时确认存在未解决的错误：注意：本报告所依据的数据尚有2项未解决的错误" in first.text
    r = submit(dept, uploaded(dept, built_example))
    sub_id = int(r.headers["location"].rsplit("/", 1)[1])
    sub = dept.get(f"/api/submissions/{sub_id}").json()
    assert sub["version"] == (max(before) if before else 0) + 2
    assert (sub["dept_name"], sub["eval_year"], sub["verdict"], sub["score"], sub["grade"]) == (
        DEPT, 2022, "errors", "96.00", "优")
    assert sub["errors_confirmed"] is True and sub["status"] == "submitted"
    assert sub["file_hash"] == "sha256:" + __import__("hashlib").sha256(
        built_example.read_bytes()).hexdigest()
    assert [(f["code"], f["sheet"], f["cell"]) for f in sub["findings"]
            if f["severity"] == "error"] == EXAMPLE_ERRORS
    assert len(sub["indicators"]) == len(datafile.example().indicators)
    versions = [s["version"] for s in dept.get("/api/submissions").json()
                if s["eval_year"] == 2022]
    assert versions == sorted(versions, reverse=True) and versions[0] == sub["version"]
    assert "历史版本" in dept.get(f"/submissions/{sub_id}").text
    assert dept.get(f"/submissions/{sub_id}/file").content == built_example.read_bytes()
    assert app.state.storage.audit_entries("submit")[0]["target"] == str(sub_id)


def test_submit_refusals(world, built_example):
    other, bureau = world["other"], world["bureau"]
    page = uploaded(other, built_example)  # 惠州市政务服务中心's workbook, 示例部门's account
    r = submit(other, page)
    assert r.status_code == 400 and ("工作簿“基本情况”中的部门名称“惠州市政务服务中心”与本账号所属部门"
                                     "“示例部门”不一致，不能报送") in r.text
    r = submit(bureau, uploaded(bureau, built_example))
    assert r.status_code == 403 and "只有部门账号可以报送" in r.text
    dept = world["dept"]
    r = dept.post(f"{uploaded(dept, built_example)}/submit", data={"confirm_errors": "yes"})
    assert r.status_code == 403


def test_departments_see_only_their_own(world, built_example):
    dept, other, bureau = world["dept"], world["other"], world["bureau"]
    page = uploaded(dept, built_example)
    sub_url = submit(dept, page).headers["location"]
    sub_id = sub_url.rsplit("/", 1)[1]
    for url in (page, page + "/report", page + "/download/docx", page + "/download/md",
                page + "/download/pdf",
                page + "/download/workbook", sub_url, sub_url + "/file",
                "/api" + page, "/api" + sub_url, "/api" + sub_url + "/file",
                "/api" + page + "/download/docx"):
        r = other.get(url)
        assert r.status_code == 404, url
        assert "找不到该记录（不存在，或不属于本部门）" in r.text, url
    r = other.post(page + "/submit", data={"csrf_token": csrf(other, "/"),
                                           "confirm_errors": "yes"})
    assert r.status_code == 404
    assert all(s["dept_name"] == OTHER_DEPT for s in other.get("/api/submissions").json())
    assert f'href="/submissions/{sub_id}"' not in other.get("/submissions").text
    assert f'href="/submissions/{sub_id}"' in dept.get("/submissions").text
    # The bureau reads every department's submissions.
    assert bureau.get(sub_url).status_code == 200
    assert int(sub_id) in [s["id"] for s in bureau.get("/api/submissions").json()]
    assert dept.get("/api/submissions/999999").status_code == 404


# --- the JSON API ----------------------------------------------------------------------------

def test_api_with_a_bearer_token(world, built_example):
    dept = world["dept"]
    r = dept.post("/account/tokens", data={"label": "脚本", "csrf_token": csrf(dept, "/account")})
    token = r.text.split('id="new-token">')[1].split("<")[0]
    script = TestClient(world["app"])
    auth = {"Authorization": f"Bearer {token}"}
    r = api_upload(script, built_example, **auth)  # no CSRF token needed with a bearer token
    assert r.status_code == 201
    data = r.json()
    assert [c for c in cells(data["findings"]) if c[0] in {e[0] for e in EXAMPLE_ERRORS}] == EXAMPLE_ERRORS
    r = script.post(f"/api/uploads/{data['id']}/submit", json={}, headers=auth)
    assert r.status_code == 409 and "确需报送" in r.json()["error"]
    r = script.post(f"/api/uploads/{data['id']}/submit", json={"confirm_errors": True},
                    headers=auth)
    assert r.status_code == 201 and r.json()["dept_name"] == DEPT
    assert script.get(f"/api/uploads/{data['id']}/download/docx", headers=auth).status_code == 200
    r = script.get("/api/me", headers={"Authorization": "Bearer sxt_wrong"})
    assert (r.status_code, r.json()) == (401, {"error": "API 令牌无效或已撤销"})


def test_api_with_the_session_cookie_needs_the_csrf_header(world, built_example):
    dept = world["dept"]
    r = api_upload(dept, built_example)
    assert (r.status_code, r.json()["error"]) == (403, "表单已失效（缺少或不符的安全令牌），请刷新页面后重试")
    r = api_upload(dept, built_example, **{"X-CSRF-Token": csrf(dept, "/")})
    assert r.status_code == 201


def test_openapi_lists_the_api(world):
    paths = world["app"].openapi()["paths"]
    for path in ("/api/me", "/api/uploads", "/api/uploads/{upload_id}",
                 "/api/uploads/{upload_id}/submit", "/api/submissions",
                 "/api/submissions/{submission_id}", "/api/workbook"):
        assert path in paths, path
    page = world["dept"].get("/docs")
    assert page.status_code == 200 and "<script>" not in page.text  # no inline script
    assert '<script src="/static/swagger-ui-bundle.js" defer></script>' in page.text
    assert "http" not in page.text
    assert world["dept"].get("/openapi.json").json()["info"]["title"] == (
        "selfeval-xl 部门整体支出绩效自评服务")


# --- the year's workbook ---------------------------------------------------------------------

def test_blank_workbook_then_rollover(tmp_path, built_example):
    app = make_app(tmp_path, accounts=((DEPT, DEPT, "dept"), (OTHER_DEPT, OTHER_DEPT, "dept")))
    dept, other = signed_in(app, DEPT), signed_in(app, OTHER_DEPT)

    def workbook(client, year) -> "object":
        r = client.get(f"/workbook?year={year}")
        assert r.status_code == 200
        path = tmp_path / f"{year}-{len(r.content)}.xlsm"
        path.write_bytes(r.content)
        return pipeline.read_path(path).evaluation

    blank = workbook(dept, 2023)
    assert (blank.basics.dept_name, blank.basics.eval_year) == (DEPT, 2023)
    assert blank.basics.dept_functions == "" and blank.analysis == ()
    submit(dept, uploaded(dept, built_example))  # 2022
    rolled = workbook(dept, 2023)
    example = datafile.example()
    assert (rolled.basics.dept_name, rolled.basics.eval_year) == (DEPT, 2023)
    assert rolled.basics.dept_functions == example.basics.dept_functions
    assert rolled.basics.preparer == example.basics.preparer
    assert [i.code for i in rolled.indicators] == [i.code for i in example.indicators]
    assert [i.weight for i in rolled.indicators] == [i.weight for i in example.indicators]
    assert all(i.actual is None and i.reason == "" for i in rolled.indicators)
    assert rolled.analysis == example.analysis
    assert rolled.expenditure.exp_total is None and rolled.tasks == ()
    # Another department's workbook never carries this one's data.
    assert workbook(other, 2023).basics.dept_functions == ""
    assert dept.get("/workbook?year=1900").status_code == 400


# --- pages ------------------------------------------------------------------------------------

def test_home_pages_by_role(world, built_example):
    assert "下载空白工作簿" in world["dept"].get("/").text
    page = uploaded(world["dept"], built_example, "最近的.xlsm")
    assert f'<a href="{page}">最近的.xlsm</a>' in world["dept"].get("/").text
    assert page not in world["other"].get("/").text
    assert "财政局：各部门报送" in world["bureau"].get("/").text
    html = world["dept"].get("/").text
    assert '<script src="/static/htmx.min.js"' in html
    assert "https://" not in html and "http://" not in html  # nothing from the internet
    r = world["dept"].get("/static/htmx.min.js")
    assert r.status_code == 200 and r.text.startswith("var htmx=function()")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp


def test_htmx_upload_redirects_with_a_header(world, built_example):
    dept = world["dept"]
    r = dept.post("/upload", files={"file": ("e.xlsm", built_example.read_bytes(), XLSM)},
                  data={"csrf_token": csrf(dept, "/")}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/uploads/")


# --- every state-changing route refuses a request without the CSRF token --------------------

def test_every_post_route_needs_the_csrf_token(world, built_example):
    dept = world["dept"]
    page = uploaded(dept, built_example)
    upload_id = page.rsplit("/", 1)[1]
    refused = "表单已失效（缺少或不符的安全令牌），请刷新页面后重试"
    for url, kwargs in (
            ("/login", {"data": {"username": DEPT, "password": "x"}}),
            ("/logout", {}),
            ("/password", {"data": {"current": "x", "new": "y" * 10, "repeat": "y" * 10}}),
            ("/account/tokens", {"data": {"label": "x"}}),
            ("/upload", {"files": {"file": ("e.xlsm", built_example.read_bytes(), XLSM)}}),
            (f"/uploads/{upload_id}/submit", {"data": {"confirm_errors": "yes"}}),
            ("/api/uploads", {"files": {"file": ("e.xlsm", built_example.read_bytes(), XLSM)}}),
            (f"/api/uploads/{upload_id}/submit", {"json": {"confirm_errors": True}})):
        r = dept.post(url, follow_redirects=False, **kwargs)
        assert r.status_code == 403, url
        assert refused in r.text, url
    # Still signed in: nothing above took effect.
    assert dept.get("/api/me").json()["dept_name"] == DEPT


@pytest.mark.libreoffice
def test_a_workbook_saved_by_libreoffice_is_read_the_same(world, built_example, soffice,
                                                          tmp_path):
    from selfeval_xl.render import libreoffice

    xlsx = libreoffice.convert(built_example, "xlsx:Calc MS Excel 2007 XML", tmp_path)
    assert xlsx.suffix == ".xlsx"
    data = world["dept"].get("/api" + uploaded(world["dept"], xlsx)).json()
    assert [c for c in cells(data["findings"]) if c[0] in {e[0] for e in EXAMPLE_ERRORS}] == (
        EXAMPLE_ERRORS)
    assert (data["score"], data["grade"]) == ("96.00", "优")


def test_a_department_name_like_a_formula_stays_text(tmp_path):
    name = '=HYPERLINK("http://x","点我")'
    app = make_app(tmp_path, accounts=((name, name, "dept"),))
    client = signed_in(app, name)
    r = client.get("/workbook?year=2023")
    book = tmp_path / "blank.xlsm"
    book.write_bytes(r.content)
    assert pipeline.read_path(book).evaluation.basics.dept_name == name
    with zipfile.ZipFile(book) as zf:
        for part in zf.namelist():
            if part.startswith("xl/worksheets/"):
                assert "HYPERLINK" not in zf.read(part).decode("utf-8"), part  # not a formula
        assert f"<t>{name}</t>" in zf.read("xl/sharedStrings.xml").decode("utf-8")
