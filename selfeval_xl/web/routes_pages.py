"""The department's pages: home, upload, result, report, submit, submissions."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from selfeval_xl.web import actions, auth
from selfeval_xl.web.app import render

router = APIRouter()

VERDICT_CLASS = {"ok": "ok", "ok-with-warnings": "warn", "errors": "bad", "stale": "bad",
                 "score-mismatch": "bad", "wrong-version": "warn", "not-selfeval": "bad",
                 "rejected": "bad", "unreadable": "bad"}


def _redirect(request: Request, url: str):
    # htmx follows HX-Redirect with a full page load; a plain form follows the 303.
    response = RedirectResponse(url, status_code=303)
    if request.headers.get("hx-request"):
        response.status_code = 200
        response.headers["HX-Redirect"] = url
    return response


@router.get("/")
def home(request: Request):
    user = auth.require_user(request)
    storage = request.app.state.storage
    dept = None if user["role"] == "bureau" else user["dept_name"]
    return render(request, "home.html", submissions=storage.submissions_of(dept),
                  uploads=storage.uploads_of(user["dept_name"]) if dept else [],
                  year=actions.default_year(), verdict_class=VERDICT_CLASS,
                  max_mb=request.app.state.settings.max_upload_bytes // (1024 * 1024))


@router.post("/upload")
async def upload(request: Request, file: UploadFile | None = File(None),
                 csrf_token: str = Form("")):
    def allowed() -> dict:
        auth.check_csrf(request, csrf_token)
        return auth.require_user(request)

    user = await run_in_threadpool(allowed)
    row = await actions.receive_upload_queued(request, user, file)
    return _redirect(request, f"/uploads/{row['id']}")


@router.get("/uploads/{upload_id}")
def result(request: Request, upload_id: str):
    user = auth.require_user(request)
    upload = actions.load_upload(request, user, upload_id)
    rec = actions.record_of(upload)
    storage = request.app.state.storage
    year = int(rec.get("eval_year") or 0)
    latest = storage.latest_submission(upload["dept_name"], year) if year else None
    return render(request, "result.html", upload=upload, rec=rec,
                  groups=actions.findings_by_sheet(rec["findings"]),
                  readable=rec["verdict"] not in actions.UNREAD_VERDICTS,
                  verdict_class=VERDICT_CLASS.get(rec["verdict"], "bad"), latest=latest,
                  pdf=_pdf_available())


@router.get("/uploads/{upload_id}/report")
def report(request: Request, upload_id: str):
    user = auth.require_user(request)
    upload = actions.load_upload(request, user, upload_id)
    if not upload["report_html"]:
        raise actions.Refusal(404, "该文件未能读取，没有报告")
    return render(request, "report.html", upload=upload, rec=actions.record_of(upload),
                  pdf=_pdf_available())


@router.post("/uploads/{upload_id}/submit")
def submit(request: Request, upload_id: str, confirm_errors: str = Form(""),
           csrf_token: str = Form("")):
    auth.check_csrf(request, csrf_token)
    user = auth.require_user(request)
    upload = actions.load_upload(request, user, upload_id)
    sub = actions.submit(request, user, upload, confirm_errors == "yes")
    return _redirect(request, f"/submissions/{sub['id']}")


@router.get("/submissions")
def submissions(request: Request):
    user = auth.require_user(request)
    dept = None if user["role"] == "bureau" else user["dept_name"]
    return render(request, "submissions.html",
                  submissions=request.app.state.storage.submissions_of(dept),
                  verdict_class=VERDICT_CLASS)


@router.get("/submissions/{submission_id}")
def submission(request: Request, submission_id: int):
    user = auth.require_user(request)
    sub = actions.load_submission(request, user, submission_id)
    storage = request.app.state.storage
    history = [s for s in storage.submissions_of(sub["dept_name"])
               if s["eval_year"] == sub["eval_year"]]
    found = storage.findings_of(sub["id"])
    return render(request, "submission.html", sub=sub, history=history,
                  groups=actions.findings_by_sheet(found),
                  indicators=storage.indicators_of(sub["id"]),
                  verdict_class=VERDICT_CLASS.get(sub["verdict"], "bad"))


def _pdf_available() -> bool:
    from selfeval_xl.render import pdf

    return pdf.available()
