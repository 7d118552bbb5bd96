"""``selfeval-xl serve`` and ``selfeval-xl users …``: run the bureau's service, manage accounts.

The service refuses to start without a bureau account (someone must be able to see the
submissions) and listens on 127.0.0.1 unless ``--host`` says otherwise: in production it
sits behind nginx, which terminates HTTPS (docs/server.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from selfeval_xl.cli import main, zh

DATA_HELP = "数据目录：数据库、收到的文件和签名密钥。"
DATA = dict(type=click.Path(file_okay=False, path_type=Path), default=Path("selfeval-data"),
            show_default=True, metavar="文件夹", help=DATA_HELP)
DEMO_ACCOUNTS = (("财政局", "财政局", "bureau"),
                 ("惠州市政务服务中心", "惠州市政务服务中心", "dept"),
                 ("示例部门", "示例部门", "dept"))


def _storage(data: Path):
    from selfeval_xl.web.storage import Storage

    return Storage(data)


def add_user(storage, username: str, dept: str, role: str) -> str:
    """Create the account; returns its one-time password."""
    from selfeval_xl.web import auth

    password = auth.one_time_password()
    storage.add_user(username, dept, role, auth.hash_password(password), must_change=True)
    storage.audit("user_add", username=username, detail={"dept": dept, "role": role})
    return password


@main.command("serve")
@click.option("--data", **DATA)
@click.option("--host", default="127.0.0.1", show_default=True, metavar="地址",
              help="监听地址（默认只接受本机连接；部署时由前置的反向代理转发）。")
@click.option("--port", default=8000, show_default=True, type=int, metavar="端口",
              help="监听端口。")
@click.option("--secure-cookies", is_flag=True,
              help="登录凭据只经加密连接发送（在 HTTPS 反向代理之后运行时必须打开）。")
@click.option("--max-upload-mb", default=20, show_default=True, type=int, metavar="整数",
              help="上传文件大小上限（MB）。")
@click.option("--timeout", default=30.0, show_default=True, type=float, metavar="秒",
              help="每个上传文件的读取时限（超时即中止，给出原因）。")
@click.option("--workers", default=None, type=int, metavar="整数",
              help="同时检查的上传文件数（默认：处理器核数；其余排队）。")
@click.option("--demo", is_flag=True,
              help="演示：建立一个财政局和两个部门账号（已有则重设密码），打印密码。")
def serve_command(data, host, port, secure_cookies, max_upload_mb, timeout, workers, demo):
    """运行财政局内网服务：部门用浏览器上传工作簿，得到校验、得分和报告，并报送。

    没有财政局账号时不启动；默认只监听本机（127.0.0.1）。部署见 docs/server.md。

    示例：

        selfeval-xl users add --dept 财政局 --role bureau --data 数据目录

        selfeval-xl serve --data 数据目录 --secure-cookies
    """
    import os
    from dataclasses import replace

    import uvicorn

    from selfeval_xl.web.app import MB, Settings, create_app

    storage = _storage(data)
    if demo:
        _demo_accounts(storage)
    if not storage.has_bureau_account():
        click.echo("错误：还没有财政局账号，服务不启动。先运行：\n"
                   f"  selfeval-xl users add --dept 财政局 --role bureau --data {data}", err=True)
        sys.exit(2)
    settings = Settings(data_dir=data, secure_cookies=secure_cookies,
                        max_upload_bytes=max_upload_mb * MB,
                        workers=workers or max(1, os.cpu_count() or 1))
    settings.limits = replace(settings.limits, max_file_bytes=settings.max_upload_bytes,
                              timeout=timeout)
    app = create_app(settings)
    click.echo(f"selfeval-xl 服务：http://{host}:{port}/  （数据目录 {data}）")
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True,
                forwarded_allow_ips="127.0.0.1")


def _demo_accounts(storage) -> None:
    from selfeval_xl.web import auth

    click.echo("演示账号（首次登录须改密码）：")
    for username, dept, role in DEMO_ACCOUNTS:
        existing = storage.user_by_name(username)
        if existing is None:
            password = add_user(storage, username, dept, role)
        else:
            password = auth.one_time_password()
            storage.set_password(existing["id"], auth.hash_password(password), must_change=True)
        click.echo(f"  {'财政局' if role == 'bureau' else '部门  '}  用户名 {username}  密码 {password}")


@main.group("users", cls=zh.ZhGroup)
def users_group():
    """服务的账号：开设、列出、重设密码、接口令牌。

    示例：

        selfeval-xl users add --dept 惠州市政务服务中心 --role dept --data 数据目录
    """


@users_group.command("add")
@click.option("--dept", required=True, metavar="名称",
              help="部门名称（与工作簿“基本情况”中的部门名称一致）。")
@click.option("--role", type=click.Choice(["dept", "bureau"]), required=True,
              help="dept：部门；bureau：财政局（可看所有部门的报送）。")
@click.option("--user", "username", metavar="用户名", help="登录用户名（默认：部门名称）。")
@click.option("--data", **DATA)
def users_add(dept, role, username, data):
    """开设账号，打印一次性初始密码（首次登录须修改）。

    示例：

        selfeval-xl users add --dept 惠州市政务服务中心 --role dept
    """
    storage = _storage(data)
    username = (username or dept).strip()
    if storage.user_by_name(username) is not None:
        click.echo(f"错误：用户名“{username}”已存在", err=True)
        sys.exit(2)
    password = add_user(storage, username, dept.strip(), role)
    click.echo(f"已开设账号：用户名 {username}，部门 {dept}，角色 {role}")
    click.echo(f"初始密码（只显示这一次，首次登录须修改）：{password}")


@users_group.command("list")
@click.option("--data", **DATA)
def users_list(data):
    """列出账号。"""
    for u in _storage(data).list_users():
        state = "须改密码" if u["must_change"] else ("停用" if u["disabled"] else "正常")
        click.echo(f"{u['username']}\t{u['dept_name']}\t{u['role']}\t{state}")


@users_group.command("reset")
@click.argument("username", metavar="用户名")
@click.option("--data", **DATA)
def users_reset(username, data):
    """重设密码：打印新的一次性密码，原有登录全部失效。"""
    from selfeval_xl.web import auth

    storage = _storage(data)
    user = storage.user_by_name(username)
    if user is None:
        click.echo(f"错误：没有用户“{username}”", err=True)
        sys.exit(2)
    password = auth.one_time_password()
    storage.set_password(user["id"], auth.hash_password(password), must_change=True)
    storage.audit("password_reset", user=user)
    click.echo(f"新的初始密码（只显示这一次）：{password}")


@users_group.command("token")
@click.argument("username", metavar="用户名")
@click.option("--label", default="", metavar="文本", help="用途说明。")
@click.option("--data", **DATA)
def users_token(username, label, data):
    """为账号生成接口令牌（脚本调用 JSON 接口用；只显示一次）。"""
    from selfeval_xl.web import auth

    storage = _storage(data)
    user = storage.user_by_name(username)
    if user is None:
        click.echo(f"错误：没有用户“{username}”", err=True)
        sys.exit(2)
    token = auth.new_api_token()
    storage.add_token(user["id"], auth.token_hash(token), label)
    storage.audit("token_create", user=user, detail=label)
    click.echo(token)
