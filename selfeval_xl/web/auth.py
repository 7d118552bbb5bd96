"""Accounts, sessions and CSRF: who is asking, and may they.

- Passwords: argon2id (argon2-cffi's defaults); a new account gets a one-time password
  that must be changed at first login.
- Sessions: a signed cookie (itsdangerous) holding the user id and the account's
  ``session_gen``, HttpOnly and SameSite=Lax, Secure behind HTTPS. It expires after
  ``session_max_age`` seconds, and changing the password bumps ``session_gen`` so every older
  cookie is stale at once.
- CSRF: every form carries a token that must equal the one in the signed ``sx_csrf``
  cookie (double submit); the API takes it in the ``X-CSRF-Token`` header when it is
  called with the session cookie. A bearer token (``Authorization: Bearer …``) is not sent
  by browsers on their own, so requests carrying one need no CSRF token.
- Logins: refused for a while after repeated failures, per account and per address,
  counted from the audit log (so the limit holds across restarts).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SESSION_COOKIE = "sx_session"
CSRF_COOKIE = "sx_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
ROLES = ("dept", "bureau")

_hasher = PasswordHasher()
# A hash to verify against when the account does not exist: the reply takes as long as
# for a wrong password, so timing does not tell which accounts exist.
_DUMMY_HASH = _hasher.hash("no such account")


class AuthError(Exception):
    """Not signed in, or not allowed. ``status`` is the HTTP status; message in Chinese."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def use_hasher(hasher: PasswordHasher) -> None:
    """Replace the hasher's parameters (the tests use cheap ones; verify accepts any)."""
    global _hasher
    _hasher = hasher


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def one_time_password() -> str:
    """12 characters, no look-alikes (0/O, 1/l/I): read off a screen and typed once."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    return "".join(secrets.choice(alphabet) for _ in range(12))


def password_problem(password: str, username: str) -> str:
    """Chinese reason a new password is not acceptable, or ""."""
    if len(password) < 10:
        return "新密码至少 10 个字符"
    if password == username:
        return "新密码不能与用户名相同"
    return ""


def new_api_token() -> str:
    return "sxt_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Sessions:
    """Signs and reads the session and CSRF cookies."""

    def __init__(self, secret: bytes, max_age: int, secure: bool) -> None:
        self.max_age = max_age
        self.secure = secure
        self._session = URLSafeTimedSerializer(secret, salt="selfeval-session")
        self._csrf = URLSafeTimedSerializer(secret, salt="selfeval-csrf")

    def dump_session(self, user: dict) -> str:
        return self._session.dumps({"uid": user["id"], "gen": user["session_gen"]})

    def load_session(self, cookie: str | None) -> tuple[dict | None, str]:
        """(payload, "") or (None, why): "" when there is no cookie, else "stale"/"invalid"."""
        if not cookie:
            return None, ""
        try:
            return self._session.loads(cookie, max_age=self.max_age), ""
        except SignatureExpired:
            return None, "stale"
        except BadSignature:
            return None, "invalid"

    def dump_csrf(self, token: str) -> str:
        return self._csrf.dumps(token)

    def load_csrf(self, cookie: str | None) -> str:
        if not cookie:
            return ""
        try:
            return self._csrf.loads(cookie)
        except BadSignature:
            return ""

    def cookie_args(self, max_age: int | None = None) -> dict:
        return {"httponly": True, "samesite": "lax", "secure": self.secure, "path": "/",
                "max_age": max_age}


def csrf_token(request: Request) -> str:
    """The request's CSRF token (made, and set as a cookie on the way out, when absent)."""
    token = getattr(request.state, "csrf", "")
    if not token:
        token = request.app.state.sessions.load_csrf(request.cookies.get(CSRF_COOKIE))
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    request.state.csrf = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse (403) a state-changing request whose token does not match the cookie's.

    Requests authenticated by a bearer token are exempt (browsers never add one).
    """
    if getattr(request.state, "via_token", False):
        return
    expected = request.app.state.sessions.load_csrf(request.cookies.get(CSRF_COOKIE))
    given = submitted or request.headers.get(CSRF_HEADER, "")
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise AuthError(403, "表单已失效（缺少或不符的安全令牌），请刷新页面后重试")


def current_user(request: Request) -> dict | None:
    """The signed-in account (bearer token or session cookie), or None.

    Sets ``request.state.session_problem`` to "stale" when a cookie was present but has
    expired or belongs to an older password, so pages can say so.
    """
    if hasattr(request.state, "user"):
        return request.state.user
    storage = request.app.state.storage
    user, request.state.via_token, request.state.session_problem = None, False, ""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = storage.user_by_token(token_hash(header[7:].strip()))
        if user is None:
            raise AuthError(401, "API 令牌无效或已撤销")
        request.state.via_token = True
    else:
        payload, problem = request.app.state.sessions.load_session(
            request.cookies.get(SESSION_COOKIE))
        if payload is not None:
            user = storage.user_by_id(int(payload.get("uid", 0)))
            if user is None or user["session_gen"] != payload.get("gen"):
                user, problem = None, "stale"
        request.state.session_problem = problem
    if user is not None and user["disabled"]:
        user = None
    request.state.user = user
    return user


def require_user(request: Request, *, allow_must_change: bool = False) -> dict:
    """The signed-in account, or AuthError 401 (pages turn it into the login form)."""
    user = current_user(request)
    if user is None:
        why = ("会话已过期，请重新登录" if request.state.session_problem == "stale"
               else "请先登录")
        raise AuthError(401, why)
    if user["must_change"] and not allow_must_change:
        raise AuthError(403, "首次登录须先修改初始密码")
    return user


def require_role(request: Request, role: str) -> dict:
    user = require_user(request)
    if user["role"] != role:
        label = "财政局" if role == "bureau" else "部门"
        raise AuthError(403, f"此操作仅限{label}账号")
    return user


def may_read(user: dict, dept_name: str) -> bool:
    """A department reads only its own things; the bureau reads everyone's."""
    return user["role"] == "bureau" or user["dept_name"] == dept_name


def login_blocked(storage, username: str, ip: str, settings) -> bool:
    """Too many failed logins lately, for this account or from this address."""
    since = (datetime.now(timezone.utc) - timedelta(seconds=settings.login_window)
             ).isoformat(timespec="seconds")
    return (storage.failed_logins_since(since, username=username) >= settings.login_max_failures
            or storage.failed_logins_since(since, ip=ip) >= settings.login_max_failures_ip)
