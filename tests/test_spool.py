"""Collect's record spool (bureau/spool.py): records back in input order, as a sequence,
with the cross-file deviation warnings appended on reading, and its file removed."""

from decimal import Decimal
from pathlib import Path

import pytest

from selfeval_xl.bureau.spool import RecordSpool


def test_records_come_back_in_input_order_and_unchanged():
    spool = RecordSpool()
    recs = {i: {"file_name": f"{i}.xlsm", "score": Decimal("96.00"), "findings": [{"code": "X"}],
                "seconds": 0.25, "indicators": ({"code": "1.1"},)} for i in range(5)}
    for i in (3, 0, 4, 1, 2):  # as the workers finish
        spool.put(i, recs[i])
    assert len(spool) == 5
    assert list(spool) == [recs[i] for i in range(5)]
    assert list(spool) == [recs[i] for i in range(5)]  # iterable again (the summary's passes)
    assert spool[0] == recs[0] and spool[-1] == recs[4] and spool[1:3] == [recs[1], recs[2]]
    with pytest.raises(IndexError):
        spool[5]
    folder = Path(spool._dir)
    assert folder.exists()
    spool.close()
    assert not folder.exists()


def test_deviations_are_appended_when_read():
    spool = RecordSpool()
    spool.put(7, {"file_name": "a", "deviations": [{"code": "DEVIATION_A"}]})
    spool.put(9, {"file_name": "b"})
    spool.add_deviations(1, [{"code": "DEVIATION_SAME_DATA"}])
    spool.add_deviations(0, [{"code": "DEVIATION_LAST_YEAR_TEXT"}])
    assert [r.get("deviations") for r in spool] == [
        [{"code": "DEVIATION_A"}, {"code": "DEVIATION_LAST_YEAR_TEXT"}],
        [{"code": "DEVIATION_SAME_DATA"}]]
    assert spool[1]["deviations"] == [{"code": "DEVIATION_SAME_DATA"}]
