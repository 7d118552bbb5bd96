"""``selfeval-xl bureau-key`` and ``selfeval-xl receipt``: the bureau's signing key and the
signed receipts it issues for received workbooks (:mod:`selfeval_xl.bureau.receipt`).
``verify --receipt`` checks a file against one."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from selfeval_xl.cli import main
from selfeval_xl.cli.zh import InputFile

EXIT_USAGE = 2


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_USAGE)


@main.command("bureau-key")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              metavar="私钥文件",
              help="私钥文件路径（PEM 格式，权限 0600，已存在则不覆盖）；公钥写在它旁边，"
                   "文件名后加“.pub”。")
def bureau_key_cmd(out: Path) -> None:
    """生成财政局签发回执用的 Ed25519 密钥对。

    私钥只放在财政局的服务器上（绝不交给部门）；公钥写在私钥文件名后加“.pub”的文件中，
    可以公开，任何人都能用它核对回执。

    示例：

        selfeval-xl bureau-key -o 财政局.key
    """
    from selfeval_xl.bureau import receipt as rc

    key = rc.generate_key()
    pub_path = out.with_name(out.name + ".pub")
    if pub_path.exists():
        _fail(f"公钥文件已存在，不予覆盖：{pub_path}")
    try:
        rc.save_private_key(key, out)
    except rc.ReceiptError as exc:
        _fail(str(exc))
    try:
        pub_path.write_bytes(rc.public_key_pem(key))
    except OSError as exc:
        _fail(f"无法写入公钥文件 {pub_path}：{exc.strerror or exc}")
    click.echo(f"私钥：{out}（请妥善保管，仅财政局持有）\n公钥：{pub_path}（密钥编号 {rc.key_id(key)}）")


@main.command("receipt")
@click.argument("book", type=InputFile("工作簿"))
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="财政局私钥文件（bureau-key 生成）。")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="回执文件路径（默认：工作簿旁的 <文件名>.receipt.json）。")
def receipt_cmd(book: Path, key_path: Path, out: Path | None) -> None:
    """为收到的工作簿签发回执：核验它（同 verify），用财政局私钥签名文件哈希与核验结果。

    示例：

        selfeval-xl receipt 收件箱/惠州市政务服务中心.xlsm --key bureau.key
    """
    from selfeval_xl.bureau import receipt as rc
    from selfeval_xl.bureau.collect import examine_all

    try:
        key = rc.load_private_key(key_path)
    except rc.ReceiptError as exc:
        _fail(str(exc))
    record = examine_all([book], workers=1)[0]
    try:
        signed = rc.make_receipt(record, key)
    except rc.ReceiptError as exc:
        _fail(f"{book}：{exc}")
    out = out or book.with_name(book.name + ".receipt.json")
    from selfeval_xl.datafile import write_atomic

    try:
        write_atomic(out, rc.receipt_bytes(signed))
    except OSError as exc:
        _fail(f"无法写入回执文件 {out}：{exc.strerror or exc}")
    click.echo(f"已签发回执：{out}（{signed['file_hash'][:19]}…，核验结论 {record['verdict']}）")
