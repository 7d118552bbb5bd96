"""A fingerprint of the officer's data, stored with the report so that the finance bureau
can tell whether the data changed after the report was generated."""

from __future__ import annotations

import hashlib
import json

from selfeval_xl.core.model import Evaluation


def fingerprint(ev: Evaluation) -> str:
    """"sha256:<hex>" of the canonical data-file JSON (sorted keys, no whitespace).

    Only the officer's inputs enter it: formatting, formulas, scores and status cells
    do not, so re-saving a workbook or pressing 计算得分 leaves it unchanged.
    """
    from selfeval_xl.datafile import to_dict  # local: datafile imports the model too

    canonical = json.dumps(to_dict(ev), ensure_ascii=False, sort_keys=True,
                           separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
