"""Signed submission receipts: tamper evidence that a department cannot forge.

The data fingerprint a workbook stores with its report (:mod:`selfeval_xl.core.fingerprint`)
is an unkeyed SHA-256 that anyone can recompute: it shows accidental edits, not deliberate
ones. Real evidence needs a key no department holds. When the finance bureau records a
submission it signs a *receipt* with its Ed25519 private key; later, anyone holding the
bureau's public key can check that a file is exactly the one received (``verify
--receipt``), and no one without the private key can make a receipt for a changed file.

API (what the bureau's service calls):

- :func:`generate_key`, :func:`save_private_key`, :func:`load_private_key`,
  :func:`public_key_bytes`, :func:`load_public_key`: key handling (PEM files; the
  private key file is written with mode 0600 and never overwritten);
- :func:`make_receipt` ``(record, key) -> dict``: sign what the bureau knows about one
  received file (a record from :func:`selfeval_xl.bureau.verify.examine`, or any dict
  with at least ``file_hash``);
- :func:`receipt_bytes` / :func:`parse_receipt`: the receipt as JSON bytes and back;
- :func:`check_receipt` ``(file, receipt, public_key) -> ReceiptCheck``: is the
  receipt genuine, and is the file the one it was issued for.

A receipt is a JSON object: the signed fields (``format``, ``file_hash``, ``file_size``,
``file_name``, ``dept_name``, ``eval_year``, ``score``, ``grade``, ``fingerprint``,
``verdict``, ``received_at``, ``key_id``) and ``signature``, the base64 Ed25519 signature
over the signed fields as canonical JSON (sorted keys, no spaces, UTF-8).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                                 Ed25519PublicKey)

FORMAT = "selfeval-xl-receipt/1"
# What a receipt records about the file, beyond its hash (copied from the record).
RECORD_FIELDS = ("file_name", "dept_name", "eval_year", "score", "grade", "fingerprint",
                 "verdict")
# A receipt is a few hundred bytes; a checked file is bounded as the reader bounds it.
MAX_RECEIPT_BYTES = 64 * 1024
MAX_FILE_BYTES = 100 * 1024 * 1024


class ReceiptError(ValueError):
    """A key or receipt that cannot be used, with a Chinese message."""


# --- keys -------------------------------------------------------------------------------

def generate_key() -> Ed25519PrivateKey:
    """A new bureau signing key."""
    return Ed25519PrivateKey.generate()


def save_private_key(key: Ed25519PrivateKey, path: str | Path) -> Path:
    """Write the private key as unencrypted PKCS#8 PEM, readable by its owner only (0600).

    An existing file is never overwritten (losing the bureau's key would orphan every
    receipt it signed): :class:`ReceiptError` instead. Protect the file as any secret: it
    belongs on the bureau's server only, never in a department's hands.
    """
    path = Path(path)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ReceiptError(f"密钥文件已存在，不予覆盖：{path}") from None
    except OSError as exc:
        raise ReceiptError(f"无法写入密钥文件 {path}：{exc.strerror or exc}") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return path


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The public half as SubjectPublicKeyInfo PEM (safe to publish)."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of the public key."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """A short name of the key pair: the first 16 hex digits of SHA-256 of the public key."""
    return hashlib.sha256(public_key_bytes(key)).hexdigest()[:16]


def open_regular(path: Path):
    """``path`` opened for reading, or OSError/:class:`ReceiptError` when it is not a
    regular file. Opened non-blocking (a FIFO would block in open() itself), then checked."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ReceiptError(f"不是普通文件：{path}")
        return os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


def _read_small(path: Path, what: str, limit: int) -> bytes:
    try:
        with open_regular(path) as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise ReceiptError(f"无法读取{what} {path}：{exc.strerror or exc}") from None
    if len(data) > limit:
        raise ReceiptError(f"{what}过大，不是有效的{what}：{path}")
    return data


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """The bureau's private key from a PEM file written by :func:`save_private_key`."""
    data = _read_small(Path(path), "私钥文件", MAX_RECEIPT_BYTES)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ReceiptError(f"私钥文件无法识别（需要 Ed25519 PEM 私钥）：{path}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ReceiptError(f"私钥不是 Ed25519 密钥：{path}")
    return key


def load_public_key(source: str | Path | bytes) -> Ed25519PublicKey:
    """The bureau's public key: a PEM file's path, PEM bytes, or the 32 raw bytes."""
    if isinstance(source, bytes):
        data, where = source, "（公钥数据）"
    else:
        data, where = _read_small(Path(source), "公钥文件", MAX_RECEIPT_BYTES), str(source)
    try:
        if len(data) == 32 and not data.startswith(b"-----"):
            return Ed25519PublicKey.from_public_bytes(data)
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise ReceiptError(f"公钥无法识别（需要 Ed25519 PEM 公钥）：{where}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ReceiptError(f"公钥不是 Ed25519 密钥：{where}")
    return key


# --- receipts ---------------------------------------------------------------------------

def _canonical(fields: dict) -> bytes:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def make_receipt(record: dict, key: Ed25519PrivateKey,
                 received_at: datetime | None = None) -> dict:
    """Sign a receipt for one received file.

    Args:
        record: what the bureau knows of the file; ``file_hash`` ("sha256:<64 hex>", the
            hash of the whole file, as :func:`selfeval_xl.bureau.verify.examine` gives it)
            is required, ``file_size`` and :data:`RECORD_FIELDS` are copied when present.
        key: the bureau's private key.
        received_at: when it was received (default: now, UTC).

    Returns:
        The receipt as a JSON-ready dict (see the module docstring).

    Raises:
        ReceiptError: the record has no full-file SHA-256 (a file over the size limit is
            keyed by its first MB only, and cannot be receipted).
    """
    file_hash = str(record.get("file_hash") or "")
    if not _is_sha256(file_hash):
        raise ReceiptError("没有整个文件的 SHA-256 哈希，无法签发回执")
    signed = {"format": FORMAT, "file_hash": file_hash,
              "file_size": int(record.get("file_size") or 0),
              "received_at": (received_at or datetime.now(timezone.utc)).isoformat(
                  timespec="seconds"),
              "key_id": key_id(key)}
    for name in RECORD_FIELDS:
        value = record.get(name)
        signed[name] = value if isinstance(value, (int, str)) and not isinstance(
            value, bool) else ("" if value is None else str(value))
    signature = key.sign(_canonical(signed))
    return {**signed, "signature": base64.b64encode(signature).decode("ascii")}


def receipt_bytes(receipt: dict) -> bytes:
    """The receipt as indented UTF-8 JSON, to store or send."""
    return (json.dumps(receipt, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode(
        "utf-8")


def parse_receipt(source: str | Path | bytes | dict) -> dict:
    """A receipt from a file path, JSON bytes or a dict; :class:`ReceiptError` if malformed."""
    if isinstance(source, dict):
        data = source
    else:
        raw = source if isinstance(source, bytes) else _read_small(
            Path(source), "回执文件", MAX_RECEIPT_BYTES)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ReceiptError("回执不是有效的 JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ReceiptError(f"回执格式不符（需要 {FORMAT}）")
    if not isinstance(data.get("signature"), str) or not _is_sha256(data.get("file_hash")):
        raise ReceiptError("回执缺少签名或文件哈希")
    return data


def _is_sha256(value: object) -> bool:
    if not isinstance(value, str) or not value.startswith("sha256:") or len(value) != 71:
        return False
    return all(c in "0123456789abcdef" for c in value[7:])


@dataclass(frozen=True)
class ReceiptCheck:
    """The answer of :func:`check_receipt`.

    Attributes:
        key: "match" (genuine receipt, same file), "changed" (genuine receipt, other
            bytes), "forged" (the signature does not verify: the receipt was altered or
            not made with this key), "wrong-key" (signed by another key pair), "invalid"
            (not a receipt, or the file cannot be read).
        ok: True only for "match".
        message: one Chinese sentence.
        receipt: the receipt's fields (empty when it could not be parsed).
        file_hash: the checked file's hash ("" when it could not be read).
    """

    key: str
    ok: bool
    message: str
    receipt: dict
    file_hash: str = ""


def _file_sha256(source: str | Path | bytes) -> str:
    if isinstance(source, bytes):
        return "sha256:" + hashlib.sha256(source).hexdigest()
    path = Path(source)
    h = hashlib.sha256()
    try:
        with open_regular(path) as fh:
            total = 0
            for block in iter(lambda: fh.read(1024 * 1024), b""):
                total += len(block)
                if total > MAX_FILE_BYTES:
                    raise ReceiptError(f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，不予读取")
                h.update(block)
    except OSError as exc:
        raise ReceiptError(f"无法读取文件 {path}：{exc.strerror or exc}") from None
    return "sha256:" + h.hexdigest()


def check_receipt(file: str | Path | bytes, receipt: str | Path | bytes | dict,
                  public_key: Ed25519PublicKey | bytes | str | Path) -> ReceiptCheck:
    """Check a file against a receipt with the bureau's public key. Never raises for bad
    input: every problem is a :class:`ReceiptCheck` that says what it is.

    Args:
        file: the file's path or its bytes.
        receipt: a receipt (path, JSON bytes or dict).
        public_key: the bureau's public key (object, PEM/raw bytes, or a PEM file's path).
    """
    try:
        rec = parse_receipt(receipt)
        pub = public_key if isinstance(public_key, Ed25519PublicKey) else load_public_key(
            public_key)
    except ReceiptError as exc:
        return ReceiptCheck("invalid", False, str(exc), {})
    signed = {k: v for k, v in rec.items() if k != "signature"}
    if signed.get("key_id") != key_id(pub):
        return ReceiptCheck("wrong-key", False, "回执不是用这把财政局公钥对应的私钥签发的"
                            f"（回执密钥 {signed.get('key_id')}，公钥 {key_id(pub)}）", rec)
    try:
        signature = base64.b64decode(rec["signature"], validate=True)
        pub.verify(signature, _canonical(signed))
    except (InvalidSignature, binascii.Error, ValueError):
        return ReceiptCheck("forged", False, "回执签名无效：回执内容被改动过，或不是财政局签发的",
                            rec)
    try:
        actual = _file_sha256(file)
    except ReceiptError as exc:
        return ReceiptCheck("invalid", False, str(exc), rec)
    if actual != rec["file_hash"]:
        return ReceiptCheck("changed", False, f"文件与回执不符：财政局于 {rec.get('received_at')} "
                            "收到的不是这个文件（文件哈希不同），收到后文件被改动或替换", rec,
                            actual)
    return ReceiptCheck("match", True, f"文件与回执一致：正是财政局于 {rec.get('received_at')} "
                        "收到并签发回执的文件，此后未被改动", rec, actual)
