"""Every submission gets a receipt signed with the bureau's key; a department downloads
its own, and the receipt proves the file received (bureau/receipt.check_receipt)."""

from __future__ import annotations

import json

from selfeval_xl.bureau.receipt import check_receipt
from test_web_api import submit, uploaded
from web_helpers import DEPT, OTHER_DEPT, make_app, signed_in


def test_each_submission_has_a_receipt_that_proves_the_file(tmp_path, built_example):
    app = make_app(tmp_path)
    dept, other = signed_in(app, DEPT), signed_in(app, OTHER_DEPT)
    sub_url = submit(dept, uploaded(dept, built_example)).headers["location"]
    assert 'id="receipt-link"' in dept.get(sub_url).text
    r = dept.get(sub_url + "/receipt")
    assert r.status_code == 200
    assert r.headers["content-disposition"].endswith(".xlsm.receipt.json")
    receipt = json.loads(r.content)
    assert (receipt["dept_name"], receipt["eval_year"], receipt["score"], receipt["grade"],
            receipt["verdict"]) == (DEPT, 2022, "96.00", "优", "errors")
    public = dept.get("/receipt-key.pub").content
    assert public.startswith(b"-----BEGIN PUBLIC KEY-----")
    good = check_receipt(built_example.read_bytes(), r.content, public)
    assert (good.key, good.ok) == ("match", True)
    changed = check_receipt(built_example.read_bytes() + b"\0", r.content, public)
    assert changed.key == "changed"
    # The API gives the same receipt; another department gets nothing.
    sub_id = sub_url.rsplit("/", 1)[1]
    assert dept.get(f"/api/submissions/{sub_id}").json()["receipt"] == r.text
    assert other.get(sub_url + "/receipt").status_code == 404
    assert other.get(f"/api/submissions/{sub_id}/receipt").status_code == 404
    # The key is the bureau's: made once in the data folder, readable by its owner only.
    key_file = tmp_path / "data" / "receipt-key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" in key_file.read_bytes()
    assert "receipt" in [json.loads(e["detail"]).get("format")
                         for e in app.state.storage.audit_entries("download")]
