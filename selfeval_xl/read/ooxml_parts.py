"""Part-level access to an .xlsm package: read the zip, change a few XML parts, write it back.

Why not openpyxl: openpyxl rebuilds the whole workbook from its own object model and so drops
what it does not model (drawings and ``<controls>`` of files saved by Excel or LibreOffice,
unknown extensions). Here every zip entry we do not change is copied byte for byte, in the
original order with its original metadata, and a changed part is parsed, edited in place and
serialised again, so everything in it we did not touch survives.

XML is parsed with entity resolution and network access off (workbooks arrive by e-mail).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_OFFICE_DOCUMENT = NS_REL + "/officeDocument"
REL_WORKSHEET = NS_REL + "/worksheet"
REL_TABLE = NS_REL + "/table"
REL_SHARED_STRINGS = NS_REL + "/sharedStrings"
REL_STYLES = NS_REL + "/styles"

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


def q(tag: str) -> str:
    """Qualified SpreadsheetML tag name: ``q("c")`` → ``{main}c``."""
    return f"{{{NS_MAIN}}}{tag}"


class PackageError(Exception):
    """The file is not a workbook package we can edit safely (message in Chinese)."""


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                          remove_blank_text=False, load_dtd=False)


def parse_xml(data: bytes) -> etree._Element:
    """Parse a part; DTDs and entities are refused (no XXE, no billion laughs).

    The bytes are looked at first (cheap, UTF-8), then the parsed document itself: a part
    in UTF-16 hides ``<!DOCTYPE`` from a byte search, and lxml keeps an unresolved
    ``&xxe;`` that would be written back without its DTD (a file that no longer opens).
    """
    if b"<!DOCTYPE" in data[:2048] or b"<!ENTITY" in data:
        raise PackageError("工作簿中的 XML 部件含有 DTD/实体声明，拒绝处理。")
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, LookupError, ValueError) as exc:  # LookupError: encoding=
        raise PackageError(f"工作簿中的 XML 部件无法解析：{exc}") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise PackageError("工作簿中的 XML 部件含有 DTD/实体声明，拒绝处理。")
    return root


def serialize(root: etree._Element) -> bytes:
    """Serialise with the declaration Office writes (standalone="yes")."""
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


# --- the zip ------------------------------------------------------------------------------

class Package:
    """An OOXML zip held in memory, entries in their original order.

    Attributes:
        infos: the original ZipInfo of every entry (order, dates, compression kept).
        data: uncompressed bytes of every entry.
        changed: names of the parts replaced with :meth:`put`.
    """

    def __init__(self, raw: bytes) -> None:
        try:
            zf = zipfile.ZipFile(io.BytesIO(raw))
        except zipfile.BadZipFile as exc:
            raise PackageError("文件不是有效的 Excel 工作簿（zip 结构损坏）。") from exc
        with zf:
            self.infos: list[zipfile.ZipInfo] = zf.infolist()
            names = [i.filename for i in self.infos]
            if len(set(names)) != len(names):
                raise PackageError("工作簿的 zip 中有重复的部件名，拒绝处理。")
            self.data: dict[str, bytes] = {i.filename: zf.read(i) for i in self.infos}
            self.comment = zf.comment
        self.changed: set[str] = set()

    def has(self, name: str) -> bool:
        return name in self.data

    def get(self, name: str) -> bytes:
        try:
            return self.data[name]
        except KeyError:
            raise PackageError(f"工作簿缺少部件 {name}。") from None

    def xml(self, name: str) -> etree._Element:
        return parse_xml(self.get(name))

    def put(self, name: str, data: bytes) -> None:
        """Replace an existing part (parts are never removed; new ones come by :meth:`add`)."""
        if name not in self.data:
            raise PackageError(f"工作簿缺少部件 {name}。")
        if data != self.data[name]:
            self.data[name] = data
            self.changed.add(name)

    def add(self, name: str, data: bytes) -> None:
        """A new part at the end of the zip (a sheet's first notes: comments, VML, rels);
        it must not exist yet."""
        if name in self.data:
            raise PackageError(f"工作簿已有部件 {name}。")
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        self.infos.append(info)
        self.data[name] = data
        self.changed.add(name)

    def to_bytes(self) -> bytes:
        """The zip again: same entry order and metadata; unchanged entries byte-identical."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            for info in self.infos:
                clone = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                clone.compress_type = info.compress_type
                clone.external_attr = info.external_attr
                clone.create_system = info.create_system
                clone.comment = info.comment
                clone.extra = b""  # sizes/offsets in extra fields are recomputed by zipfile
                zf.writestr(clone, self.data[info.filename])
            zf.comment = self.comment
        return out.getvalue()


# --- relationships and the workbook map --------------------------------------------------

def rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def resolve_target(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def relationships(pkg: Package, part: str) -> list[tuple[str, str, str]]:
    """(Id, Type, resolved target) of the part's relationships; [] when it has none."""
    name = rels_name(part)
    if not pkg.has(name):
        return []
    out = []
    for rel in pkg.xml(name).iter(f"{{{NS_PKG_REL}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        out.append((rel.get("Id"), rel.get("Type"), resolve_target(part, rel.get("Target", ""))))
    return out


@dataclass
class TablePart:
    """An Excel table (ListObject) as found in the file.

    Attributes:
        name: displayName (what formulas and outside tools use).
        part: zip part name of the table XML.
        sheet: sheet the table is on.
        ref: its range, e.g. "B5:R35" (header row included).
        columns: column names in order.
    """

    name: str
    part: str
    sheet: str
    ref: str
    columns: list[str]


@dataclass
class WorkbookMap:
    """Where things are in this particular file (found, never assumed).

    Attributes:
        workbook_part: usually "xl/workbook.xml".
        sheets: sheet name → worksheet part.
        sheet_order: sheet names in workbook order.
        names: workbook-scoped defined name → (sheet, ref without $).
        tables: table name → TablePart.
        shared_strings: the shared string table (read only; we write inline strings).
        styles_part: the styles part name ("" when the file has none).
    """

    workbook_part: str
    sheets: dict[str, str] = field(default_factory=dict)
    sheet_order: list[str] = field(default_factory=list)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    tables: dict[str, TablePart] = field(default_factory=dict)
    shared_strings: list[str] = field(default_factory=list)
    styles_part: str = ""


_NAME_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)"
                       r"(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def parse_name_ref(text: str) -> tuple[str, str] | None:
    """"'使用说明'!$C$21" → ("使用说明", "C21"); None for anything that is not one range."""
    m = _NAME_REF.match(text.strip())
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    ref = f"{m.group(3)}{m.group(4)}"
    if m.group(5):
        ref += f":{m.group(5)}{m.group(6)}"
    return sheet, ref


def string_item_text(si: etree._Element) -> str:
    """Text of a shared-string item or inline string: runs joined, phonetic runs left out."""
    parts = []
    for t in si.iter(q("t")):
        parent = t.getparent()
        if parent is not None and parent.tag == q("rPh"):
            continue
        parts.append(t.text or "")
    return "".join(parts)


def load_map(pkg: Package) -> WorkbookMap:
    """Find the workbook part, its sheets, defined names, tables and shared strings."""
    wb_part = next((t for _, typ, t in relationships(pkg, "") if typ == REL_OFFICE_DOCUMENT),
                   None)
    if wb_part is None:
        # _rels/.rels resolves relative to the package root
        raise PackageError("工作簿缺少主部件（_rels/.rels 中没有 officeDocument）。")
    m = WorkbookMap(workbook_part=wb_part)
    wb = pkg.xml(wb_part)
    rels = {rid: (typ, target) for rid, typ, target in relationships(pkg, wb_part)}
    for sheet in wb.iter(q("sheet")):
        rid = sheet.get(f"{{{NS_REL}}}id")
        typ, target = rels.get(rid, ("", ""))
        if typ == REL_WORKSHEET:
            m.sheets[sheet.get("name")] = target
            m.sheet_order.append(sheet.get("name"))
    for dn in wb.iter(q("definedName")):
        if dn.get("localSheetId") is not None:
            continue  # sheet-scoped names (print areas, filters) are not our contract
        found = parse_name_ref(dn.text or "")
        if found:
            m.names[dn.get("name")] = found
    for typ, target in rels.values():
        if typ == REL_SHARED_STRINGS and pkg.has(target):
            m.shared_strings = [string_item_text(si) for si in pkg.xml(target).iter(q("si"))]
        elif typ == REL_STYLES:
            m.styles_part = target
    for sheet_name, part in m.sheets.items():
        for _, typ, target in relationships(pkg, part):
            if typ != REL_TABLE or not pkg.has(target):
                continue
            t = pkg.xml(target)
            cols = [c.get("name", "") for c in t.iter(q("tableColumn"))]
            name = t.get("displayName") or t.get("name")
            m.tables[name] = TablePart(name, target, sheet_name, t.get("ref", ""), cols)
    return m


__all__ = [
    "Package", "PackageError", "WorkbookMap", "TablePart", "load_map", "parse_xml",
    "serialize", "q", "string_item_text", "parse_name_ref", "relationships",
]
