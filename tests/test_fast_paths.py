"""collect's fast paths give exactly what the plain reference paths give (tests/reference_paths.py).

On a varied set of workbooks — built, re-saved by openpyxl, "saved by Excel", edited cell
by cell into every kind of stored value, with cells and rows that carry no reference,
stretched tables, rows past the sheet limit, and the hostile files of the collect tests —
every file is examined twice, once as collect examines it and once with the reference
sheet loop and fingerprint, and the records must be equal as JSON, byte for byte (all but
the time taken). The reader's results are compared too, field for field. So a faster
path that changes one value, one finding or one digest fails here, not in an inbox.
bench/compare_collect.py makes the same comparison between two versions of the code on a
whole generated inbox.
"""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest

import hostile_files as h
import reader_fixtures as rf
from reference_paths import ReferenceSource, reference_fingerprint_parts
from selfeval_xl import datafile
from selfeval_xl.bureau import preflight, verify
from selfeval_xl.bureau.preflight import inspect
from selfeval_xl.core import fingerprint as fp
from selfeval_xl.read import cell_parse as cp, reader
from selfeval_xl.read.ooxml_source import OoxmlSource
from test_verify import clean_example

TODAY = date(2026, 11, 29)


def _strip_refs(data: bytes, sheet_rows: bool) -> bytes:
    """Every cell reference dropped (and, with ``sheet_rows``, every row number too), as a
    few generators write sheets: positions then follow from the order alone."""
    data = re.sub(rb'(<c) r="[A-Z]+\d+"', rb"\1", data)
    return re.sub(rb'(<row) r="\d+"', rb"\1", data) if sheet_rows else data


def _every_kind_of_cell(good: Path, path: Path) -> Path:
    """The 支出情况 sheet's input cells holding each kind of stored value in turn."""
    kinds = [("<v>12.5</v>", None), ("<v>abc</v>", None), ("<v>#DIV/0!</v>", "e"),
             ("<v>1</v>", "b"), ("<f>SUM(C1:C3)</f>", None), ("<f>1+1</f><v>2</v>", None),
             ('<is><t>内联 文本</t></is>', "inlineStr"), ("<v>2023-03-15T00:00:00</v>", "d"),
             ("<v>99999</v>", "s"), ("<v/>", None), ("<v>公式文本</v>", "str")]
    src = good
    for i, (inner, t) in enumerate(kinds):
        dst = path.with_name(f"{path.stem}-{i}.xlsm")
        rf.set_cell_xml(src, dst, "支出情况", f"C{5 + i}", inner, t)
        src = dst
    path.write_bytes(src.read_bytes())
    return path


def _damaged(good: Path, path: Path, how: str) -> Path:
    """A copy of ``good`` with its styles part damaged in one way (or stored, not deflated)."""
    if how == "stored":
        with zipfile.ZipFile(good) as zin, zipfile.ZipFile(path, "w") as zout:
            for info in zin.infolist():
                zout.writestr(info.filename, zin.read(info.filename),
                              zipfile.ZIP_STORED if info.filename == "xl/styles.xml"
                              else zipfile.ZIP_DEFLATED)
        return path
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("xl/styles.xml")
    off = info.header_offset
    start = off + 30 + int.from_bytes(data[off + 26:off + 28], "little") + int.from_bytes(
        data[off + 28:off + 30], "little")
    central = data.find(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(info.filename)] != info.filename.encode():
        central = data.find(b"PK\x01\x02", central + 4)
    if how == "crc":  # the CRC zipfile checks is the central directory's
        data[central + 16] ^= 0xFF
    elif how == "deflate":  # garbage in the middle of the deflated bytes
        for i in range(start + 10, start + 40):
            data[i] ^= 0x5A
    elif how == "local-name":  # the local header names another file
        data[off + 30] ^= 0x01
    elif how == "size":  # the directory declares one byte less than the part inflates to
        size = int.from_bytes(data[central + 24:central + 28], "little") - 1
        data[central + 24:central + 28] = size.to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def _without_refs(good: Path, path: Path, sheet_rows: bool) -> Path:
    with zipfile.ZipFile(good) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    return h.rewrite_zip(good, path, {s: (lambda d: _strip_refs(d, sheet_rows)) for s in sheets})


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> list[Path]:
    d = tmp_path_factory.mktemp("fast-paths")
    good = rf.built(d / "01-good.xlsm", clean_example())
    out = [good, rf.built(d / "02-template.xlsm"), rf.built(d / "03-example.xlsm", datafile.example())]
    out.append(rf.as_if_saved_by_excel(good, d / "04-saved-by-excel.xlsm"))
    out.append(rf.with_openpyxl(good, d / "05-openpyxl.xlsm", lambda wb: None))
    out.append(_every_kind_of_cell(good, d / "06-every-kind.xlsm"))
    out.append(_every_kind_of_cell(out[3], d / "07-every-kind-excel.xlsm"))
    out.append(_without_refs(good, d / "08-no-cell-refs.xlsm", sheet_rows=False))
    out.append(_without_refs(good, d / "09-no-refs-at-all.xlsm", sheet_rows=True))
    out.append(h.stretched_table(d / "10-stretched.xlsm", good, rows=12_000))
    out.append(h.huge_rows(d / "11-rows-past-the-limit.xlsm", good, megabytes=3))
    for i, how in enumerate(("stored", "crc", "deflate", "local-name", "size")):
        out.append(_damaged(good, d / f"2{i}-part-{how}.xlsm", how))
    out.append(h.not_a_workbook(d / "12-not-a-workbook.xlsm"))
    out.append(h.truncated(d / "13-truncated.xlsm", good))
    out.append(h.zip_bomb_ratio(d / "14-bomb-ratio.xlsm"))
    out.append(h.billion_laughs(d / "15-laughs-sheet.xlsm", good, h.sheet_part(good, "支出情况")))
    out.append(h.with_external_link(d / "16-external-link.xlsm", good))
    out.append(h.unrelated_workbook(d / "17-unrelated.xlsx"))
    out.append(h.other_version(d / "18-other-version.xlsm", good))
    return out


def _record(path: Path) -> str:
    rec = verify.examine(path, today=TODAY)
    rec.pop("seconds")
    return json.dumps(rec, ensure_ascii=False, sort_keys=True)


def test_records_equal_the_reference_paths(workbooks, monkeypatch):
    fast = {p.name: _record(p) for p in workbooks}
    monkeypatch.setattr(verify, "OoxmlSource", ReferenceSource)
    monkeypatch.setattr(fp, "_canonical_parts", reference_fingerprint_parts)
    monkeypatch.setattr(preflight, "_inflate_plain", lambda data, info: None)
    monkeypatch.setattr(cp, "plain_number", lambda raw: None)
    slow = {p.name: _record(p) for p in workbooks}
    for name in fast:
        assert fast[name] == slow[name], name
    verdicts = {name: json.loads(rec)["verdict"] for name, rec in fast.items()}
    # the set is varied: read, refused and rejected files alike
    assert {"ok", "errors", "unreadable", "rejected", "not-selfeval", "wrong-version"} <= set(
        verdicts.values()), verdicts


def test_preflight_equals_zipfiles_own_reading(workbooks, monkeypatch):
    """Members inflated straight from the bytes, or by zipfile: the same parts, verdicts
    and reasons, damaged members included (the shortcut leaves those to zipfile)."""
    fast = {p.name: inspect(p) for p in workbooks}
    monkeypatch.setattr(preflight, "_inflate_plain", lambda data, info: None)
    for path in workbooks:
        slow = inspect(path)
        got = fast[path.name]
        assert (got.verdict, got.reason, got.file_hash, got.findings) == (
            slow.verdict, slow.reason, slow.file_hash, slow.findings), path.name
        assert got.parts == slow.parts, path.name
    verdicts = {name: pf.verdict for name, pf in fast.items() if "-part-" in name}
    assert verdicts == {"20-part-stored.xlsm": None, "21-part-crc.xlsm": "unreadable",
                        "22-part-deflate.xlsm": "unreadable",
                        "23-part-local-name.xlsm": "unreadable",
                        "24-part-size.xlsm": "unreadable"}, verdicts  # CRC of the cut part
    assert "xl/styles.xml" in fast["20-part-stored.xlsm"].parts


def test_a_good_workbooks_parts_skip_zipfile(workbooks, monkeypatch):
    """The shortcut is really taken: no member of a good workbook is read through zipfile."""
    read = []
    original = preflight._read_member
    monkeypatch.setattr(preflight, "_read_member", lambda *a: read.append(a[1]) or original(*a))
    pf = inspect(workbooks[0])
    assert pf.verdict is None and len(pf.parts) > 20 and read == []


def test_read_results_equal_the_reference_sheet_loop(workbooks):
    for path in workbooks:
        pf = inspect(path)
        if pf.verdict:
            continue
        fast = reader.read_source(OoxmlSource.from_zip(pf.zip, pf.parts))
        slow = reader.read_source(ReferenceSource.from_zip(pf.zip, pf.parts))
        assert fast.evaluation == slow.evaluation, path.name
        assert fast.findings == slow.findings, path.name
        assert fast.meta == slow.meta, path.name
        assert fast.locator == slow.locator, path.name


def test_the_set_reaches_the_rare_branches(workbooks):
    """The cells without references and the rows past the limit are really in the set."""
    names = {p.name: p for p in workbooks}
    pf = inspect(names["09-no-refs-at-all.xlsm"])
    src = OoxmlSource.from_zip(pf.zip, pf.parts)
    assert b'<c r="' not in pf.parts[h.sheet_part(names["09-no-refs-at-all.xlsm"], "支出情况")]
    # read by position alone (cells shift left of their template places: not our concern
    # here, only that the fast loop and the reference put them in the same places)
    assert len(src._sheet_cells("支出情况")) > 10
    rec = json.loads(_record(names["11-rows-past-the-limit.xlsm"]))
    assert "READ_SHEET_TOO_LARGE" in {f["code"] for f in rec["findings"]}


@pytest.mark.parametrize("raw", [0, 1, -7, 10**15 - 1, 10**15, 10**30, 0.0, -0.0, 3.5, 921.52,
                                 0.1 + 0.2, 1e-6, 9.99e-7, -1e-6, 1e15, 1e14, 1e300, 5e-324,
                                 float("nan"), float("inf"), True, False, "3.5", None])
@pytest.mark.parametrize("kw", [{}, {"unit": "万元"}, {"percent": True}, {"keep_percent": True}])
def test_plain_number_is_as_number_for_what_it_takes(raw, kw):
    where = cp.Where("支出情况", "C5", "exp_total", "部门整体支出")
    fast = cp.plain_number(raw)
    value, findings = cp.as_number(raw, where, **kw)
    if fast is not None:  # taken only where the general path finds nothing to say
        assert (fast, str(fast)) == (value, str(value)) and findings == []
    else:
        assert type(raw) not in (int, float) or findings or value is None or not (
            cp.in_range(value))
