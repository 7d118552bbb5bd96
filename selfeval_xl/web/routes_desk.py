"""The bureau's desk: the year's departments, the dashboard, review (通过/退回), spot-check
scores, trends, the summary workbook and database. Every route is the bureau's only: a
department account gets 403 on each (tests/test_web_desk.py tries them all).

A POST checks the account first (which also reads a bearer token: requests carrying one
need no CSRF token), then the CSRF token.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import IntegrityError

from selfeval_xl.bureau.dashboard import SORT_KEYS, STATUSES, changed_figures, select_rows, \
    status_counts
from selfeval_xl.bureau.departments import MAX_BYTES, read_departments
from selfeval_xl.core.spotcheck import parse_entries
from selfeval_xl.web import auth, desk
from selfeval_xl.web.actions import Refusal, findings_by_sheet, record_of
from selfeval_xl.web.app import render
from selfeval_xl.web.desk_store import DECISIONS
from selfeval_xl.web.routes_files import FORMATS, attachment

router = APIRouter()


def _desk(request: Request):
    return request.app.state.desk


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _year(year: int | None) -> int:
    year = year or date.today().year - 1  # the budget year evaluated this spring
    if not 2000 <= year <= 2100:
        raise Refusal(400, f"年度 {year} 不在 2000—2100 之间")
    return year


def _row_json(r) -> dict:
    sub = r.submission or {}
    return {"name": r.name, "code": r.code, "contact": r.contact, "listed": r.listed,
            "status": r.status, "status_label": r.status_label,
            "submission_id": sub.get("id"), "version": sub.get("version"),
            "verdict": sub.get("verdict"), "score": sub.get("score"), "grade": sub.get("grade"),
            "exec_rate": sub.get("exec_rate"), "errors": sub.get("errors"),
            "warnings": sub.get("warnings"), "last_submission": sub.get("created_at"),
            "deviations": [d["code"] for d in r.deviations],
            "spot_diff": None if r.spot_diff is None else str(r.spot_diff),
            "comment": r.comment}


def _dashboard(request: Request, year, status, q, sort, desc):
    auth.require_role(request, "bureau")
    year = _year(year)
    if status and status not in STATUSES:
        raise Refusal(400, f"没有“{status}”这种状态")
    view = desk.year_view(_desk(request), year)
    rows = select_rows(view.rows, status=status, q=q, sort=sort if sort in SORT_KEYS else "code",
                       descending=desc)
    return year, view, rows


@router.get("/desk")
def dashboard(request: Request, year: int | None = None, status: str = "", q: str = "",
              sort: str = "code", desc: bool = False):
    year, view, rows = _dashboard(request, year, status, q, sort, desc)
    return render(request, "desk_dashboard.html", year=year, rows=rows, view=view,
                  counts=status_counts(view.rows), statuses=STATUSES, status=status, q=q,
                  sort=sort, desc=desc, sort_keys=SORT_KEYS)


@router.get("/api/desk/dashboard")
def dashboard_api(request: Request, year: int | None = None, status: str = "", q: str = "",
                  sort: str = "code", desc: bool = False):
    year, view, rows = _dashboard(request, year, status, q, sort, desc)
    return {"year": year, "counts": status_counts(view.rows), "charts": view.charts,
            "rows": [_row_json(r) for r in rows]}


# --- departments ----------------------------------------------------------------------------

@router.get("/desk/departments")
def departments_page(request: Request, year: int | None = None):
    auth.require_role(request, "bureau")
    year = _year(year)
    return render(request, "desk_departments.html", year=year,
                  departments=_desk(request).departments(year), problems=[], message="")


@router.post("/desk/departments/import")
def import_departments(request: Request, year: int = Form(...), file: UploadFile | None = File(None),
                       csrf_token: str = Form("")):
    user = auth.require_role(request, "bureau")
    auth.check_csrf(request, csrf_token)
    year = _year(year)
    if file is None or not file.filename:
        raise Refusal(400, "请选择部门名单文件（.xlsx 或 .csv）")
    result = read_departments(file.file.read(MAX_BYTES + 1), file.filename)
    added, updated = _desk(request).import_departments(year, result.departments)
    request.app.state.storage.audit("departments_import", user=user, target=str(year),
                                    ip=_ip(request), detail={"file": file.filename,
                                                             "added": added, "updated": updated,
                                                             "skipped": len(result.problems)})
    message = f"已导入 {year} 年度部门名单：新增 {added} 个，更新 {updated} 个"
    if result.problems:
        message += f"，{len(result.problems)} 处问题"
    return render(request, "desk_departments.html", year=year,
                  departments=_desk(request).departments(year), problems=result.problems,
                  message=message, status_code=200 if result.departments else 400)


@router.post("/desk/departments/save")
def save_department(request: Request, year: int = Form(...), dept_id: str = Form(""),
                    name: str = Form(""), code: str = Form(""), contact: str = Form(""),
                    csrf_token: str = Form("")):
    user = auth.require_role(request, "bureau")
    auth.check_csrf(request, csrf_token)
    year = _year(year)
    name, code, contact = name.strip(), code.strip(), contact.strip()
    if not name or not code:
        raise Refusal(400, "部门名称和部门编码都必须填写")
    store = _desk(request)
    existing = store.department(int(dept_id)) if dept_id else None
    if dept_id and (existing is None or existing["eval_year"] != year):
        raise Refusal(404, "找不到该部门")
    try:
        saved = store.save_department(year, existing["id"] if existing else None, name, code,
                                      contact)
    except IntegrityError:
        raise Refusal(409, f"{year} 年度名单中已有同名或同编码的部门") from None
    request.app.state.storage.audit("department_save", user=user, target=str(saved),
                                    ip=_ip(request), detail={"year": year, "name": name,
                                                             "code": code, "contact": contact})
    return RedirectResponse(f"/desk/departments?year={year}", status_code=303)


@router.post("/desk/departments/{dept_id}/delete")
def delete_department(request: Request, dept_id: int, csrf_token: str = Form("")):
    user = auth.require_role(request, "bureau")
    auth.check_csrf(request, csrf_token)
    store = _desk(request)
    existing = store.department(dept_id)
    if existing is None:
        raise Refusal(404, "找不到该部门")
    store.delete_department(dept_id)
    request.app.state.storage.audit("department_delete", user=user, target=str(dept_id),
                                    ip=_ip(request), detail={"name": existing["name"]})
    return RedirectResponse(f"/desk/departments?year={existing['eval_year']}", status_code=303)


# --- review ---------------------------------------------------------------------------------

def _submission(request: Request, submission_id: int) -> dict:
    sub = request.app.state.storage.submission(submission_id)
    if sub is None:
        raise Refusal(404, "找不到该报送记录")
    return sub


def _review_context(request: Request, sub: dict) -> dict:
    store = _desk(request)
    storage = request.app.state.storage
    versions = store.versions(sub["dept_name"], sub["eval_year"])
    indicators = {v["id"]: storage.indicators_of(v["id"]) for v in versions}
    changes = {}
    for before, after in zip(versions, versions[1:]):
        changes[after["id"]] = changed_figures(before, after, indicators[before["id"]],
                                               indicators[after["id"]])
    upload = storage.upload(sub["upload_id"])
    return {"sub": sub, "versions": versions, "changes": changes,
            "latest": versions[-1]["id"] == sub["id"],
            "groups": findings_by_sheet(storage.findings_of(sub["id"])),
            "deviations": desk.deviations_of(store, [sub], sub["eval_year"])[sub["id"]],
            "spot": desk.spot_comparison(store, sub), "reviews": store.reviews_of(sub["id"]),
            "rec": record_of(upload) if upload else {}, "decisions": DECISIONS}


@router.get("/desk/submissions/{submission_id}")
def review_page(request: Request, submission_id: int):
    user = auth.require_role(request, "bureau")
    sub = _submission(request, submission_id)
    request.app.state.storage.audit("review_view", user=user, target=str(sub["id"]),
                                    ip=_ip(request))
    return render(request, "desk_review.html", problems=[], **_review_context(request, sub))


@router.post("/desk/submissions/{submission_id}/review")
@router.post("/api/desk/submissions/{submission_id}/review")
def review(request: Request, submission_id: int, decision: str = Form(""),
           comment: str = Form(""), csrf_token: str = Form("")):
    user = auth.require_role(request, "bureau")
    auth.check_csrf(request, csrf_token)
    sub = _submission(request, submission_id)
    comment = comment.strip()
    if decision not in DECISIONS:
        raise Refusal(400, "请选择“通过”或“退回”")
    if decision == "returned" and not comment:
        raise Refusal(400, "退回时必须填写意见，说明需要修改的内容")
    if len(comment) > 2000:
        raise Refusal(400, "意见不能超过 2000 个字")
    latest = _desk(request).versions(sub["dept_name"], sub["eval_year"])[-1]
    if latest["id"] != sub["id"]:
        raise Refusal(409, f"该部门已报送更新的第 {latest['version']} 版，请审核最新版本")
    _desk(request).review(sub, decision, comment, user)
    request.app.state.storage.audit("review", user=user, target=str(sub["id"]), ip=_ip(request),
                                    detail={"decision": decision, "comment": comment,
                                            "dept": sub["dept_name"], "year": sub["eval_year"],
                                            "version": sub["version"]})
    if request.url.path.startswith("/api/"):
        return {"submission_id": sub["id"], "status": decision, "comment": comment}
    return RedirectResponse(f"/desk/submissions/{sub['id']}", status_code=303)


@router.post("/desk/submissions/{submission_id}/spot")
async def spot_check(request: Request, submission_id: int):
    form = await request.form()
    user = auth.require_role(request, "bureau")
    auth.check_csrf(request, str(form.get("csrf_token") or ""))
    sub = _submission(request, submission_id)
    indicators = request.app.state.storage.indicators_of(sub["id"])
    entries = {key[5:]: str(value) for key, value in form.items() if key.startswith("spot:")}
    scores, problems = parse_entries(desk.lines_of(indicators), entries)
    if problems:
        return render(request, "desk_review.html", status_code=400, problems=problems,
                      **_review_context(request, sub))
    _desk(request).set_spot_scores(sub["id"], scores, user)
    request.app.state.storage.audit("spot_check", user=user, target=str(sub["id"]),
                                    ip=_ip(request), detail={k: str(v) for k, v in scores.items()})
    return RedirectResponse(f"/desk/submissions/{sub['id']}", status_code=303)


# --- trends and downloads -------------------------------------------------------------------

@router.get("/desk/trends")
def trends_page(request: Request, dept: str = ""):
    auth.require_role(request, "bureau")
    points = desk.trend(_desk(request), dept) if dept else []
    return render(request, "desk_trends.html", dept=dept, points=points,
                  chart={"years": [p.year for p in points],
                         "scores": [None if p.score is None else float(p.score) for p in points],
                         "rates": [None if p.exec_rate is None else round(p.exec_rate * 100, 2)
                                   for p in points]})


@router.get("/api/desk/trends")
def trends_api(request: Request, dept: str):
    auth.require_role(request, "bureau")
    return JSONResponse([{"year": p.year, "score": None if p.score is None else str(p.score),
                          "grade": p.grade, "exec_rate": p.exec_rate, "verdict": p.verdict}
                         for p in desk.trend(_desk(request), dept)])


@router.get("/desk/summary.xlsx")
def summary_download(request: Request, year: int | None = None):
    user = auth.require_role(request, "bureau")
    year = _year(year)
    data = desk.summary_bytes(_desk(request), year)
    request.app.state.storage.audit("download", user=user, target=f"summary:{year}",
                                    ip=_ip(request))
    return attachment(data, f"汇总{year}.xlsx", FORMATS["xlsx"])


@router.get("/desk/database.sqlite")
def database_download(request: Request, year: int | None = None):
    user = auth.require_role(request, "bureau")
    year = _year(year)
    data = desk.database_bytes(_desk(request), year)
    request.app.state.storage.audit("download", user=user, target=f"database:{year}",
                                    ip=_ip(request))
    return attachment(data, f"绩效自评{year}.sqlite", "application/vnd.sqlite3")
