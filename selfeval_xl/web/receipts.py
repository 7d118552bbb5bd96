"""Signed receipts for submissions (:mod:`selfeval_xl.bureau.receipt`), with the bureau's key.

The service signs a receipt for every submission with an Ed25519 key kept in the data
folder (``receipt-key.pem``, mode 600, made on first start and never overwritten); no
department holds it. A department downloads its receipt with the submission; anyone with
the bureau's public key (``/receipt-key.pub``) can later check that a file is exactly the
one received: ``selfeval-xl verify 文件.xlsm --receipt 文件.xlsm.receipt.json
--public-key bureau.key.pub``.
"""

from __future__ import annotations

from pathlib import Path

from selfeval_xl.bureau import receipt

KEY_FILE = "receipt-key.pem"


def load_or_create_key(data_dir: Path):
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        receipt.save_private_key(receipt.generate_key(), path)
    return receipt.load_private_key(path)


def make_signer(key):
    """A function: submission row → the receipt as JSON text."""

    def sign(sub: dict) -> str:
        record = {name: sub.get(name) for name in ("file_hash", "file_size", "file_name",
                                                   "dept_name", "eval_year", "score", "grade",
                                                   "fingerprint", "verdict")}
        return receipt.receipt_bytes(receipt.make_receipt(record, key)).decode("utf-8")

    return sign


def public_key_pem(key) -> bytes:
    return receipt.public_key_pem(key)
