"""Signing in and out, the first-login password change, and API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from selfeval_xl.web import auth
from selfeval_xl.web.app import render

router = APIRouter()


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


@router.get("/login")
def login_form(request: Request, why: str = ""):
    auth.current_user(request)
    message = "会话已过期，请重新登录" if why == "stale" else ""
    return render(request, "login.html", message=message, username="")


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""),
          csrf_token: str = Form("")):
    auth.check_csrf(request, csrf_token)
    storage, settings = request.app.state.storage, request.app.state.settings
    ip = client_ip(request)
    username = username.strip()
    if auth.login_blocked(storage, username, ip, settings):
        storage.audit("login_refused", username=username, ip=ip, detail="rate limit")
        minutes = settings.login_window // 60
        return render(request, "login.html", status_code=429, username=username,
                      message=f"登录失败次数过多，请 {minutes} 分钟后再试")
    user = storage.user_by_name(username)
    ok = auth.verify_password(user["password_hash"] if user else None, password)
    if not ok or user is None or user["disabled"]:
        storage.audit("login_failed", username=username, ip=ip)
        return render(request, "login.html", status_code=401, username=username,
                      message="用户名或密码不正确")
    storage.audit("login", user=user, ip=ip)
    response = RedirectResponse("/password" if user["must_change"] else "/", status_code=303)
    start_session(request, response, user)
    return response


def start_session(request: Request, response, user: dict) -> None:
    sessions = request.app.state.sessions
    response.set_cookie(auth.SESSION_COOKIE, sessions.dump_session(user),
                        **sessions.cookie_args(sessions.max_age))


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")):
    auth.check_csrf(request, csrf_token)
    user = auth.current_user(request)
    if user is not None:
        request.app.state.storage.audit("logout", user=user, ip=client_ip(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


@router.get("/password")
def password_form(request: Request):
    user = auth.require_user(request, allow_must_change=True)
    return render(request, "password.html", first=user["must_change"], message="")


@router.post("/password")
def change_password(request: Request, current: str = Form(""), new: str = Form(""),
                    repeat: str = Form(""), csrf_token: str = Form("")):
    auth.check_csrf(request, csrf_token)
    user = auth.require_user(request, allow_must_change=True)
    storage = request.app.state.storage
    problem = ""
    if not auth.verify_password(user["password_hash"], current):
        problem = "当前密码不正确"
    elif new != repeat:
        problem = "两次输入的新密码不一致"
    elif new == current:
        problem = "新密码不能与当前密码相同"
    else:
        problem = auth.password_problem(new, user["username"])
    if problem:
        return render(request, "password.html", status_code=400, first=user["must_change"],
                      message=problem)
    storage.set_password(user["id"], auth.hash_password(new), must_change=False)
    storage.audit("password_change", user=user, ip=client_ip(request))
    # Older cookies are stale now (session_gen moved on): this browser gets a fresh one.
    response = RedirectResponse("/", status_code=303)
    start_session(request, response, storage.user_by_id(user["id"]))
    return response


@router.get("/account")
def account(request: Request):
    auth.require_user(request)
    return render(request, "account.html", token="")


@router.post("/account/tokens")
def create_token(request: Request, label: str = Form(""), csrf_token: str = Form("")):
    auth.check_csrf(request, csrf_token)
    user = auth.require_user(request)
    token = auth.new_api_token()
    storage = request.app.state.storage
    storage.add_token(user["id"], auth.token_hash(token), label.strip()[:100])
    storage.audit("token_create", user=user, ip=client_ip(request), detail=label.strip()[:100])
    return render(request, "account.html", token=token)
