"""What a department can do, as plain functions the pages and the JSON API both call.

Every function takes the signed-in account and checks it may see what it asks for: a
department reads only its own uploads and submissions, and asking for anyone else's
answers 404, exactly as for an id that does not exist (so ids reveal nothing).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import OrderedDict
from datetime import date
from pathlib import Path

from fastapi import Request, UploadFile

from selfeval_xl.web import auth
from selfeval_xl.web.analysis import UNREAD_VERDICTS

UPLOAD_SUFFIXES = (".xlsm", ".xlsx")
MB = 1024 * 1024
NOT_FOUND = "找不到该记录（不存在，或不属于本部门）"


class Refusal(auth.AuthError):
    """The request is understood but refused; message in Chinese."""


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


def receive_upload(request: Request, user: dict, file: UploadFile | None) -> dict:
    """Store the upload by content hash, examine it in the sandbox, record the result.

    Returns the uploads row. Raises Refusal for a missing file, a wrong suffix or a file
    over the size cap (nothing is stored then).
    """
    app = request.app
    settings, storage = app.state.settings, app.state.storage
    if file is None or not file.filename:
        raise Refusal(400, "请选择要上传的工作簿文件（.xlsm 或 .xlsx）")
    name = Path(file.filename.replace("\\", "/")).name[:200]
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise Refusal(400, f"只接受 .xlsm 或 .xlsx 工作簿（收到“{name}”）；"
                           "WPS 或 LibreOffice 请另存为 Excel 工作簿格式")
    cap = settings.max_upload_bytes
    data = file.file.read(cap + 1)
    if len(data) > cap:
        raise Refusal(413, f"文件超过 {size_text(cap)} 上限，未接收"
                           "（自评工作簿通常不足 1 MB）")
    if not data:
        raise Refusal(400, f"“{name}”是空文件（0 字节），未接收")
    tmp_dir = storage.data_dir / "tmp"
    tmp_dir.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=suffix, dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        result = app.state.analyser.analyse(Path(tmp))
    finally:
        os.unlink(tmp)
    rec = result["record"]
    rec["file_name"], rec["file_path"] = name, ""
    stored = storage.store_file(data, rec["file_hash"], suffix)
    upload_id = storage.add_upload(
        user_id=user["id"], dept_name=user["dept_name"], file_hash=rec["file_hash"],
        file_name=name, file_size=len(data), stored_path=stored, verdict=rec["verdict"],
        record_json=json.dumps({**rec, "notice": result.get("notice", ""),
                                "title": result.get("title", "")}, ensure_ascii=False),
        report_html=result["report_html"], report_md=result["report_md"],
        evaluation_json=result["evaluation_json"])
    storage.audit("upload", user=user, target=upload_id, ip=_ip(request),
                  detail={"file": name, "hash": rec["file_hash"], "verdict": rec["verdict"]})
    return storage.upload(upload_id)


async def receive_upload_queued(request: Request, user: dict, file: UploadFile | None) -> dict:
    """:func:`receive_upload` in a worker thread, at most ``Settings.workers`` at a time.

    Waiting uploads wait here without holding one of the server's threads, so sign-ins,
    pages and downloads go on answering while a burst of uploads queues.
    """
    from functools import partial

    import anyio

    return await anyio.to_thread.run_sync(partial(receive_upload, request, user, file),
                                          limiter=request.app.state.upload_limiter)


def size_text(n: int) -> str:
    """1048576 → "1 MB", 1000 → "1 KB"."""
    return f"{n / MB:.0f} MB" if n >= MB else f"{max(1, round(n / 1024))} KB"


def load_upload(request: Request, user: dict, upload_id: str) -> dict:
    upload = request.app.state.storage.upload(upload_id)
    if upload is None or not auth.may_read(user, upload["dept_name"]):
        raise Refusal(404, NOT_FOUND)
    return upload


def load_submission(request: Request, user: dict, submission_id: int) -> dict:
    sub = request.app.state.storage.submission(submission_id)
    if sub is None or not auth.may_read(user, sub["dept_name"]):
        raise Refusal(404, NOT_FOUND)
    return sub


def record_of(upload: dict) -> dict:
    return json.loads(upload["record_json"])


def findings_by_sheet(findings: list[dict]) -> OrderedDict:
    """Findings grouped by sheet, in the order the checks report them ("" → 整个文件)."""
    groups: OrderedDict[str, list[dict]] = OrderedDict()
    for f in findings:
        groups.setdefault(f.get("sheet") or "整个文件", []).append(f)
    return groups


def submit(request: Request, user: dict, upload: dict, confirm_errors: bool) -> dict:
    """Record the upload as the department's next submission for its year.

    Refused (and nothing recorded) when the account is not a department's, the file was
    not read as a self-evaluation, its 部门名称 is not the account's, its year is missing,
    or it has errors and ``confirm_errors`` is not set.
    """
    if user["role"] != "dept":
        raise Refusal(403, "只有部门账号可以报送")
    rec = record_of(upload)
    if rec["verdict"] in UNREAD_VERDICTS:
        raise Refusal(400, f"该文件未能读取，不能报送：{rec['verdict_reason']}")
    if rec.get("dept_name") != user["dept_name"]:
        raise Refusal(400, f"工作簿“基本情况”中的部门名称“{rec.get('dept_name') or '（空）'}”"
                           f"与本账号所属部门“{user['dept_name']}”不一致，不能报送")
    year = int(rec.get("eval_year") or 0)
    if not year:
        raise Refusal(400, "工作簿“基本情况”中的评价年度未填写，不能报送")
    if rec["errors"] and not confirm_errors:
        raise Refusal(409, f"校验发现 {rec['errors']} 个错误。确需报送，请勾选确认；"
                           "报送记录和报告首页将注明未解决的错误")
    storage = request.app.state.storage
    sub = storage.add_submission(upload, rec, user_id=user["id"], year=year,
                                 errors_confirmed=bool(rec["errors"]),
                                 notice=rec.get("notice", ""))
    receipt = sign_receipt(request, sub)
    if receipt:
        storage.set_receipt(sub["id"], receipt)
        sub = storage.submission(sub["id"])
    storage.audit("submit", user=user, target=str(sub["id"]), ip=_ip(request),
                  detail={"upload": upload["id"], "year": year, "version": sub["version"],
                          "verdict": sub["verdict"]})
    return sub


def sign_receipt(request: Request, sub: dict) -> str:
    """A signed receipt for the submission when the service has a signing key, else ""."""
    signer = getattr(request.app.state, "receipt_signer", None)
    return signer(sub) if signer is not None else ""


def blank_workbook(request: Request, user: dict, year: int) -> tuple[bytes, str, bool]:
    """The department's workbook for ``year``: its name filled in and, when it submitted
    for ``year - 1``, last year's basics, functions, indicator table and report text.

    Returns (bytes, file name, rolled over from last year).
    """
    from selfeval_xl.web.rollover import next_year_evaluation
    from selfeval_xl.build.builder import build_bytes

    storage = request.app.state.storage
    previous = storage.latest_submission(user["dept_name"], year - 1)
    last = storage.upload(previous["upload_id"]) if previous else None
    ev = next_year_evaluation(user["dept_name"], year,
                              last["evaluation_json"] if last else "")
    storage.audit("download", user=user, target=f"workbook:{year}", ip=_ip(request),
                  detail={"rollover": bool(last)})
    return build_bytes(ev), f"{user['dept_name']}-{year}-自评.xlsm", bool(last and
                                                                       last["evaluation_json"])


def default_year() -> int:
    """The year being evaluated now: last calendar year."""
    return date.today().year - 1
