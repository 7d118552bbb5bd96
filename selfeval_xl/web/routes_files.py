"""Downloads: the year's blank workbook, the report (.docx, .pdf, .md), the workbook with
its 自评报告 sheet, and a submission's file as it was received. Each is audited."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from selfeval_xl.web import actions, auth
from selfeval_xl.web.analysis import SandboxFailure

router = APIRouter()

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
REPORT_SUFFIX = "-自评报告"


def attachment(data: bytes, name: str, media_type: str) -> Response:
    """A download whose (Chinese) file name survives every browser (RFC 6266 / 5987)."""
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": disposition, "Cache-Control": "private, no-store"})


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


@router.get("/workbook")
@router.get("/api/workbook")
def blank_workbook(request: Request, year: int | None = None):
    user = auth.require_user(request)
    year = year or actions.default_year()
    if not 2000 <= year <= 2100:
        raise actions.Refusal(400, f"年度 {year} 不在 2000—2100 之间")
    data, name, _ = actions.blank_workbook(request, user, year)
    return attachment(data, name, FORMATS["xlsm"])


@router.get("/uploads/{upload_id}/download/{fmt}")
@router.get("/api/uploads/{upload_id}/download/{fmt}")
def download(request: Request, upload_id: str, fmt: str):
    user = auth.require_user(request)
    upload = actions.load_upload(request, user, upload_id)
    if fmt not in ("docx", "pdf", "md", "workbook"):
        raise actions.Refusal(404, f"没有“{fmt}”格式的下载")
    if not upload["report_html"]:
        raise actions.Refusal(404, "该文件未能读取，没有报告可下载")
    stem = Path(upload["file_name"]).stem
    storage, analyser = request.app.state.storage, request.app.state.analyser
    stored = storage.path_of(upload["stored_path"])
    try:
        if fmt == "md":
            data, name = upload["report_md"].encode("utf-8"), f"{stem}{REPORT_SUFFIX}.md"
        elif fmt == "workbook":
            suffix = Path(upload["file_name"]).suffix.lower().lstrip(".") or "xlsm"
            data = analyser.render(stored, "sheet", upload["file_name"])
            name, fmt = upload["file_name"], suffix
        else:
            data = analyser.render(stored, "docx", upload["file_name"])
            name = f"{stem}{REPORT_SUFFIX}.docx"
            if fmt == "pdf":
                data, name = _pdf(data, name)
    except SandboxFailure as exc:
        raise actions.Refusal(422, f"生成失败：{exc.message}") from exc
    storage.audit("download", user=user, target=upload_id, ip=_ip(request),
                  detail={"format": fmt, "file": name})
    return attachment(data, name, FORMATS[fmt])


def _pdf(docx: bytes, name: str) -> tuple[bytes, str]:
    """The .docx converted by LibreOffice (our own document, not the upload: no sandbox)."""
    from selfeval_xl.render import libreoffice, pdf

    if not pdf.available():
        raise actions.Refusal(503, "服务器未安装 LibreOffice，无法生成 PDF；请下载 Word 版")
    with tempfile.TemporaryDirectory(prefix="selfeval-pdf-") as tmp:
        source = Path(tmp) / name
        source.write_bytes(docx)
        try:
            out = pdf.to_pdf(source, Path(tmp) / "out")
        except libreoffice.LibreOfficeError:
            out = None
        if out is None:
            raise actions.Refusal(503, "PDF 转换失败；请下载 Word 版")
        return Path(out).read_bytes(), Path(name).with_suffix(".pdf").name


@router.get("/submissions/{submission_id}/file")
@router.get("/api/submissions/{submission_id}/file")
def submitted_file(request: Request, submission_id: int):
    user = auth.require_user(request)
    sub = actions.load_submission(request, user, submission_id)
    storage = request.app.state.storage
    upload = storage.upload(sub["upload_id"])
    data = storage.path_of(upload["stored_path"]).read_bytes()
    storage.audit("download", user=user, target=str(submission_id), ip=_ip(request),
                  detail={"format": "submitted", "file": sub["file_name"]})
    suffix = Path(sub["file_name"]).suffix.lower().lstrip(".")
    return attachment(data, sub["file_name"], FORMATS.get(suffix, FORMATS["xlsm"]))


@router.get("/submissions/{submission_id}/receipt")
@router.get("/api/submissions/{submission_id}/receipt")
def receipt(request: Request, submission_id: int):
    """The bureau's signed receipt for a submission (JSON), named as ``verify`` expects."""
    user = auth.require_user(request)
    sub = actions.load_submission(request, user, submission_id)
    if not sub["receipt"]:
        raise actions.Refusal(404, "该报送没有回执")
    request.app.state.storage.audit("download", user=user, target=str(submission_id),
                                    ip=_ip(request), detail={"format": "receipt"})
    return attachment(sub["receipt"].encode("utf-8"), f"{sub['file_name']}.receipt.json",
                      "application/json")


@router.get("/receipt-key.pub")
def receipt_public_key(request: Request):
    """The bureau's public key: anyone signed in may check receipts with it."""
    from selfeval_xl.web import receipts

    auth.require_user(request)
    return attachment(receipts.public_key_pem(request.app.state.receipt_key),
                      "bureau.key.pub", "application/x-pem-file")
