"""Workbooks for the reader tests: the real built ones, and ways to damage them.

``built(path, ev)`` writes a workbook with the project's builder. The mutators change a
copy the way an officer (or an attacker) would: patch a cell's XML, delete a name, rename a
sheet, drop or add a table column, insert rows (moving names and tables as Excel does).
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils import get_column_letter

from selfeval_xl import layout
from selfeval_xl.a1 import split_ref


def built(path: Path, ev=None) -> Path:
    from selfeval_xl.build.builder import build_workbook

    build_workbook(path, ev)
    return path


# --- XML-level patches (keep everything else byte for byte) ------------------------------

def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str:
    wb = zf.read("xl/workbook.xml").decode("utf-8")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    m = re.search(r'<sheet [^>]*name="%s"[^>]*r:id="(rId\d+)"' % re.escape(sheet), wb)
    rid = m.group(1)
    target = re.search(r'<Relationship [^>]*Id="%s"[^>]*Target="([^"]+)"' % rid, rels) or \
        re.search(r'<Relationship [^>]*Target="([^"]+)"[^>]*Id="%s"' % rid, rels)
    t = target.group(1).lstrip("/")
    return t if t.startswith("xl/") else "xl/" + t


def rewrite_parts(src: Path, dst: Path, changes: dict[str, bytes | None]) -> Path:
    """Copy a zip, replacing (or, with None, dropping) the named parts."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in changes:
                if changes[info.filename] is not None:
                    zout.writestr(info.filename, changes[info.filename])
                continue
            zout.writestr(info, zin.read(info.filename))
    return dst


def set_cell_xml(src: Path, dst: Path, sheet: str, cell: str, inner: str, t: str | None = None,
                 keep_style: bool = True) -> Path:
    """Replace cell ``cell``'s XML with ``<c r=cell t=t>inner</c>`` (inserting it if absent)."""
    with zipfile.ZipFile(src) as zf:
        part = _sheet_part(zf, sheet)
        xml = zf.read(part).decode("utf-8")
    tattr = f' t="{t}"' if t else ""
    new = f'<c r="{cell}"{tattr}>{inner}</c>'
    start = xml.find(f'<c r="{cell}"')
    if start >= 0:
        head_end = xml.index(">", start)
        end = head_end + 1 if xml[head_end - 1] == "/" else xml.index("</c>", head_end) + 4
        s = re.search(r'\ss="(\d+)"', xml[start:head_end])
        if s and keep_style:
            new = f'<c r="{cell}" s="{s.group(1)}"{tattr}>{inner}</c>'
        xml = xml[:start] + new + xml[end:]
    else:
        col, row = split_ref(cell)
        rpat = re.compile(r'(<row r="%d"[^>]*>)(.*?)(</row>)' % row, re.S)
        if rpat.search(xml):
            def add(m):
                cells = re.findall(r'<c r="([A-Z]+)\d+"', m.group(2))
                from openpyxl.utils import column_index_from_string as ci
                body = m.group(2)
                for c in cells:
                    if ci(c) > ci(col):
                        i = body.index(f'<c r="{c}{row}"')
                        return m.group(1) + body[:i] + new + body[i:] + m.group(3)
                return m.group(1) + body + new + m.group(3)
            xml = rpat.sub(add, xml, count=1)
        else:
            rows = [(int(r), mm.start()) for mm in re.finditer(r'<row r="(\d+)"', xml)
                    for r in [mm.group(1)]]
            after = [pos for r, pos in rows if r > row]
            pos = after[0] if after else xml.index("</sheetData>")
            xml = xml[:pos] + f'<row r="{row}">{new}</row>' + xml[pos:]
    return rewrite_parts(src, dst, {part: xml.encode("utf-8")})


def as_if_saved_by_excel(src: Path, dst: Path) -> Path:
    """Drop fullCalcOnLoad, so formula results stored in the file count as computed."""
    with zipfile.ZipFile(src) as zf:
        xml = zf.read("xl/workbook.xml").decode("utf-8")
    xml = re.sub(r'\sfullCalcOnLoad="(1|true)"', "", xml)
    return rewrite_parts(src, dst, {"xl/workbook.xml": xml.encode("utf-8")})


def value_xml(value) -> tuple[str, str | None]:
    """Inner XML and type for a Python value, as Excel would store a typed value."""
    from xml.sax.saxutils import escape

    if value is None:
        return "", None
    if isinstance(value, bool):
        return f"<v>{int(value)}</v>", "b"
    if isinstance(value, (int, float)):
        return f"<v>{value!r}</v>", None
    return f"<is><t xml:space=\"preserve\">{escape(str(value))}</t></is>", "inlineStr"


def set_value(src: Path, dst: Path, sheet: str, cell: str, value) -> Path:
    inner, t = value_xml(value)
    return set_cell_xml(src, dst, sheet, cell, inner, t)


# --- structural changes through openpyxl (as a program would save them) -------------------

def with_openpyxl(src: Path, dst: Path, change) -> Path:
    wb = load_workbook(src, keep_vba=True)
    change(wb)
    wb.save(dst)
    return dst


def drop_column(wb, table_name: str, header: str) -> None:
    """Delete a table column the way Excel does: cells shift left, the table shrinks."""
    for ws in wb.worksheets:
        if table_name in ws.tables:
            t = ws.tables[table_name]
            min_col, min_row, max_col, max_row = range_boundaries(t.ref)
            names = [c.name for c in t.tableColumns]
            idx = names.index(header)
            col = min_col + idx
            for r in range(min_row, max_row + 1):
                for c in range(col, max_col):
                    ws.cell(r, c).value = ws.cell(r, c + 1).value
                ws.cell(r, max_col).value = None
            del t.tableColumns[idx]
            for i, tc in enumerate(t.tableColumns, 1):
                tc.id = i
            t.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col - 1)}{max_row}"
            if t.autoFilter is not None:
                t.autoFilter.ref = t.ref
            return
    raise KeyError(table_name)


def insert_rows(wb, sheet: str, before: int, count: int) -> None:
    """Insert rows like Excel: cells move down, and so do names and tables below them."""
    ws = wb[sheet]
    ws.insert_rows(before, count)

    def shift(ref: str) -> str:
        def one(m: re.Match) -> str:
            row = int(m.group(4))
            return f"{m.group(1)}{m.group(2)}{m.group(3)}{row + count if row >= before else row}"
        return re.sub(r"(\$?)([A-Z]{1,3})(\$?)(\d+)", one, ref)

    for dn in wb.defined_names.values():
        if dn.attr_text.startswith(f"{sheet}!") or dn.attr_text.startswith(f"'{sheet}'!"):
            dn.attr_text = shift(dn.attr_text)
    for t in ws.tables.values():
        t.ref = shift(t.ref)
        if t.autoFilter is not None:
            t.autoFilter.ref = t.ref


def copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def field_cell(name: str) -> tuple[str, str]:
    return layout.defined_names()[name]
