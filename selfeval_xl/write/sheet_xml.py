"""Editing one worksheet part and the styles part in place, cell by cell.

Only what is asked for changes: a written cell keeps its style (``s``) unless a new one is
given, rows and cells stay in order, and every element we do not know is left where it was.
Text is always written as an inline string (``t="inlineStr"``): the shared-string table is
never touched, and text such as "=1+1" or "@x" can never become a formula.
"""

from __future__ import annotations

import re
from decimal import Decimal

from lxml import etree

from selfeval_xl.a1 import col_index, col_letter, split_ref
from selfeval_xl.read.ooxml_parts import NS_MAIN, PackageError, q, string_item_text

# CT_Worksheet child order (ECMA-376 §18.3.1.99): new elements go in their proper place.
_WORKSHEET_ORDER = (
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
    "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
    "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
    "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects",
    "controls", "webPublishItems", "tableParts", "extLst",
)

# Characters XML 1.0 cannot carry. Office could escape them as _xHHHH_, but other readers
# (openpyxl, collectors) would then show "_x0001_": they carry no meaning in a report, so they
# are dropped. A literal "_xHHHH_" in the text is escaped (_x005F_xHHHH_) so Excel keeps it.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")

Value = str | int | float | Decimal | bool | None


def escape_text(text: str) -> str:
    """Text as Office stores it: control characters dropped, a literal ``_xHHHH_`` kept."""
    return _ESCAPE_LIKE.sub(r"_x005F_\1", _ILLEGAL.sub("", text))


def number_text(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    return str(int(value))


def _cell_key(ref: str) -> tuple[int, int]:
    col, row = split_ref(ref)
    return row, col_index(col)


class SheetXml:
    """A worksheet part, parsed, with helpers to read and write cells in place."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.data = root.find(q("sheetData"))
        if self.data is None:
            self.data = self.child("sheetData", create=True)
        rows = self.data.findall(q("row"))
        # r is optional in the schema; Excel and LibreOffice always write it, and editing in
        # place without it would mean guessing positions, so such a sheet is refused.
        if any(r.get("r") is None for r in rows) or \
                any(c.get("r") is None for r in rows for c in r.findall(q("c"))):
            raise PackageError("工作表中有未标明地址的行或单元格，无法安全写入。")
        self._rows = {int(r.get("r")): r for r in rows}

    # --- structure ---------------------------------------------------------------------
    def child(self, tag: str, create: bool = False) -> etree._Element | None:
        """The worksheet's child element ``tag``, created in schema order if asked."""
        el = self.root.find(q(tag))
        if el is not None or not create:
            return el
        el = etree.Element(q(tag))
        later = set(_WORKSHEET_ORDER[_WORKSHEET_ORDER.index(tag) + 1:])
        for i, existing in enumerate(self.root):
            name = etree.QName(existing).localname if isinstance(existing.tag, str) else ""
            if name in later:
                self.root.insert(i, el)
                return el
        self.root.append(el)
        return el

    def row(self, r: int, create: bool = True) -> etree._Element | None:
        if r in self._rows or not create:
            return self._rows.get(r)
        el = etree.Element(q("row"), r=str(r))
        later = [n for n in self._rows if n > r]
        if later:
            self._rows[min(later)].addprevious(el)
        else:
            self.data.append(el)
        self._rows[r] = el
        return el

    def rows(self) -> dict[int, etree._Element]:
        return dict(self._rows)

    def delete_row(self, r: int) -> None:
        el = self._rows.pop(r, None)
        if el is not None:
            self.data.remove(el)

    def cell(self, ref: str, create: bool = False) -> etree._Element | None:
        col, r = split_ref(ref)
        row = self.row(r, create=create)
        if row is None:
            return None
        ci = col_index(col)
        for c in row.findall(q("c")):
            cc = _cell_col(c)
            if cc == ci:
                return c
            if cc > ci:
                if not create:
                    return None
                el = etree.Element(q("c"), r=f"{col}{r}")
                c.addprevious(el)
                return self._styled_new(el, row, ci)
        if not create:
            return None
        el = etree.SubElement(row, q("c"), r=f"{col}{r}")
        return self._styled_new(el, row, ci)

    def _styled_new(self, el: etree._Element, row: etree._Element, ci: int) -> etree._Element:
        # A new cell looks as the empty one did: the row's style, else its column's.
        style = row.get("s") if row.get("customFormat") in ("1", "true") else None
        if style is None:
            style = self.column_style(ci)
        if style not in (None, "0"):
            el.set("s", style)
        _widen_spans(row, ci)
        return el

    def column_style(self, ci: int) -> str | None:
        cols = self.root.find(q("cols"))
        if cols is None:
            return None
        for col in cols.findall(q("col")):
            if int(col.get("min", 0)) <= ci <= int(col.get("max", 0)):
                return col.get("style")
        return None

    # --- values ------------------------------------------------------------------------
    def value(self, ref: str, shared: list[str]) -> Value:
        """The stored value of a cell (formula cells: their cached value)."""
        c = self.cell(ref)
        if c is None:
            return None
        t = c.get("t", "n")
        if t == "inlineStr":
            is_ = c.find(q("is"))
            return string_item_text(is_) if is_ is not None else ""
        v = c.find(q("v"))
        if v is None or v.text is None:
            return None
        if t == "s":
            i = int(v.text)
            return shared[i] if 0 <= i < len(shared) else None
        if t in ("str", "e"):
            return v.text
        if t == "b":
            return v.text == "1"
        return Decimal(v.text)

    def has_formula(self, ref: str) -> bool:
        c = self.cell(ref)
        return c is not None and c.find(q("f")) is not None

    def set(self, ref: str, value: Value, style: int | str | None = None) -> etree._Element:
        """Write a constant into a cell (replacing any formula), keeping its style."""
        c = self.cell(ref, create=True)
        for child in list(c):
            if etree.QName(child).localname in ("f", "v", "is"):
                c.remove(child)
        for attr in ("t", "cm", "vm", "ph"):
            c.attrib.pop(attr, None)
        if style is not None:
            if str(style) == "0":
                c.attrib.pop("s", None)
            else:
                c.set("s", str(style))
        if isinstance(value, str):
            value = escape_text(value)
        if value is None or value == "":
            return c  # an empty string is an empty cell, as Excel stores it
        if isinstance(value, bool):
            c.set("t", "b")
            self._append_value(c, "v").text = "1" if value else "0"
        elif isinstance(value, (int, float, Decimal)):
            self._append_value(c, "v").text = number_text(value)
        else:
            c.set("t", "inlineStr")
            t = etree.SubElement(self._append_value(c, "is"), q("t"))
            text = value if isinstance(value, str) else escape_text(str(value))
            if text != text.strip() or "\n" in text:
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            t.text = text
        return c

    @staticmethod
    def _append_value(c: etree._Element, tag: str) -> etree._Element:
        el = etree.Element(q(tag))
        ext = c.find(q("extLst"))
        if ext is not None:
            ext.addprevious(el)
        else:
            c.append(el)
        return el

    def remove_cell(self, ref: str) -> None:
        c = self.cell(ref)
        if c is not None:
            c.getparent().remove(c)

    # --- sheet-level elements ----------------------------------------------------------
    def update_dimension(self) -> None:
        """Make <dimension> cover every cell present (Excel uses it as a hint only)."""
        dim = self.root.find(q("dimension"))
        refs = [c.get("r") for row in self._rows.values() for c in row.findall(q("c"))
                if c.get("r")]
        if dim is None or not refs:
            return
        keys = [_cell_key(r) for r in refs]
        top, bottom = min(k[0] for k in keys), max(k[0] for k in keys)
        left, right = min(k[1] for k in keys), max(k[1] for k in keys)
        ref = f"{col_letter(left)}{top}"
        if (top, left) != (bottom, right):
            ref += f":{col_letter(right)}{bottom}"
        dim.set("ref", ref)

    def merges(self) -> list[str]:
        mc = self.root.find(q("mergeCells"))
        return [] if mc is None else [m.get("ref") for m in mc.findall(q("mergeCell"))]

    def remove_merges(self, first_row: int) -> None:
        """Drop merged ranges that reach row ``first_row`` or below."""
        mc = self.root.find(q("mergeCells"))
        if mc is None:
            return
        for m in mc.findall(q("mergeCell")):
            end = m.get("ref", "").split(":")[-1]
            if split_ref(end)[1] >= first_row:
                mc.remove(m)
        self._recount(mc, "mergeCell")

    def add_merge(self, ref: str) -> None:
        mc = self.child("mergeCells", create=True)
        etree.SubElement(mc, q("mergeCell"), ref=ref)
        self._recount(mc, "mergeCell")

    def remove_hyperlinks(self, first_row: int, last_row: int | None = None,
                          cols: tuple[int, int] | None = None) -> None:
        """Drop internal links (no relationship) anchored in the given rows (and columns)."""
        hl = self.root.find(q("hyperlinks"))
        if hl is None:
            return
        for h in hl.findall(q("hyperlink")):
            col, r = split_ref(h.get("ref", "A1").split(":")[0])
            inside = r >= first_row and (last_row is None or r <= last_row) and \
                (cols is None or cols[0] <= col_index(col) <= cols[1])
            if inside and h.get(f"{{{_NS_R}}}id") is None:
                hl.remove(h)
        if len(hl) == 0:
            self.root.remove(hl)

    def add_internal_hyperlink(self, ref: str, location: str, display: str) -> None:
        hl = self.child("hyperlinks", create=True)
        etree.SubElement(hl, q("hyperlink"), ref=ref, location=location, display=display)

    def set_col_width(self, ci: int, width: float) -> None:
        """Set one column's width, splitting a <col> range that covers several columns."""
        cols = self.child("cols", create=True)
        for col in cols.findall(q("col")):
            lo, hi = int(col.get("min")), int(col.get("max"))
            if not lo <= ci <= hi:
                continue
            if lo < ci:
                before = _copy(col)
                before.set("max", str(ci - 1))
                col.addprevious(before)
            if ci < hi:
                after = _copy(col)
                after.set("min", str(ci + 1))
                col.addnext(after)
            col.set("min", str(ci))
            col.set("max", str(ci))
            col.set("width", _num(width))
            col.set("customWidth", "1")
            return
        el = etree.Element(q("col"), min=str(ci), max=str(ci), width=_num(width),
                           customWidth="1")
        for col in cols.findall(q("col")):
            if int(col.get("min")) > ci:
                col.addprevious(el)
                return
        cols.append(el)

    @staticmethod
    def _recount(parent: etree._Element, tag: str) -> None:
        if parent.get("count") is not None:
            parent.set("count", str(len(parent.findall(q(tag)))))


_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _cell_col(c: etree._Element) -> int:
    return col_index(split_ref(c.get("r"))[0])


def _widen_spans(row: etree._Element, ci: int) -> None:
    spans = row.get("spans")
    if not spans or ":" not in spans or " " in spans:
        return
    lo, hi = (int(x) for x in spans.split(":"))
    row.set("spans", f"{min(lo, ci)}:{max(hi, ci)}")


def _copy(el: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(el))


def _num(x: float) -> str:
    return f"{x:.6g}"


# --- styles --------------------------------------------------------------------------------

def _sig(el: etree._Element) -> tuple:
    """Structural signature of a style element (order of children matters, as in Excel)."""
    return (etree.QName(el).localname, tuple(sorted(el.attrib.items())),
            tuple(_sig(c) for c in el if isinstance(c.tag, str)))


class StyleBook:
    """The styles part; adds fonts/fills/borders/cell formats only when no equal one exists.

    Existing entries are never changed or reordered, so every style index other sheets use
    keeps its meaning; writing twice adds nothing the second time.
    """

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.changed = False

    def _collection(self, tag: str, item: str) -> etree._Element:
        el = self.root.find(q(tag))
        if el is None:
            raise PackageError(f"样式部件缺少 <{tag}>，无法添加报告样式。")
        return el

    def _ensure(self, tag: str, item_el: etree._Element) -> int:
        coll = self._collection(tag, etree.QName(item_el).localname)
        items = coll.findall(q(etree.QName(item_el).localname))
        want = _sig(item_el)
        for i, existing in enumerate(items):
            if _sig(existing) == want:
                return i
        coll.append(item_el)
        self.changed = True
        if coll.get("count") is not None:
            coll.set("count", str(len(items) + 1))
        return len(items)

    def font(self, *, name: str, size: float, bold: bool = False, color: str | None = None,
             charset: int = 134) -> int:
        f = _el("font")
        if bold:
            _sub(f, "b")
        _sub(f, "sz", val=_num(size))
        if color:
            _sub(f, "color", rgb=color)
        _sub(f, "name", val=name)
        _sub(f, "family", val="3" if charset == 134 else "2")
        _sub(f, "charset", val=str(charset))
        return self._ensure("fonts", f)

    def fill(self, rgb: str | None) -> int:
        if rgb is None:
            return 0
        f = _el("fill")
        p = _sub(f, "patternFill", patternType="solid")
        _sub(p, "fgColor", rgb=rgb)
        _sub(p, "bgColor", indexed="64")
        return self._ensure("fills", f)

    def border(self, thin: bool) -> int:
        if not thin:
            return 0
        b = _el("border")
        for side in ("left", "right", "top", "bottom"):
            s = _sub(b, side, style="thin")
            _sub(s, "color", auto="1")
        _sub(b, "diagonal")
        return self._ensure("borders", b)

    def xf(self, *, font: int, fill: int = 0, border: int = 0, horizontal: str | None = None,
           vertical: str = "top", wrap: bool = True, indent: int = 0) -> int:
        x = _el("xf", numFmtId="0", fontId=str(font), fillId=str(fill), borderId=str(border),
                xfId="0", applyFont="1", applyAlignment="1")
        if fill:
            x.set("applyFill", "1")
        if border:
            x.set("applyBorder", "1")
        a = _sub(x, "alignment", vertical=vertical)
        if horizontal:
            a.set("horizontal", horizontal)
        if wrap:
            a.set("wrapText", "1")
        if indent:
            a.set("indent", str(indent))
        return self._ensure("cellXfs", x)


def _el(tag: str, **attrs: str) -> etree._Element:
    return etree.Element(q(tag), nsmap={None: NS_MAIN}, **attrs)


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, q(tag), **attrs)
