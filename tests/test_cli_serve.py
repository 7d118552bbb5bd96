"""``selfeval-xl users`` and ``selfeval-xl serve``'s refusals (the server itself is driven
by test_web_api through TestClient and by test_web_browser through a real browser)."""

from __future__ import annotations

import re

from click.testing import CliRunner

from selfeval_xl.cli import main
from selfeval_xl.web import auth
from selfeval_xl.web.storage import Storage


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_serve_refuses_to_start_without_a_bureau_account(tmp_path):
    data = tmp_path / "data"
    r = run("users", "add", "--dept", "惠州市政务服务中心", "--role", "dept", "--data", str(data))
    assert r.exit_code == 0, r.output
    r = run("serve", "--data", str(data))
    assert r.exit_code == 2
    assert "错误：还没有财政局账号，服务不启动。" in r.output


def test_serve_listens_on_loopback_unless_told():
    params = {p.name: p for p in main.commands["serve"].params}
    assert params["host"].default == "127.0.0.1"
    assert params["secure_cookies"].is_flag


def test_users_add_prints_a_one_time_password(tmp_path):
    data = tmp_path / "data"
    r = run("users", "add", "--dept", "财政局", "--role", "bureau", "--data", str(data))
    assert r.exit_code == 0, r.output
    password = re.search(r"初始密码（只显示这一次，首次登录须修改）：(\S+)", r.output).group(1)
    user = Storage(data).user_by_name("财政局")
    assert (user["dept_name"], user["role"], user["must_change"]) == ("财政局", "bureau", True)
    assert auth.verify_password(user["password_hash"], password)
    assert password not in (data / "selfeval.sqlite").read_bytes().decode("latin-1")
    r = run("users", "add", "--dept", "财政局", "--role", "bureau", "--data", str(data))
    assert r.exit_code == 2 and "用户名“财政局”已存在" in r.output
    r = run("users", "list", "--data", str(data))
    assert r.output == "财政局\t财政局\tbureau\t须改密码\n"


def test_users_reset_and_token(tmp_path):
    data = tmp_path / "data"
    run("users", "add", "--dept", "示例部门", "--role", "dept", "--user", "shili",
        "--data", str(data))
    storage = Storage(data)
    gen = storage.user_by_name("shili")["session_gen"]
    r = run("users", "reset", "shili", "--data", str(data))
    password = r.output.strip().rsplit("：", 1)[1]
    user = storage.user_by_name("shili")
    assert auth.verify_password(user["password_hash"], password)
    assert user["session_gen"] == gen + 1  # every session signed in before is stale
    r = run("users", "token", "shili", "--label", "脚本", "--data", str(data))
    token = r.output.strip()
    assert token.startswith("sxt_")
    assert storage.user_by_token(auth.token_hash(token))["username"] == "shili"
    assert run("users", "reset", "nobody", "--data", str(data)).exit_code == 2


def test_serve_demo_makes_accounts_and_binds_loopback(tmp_path, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    r = run("serve", "--demo", "--data", str(tmp_path / "data"), "--timeout", "7")
    assert r.exit_code == 0, r.output
    lines = re.findall(r"用户名 (\S+)  密码 (\S+)", r.output)
    assert [u for u, _ in lines] == ["财政局", "惠州市政务服务中心", "示例部门"]
    storage = Storage(tmp_path / "data")
    for username, password in lines:
        assert auth.verify_password(storage.user_by_name(username)["password_hash"], password)
    (app, kw), = calls
    assert (kw["host"], kw["port"]) == ("127.0.0.1", 8000)
    assert app.state.settings.limits.timeout == 7.0
    assert app.state.settings.secure_cookies is False
