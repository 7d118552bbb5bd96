"""Signed submission receipts (selfeval_xl.bureau.receipt, ``bureau-key``, ``receipt`` and
``verify --receipt``): only the holder of the bureau's private key can issue one, and a
file checks against it only if it is byte for byte the file received."""

from __future__ import annotations

import base64
import json
import os
import stat
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from selfeval_xl.bureau import receipt as rc
from selfeval_xl.bureau.preflight import file_hash
from selfeval_xl.build.builder import build_workbook
from selfeval_xl.cli import main
from selfeval_xl.datafile import example

WHEN = datetime(2023, 4, 12, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def key():
    return rc.generate_key()


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("receipt") / "惠州市政务服务中心.xlsm"
    build_workbook(path, example())
    return path


def record_of(path):
    return {"file_hash": file_hash(path), "file_size": path.stat().st_size,
            "file_name": path.name, "dept_name": "惠州市政务服务中心", "eval_year": 2022,
            "score": "96.00", "grade": "优", "fingerprint": "sha256:" + "ab" * 32,
            "verdict": "ok"}


def test_receipt_fields_and_match(book, key):
    receipt = rc.make_receipt(record_of(book), key, received_at=WHEN)
    assert receipt["format"] == "selfeval-xl-receipt/1"
    assert receipt["file_hash"] == file_hash(book)
    assert receipt["received_at"] == "2023-04-12T09:30:00+00:00"
    assert receipt["key_id"] == rc.key_id(key) and len(receipt["key_id"]) == 16
    assert (receipt["dept_name"], receipt["eval_year"], receipt["score"]) == (
        "惠州市政务服务中心", 2022, "96.00")
    assert len(base64.b64decode(receipt["signature"])) == 64
    for file in (book, book.read_bytes()):
        for form in (receipt, rc.receipt_bytes(receipt)):
            got = rc.check_receipt(file, form, key.public_key())
            assert (got.key, got.ok) == ("match", True)
            assert got.message == ("文件与回执一致：正是财政局于 2023-04-12T09:30:00+00:00 "
                                   "收到并签发回执的文件，此后未被改动")


def test_changed_file_is_caught(book, key, tmp_path):
    receipt = rc.make_receipt(record_of(book), key, received_at=WHEN)
    data = bytearray(book.read_bytes())
    data[-30] ^= 1  # one bit, in the zip's directory
    changed = tmp_path / "changed.xlsm"
    changed.write_bytes(bytes(data))
    got = rc.check_receipt(changed, receipt, key.public_key())
    assert (got.key, got.ok) == ("changed", False)
    assert got.file_hash == file_hash(changed) != receipt["file_hash"]
    assert "收到后文件被改动或替换" in got.message


@pytest.mark.parametrize("field, value", [("score", "100.00"), ("file_hash", None),
                                          ("received_at", "2023-01-01T00:00:00+00:00")])
def test_altered_receipt_is_forged(book, key, tmp_path, field, value):
    """A department that edits its file and the receipt's hash (or its score) to match
    cannot re-sign it: the signature no longer verifies."""
    receipt = rc.make_receipt(record_of(book), key, received_at=WHEN)
    other = tmp_path / "other.xlsm"
    other.write_bytes(book.read_bytes() + b"\0")
    receipt[field] = file_hash(other) if value is None else value
    got = rc.check_receipt(other if value is None else book, receipt, key.public_key())
    assert (got.key, got.ok) == ("forged", False)
    assert got.message == "回执签名无效：回执内容被改动过，或不是财政局签发的"


def test_receipt_from_another_key(book, key):
    mallory = rc.generate_key()
    receipt = rc.make_receipt(record_of(book), mallory, received_at=WHEN)
    got = rc.check_receipt(book, receipt, key.public_key())
    assert got.key == "wrong-key" and not got.ok
    # claiming the bureau's key id does not help: the signature is still not the bureau's
    receipt["key_id"] = rc.key_id(key)
    forged = {k: v for k, v in receipt.items() if k != "signature"}
    forged["signature"] = base64.b64encode(mallory.sign(rc._canonical(forged))).decode()
    assert rc.check_receipt(book, forged, key.public_key()).key == "forged"


@pytest.mark.parametrize("receipt, message", [
    (b"not json", "回执不是有效的 JSON"),
    (b'{"format": "other"}', "回执格式不符（需要 selfeval-xl-receipt/1）"),
    (b'{"format": "selfeval-xl-receipt/1", "file_hash": "sha256:00"}', "回执缺少签名或文件哈希"),
])
def test_malformed_receipt_is_invalid(book, key, receipt, message):
    got = rc.check_receipt(book, receipt, key.public_key())
    assert (got.key, got.ok, got.message) == ("invalid", False, message)


def test_bad_signature_encoding_is_forged(book, key):
    receipt = rc.make_receipt(record_of(book), key, received_at=WHEN)
    receipt["signature"] = "!!!"
    assert rc.check_receipt(book, receipt, key.public_key()).key == "forged"


def test_fifo_is_not_opened(key, tmp_path, book):
    receipt = rc.make_receipt(record_of(book), key, received_at=WHEN)
    fifo = tmp_path / "pipe.xlsm"
    os.mkfifo(fifo)
    got = rc.check_receipt(fifo, receipt, key.public_key())  # would block if opened
    assert (got.key, got.message) == ("invalid", f"不是普通文件：{fifo}")


def test_no_receipt_without_a_whole_file_hash(key):
    for h in ("", "sha256-head:" + "0" * 64 + ":99", "sha256:xyz"):
        with pytest.raises(rc.ReceiptError, match="没有整个文件的 SHA-256 哈希"):
            rc.make_receipt({"file_hash": h}, key)


def test_key_files(tmp_path, key):
    path = rc.save_private_key(key, tmp_path / "bureau.key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert rc.key_id(rc.load_private_key(path)) == rc.key_id(key)
    with pytest.raises(rc.ReceiptError, match="密钥文件已存在，不予覆盖"):
        rc.save_private_key(rc.generate_key(), path)
    assert rc.key_id(rc.load_private_key(path)) == rc.key_id(key)  # still the first key
    pem = rc.public_key_pem(key)
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert rc.key_id(rc.load_public_key(pem)) == rc.key_id(key)
    assert rc.key_id(rc.load_public_key(rc.public_key_bytes(key))) == rc.key_id(key)
    (tmp_path / "bad.pub").write_bytes(b"hello")
    with pytest.raises(rc.ReceiptError, match="公钥无法识别"):
        rc.load_public_key(tmp_path / "bad.pub")


def test_cli_key_receipt_and_verify(book, tmp_path):
    runner = CliRunner()
    keyfile = tmp_path / "bureau.key"
    r = runner.invoke(main, ["bureau-key", "-o", str(keyfile)])
    assert r.exit_code == 0, r.output
    pub = tmp_path / "bureau.key.pub"
    assert pub.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert runner.invoke(main, ["bureau-key", "-o", str(keyfile)]).exit_code == 2

    copy = tmp_path / book.name
    copy.write_bytes(book.read_bytes())
    r = runner.invoke(main, ["receipt", str(copy), "--key", str(keyfile)])
    assert r.exit_code == 0, r.output
    receipt_file = tmp_path / (book.name + ".receipt.json")
    receipt = json.loads(receipt_file.read_text(encoding="utf-8"))
    assert receipt["file_hash"] == file_hash(copy)
    assert receipt["dept_name"] == "惠州市政务服务中心" and receipt["verdict"] == "errors"

    args = ["verify", str(copy), "--receipt", str(receipt_file), "--public-key", str(pub)]
    r = runner.invoke(main, args)
    assert r.exit_code == 1, r.output  # the seed's figures have errors; the receipt matches
    assert "  回执：一致（match）：文件与回执一致" in r.output
    copy.write_bytes(book.read_bytes() + b"\0")
    r = runner.invoke(main, args + ["--json"])
    assert r.exit_code == 8, r.output
    out = json.loads(r.output)
    assert out["receipt"]["result"] == "changed" and out["exit_code"] == 8
    r = runner.invoke(main, ["verify", str(copy), "--receipt", str(receipt_file)])
    assert r.exit_code == 2 and "--receipt 与 --public-key 须同时给出" in r.output
