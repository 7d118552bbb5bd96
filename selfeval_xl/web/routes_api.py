"""The JSON API: the same actions as the pages, for a department's own scripts.

Authentication: ``Authorization: Bearer <token>`` (a token made on the 账号 page or with
``selfeval-xl users token``), or the browser's session cookie plus the ``X-CSRF-Token``
header on POST. Errors are ``{"error": "中文说明"}`` with the HTTP status. The OpenAPI
description is served at /docs and /openapi.json. Downloads: see routes_files (also under
/api/…).
"""

from __future__ import annotations

from fastapi import APIRouter, File, Request, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from selfeval_xl.web import actions, auth

router = APIRouter(prefix="/api", tags=["api"])


class SubmitRequest(BaseModel):
    """Submit an upload. ``confirm_errors`` must be true when the file has errors."""

    confirm_errors: bool = False


def upload_json(upload: dict) -> dict:
    rec = actions.record_of(upload)
    base = f"/api/uploads/{upload['id']}"
    readable = bool(upload["report_html"])
    return {
        "id": upload["id"], "file_name": upload["file_name"], "file_hash": upload["file_hash"],
        "file_size": upload["file_size"], "created_at": upload["created_at"],
        "dept_name": rec.get("dept_name", ""), "eval_year": rec.get("eval_year") or None,
        "verdict": rec["verdict"], "verdict_label": rec["verdict_label"],
        "verdict_reason": rec["verdict_reason"], "score": rec.get("score") or None,
        "grade": rec.get("grade") or None, "fingerprint": rec.get("fingerprint") or None,
        "errors": rec["errors"], "warnings": rec["warnings"], "findings": rec["findings"],
        "indicators": rec["indicators"], "notice": rec.get("notice", ""),
        "downloads": {f: f"{base}/download/{f}" for f in ("docx", "pdf", "md", "workbook")}
        if readable else {},
        "page": f"/uploads/{upload['id']}",
    }


def submission_json(request: Request, sub: dict, *, detail: bool = False) -> dict:
    out = {k: sub[k] for k in (
        "id", "dept_name", "eval_year", "version", "upload_id", "file_name", "file_hash",
        "file_size", "fingerprint", "verdict", "verdict_reason", "score", "grade",
        "exec_rate", "errors", "warnings", "errors_confirmed", "notice", "status",
        "created_at")}
    out["file"] = f"/api/submissions/{sub['id']}/file"
    out["receipt"] = sub.get("receipt") or None
    if detail:
        storage = request.app.state.storage
        out["findings"] = storage.findings_of(sub["id"])
        out["indicators"] = storage.indicators_of(sub["id"])
        for rows in (out["findings"], out["indicators"]):
            for row in rows:
                row.pop("submission_id", None)
    return out


@router.get("/me")
def me(request: Request) -> dict:
    """The account the request is signed in as."""
    user = auth.require_user(request)
    return {"username": user["username"], "dept_name": user["dept_name"], "role": user["role"]}


@router.post("/uploads", status_code=201)
async def create_upload(request: Request, file: UploadFile | None = File(None)) -> dict:
    """Upload a workbook (multipart field ``file``): verdict, findings, scores, report links."""
    def allowed() -> dict:
        user = auth.require_user(request)
        auth.check_csrf(request, None)
        return user

    user = await run_in_threadpool(allowed)
    return upload_json(await actions.receive_upload_queued(request, user, file))


@router.get("/uploads/{upload_id}")
def get_upload(request: Request, upload_id: str) -> dict:
    user = auth.require_user(request)
    return upload_json(actions.load_upload(request, user, upload_id))


@router.post("/uploads/{upload_id}/submit", status_code=201)
def submit_upload(request: Request, upload_id: str, body: SubmitRequest | None = None) -> dict:
    """Submit an upload to the bureau: a new version for the department and year."""
    user = auth.require_user(request)
    auth.check_csrf(request, None)
    upload = actions.load_upload(request, user, upload_id)
    sub = actions.submit(request, user, upload, bool(body and body.confirm_errors))
    return submission_json(request, sub, detail=True)


@router.get("/submissions")
def list_submissions(request: Request) -> list[dict]:
    """The department's submissions, newest first (the bureau's account: everyone's)."""
    user = auth.require_user(request)
    dept = None if user["role"] == "bureau" else user["dept_name"]
    return [submission_json(request, s)
            for s in request.app.state.storage.submissions_of(dept)]


@router.get("/submissions/{submission_id}")
def get_submission(request: Request, submission_id: int) -> dict:
    user = auth.require_user(request)
    return submission_json(request, actions.load_submission(request, user, submission_id),
                           detail=True)
