"""The application factory: settings, storage, templates, routes, and the error pages.

``create_app(Settings(data_dir=...))`` gives a complete FastAPI app; ``selfeval-xl serve``
runs it under uvicorn and the tests drive it with FastAPI's TestClient. Routes live in one
module per job (``routes_auth``, ``routes_pages``, ``routes_api``, ``routes_files``, and the
bureau's desk ``routes_desk``).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from selfeval_xl import __version__
from selfeval_xl.bureau.preflight import Limits
from selfeval_xl.web import auth, display, receipts
from selfeval_xl.web.storage import Storage

HERE = Path(__file__).parent
# A submission's status as the pages show it (the desk's review moves it on).
SUBMISSION_STATUS = {"submitted": "已报送", "returned": "已退回", "accepted": "已通过"}
MB = 1024 * 1024


@dataclass
class Settings:
    """How one service runs.

    Attributes:
        data_dir: database, stored files and the secret key live here.
        db_url: SQLAlchemy URL (default: SQLite in data_dir).
        max_upload_bytes: largest upload accepted (a filled workbook is well under 1 MB).
        session_max_age: seconds a sign-in lasts.
        secure_cookies: mark cookies Secure (behind HTTPS; docs/server.md).
        limits: what one uploaded file may cost in the sandboxed worker (time, memory, sizes).
        workers: uploads examined at the same time (more wait their turn).
        login_max_failures / login_max_failures_ip / login_window: failed logins allowed per
            account / per address within ``login_window`` seconds before logins are refused.
    """

    data_dir: Path
    db_url: str | None = None
    max_upload_bytes: int = 20 * MB
    session_max_age: int = 8 * 3600
    secure_cookies: bool = False
    limits: Limits = field(default_factory=lambda: Limits(max_file_bytes=20 * MB, timeout=30.0))
    workers: int = max(1, os.cpu_count() or 1)
    login_max_failures: int = 5
    login_max_failures_ip: int = 30
    login_window: int = 15 * 60


def secret_key(data_dir: Path) -> bytes:
    """The key that signs cookies: made once, kept in the data folder (mode 600)."""
    path = Path(data_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def create_app(settings: Settings) -> FastAPI:
    """A ready service over ``settings.data_dir``."""
    from selfeval_xl.web import routes_api, routes_auth, routes_desk, routes_files, routes_pages
    from selfeval_xl.web.desk_store import DeskStore
    from selfeval_xl.web.analysis import Analyser
    from selfeval_xl.web.workers import service_context

    app = FastAPI(title="selfeval-xl 部门整体支出绩效自评服务", version=__version__,
                  description="上传自评工作簿：校验、评分、生成报告并报送财政局。"
                              "API 用法见 docs/server.md（令牌：Authorization: Bearer …）。",
                  docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.storage = Storage(settings.data_dir, settings.db_url)
    app.state.sessions = auth.Sessions(secret_key(settings.data_dir), settings.session_max_age,
                                       settings.secure_cookies)
    # Before uvicorn starts its threads: the fork server that starts every upload's worker.
    app.state.analyser = Analyser(settings.limits, settings.workers, service_context())
    app.state.upload_limiter = anyio.CapacityLimiter(max(1, settings.workers))
    app.state.receipt_key = receipts.load_or_create_key(settings.data_dir)
    app.state.receipt_signer = receipts.make_signer(app.state.receipt_key)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(version=__version__)
    display.install(templates.env)
    app.state.desk = DeskStore(app.state.storage)
    # The department's pages show the bureau's decisions (status and comment).
    templates.env.globals.update(desk_reviews=app.state.desk.reviews_of,
                                 desk_returned=app.state.desk.returned_of,
                                 submission_status=SUBMISSION_STATUS)
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        new = getattr(request.state, "new_csrf", "")
        if new:
            response.set_cookie(auth.CSRF_COOKIE, app.state.sessions.dump_csrf(new),
                                **app.state.sessions.cookie_args())
        # Everything is served from here: no script, style or frame from elsewhere.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.exception_handler(auth.AuthError)
    async def auth_error(request: Request, exc: auth.AuthError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        if exc.status == 401:
            return RedirectResponse(f"/login?why={'stale' if '过期' in exc.message else ''}",
                                    status_code=303)
        if exc.status == 403 and "修改初始密码" in exc.message:
            return RedirectResponse("/password", status_code=303)
        return error_page(request, exc.status, exc.message)

    @app.get("/docs", include_in_schema=False)
    def api_docs(request: Request):
        # FastAPI's own page loads Swagger UI from a CDN with an inline script; this one
        # serves the vendored copy and a script file, so the CSP stays strict.
        return request.app.state.templates.TemplateResponse(request, "api_docs.html", {})

    app.include_router(routes_auth.router)
    app.include_router(routes_pages.router)
    app.include_router(routes_files.router)
    app.include_router(routes_api.router)
    app.include_router(routes_desk.router)
    return app


def render(request: Request, name: str, status_code: int = 200, **context):
    """A page from templates/ with the signed-in user and the CSRF token in its context."""
    user = getattr(request.state, "user", None)
    context.setdefault("user", user)
    context["csrf_token"] = auth.csrf_token(request)
    return request.app.state.templates.TemplateResponse(
        request, name, context, status_code=status_code)


def error_page(request: Request, status: int, message: str):
    return render(request, "error.html", status_code=status, status=status, message=message)
