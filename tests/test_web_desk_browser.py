"""The bureau's desk in a real browser: Debian's chromium driven by Playwright (never a
downloaded browser build) against the service running under uvicorn on loopback.

The bureau sees every department with the charts drawn, sorts and filters; a department
is refused the desk; a returned submission shows its comment on the department's next
visit. The dashboard's screenshot is taken on every run; with SELFEVAL_DOC_IMAGES=1 (as
for tests/test_web_browser.py) it replaces docs/img/desk-dashboard.png (docs/desk.md),
otherwise it stays in a temporary folder, so a test run leaves the repository as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from test_web_desk import THIRD, as_dept, import_list, submit_book
from test_verify import clean_example
from selfeval_xl.build.builder import build_workbook
from selfeval_xl.datafile import example
from web_helpers import ACCOUNTS, BUREAU, DEPT, OTHER_DEPT, PASSWORD, LiveServer, make_app, signed_in

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The service with three departments on the 2022 list, two of them submitted."""
    tmp = tmp_path_factory.mktemp("desk-browser")
    app = make_app(tmp, accounts=ACCOUNTS + ((THIRD, THIRD, "dept"),))
    dept, other, bureau = signed_in(app, DEPT), signed_in(app, OTHER_DEPT), signed_in(app, BUREAU)
    signed_in(app, THIRD)
    books = {"dept": example(), "other": as_dept(clean_example(), OTHER_DEPT)}
    for key, ev in books.items():
        build_workbook(tmp / f"{key}.xlsm", ev)
    ids = {"dept": submit_book(dept, tmp / "dept.xlsm"), "other": submit_book(other, tmp / "other.xlsm")}
    assert import_list(bureau, f"部门名称,部门编码,联系人\n{DEPT},101,罗燕君\n{OTHER_DEPT},102,李四\n"
                               f"{THIRD},103,王五\n").status_code == 200
    with LiveServer(app) as url:
        yield {"url": url, "ids": ids, "app": app}


def login(browser, base: str, username: str):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_the_bureau_sees_every_department_and_the_charts(browser, served, tmp_path):
    base = served["url"]
    page = login(browser, base, BUREAU)
    page.click("#nav-desk")
    page.goto(f"{base}/desk?year=2022")
    rows = page.locator("#desk-table tbody tr")
    assert [rows.nth(i).get_attribute("data-dept") for i in range(rows.count())] == [
        DEPT, OTHER_DEPT, THIRD]
    assert [rows.nth(i).get_attribute("data-status") for i in range(rows.count())] == [
        "errors", "clean", "not-submitted"]
    for chart in ("chart-scores", "chart-grades", "chart-scatter", "chart-indicators"):
        page.wait_for_selector(f"#{chart}[data-drawn=true] canvas")
    shots = ROOT / "docs" / "img" if os.environ.get("SELFEVAL_DOC_IMAGES") else tmp_path
    page.screenshot(path=str(shots / "desk-dashboard.png"), full_page=True)
    assert (shots / "desk-dashboard.png").stat().st_size > 20_000
    # sort by score (click the header), then filter and search through the form
    page.click("#desk-table thead >> text=得分")
    page.click("#desk-table thead >> text=得分")
    assert page.locator("#desk-table tbody tr").first.get_attribute("data-dept") in (DEPT, OTHER_DEPT)
    assert page.locator("#desk-table tbody tr").last.get_attribute("data-dept") == THIRD
    page.select_option("#filter-status", "not-submitted")
    page.click("#desk-filter button[type=submit]")
    assert page.locator("#desk-table tbody tr").count() == 1
    page.select_option("#filter-status", "")
    page.fill("#filter-q", "李四")
    page.click("#desk-filter button[type=submit]")
    assert page.locator("#desk-table tbody tr").first.get_attribute("data-dept") == OTHER_DEPT
    assert page.locator("#desk-table tbody tr").count() == 1


def test_a_department_is_refused_the_desk(browser, served):
    base = served["url"]
    page = login(browser, base, OTHER_DEPT)
    assert page.locator("#nav-desk").count() == 0
    response = page.goto(f"{base}/desk?year=2022")
    assert response.status == 403
    assert "此操作仅限财政局账号" in page.content()
    response = page.goto(f"{base}/desk/submissions/{served['ids']['dept']}")
    assert response.status == 403


def test_a_returned_submission_shows_its_comment_on_the_next_visit(browser, served):
    base, sid = served["url"], served["ids"]["dept"]
    bureau = login(browser, base, BUREAU)
    bureau.goto(f"{base}/desk/submissions/{sid}")
    bureau.check("#decision-returned")
    bureau.fill("#review-comment", "部门整体支出与基本支出、项目支出之和不符，请核对后重新报送")
    bureau.click("#review-submit")
    bureau.wait_for_selector("#reviews")
    assert bureau.inner_text("#review-status") == "退回"
    dept = login(browser, base, DEPT)  # the department's next visit
    notice = dept.locator(".returned-notice")
    assert notice.count() == 1
    assert "部门整体支出与基本支出、项目支出之和不符，请核对后重新报送" in notice.inner_text()
    dept.click(".returned-notice >> text=查看该次报送")
    assert "财政局审核：退回" in dept.inner_text("#review-result")
