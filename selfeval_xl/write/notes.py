"""Cell notes (Excel's "comments") written into a worksheet at the level of its parts.

A note is two things in an .xlsx/.xlsm: its text in the sheet's comments part
(``xl/commentsN.xml``), and its box, a VML shape of ObjectType "Note" in the sheet's legacy
drawing (``xl/drawings/vmlDrawingN.vml``, referenced by ``<legacyDrawing r:id>`` in the
sheet). Excel, LibreOffice and openpyxl read the text from the comments part and need the
shape to show it. A sheet that has none of these gets them (new parts, their relationships
in the sheet's ``.rels`` and their content types); a sheet that has them keeps everything
in them: comments are added or their text extended, and shapes are appended to the VML
part, never replacing one (使用说明's VML holds the buttons).

Used by the file writer (write/workbook_writer.py) for the notes that keep the text of a
number typed as text (write/text_numbers.py). A sheet whose parts cannot be edited safely
(a VML part that is not well-formed XML) raises :class:`NoteError`; the caller then leaves
that sheet's cells as they are.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from lxml import etree

from selfeval_xl.a1 import col_index, split_ref
from selfeval_xl.read.ooxml_parts import (
    NS_MAIN,
    NS_PKG_REL,
    NS_REL,
    Package,
    PackageError,
    parse_xml,
    q,
    rels_name,
    relationships,
    serialize,
    string_item_text,
)
from selfeval_xl.write.sheet_xml import SheetXml, escape_text

REL_COMMENTS = NS_REL + "/comments"
REL_VML = NS_REL + "/vmlDrawing"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
NS_V = "urn:schemas-microsoft-com:vml"
NS_O = "urn:schemas-microsoft-com:office:office"
NS_X = "urn:schemas-microsoft-com:office:excel"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
AUTHOR = "自评程序"
_NOTE_TYPE = "_x0000_t202"  # Excel's shape type for notes (text box)
_SHAPE_ID = re.compile(rb'_x0000_s(\d+)')
_IDMAP = re.compile(rb'<o:idmap[^>]*data="([\d,\s]+)"')


class NoteError(Exception):
    """The sheet's notes cannot be edited safely; nothing of the sheet was changed."""


def read_notes(pkg: Package, sheet_part: str) -> dict[str, str]:
    """The text of every note on the sheet, by cell ({} when it has none)."""
    part = _related(pkg, sheet_part, REL_COMMENTS)
    if part is None:
        return {}
    root = pkg.xml(part)
    return {c.get("ref"): string_item_text(c.find(q("text"))) for c in root.iter(q("comment"))
            if c.find(q("text")) is not None}


def set_notes(pkg: Package, sheet_part: str, sheet: SheetXml,
              texts: dict[str, Callable[[str | None], str | None]]) -> set[str]:
    """Give cells their note text: ``texts[ref](current text or None)`` is the new text, or
    None to leave that note as it is. Returns the cells whose note was written.

    The sheet's own XML (``sheet``, edited in memory) gets ``<legacyDrawing>`` when it had
    none; the caller serialises it. Raises :class:`NoteError` (nothing changed) when the
    sheet's comments or VML part cannot be parsed.
    """
    try:
        comments_part = _related(pkg, sheet_part, REL_COMMENTS)
        vml_part = _related(pkg, sheet_part, REL_VML)
        comments = pkg.xml(comments_part) if comments_part else _new_comments()
        vml = parse_xml(pkg.get(vml_part)) if vml_part else None
    except (PackageError, etree.XMLSyntaxError) as exc:
        raise NoteError(str(exc)) from exc
    current = {c.get("ref"): c for c in comments.iter(q("comment"))}
    done: set[str] = set()
    new_shapes: list[str] = []
    for ref, text_of in texts.items():
        el = current.get(ref)
        before = string_item_text(el.find(q("text"))) if el is not None and \
            el.find(q("text")) is not None else None
        text = text_of(before)
        if text is None:
            continue
        if el is None:
            el = _add_comment(comments, ref)
            new_shapes.append(ref)
        _set_text(el, before, text)
        done.add(ref)
    if not done:
        return done
    if new_shapes or vml is None:
        vml = vml if vml is not None else _new_vml(_free_idmap(pkg))
        _add_shapes(vml, new_shapes, pkg)
    # Everything is built: now put it into the package.
    rels = _Rels(pkg, sheet_part)
    if comments_part is None:
        comments_part = _free_name(pkg, "xl/comments{}.xml")
        pkg.add(comments_part, serialize(comments))
        rels.add(REL_COMMENTS, comments_part)
        _content_type(pkg, comments_part, CT_COMMENTS)
    else:
        pkg.put(comments_part, serialize(comments))
    if vml_part is None:
        vml_part = _free_name(pkg, "xl/drawings/vmlDrawing{}.vml")
        pkg.add(vml_part, etree.tostring(vml, encoding="UTF-8"))
        rid = rels.add(REL_VML, vml_part)
        _content_type(pkg, vml_part, CT_VML)
        legacy = sheet.child("legacyDrawing", create=True)
        legacy.set(f"{{{NS_REL}}}id", rid)
    elif new_shapes:  # only a shape added rewrites it: an edited note keeps its box as it was
        pkg.put(vml_part, etree.tostring(vml, encoding="UTF-8"))
    rels.save()
    return done


# --- comments part ---------------------------------------------------------------------------

def _new_comments() -> etree._Element:
    root = etree.Element(q("comments"), nsmap={None: NS_MAIN})
    authors = etree.SubElement(root, q("authors"))
    etree.SubElement(authors, q("author")).text = AUTHOR
    etree.SubElement(root, q("commentList"))
    return root


def _author_id(comments: etree._Element) -> str:
    authors = comments.find(q("authors"))
    if authors is None:
        authors = etree.Element(q("authors"))
        comments.insert(0, authors)
    names = [a.text or "" for a in authors.findall(q("author"))]
    if AUTHOR not in names:
        etree.SubElement(authors, q("author")).text = AUTHOR
        names.append(AUTHOR)
    return str(names.index(AUTHOR))


def _add_comment(comments: etree._Element, ref: str) -> etree._Element:
    listing = comments.find(q("commentList"))
    if listing is None:
        listing = etree.SubElement(comments, q("commentList"))
    el = etree.Element(q("comment"), ref=ref, authorId=_author_id(comments))
    key = _key(ref)
    later = [c for c in listing.findall(q("comment")) if _key(c.get("ref", "A1")) > key]
    if later:
        later[0].addprevious(el)
    else:
        listing.append(el)
    return el


def _key(ref: str) -> tuple[int, int]:
    col, row = split_ref(ref.split(":")[0])
    return row, col_index(col)


def _t(text: str) -> etree._Element:
    t = etree.Element(q("t"))
    t.text = escape_text(text)
    t.set(_XML_SPACE, "preserve")
    return t


def _set_text(el: etree._Element, before: str | None, text: str) -> None:
    """The comment's text becomes ``text``. When ``text`` extends what was there, the old
    runs (the officer's formatting) stay and the rest is added; otherwise it is replaced."""
    body = el.find(q("text"))
    if body is None:
        body = etree.SubElement(el, q("text"))
    if before is not None and text.startswith(before) and len(body):
        rest = text[len(before):]
        runs = body.findall(q("r"))
        if runs:
            run = etree.SubElement(body, q("r"))
            last_pr = runs[-1].find(q("rPr"))
            if last_pr is not None:
                run.append(etree.fromstring(etree.tostring(last_pr)))
            run.append(_t(rest))
            _before_phonetics(body, run)
            return
        t = body.find(q("t"))
        if t is not None:
            t.text = (t.text or "") + escape_text(rest)
            t.set(_XML_SPACE, "preserve")
            return
    for child in list(body):
        body.remove(child)
    body.append(_t(text))


def _before_phonetics(body: etree._Element, run: etree._Element) -> None:
    # CT_Rst: t?, r*, rPh*, phoneticPr?: a new run goes before any phonetic element.
    first = next((c for c in body if etree.QName(c).localname in ("rPh", "phoneticPr")), None)
    if first is not None:
        first.addprevious(run)


# --- the VML drawing ---------------------------------------------------------------------------

def _free_idmap(pkg: Package) -> int:
    """A shape-id block no VML part of the workbook uses (Excel numbers shapes per block of 1024)."""
    used = {0}
    for name, data in pkg.data.items():
        if name.endswith(".vml"):
            for m in _IDMAP.finditer(data):
                used.update(int(x) for x in re.split(rb"[,\s]+", m.group(1)) if x)
    return max(used) + 1


def _new_vml(block: int) -> etree._Element:
    root = etree.Element("xml", nsmap={"v": NS_V, "o": NS_O, "x": NS_X})
    layout = etree.SubElement(root, f"{{{NS_O}}}shapelayout", {f"{{{NS_V}}}ext": "edit"})
    etree.SubElement(layout, f"{{{NS_O}}}idmap", {f"{{{NS_V}}}ext": "edit", "data": str(block)})
    return root


def _ensure_note_type(vml: etree._Element) -> None:
    for st in vml.iter(f"{{{NS_V}}}shapetype"):
        if st.get("id") == _NOTE_TYPE:
            return
    st = etree.Element(f"{{{NS_V}}}shapetype", {
        "id": _NOTE_TYPE, "coordsize": "21600,21600", f"{{{NS_O}}}spt": "202",
        "path": "m,l,21600r21600,l21600,xe"})
    etree.SubElement(st, f"{{{NS_V}}}stroke", joinstyle="miter")
    etree.SubElement(st, f"{{{NS_V}}}path", {"gradientshapeok": "t",
                                              f"{{{NS_O}}}connecttype": "rect"})
    layout = vml.find(f"{{{NS_O}}}shapelayout")
    if layout is not None:
        layout.addnext(st)
    else:
        vml.insert(0, st)


def _add_shapes(vml: etree._Element, refs: list[str], pkg: Package) -> None:
    if not refs:
        return
    _ensure_note_type(vml)
    block = vml.find(f".//{{{NS_O}}}idmap")
    first = int(str(block.get("data", "1")).split(",")[0]) if block is not None else 1
    used = [int(m.group(1)) for m in _SHAPE_ID.finditer(etree.tostring(vml))]
    next_id = max(used + [first * 1024]) + 1
    z = len(vml.findall(f"{{{NS_V}}}shape")) + 1
    for ref in refs:
        vml.append(_shape(ref, next_id, z))
        next_id += 1
        z += 1


def _in(ns: str) -> Callable[[str], str]:
    return lambda tag: f"{{{ns}}}{tag}"


def _shape(ref: str, shape_id: int, z: int) -> etree._Element:
    col, row = split_ref(ref)
    c, r = col_index(col) - 1, row - 1  # VML anchors count from 0
    v, o, x = _in(NS_V), _in(NS_O), _in(NS_X)
    shape = etree.Element(v("shape"), {
        "id": f"_x0000_s{shape_id}", "type": f"#{_NOTE_TYPE}",
        "style": (f"position:absolute;margin-left:80pt;margin-top:{2 + 15 * max(r - 1, 0)}pt;"
                  f"width:180pt;height:60pt;z-index:{z};visibility:hidden"),
        "fillcolor": "#ffffe1", o("insetmode"): "auto"})
    etree.SubElement(shape, v("fill"), color2="#ffffe1")
    etree.SubElement(shape, v("shadow"), on="t", color="black", obscured="t")
    etree.SubElement(shape, v("path"), {o("connecttype"): "none"})
    box = etree.SubElement(shape, v("textbox"), style="mso-direction-alt:auto")
    etree.SubElement(box, "div", style="text-align:left")
    data = etree.SubElement(shape, x("ClientData"), ObjectType="Note")
    etree.SubElement(data, x("MoveWithCells"))
    etree.SubElement(data, x("SizeWithCells"))
    top = max(r - 1, 0)
    etree.SubElement(data, x("Anchor")).text = f"{c + 1}, 15, {top}, 2, {c + 4}, 15, {top + 4}, 16"
    etree.SubElement(data, x("AutoFill")).text = "False"
    etree.SubElement(data, x("Row")).text = str(r)
    etree.SubElement(data, x("Column")).text = str(c)
    return shape


# --- relationships, names and content types ---------------------------------------------------

def _related(pkg: Package, part: str, rel_type: str) -> str | None:
    return next((t for _, typ, t in relationships(pkg, part) if typ == rel_type and pkg.has(t)),
                None)


class _Rels:
    """The sheet's relationships part, created when it has none."""

    def __init__(self, pkg: Package, part: str) -> None:
        self.pkg, self.part, self.name = pkg, part, rels_name(part)
        self.exists = pkg.has(self.name)
        self.root = pkg.xml(self.name) if self.exists else \
            etree.Element(f"{{{NS_PKG_REL}}}Relationships", nsmap={None: NS_PKG_REL})
        self.changed = False

    def add(self, rel_type: str, target: str) -> str:
        ids = {r.get("Id") for r in self.root}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        rel = posixpath.relpath(target, posixpath.dirname(self.part))
        etree.SubElement(self.root, f"{{{NS_PKG_REL}}}Relationship",
                         Id=rid, Type=rel_type, Target=rel)
        self.changed = True
        return rid

    def save(self) -> None:
        if not self.changed:
            return
        if self.exists:
            self.pkg.put(self.name, serialize(self.root))
        else:
            self.pkg.add(self.name, serialize(self.root))


def _free_name(pkg: Package, pattern: str) -> str:
    n = 1
    while pkg.has(pattern.format(n)) or pkg.has(pattern.format(n).lower()):
        n += 1
    return pattern.format(n)


def _content_type(pkg: Package, part: str, content_type: str) -> None:
    name = "[Content_Types].xml"
    root = pkg.xml(name)
    ext = part.rsplit(".", 1)[-1].lower()
    for el in root:
        if el.get("PartName", "").lstrip("/").lower() == part.lower():
            return
        if el.get("Extension", "").lower() == ext and el.get("ContentType") == content_type:
            return
    if ext == "vml":
        el = etree.Element(f"{{{NS_CT}}}Default", Extension="vml", ContentType=content_type)
        overrides = root.find(f"{{{NS_CT}}}Override")
        (overrides.addprevious(el) if overrides is not None else root.append(el))
    else:
        etree.SubElement(root, f"{{{NS_CT}}}Override", PartName="/" + part,
                         ContentType=content_type)
    pkg.put(name, serialize(root))
