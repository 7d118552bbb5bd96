"""The service in a real browser: Debian's chromium driven by Playwright.

No browser is ever downloaded: Playwright launches /usr/bin/chromium (apt `chromium`,
installed by scripts/setup.sh). Locally the tests skip when it is missing; in CI
(CI=true) they fail instead, like the LibreOffice fixture.

The screenshots in docs/img/ (server-result.png, server-report.png) come from this test:
``SELFEVAL_DOC_IMAGES=1 pytest tests/test_web_browser.py`` writes them there; otherwise
they go to a temporary folder.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from selfeval_xl import datafile
from selfeval_xl.build.builder import build_workbook
from web_helpers import DEPT, OTHER_DEPT, PASSWORD, LiveServer, make_app

DOC_IMAGES = Path(__file__).resolve().parents[1] / "docs" / "img"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    book = tmp / "惠州市政务服务中心-2022.xlsm"
    build_workbook(book, datafile.example())
    app = make_app(tmp)
    with LiveServer(app) as url:
        yield {"url": url, "app": app, "book": book, "tmp": tmp}


def sign_in(browser, url: str, app, username: str):
    """A fresh browser context signed in as ``username``, first password changed."""
    context = browser.new_context(viewport={"width": 1200, "height": 1000}, locale="zh-CN",
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", app.state.initial_passwords[username])
    page.click("button[type=submit]")
    page.wait_for_url(url + "/password")
    page.fill("input[name=current]", app.state.initial_passwords[username])
    page.fill("input[name=new]", PASSWORD)
    page.fill("input[name=repeat]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(url + "/")
    return context, page


def drop_file(page, path: Path) -> None:
    """Drag and drop ``path`` onto the upload zone, as an officer would from the desktop."""
    data = base64.b64encode(path.read_bytes()).decode()
    page.evaluate("""([name, data]) => {
        const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name));
        const zone = document.getElementById("drop-zone");
        for (const type of ["dragenter", "dragover", "drop"]) {
            zone.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true,
                                                    cancelable: true}));
        }
    }""", [path.name, data])


def shots_dir(site) -> Path:
    if os.environ.get("SELFEVAL_DOC_IMAGES"):
        return DOC_IMAGES
    out = site["tmp"] / "shots"
    out.mkdir(exist_ok=True)
    return out


def test_department_uploads_checks_downloads_and_submits(browser, site):
    import docx

    url, app = site["url"], site["app"]
    context, page = sign_in(browser, url, app, DEPT)
    assert "下载空白工作簿" in page.inner_text("main")

    drop_file(page, site["book"])  # htmx posts the form, then follows HX-Redirect
    page.wait_for_url(url + "/uploads/*")
    result_url = page.url
    finding = page.locator('tr[data-cell="支出情况!C5"]')
    assert finding.locator("td.cell").inner_text() == "支出情况!C5"
    assert finding.locator("td").nth(3).inner_text() == (
        "部门整体支出 921.52 万元 ≠ 基本支出 390.73 万元 + 项目支出 620.85 万元 = "
        "1011.58 万元，相差 90.06 万元")
    assert page.inner_text("#total").startswith("自评得分 96 分（优）")
    assert page.inner_text("#verdict .verdict-label") == "校验有错误"
    shots = shots_dir(site)
    page.screenshot(path=str(shots / "server-result.png"))

    page.click("#report-link")
    page.wait_for_url(result_url + "/report")
    assert page.inner_text("h1.report-title") == "部门整体绩效自评报告"
    assert "相差 90.06 万元" in page.inner_text("aside.report-notice")
    page.screenshot(path=str(shots / "server-report.png"))

    page.goto(result_url)
    with page.expect_download() as download:
        page.click("#download-docx")
    saved = site["tmp"] / "downloaded.docx"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "惠州市政务服务中心-2022-自评报告.docx"
    assert docx.Document(str(saved)).paragraphs[0].text == "部门整体绩效自评报告"

    # Two errors: the browser itself will not submit until the officer confirms.
    page.click("#submit-button")
    assert page.url == result_url
    page.check("#confirm-errors")
    page.click("#submit-button")
    page.wait_for_url(url + "/submissions/*")
    submission_url = page.url
    assert page.inner_text("h1") == f"{DEPT} · 2022 年度 · 第 1 版"
    assert "报送时确认存在未解决的错误" in page.inner_text("#notice")

    # Another department sees neither the submission nor the upload.
    other_context, other = sign_in(browser, url, app, OTHER_DEPT)
    for target in (submission_url, result_url, result_url + "/report"):
        response = other.goto(target)
        assert response.status == 404, target
        assert other.inner_text("#error-message") == "找不到该记录（不存在，或不属于本部门）"
    other.goto(url + "/submissions")
    assert other.inner_text("#no-submissions") == "还没有报送记录。"
    other_context.close()
    context.close()
    for name in ("server-result.png", "server-report.png"):
        assert (shots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pages_load_nothing_from_elsewhere(browser, site):
    """Every request a page makes goes to the service itself (the intranet has no internet)."""
    url, app = site["url"], site["app"]
    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url + "/login")
    page.wait_for_load_state("networkidle")
    assert requested and all(r.startswith(url + "/") for r in requested), requested
    assert page.evaluate("typeof htmx") == "object"  # the vendored copy loaded
    # The API page: Swagger UI from the package over the service's own OpenAPI document.
    requested.clear()
    page.goto(url + "/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert page.inner_text(".swagger-ui .info .title").startswith(
        "selfeval-xl 部门整体支出绩效自评服务")
    assert page.locator(".opblock-summary-path", has_text="/api/uploads").count() >= 1
    page.wait_for_load_state("networkidle")
    assert all(r.startswith(url + "/") for r in requested), requested
    context.close()
