"""Broken and hostile workbooks, made on the spot (nothing downloaded): one function each.

Used by test_collect_hostile.py and test_collect.py. Each writes ``path`` and returns it.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

MB = 1024 * 1024


def rewrite_zip(src: Path, dst: Path, change: dict[str, Callable[[bytes], bytes] | bytes | None],
                add: dict[str, bytes] | None = None) -> Path:
    """Copy a zip member by member, replacing (callable/bytes) or dropping (None) some."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in change:
                new = change[info.filename]
                if new is None:
                    continue
                data = new(data) if callable(new) else new
            zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def not_a_workbook(path: Path) -> Path:
    """A PDF-looking file with an .xlsm name."""
    path.write_bytes(b"%PDF-1.4\n% not a workbook at all\n" + b"0" * 2000)
    return path


def truncated(path: Path, good: Path) -> Path:
    """The first 60 % of a good workbook (an interrupted download)."""
    data = good.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])
    return path


def encrypted(path: Path, good: Path) -> Path:
    """A good workbook encrypted with a password, as Excel's 'Encrypt with password' does."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with open(good, "rb") as fh:
        OOXMLFile(fh).encrypt("secret", out)
    path.write_bytes(out.getvalue())
    return path


def _minimal_members() -> dict[str, bytes]:
    return {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns='
            b'"http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="xml" ContentType="application/xml"/></Types>'),
        "xl/workbook.xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
            b'org/spreadsheetml/2006/main"><sheets/></workbook>'),
    }


def zip_bomb_declared(path: Path, declared: int = 3_000_000_000) -> Path:
    """A small zip whose sheet member declares a huge uncompressed size (headers patched)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in _minimal_members().items():
            zf.writestr(name, data)
        zf.writestr("xl/worksheets/sheet1.xml", b"<worksheet/>" * 100)
    data = bytearray(buf.getvalue())
    target = b"xl/worksheets/sheet1.xml"
    # Local header: uncompressed size at offset 22; central directory entry: at offset 24.
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = 0
        while True:
            pos = data.find(sig, pos)
            if pos < 0:
                break
            name_len_at = 26 if sig == b"PK\x03\x04" else 28
            name_len = struct.unpack_from("<H", data, pos + name_len_at)[0]
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if bytes(data[name_at: name_at + name_len]) == target:
                struct.pack_into("<I", data, pos + size_at, declared)
            pos += 4
    path.write_bytes(bytes(data))
    return path


def zip_bomb_ratio(path: Path, megabytes: int = 40) -> Path:
    """A real bomb: ``megabytes`` of zeros deflated to a few tens of KB (ratio ≈ 1000:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in _minimal_members().items():
            zf.writestr(name, data)
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            block = b"\0" * MB
            for _ in range(megabytes):
                fh.write(block)
    return path


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
               for i in range(1, 10))
    + b"]>\n")


def billion_laughs(path: Path, good: Path, member: str) -> Path:
    """A good workbook whose ``member`` (workbook.xml or a sheet) starts with an entity bomb."""
    def poison(data: bytes) -> bytes:
        body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
        return BILLION_LAUGHS + body.replace(b"<sheetData>", b"<sheetData>&lol9;", 1)
    return rewrite_zip(good, path, {member: poison})


EXTERNAL_LINK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns='
    b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook xmlns:r='
    b'"http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1">'
    b'<sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>')
EXTERNAL_LINK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
    b'"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'externalLinkPath" Target="file:///C:/secret/budget.xlsx" TargetMode="External"/>'
    b"</Relationships>")


def with_external_link(path: Path, good: Path) -> Path:
    """A good workbook that also carries an external link part (to a file on a C: drive)."""
    return rewrite_zip(good, path, {}, add={
        "xl/externalLinks/externalLink1.xml": EXTERNAL_LINK,
        "xl/externalLinks/_rels/externalLink1.xml.rels": EXTERNAL_LINK_RELS})


def unrelated_workbook(path: Path) -> Path:
    """An ordinary workbook with nothing of the template (a sales list)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sales")
    ws.write_row(0, 0, ["Region", "Amount"])
    ws.write_row(1, 0, ["North", 1200])
    wb.define_name("Total", "=Sales!$B$2")
    wb.close()
    return path


def other_version(path: Path, good: Path, version: str = "selfeval-xl/0") -> Path:
    """A good workbook whose template_version says another version."""
    from selfeval_xl import TEMPLATE_VERSION

    old = TEMPLATE_VERSION.encode()
    hits = []

    def swap(data: bytes) -> bytes:
        hits.append(data.count(old))
        return data.replace(old, version.encode())
    members = zipfile.ZipFile(good).namelist()
    change = {m: swap for m in members if m.startswith("xl/worksheets/sheet") or
              m == "xl/sharedStrings.xml"}
    rewrite_zip(good, path, change)
    assert sum(hits) >= 1, "template_version text not found in the built workbook"
    return path


def sheet_part(path: Path, sheet: str) -> str:
    """The zip member holding worksheet ``sheet`` (by the workbook's relationships)."""
    from lxml import etree

    ns_r = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(path) as zf:
        wb = etree.fromstring(zf.read("xl/workbook.xml"))
        rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    rid = next(el.get(ns_r) for el in wb.iter("{*}sheet") if el.get("name") == sheet)
    target = next(el.get("Target") for el in rels if el.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def huge_rows(path: Path, good: Path, megabytes: int = 100, sheet: str = "基本情况") -> Path:
    """A good workbook whose worksheet ``sheet`` holds ``megabytes`` MB of rows instead.

    The sheet XML is streamed into the zip block by block (never held whole), so making
    it costs a second or two. The default sheet is one the reader must parse.
    """
    target = sheet_part(good, sheet)
    rewrite_zip(good, path, {target: None})
    row = ('<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>第{n}行 填充数据 padding padding'
           '</t></is></c><c r="B{n}"><v>{n}</v></c></row>')
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open(target, "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                     b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            written, n = 0, 1
            while written < megabytes * MB:
                chunk = "".join(row.format(n=i) for i in range(n, n + 5000)).encode()
                fh.write(chunk)
                written += len(chunk)
                n += 5000
            fh.write(b"</sheetData></worksheet>")
    return path


def stretched_table(path: Path, good: Path, rows: int, table: str = "tbl_tasks",
                    last_col: str = "XFD", filled: bool = True) -> Path:
    """A good workbook whose table ``table`` is stretched to column ``last_col`` and ``rows``
    data rows, each (when ``filled``) holding a short text in the table's first two columns.

    The rows are repetitive, so the file stays small (about 70 KB for 100,000 rows).
    """
    import re as _re

    from selfeval_xl import layout

    t = layout.table(table)
    part = sheet_part(good, t.sheet)
    with zipfile.ZipFile(good) as zf:
        table_part = next(n for n in zf.namelist() if n.startswith("xl/tables/")
                          and f'displayName="{table}"'.encode() in zf.read(n))
    anchor_col = _re.match(r"[A-Z]+", t.anchor).group(0)
    anchor_row = int(t.anchor[len(anchor_col):])
    last_row = anchor_row + rows

    def stretch(data: bytes) -> bytes:
        data = _re.sub(rb'ref="[A-Z]+\d+:[A-Z]+\d+"',
                       f'ref="{t.anchor}:{last_col}{last_row}"'.encode(), data, count=1)
        return _re.sub(rb"<autoFilter[^>]*/>|<autoFilter.*?</autoFilter>", b"", data,
                       flags=_re.S)

    def fill(data: bytes) -> bytes:
        if not filled:
            return data
        c1 = chr(ord(anchor_col) + 1)  # the table's second column (an anchor before Z)
        stored = [int(n) for n in _re.findall(rb'<row r="(\d+)"', data)]
        start = max(stored) + 1 if stored else anchor_row + 1
        body = "".join(f'<row r="{n}"><c r="{c1}{n}" t="inlineStr"><is><t>任务{n}</t></is></c></row>'
                       for n in range(start, last_row + 1))
        if b"<sheetData/>" in data:
            return data.replace(b"<sheetData/>", b"<sheetData>" + body.encode() + b"</sheetData>")
        return data.replace(b"</sheetData>", body.encode() + b"</sheetData>", 1)

    rewrite_zip(good, path, {table_part: stretch, part: fill})
    return path
