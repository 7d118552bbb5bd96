"""Helpers for the service's tests: an app over a temporary data folder, accounts, and
signing in through the real login and first-password pages (so every test exercises them).

    app = make_app(tmp_path)
    client = signed_in(app, "惠州市政务服务中心")         # a department, password changed
    bureau = signed_in(app, "财政局")                     # the bureau
    client.post("/upload", files=..., data={"csrf_token": csrf(client)})
"""

from __future__ import annotations

import re
from pathlib import Path

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from selfeval_xl.web import auth
from selfeval_xl.web.app import Settings, create_app

DEPT = "惠州市政务服务中心"
OTHER_DEPT = "示例部门"
BUREAU = "财政局"
PASSWORD = "correct horse battery"
# argon2's production cost is ~0.5 s a hash on a busy machine, on purpose; the tests hash
# dozens of passwords, so they use minimal parameters (verify reads them from each hash).
auth.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))

ACCOUNTS = ((BUREAU, BUREAU, "bureau"), (DEPT, DEPT, "dept"), (OTHER_DEPT, OTHER_DEPT, "dept"))


def make_app(tmp_path: Path, accounts=ACCOUNTS, **settings):
    """An app over ``tmp_path / "data"`` with ``accounts`` made (one-time passwords are
    returned in ``app.state.initial_passwords``)."""
    app = create_app(Settings(data_dir=Path(tmp_path) / "data", **settings))
    storage = app.state.storage
    app.state.initial_passwords = {}
    for username, dept, role in accounts:
        password = auth.one_time_password()
        storage.add_user(username, dept, role, auth.hash_password(password), must_change=True)
        app.state.initial_passwords[username] = password
    return app


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient, page: str = "/login") -> str:
    """The CSRF token of a form on ``page`` (the cookie is set by the same response)."""
    html = client.get(page).text
    m = _CSRF.search(html)
    assert m, f"no CSRF token on {page}"
    return m.group(1)


def login(client: TestClient, username: str, password: str):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf(client)}, follow_redirects=False)


def signed_in(app, username: str, new_password: str = PASSWORD) -> TestClient:
    """A client signed in as ``username``, its one-time password changed on first login."""
    client = TestClient(app)
    first = app.state.initial_passwords.get(username)
    if first is not None:
        r = login(client, username, first)
        assert r.status_code == 303 and r.headers["location"] == "/password", r.text
        r = client.post("/password", data={"current": first, "new": new_password,
                                           "repeat": new_password,
                                           "csrf_token": csrf(client, "/password")},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
        del app.state.initial_passwords[username]
        app.state.passwords = {**getattr(app.state, "passwords", {}), username: new_password}
    else:
        r = login(client, username, app.state.passwords[username])
        assert r.status_code == 303, r.text
    return client


class LiveServer:
    """The app served by uvicorn on a free loopback port, in a thread (browser tests).

        with LiveServer(app) as url: ...
    """

    def __init__(self, app) -> None:
        import socket

        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                                    log_level="warning"))
        self.thread = None

    def __enter__(self) -> str:
        import threading
        import time

        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self.url

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
