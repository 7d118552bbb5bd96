"""Writing results into the officer's workbook loses nothing: proven part by part.

Kinds of file: ``mini`` (a small XlsxWriter .xlsm made here), ``template`` and ``example``
(the builder's), and ``mini_lo`` / ``example_lo`` (the same saved by LibreOffice, whose parts
look quite different: other namespaces, its own VBA storage, controls as ctrlProps).
Expectations are derived independently of the writer: cell positions through openpyxl's
reading of the original file's defined names and tables.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from decimal import Decimal
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest
from lxml import etree

from selfeval_xl import datafile, layout
from selfeval_xl.render import libreoffice
from selfeval_xl.write import workbook_writer
from selfeval_xl.a1 import col_index, col_letter, split_ref
from selfeval_xl.write.workbook_writer import (
    PY_TOTAL_NAME,
    STATUS_NAMES,
    WorkbookWriteError,
    latest_backup,
    write_results,
)
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.report import document as d
from selfeval_xl.core.scoring import IndicatorScore, Scorecard
from wb_fixtures import NS, canon, cells, mini_book, part_order, parts, rows_attrs

KINDS = ("mini", "template", "example", "mini_lo", "example_lo")
_CACHE: dict[str, Path] = {}


def _need_soffice() -> None:
    if libreoffice.find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice is required in CI (soffice not found)")
        pytest.skip("LibreOffice not installed")


def original(kind: str, tmp_factory) -> Path:
    """The pristine file of a kind, built once per session."""
    if kind not in _CACHE:
        folder = tmp_factory.mktemp(kind)
        if kind.startswith("mini"):
            src = mini_book(folder / "mini.xlsm")
        else:
            from selfeval_xl.build.builder import build_workbook

            src = folder / "book.xlsm"
            build_workbook(src, datafile.example() if kind.startswith("example") else None)
        if kind.endswith("_lo"):
            _need_soffice()
            src = libreoffice.convert(src, "xlsm:Calc MS Excel 2007 VBA XML", folder / "lo")
        _CACHE[kind] = src
    return _CACHE[kind]


@pytest.fixture
def book(request, tmp_path, tmp_path_factory) -> Path:
    kind = request.param
    if kind.endswith("_lo"):
        request.applymarker(pytest.mark.libreoffice)
    dst = tmp_path / f"{kind}.xlsm"
    shutil.copyfile(original(kind, tmp_path_factory), dst)
    return dst


FINDINGS = [
    Finding("EXP_PARTS_MISMATCH", Severity.ERROR, "支出情况", "C5", "exp_total",
            "=部门整体支出 921.52 万元，不等于基本支出与项目支出之和 1011.58 万元"),
    Finding("FILL_DATE_EARLY", Severity.WARNING, "基本情况", "C9", "fill_date", "@填报日期"),
    Finding("WEIGHTS", Severity.INFO, "", "", "", "+整体提示\x01（含控制字符）"),
]

DOC = d.Document(blocks=(
    d.Title("部门整体绩效自评报告"),
    d.Notice("本报告所依据的数据仍有 1 处错误：", ("支出情况!C5 部门整体支出不等于各部分之和",)),
    d.HeaderLine("部门名称", "惠州市政务服务中心"),
    d.Heading(1, "一、", "部门基本情况"),
    d.Heading(2, "（一）", "部门职能"),
    d.Paragraph("负责具体协调有关职能部门的行政审批及社会公共服务事项实行集中办理；" * 4),
    d.NumberedPoint("1.", "完善大厅服务功能。", "预算编制情况。"),
    d.Table("产出指标", ("指标", "目标值", "实际值"), (("受理业务（宗）", "13,000", "13,453"),),
            (d.Align.LEFT, d.Align.RIGHT, d.Align.RIGHT)),
    d.Paragraph("=SUM(A1:A2) 不是公式"),
), title="部门整体绩效自评报告")

STATUS = {"status_checked_at": "2026-11-26 06:00:00", "status_check_summary": "错误 1，警告 1",
          "status_scored_at": "2026-11-26 06:00:01", "status_report_at": "2026-11-26 06:00:02",
          "report_fingerprint": "sha256:" + "0" * 64, "report_score": Decimal("96.00")}


def indicator_codes(path: Path) -> list[tuple[int, object]]:
    """(row, 编码 value) of tbl_indicators' data rows, read with openpyxl."""
    wb = openpyxl.load_workbook(path)
    ws, ref = table_of(wb, "tbl_indicators")
    (c1, r1), (_, r2) = (split_ref(x) for x in ref.split(":"))
    return [(r, ws[f"{c1}{r}"].value) for r in range(r1 + 1, r2 + 1)]


def table_of(wb, name: str):
    for ws in wb.worksheets:
        if name in ws.tables:
            return ws, ws.tables[name].ref
    raise KeyError(name)


def scorecard_for(path: Path) -> Scorecard:
    """Scores for the codes present (every second code left unscored: its cells cleared)."""
    rows = []
    codes = [c for _, c in indicator_codes(path) if c not in (None, "")]
    for i, code in enumerate(codes):
        score = Decimal(i) + Decimal("0.25") if i % 2 == 0 else None
        rows.append(IndicatorScore(str(code), score, f"说明{i}：=按比率"))
    return Scorecard(tuple(rows), Decimal("87.25"), "良", Decimal("100"))


def name_cell(wb, name: str) -> tuple[str, str]:
    dest = next(iter(wb.defined_names[name].destinations))
    return dest[0], dest[1].replace("$", "")


def regions(path: Path) -> dict[str, set[str] | int]:
    """Cells the writer may change, per sheet (a sheet → int means: rows from there down)."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, set[str] | int] = {}
    for n in (*STATUS_NAMES, PY_TOTAL_NAME):
        sheet, ref = name_cell(wb, n)
        out.setdefault(sheet, set()).add(ref)
    ws, ref = table_of(wb, "tbl_findings")
    (c1, r1), (c2, r2) = (split_ref(x) for x in ref.split(":"))
    out.setdefault(ws.title, set()).update(
        f"{col_letter(c)}{r}" for c in range(col_index(c1), col_index(c2) + 1)
        for r in range(r1 + 1, max(r2, r1 + len(FINDINGS)) + 1))
    ws, ref = table_of(wb, "tbl_indicators")
    (c1, r1), (_, r2) = (split_ref(x) for x in ref.split(":"))
    headers = [c.value for c in ws[r1]][col_index(c1) - 1:]
    for h in ("校核得分", "得分说明"):
        col = col_letter(col_index(c1) + headers.index(h))
        out.setdefault(ws.title, set()).update(f"{col}{r}" for r in range(r1 + 1, r2 + 1))
    start = (name_cell(wb, "report_start") if "report_start" in wb.defined_names
             else layout.REPORT_ANCHOR)
    out[start[0]] = split_ref(start[1])[1]
    return out


def sheet_parts(path: Path) -> dict[str, str]:
    """sheet name → worksheet part, read from workbook.xml and its rels."""
    p = parts(path)
    wb = etree.fromstring(p["xl/workbook.xml"])
    rels = etree.fromstring(p["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target").lstrip("/") for r in rels}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    return {s.get("name"): (t if t.startswith("xl/") else "xl/" + t)
            for s in wb.iter(NS + "sheet") for t in [targets[s.get(rid)]]}


def write_all(path: Path) -> Path | None:
    return write_results(path, report_doc=DOC, findings=FINDINGS, scorecard=scorecard_for(path),
                         status=STATUS)


WRITTEN_SHEETS = (layout.SHEET_GUIDE, layout.SHEET_INDICATORS, layout.SHEET_FINDINGS,
                  layout.SHEET_REPORT)
# Sheets whose layout formulas get their current results stored (write/cached_values.py).
FORMULA_SHEETS = (layout.SHEET_EXPENDITURE, layout.SHEET_GOALS, layout.SHEET_INDICATORS)


def _allowed_parts(path: Path) -> set[str]:
    sp = sheet_parts(path)
    names = {sp[s] for s in (*WRITTEN_SHEETS, *FORMULA_SHEETS)}
    p = parts(path)
    table_part = next(n for n, b in p.items() if n.startswith("xl/tables/")
                      and b'displayName="tbl_findings"' in b)
    return names | {table_part, "xl/styles.xml", "xl/workbook.xml", "xl/calcChain.xml"}


def layout_formula_cells(path: Path) -> dict[str, set[str]]:
    """sheet → cells holding the layout's formulas (named outputs, calculated columns)."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, set[str]] = {}
    for o in layout.OUTPUTS:
        if o.formula and o.name in wb.defined_names:
            sheet, ref = name_cell(wb, o.name)
            out.setdefault(sheet, set()).add(ref)
    for spec in layout.TABLES:
        for column in spec.columns:
            if column.kind != "formula":
                continue
            try:
                ws, ref = table_of(wb, spec.name)
            except KeyError:
                continue
            (c1, r1), (_, r2) = (split_ref(x) for x in ref.split(":"))
            headers = [c.value for c in ws[r1]][col_index(c1) - 1:]
            col = col_letter(col_index(c1) + headers.index(column.header))
            out.setdefault(ws.title, set()).update(f"{col}{r}" for r in range(r1 + 1, r2 + 1))
    return out


def _without_result(cell_xml: bytes) -> bytes:
    """A formula cell without its stored result (<v>, t): formula, style, ref remain."""
    c = etree.fromstring(cell_xml)
    for v in c.findall(NS + "v"):
        c.remove(v)
    c.attrib.pop("t", None)
    return canon(c)


# --- the proofs ------------------------------------------------------------------------------

@pytest.mark.parametrize("book", KINDS, indirect=True)
def test_only_intended_parts_change_and_order_is_kept(book):
    before, order = parts(book), part_order(book)
    allowed = _allowed_parts(book)
    write_all(book)
    after = parts(book)
    assert part_order(book) == order
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    changed = {n for n in before if before[n] != after[n]}
    assert changed <= allowed, changed - allowed
    # the sheets written to and the report formats really changed
    sp = sheet_parts(book)
    assert {sp[s] for s in WRITTEN_SHEETS} <= changed


@pytest.mark.parametrize("book", KINDS, indirect=True)
def test_every_cell_outside_the_written_ranges_is_unchanged(book):
    before, where = parts(book), regions(book)
    formulas = layout_formula_cells(book)
    sp = sheet_parts(book)
    write_all(book)
    after = parts(book)
    checked = []
    for sheet, part in sp.items():
        if before[part] == after[part]:
            continue
        checked.append(sheet)
        region = where.get(sheet, set())
        # namespace declarations (incl. prefixes only named in mc:Ignorable, which Excel
        # insists on) and root attributes are kept
        r0, r1 = etree.fromstring(before[part]), etree.fromstring(after[part])
        assert (r0.nsmap, dict(r0.attrib)) == (r1.nsmap, dict(r1.attrib)), sheet
        old, new = cells(before[part]), cells(after[part])

        def outside(ref: str) -> bool:
            if isinstance(region, int):
                return split_ref(ref)[1] < region
            return ref not in region

        # a layout formula keeps its formula and style; only its stored result may change
        stored = formulas.get(sheet, set())

        def same(r: str, x: bytes) -> bytes:
            return _without_result(x) if r in stored else x

        assert {r: same(r, x) for r, x in old.items() if outside(r)} == \
               {r: same(r, x) for r, x in new.items() if outside(r)}, sheet
        # rows keep their attributes (a span may widen where a cell was added)
        old_rows, new_rows = rows_attrs(before[part]), rows_attrs(after[part])
        for r, attrs in old_rows.items():
            if isinstance(region, int) and r >= region:
                continue
            assert {k: v for k, v in new_rows[r].items() if k != "spans"} == \
                   {k: v for k, v in attrs.items() if k != "spans"}, (sheet, r)
        # every other element of the sheet (validations, protection, controls, legacy
        # drawing, conditional formats, table parts …) is unchanged
        may_change = {layout.SHEET_FINDINGS: ("hyperlinks",),
                      layout.SHEET_REPORT: ("mergeCells", "cols", "hyperlinks")}.get(sheet, ())
        assert _children(before[part], may_change) == _children(after[part], may_change), sheet
    # the loop skips unchanged sheets: it must have looked at every sheet written to
    assert set(WRITTEN_SHEETS) <= set(checked), checked


def _children(xml: bytes, skip: tuple[str, ...]) -> list[bytes]:
    root = etree.fromstring(xml)
    return [canon(ch) for ch in root if etree.QName(ch).localname
            not in ("sheetData", "dimension", *skip)]


@pytest.mark.parametrize("book", KINDS, indirect=True)
def test_workbook_styles_and_tables_keep_everything(book):
    before = parts(book)
    write_all(book)
    after = parts(book)
    # workbook.xml: only calcPr/@fullCalcOnLoad may differ
    wb0 = etree.fromstring(before["xl/workbook.xml"])
    wb1 = etree.fromstring(after["xl/workbook.xml"])
    assert wb1.find(NS + "calcPr").get("fullCalcOnLoad") in ("1", "true")
    for root in (wb0, wb1):
        root.find(NS + "calcPr").attrib.pop("fullCalcOnLoad", None)
    # print areas of the two written sheets now reach the last written row; others unchanged
    order = [s.get("name") for s in wb0.iter(NS + "sheet")]
    areas0 = {a.get("localSheetId"): a for a in wb0.iter(NS + "definedName")
              if a.get("name") == "_xlnm.Print_Area"}
    areas1 = {a.get("localSheetId"): a for a in wb1.iter(NS + "definedName")
              if a.get("name") == "_xlnm.Print_Area"}
    expected_end = {layout.SHEET_FINDINGS: len(FINDINGS), layout.SHEET_REPORT: 13}
    for sid, area in areas0.items():
        sheet = order[int(sid)]
        if sheet in expected_end:
            start_row = (split_ref(layout.table("tbl_findings").anchor)[1]
                         if sheet == layout.SHEET_FINDINGS
                         else split_ref(layout.REPORT_ANCHOR[1])[1] - 1)
            old_end = area.text.split(":")[-1]
            new_end = areas1[sid].text.split(":")[-1]
            assert new_end.endswith(f"${start_row + expected_end[sheet]}"), (sheet, new_end)
            assert col_index(new_end.split("$")[1]) >= col_index(old_end.split("$")[1])
            areas1[sid].text = area.text
    assert canon(wb0) == canon(wb1)
    # styles: every existing entry keeps its index and content; only appended entries
    s0, s1 = etree.fromstring(before["xl/styles.xml"]), etree.fromstring(after["xl/styles.xml"])
    for coll in s0:
        name = etree.QName(coll).localname
        new = s1.find(NS + name)
        if name in ("fonts", "fills", "borders", "cellXfs"):
            old_items, new_items = list(coll), list(new)
            assert [canon(x) for x in new_items[:len(old_items)]] == [canon(x) for x in old_items]
        else:
            assert canon(new) == canon(coll), name
    # tables: tbl_findings changes only its range
    for name, data in before.items():
        if not name.startswith("xl/tables/"):
            continue
        t0, t1 = etree.fromstring(data), etree.fromstring(after[name])
        if t0.get("displayName") == "tbl_findings":
            (c1, r1) = split_ref(t0.get("ref").split(":")[0])
            c2 = t0.get("ref").split(":")[1].rstrip("0123456789")
            assert t1.get("ref") == f"{c1}{r1}:{c2}{r1 + len(FINDINGS)}"
            for t in (t0, t1):
                t.attrib.pop("ref")
                af = t.find(NS + "autoFilter")
                if af is not None:
                    af.attrib.pop("ref")
        assert canon(t0) == canon(t1), name


@pytest.mark.parametrize("book", KINDS, indirect=True)
def test_openpyxl_reads_back_what_was_written(book):
    card = scorecard_for(book)
    write_all(book)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    for name, value in STATUS.items():
        sheet, ref = name_cell(wb, name)
        expected = float(value) if isinstance(value, Decimal) else value
        assert wb[sheet][ref].value == expected, name
    ws, ref = table_of(wb, "tbl_findings")
    (c1, r1), _ = (split_ref(x) for x in ref.split(":"))
    got = [tuple(c.value for c in row) for row in
           ws.iter_rows(min_row=r1 + 1, max_row=r1 + len(FINDINGS),
                        min_col=col_index(c1), max_col=col_index(c1) + 5)]
    assert got == [(f.severity.label, f.code, f.sheet or None, f.cell or None, f.name or None,
                    f.message.replace("\x01", "")) for f in FINDINGS]
    link = ws[f"{col_letter(col_index(c1) + 3)}{r1 + 1}"].hyperlink
    assert link.location == "'支出情况'!C5"
    sheet, ref = name_cell(wb, PY_TOTAL_NAME)
    assert wb[sheet][ref].value == 87.25
    ws, ref = table_of(wb, "tbl_indicators")
    (c1, r1), (_, r2) = (split_ref(x) for x in ref.split(":"))
    headers = [c.value for c in ws[r1]][col_index(c1) - 1:]
    score_col = col_index(c1) + headers.index("校核得分")
    by_code = {r.code: r for r in card.rows}
    for r in range(r1 + 1, r2 + 1):
        code = ws.cell(r, col_index(c1)).value
        row = by_code.get(str(code)) if code not in (None, "") else None
        assert ws.cell(r, score_col).value == (float(row.score) if row and row.score is not None
                                               else None), r
        assert ws.cell(r, score_col + 1).value == (row.explanation if row else None), r
    report = wb[layout.SHEET_REPORT]
    start = split_ref(name_cell(wb, "report_start")[1] if "report_start" in wb.defined_names
                      else layout.REPORT_ANCHOR[1])
    texts = [report[f"{start[0]}{r}"].value for r in range(start[1], report.max_row + 1)]
    assert texts == [
        "部门整体绩效自评报告",
        "本报告所依据的数据仍有 1 处错误：",
        "支出情况!C5 部门整体支出不等于各部分之和",
        "部门名称：惠州市政务服务中心",
        "一、部门基本情况",
        "（一）部门职能",
        DOC.blocks[5].text,
        "1.预算编制情况。完善大厅服务功能。",
        "产出指标",
        "指标",
        "受理业务（宗）",
        "=SUM(A1:A2) 不是公式",
        f"报告生成时间：{STATUS['status_report_at']}；数据指纹：{STATUS['report_fingerprint']}",
    ]


@pytest.mark.parametrize("book", ["mini", "example"], indirect=True)
def test_officer_text_is_never_a_formula(book):
    write_all(book)
    texts, formulas = [], []
    for part, xml in parts(book).items():
        if "worksheets/sheet" not in part:
            continue
        for c in etree.fromstring(xml).iter(NS + "c"):
            f = c.find(NS + "f")
            if f is not None:
                formulas.append(f.text or "")
            if c.get("t") == "inlineStr":
                assert f is None
                texts.append("".join(t.text or "" for t in c.iter(NS + "t")))
    # Each officer text that looks like a formula (=, @, +) is stored as text, whole, and
    # no formula anywhere was made from it (text written as a formula, not only an
    # inlineStr cell with an <f>, would slip past a check of inlineStr cells alone).
    risky = [f.message for f in FINDINGS if f.message[:1] in "=@+"]
    assert len(risky) == 3
    for message in risky:
        shown = "".join(ch for ch in message if ch >= " ")
        assert any(shown in text for text in texts), message
        body = shown.lstrip("=@+")
        assert not [f for f in formulas if body in f], message


@pytest.mark.parametrize("book", ["mini", "example", "example_lo"], indirect=True)
def test_writing_twice_is_idempotent_and_keeps_one_backup(book):
    original = book.read_bytes()
    mode = 0o640
    os.chmod(book, mode)
    saved = write_all(book)
    assert saved == latest_backup(book)
    assert re.fullmatch(rf"{book.stem}\.bak-\d{{8}}-\d{{6}}\.xlsm", saved.name)
    assert saved.read_bytes() == original
    first = book.read_bytes()
    assert write_all(book) is None  # nothing differs, so nothing is written, not even a backup
    assert book.read_bytes() == first
    assert latest_backup(book) == saved and saved.read_bytes() == original
    assert stat.S_IMODE(book.stat().st_mode) == mode
    assert sorted(p.name for p in book.parent.iterdir()) == sorted([book.name, saved.name])


@pytest.mark.parametrize("book", ["mini", "example"], indirect=True)
def test_fewer_findings_shrink_the_table_and_clear_old_rows(book):
    write_all(book)
    write_results(book, findings=[FINDINGS[1]], backup=False)
    wb = openpyxl.load_workbook(book)
    ws, ref = table_of(wb, "tbl_findings")
    (c1, r1), (_, r2) = (split_ref(x) for x in ref.split(":"))
    assert r2 == r1 + 1
    assert [c.value for c in ws[r1 + 2]][col_index(c1) - 1:col_index(c1) + 5] == [None] * 6
    link_col = col_letter(col_index(c1) + 3)
    assert ws[f"{link_col}{r1 + 1}"].hyperlink.location == "'基本情况'!C9"
    assert ws[f"{link_col}{r1 + 2}"].hyperlink is None
    write_results(book, findings=[], backup=False)
    wb = openpyxl.load_workbook(book)
    ws, ref = table_of(wb, "tbl_findings")
    assert ref == f"{c1}{r1}:{col_letter(col_index(c1) + 5)}{r1 + 1}"
    assert ws[f"{link_col}{r1 + 1}"].hyperlink is None
    assert ws[f"{link_col}{r1 + 1}"].value is None


@pytest.mark.parametrize("where", ["serialise", "rename"])
def test_a_crash_mid_write_leaves_the_original_and_no_temp_file(tmp_path, monkeypatch, where):
    book = mini_book(tmp_path / "book.xlsm")
    original_bytes = book.read_bytes()
    if where == "serialise":
        monkeypatch.setattr(workbook_writer.Package, "to_bytes",
                            lambda self: (_ for _ in ()).throw(OSError("disk full")))
    else:
        real = os.replace

        def failing(src, dst):
            if Path(dst) == book:
                raise OSError("crash during rename")
            return real(src, dst)

        monkeypatch.setattr(datafile.os, "replace", failing)  # the atomic rename
    with pytest.raises(OSError):
        write_all(book)
    assert book.read_bytes() == original_bytes
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    backups = [n for n in leftovers if n.startswith("book.bak-")]
    assert [n for n in leftovers if n not in backups] == ["book.xlsm"]
    assert len(backups) == (0 if where == "serialise" else 1)
    if where == "rename":
        assert latest_backup(book).read_bytes() == original_bytes


def test_names_not_addresses_locate_every_target(tmp_path):
    """Rows inserted above (every name and table 3 rows lower): the writer follows them."""
    book = mini_book(tmp_path / "moved.xlsm", offset=3)
    write_all(book)
    wb = openpyxl.load_workbook(book)
    sheet, ref = name_cell(wb, "report_fingerprint")
    col, row = split_ref(layout.OUTPUTS_BY_NAME["report_fingerprint"].cell)
    assert (sheet, ref) == (layout.SHEET_GUIDE, f"{col}{row + 3}")
    assert wb[sheet][ref].value == STATUS["report_fingerprint"]
    assert wb[sheet][layout.OUTPUTS_BY_NAME["status_checked_at"].cell].value is None
    report = wb[layout.SHEET_REPORT]
    assert report[f"B{2 + 3}"].value == "部门整体绩效自评报告"
    assert report["B2"].value is None and report["B1"].value == "报告区（由程序生成）"


def test_an_input_cell_is_never_overwritten(tmp_path):
    book = mini_book(tmp_path / "book.xlsm")
    # point a status name at the officer's 部门名称 cell, as a damaged workbook might
    import zipfile

    with zipfile.ZipFile(book) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    dept = layout.field("dept_name")
    col, row = split_ref(dept.cell)
    with zipfile.ZipFile(book, "w") as z:
        for info, data in items:
            if info.filename == "xl/workbook.xml":
                out = layout.OUTPUTS_BY_NAME["report_score"]
                sheet, (ccol, crow) = out.sheet, split_ref(out.cell)
                data = data.replace(f"'{sheet}'!${ccol}${crow}".encode(),
                                    f"'{dept.sheet}'!${col}${row}".encode())
            z.writestr(info, data)
    original_bytes = book.read_bytes()
    with pytest.raises(WorkbookWriteError, match="填报单元格"):
        write_results(book, status={"report_score": 1})
    assert book.read_bytes() == original_bytes
    assert latest_backup(book) is None


def test_growing_findings_table_never_swallows_content_below(tmp_path):
    book = mini_book(tmp_path / "book.xlsm")
    wb = openpyxl.load_workbook(book)
    ws, ref = table_of(wb, "tbl_findings")
    r2 = split_ref(ref.split(":")[1])[1]
    # put a note two rows below the table through the part-level writer's own machinery
    from selfeval_xl.read.ooxml_parts import Package, load_map, serialize
    from selfeval_xl.write.sheet_xml import SheetXml

    pkg = Package(book.read_bytes())
    part = load_map(pkg).sheets[layout.SHEET_FINDINGS]
    sheet = SheetXml(pkg.xml(part))
    sheet.set(f"B{r2 + 2}", "officer note")
    pkg.put(part, serialize(sheet.root))
    book.write_bytes(pkg.to_bytes())
    before = book.read_bytes()
    with pytest.raises(WorkbookWriteError, match=f"B{r2 + 2}"):
        write_results(book, findings=FINDINGS)
    assert book.read_bytes() == before


def test_not_a_workbook_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.xlsm"
    bad.write_bytes(b"not a zip")
    with pytest.raises(WorkbookWriteError, match="zip"):
        write_results(bad, status={"report_score": 1})
    assert bad.read_bytes() == b"not a zip"


def test_nothing_to_write_changes_nothing(tmp_path):
    book = mini_book(tmp_path / "book.xlsm")
    before = book.read_bytes()
    assert write_results(book) is None
    assert book.read_bytes() == before and latest_backup(book) is None


def test_unknown_status_name_is_a_programming_error(tmp_path):
    book = mini_book(tmp_path / "book.xlsm")
    with pytest.raises(ValueError):
        write_results(book, status={"dept_name": "x"})


@pytest.mark.parametrize("book", ["example", "example_lo"], indirect=True)
def test_reading_back_gives_the_same_evaluation_and_fingerprint(book):
    from selfeval_xl.read import reader
    from selfeval_xl.core.fingerprint import fingerprint

    before = reader.read(book)
    card = scorecard_for(book)
    write_all(book)
    after = reader.read(book)
    assert after.evaluation == before.evaluation
    assert fingerprint(after.evaluation) == fingerprint(before.evaluation)
    assert [f.where for f in after.findings] == [f.where for f in before.findings]
    # and the reader sees what was written: status block and the 校核得分 column
    for name in ("status_report_at", "report_fingerprint", "status_check_summary"):
        assert after.meta[name] == STATUS[name], name
    assert after.meta["report_score"] == STATUS["report_score"]
    checked = {k: v for k, v in after.meta["indicator_checked_scores"].items() if v is not None}
    assert checked == {r.code: r.score for r in card.rows if r.score is not None}


@pytest.mark.libreoffice
@pytest.mark.parametrize("book", ["mini", "example", "example_lo"], indirect=True)
def test_libreoffice_opens_recalculates_and_shows_the_report(book, tmp_path):
    _need_soffice()
    untouched = libreoffice.recalculated_values(book)
    where = regions(book)
    write_all(book)
    values = libreoffice.recalculated_values(book)
    report_start = where[layout.SHEET_REPORT]
    anchor_col = split_ref(layout.REPORT_ANCHOR[1])[0]
    assert values[layout.SHEET_REPORT][f"{anchor_col}{report_start}"] == "部门整体绩效自评报告"
    for sheet, cells_ in untouched.items():
        region = where.get(sheet, set())
        keep = {r: v for r, v in cells_.items()
                if (split_ref(r)[1] < region if isinstance(region, int) else r not in region)}
        got = {r: v for r, v in values[sheet].items() if r in keep}
        assert got == keep, sheet


def _patch_zip(book: Path, edits: dict, add: dict | None = None) -> None:
    import zipfile

    with zipfile.ZipFile(book) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            z.writestr(info, edits[info.filename](data) if info.filename in edits else data)
        for name, data in (add or {}).items():
            z.writestr(name, data)


def _formula_in_status_cell(shared: bool):
    """Replace the status_report_at cell of the guide sheet with a formula cell."""
    ref = layout.OUTPUTS_BY_NAME["status_report_at"].cell

    def edit(xml: bytes) -> bytes:
        root = etree.fromstring(xml)
        c = next(c for c in root.iter(NS + "c") if c.get("r") == ref)
        for child in list(c):
            c.remove(child)
        c.attrib.pop("t", None)
        f = etree.SubElement(c, NS + "f")
        f.text = "NOW()"
        if shared:
            f.set("t", "shared")
            f.set("ref", ref)
            f.set("si", "0")
        etree.SubElement(c, NS + "v").text = "1"
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return ref, edit


def test_replacing_a_formula_prunes_calc_chain(tmp_path):
    book = mini_book(tmp_path / "book.xlsm")
    ref, edit = _formula_in_status_cell(shared=False)
    guide_part = sheet_parts(book)[layout.SHEET_GUIDE]
    chain = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             f'<calcChain xmlns="{NS[1:-1]}"><c r="{ref}" i="1"/><c r="C20"/>'
             '<c r="C15" i="4"/><c r="D15"/></calcChain>').encode()
    _patch_zip(book, {guide_part: edit}, add={"xl/calcChain.xml": chain})
    write_results(book, status={"status_report_at": "2026-11-26 06:00:02"})
    after = etree.fromstring(parts(book)["xl/calcChain.xml"])
    assert [(c.get("r"), c.get("i")) for c in after] == \
        [("C20", "1"), ("C15", "4"), ("D15", None)]
    cell = etree.fromstring(parts(book)[guide_part])
    c = next(c for c in cell.iter(NS + "c") if c.get("r") == ref)
    assert c.find(NS + "f") is None and c.get("t") == "inlineStr"


def test_a_shared_formula_is_never_broken(tmp_path):
    book = mini_book(tmp_path / "book.xlsm")
    ref, edit = _formula_in_status_cell(shared=True)
    _patch_zip(book, {sheet_parts(book)[layout.SHEET_GUIDE]: edit})
    before = book.read_bytes()
    with pytest.raises(WorkbookWriteError, match="共享公式"):
        write_results(book, status={"status_report_at": "x"})
    assert book.read_bytes() == before


@pytest.mark.parametrize("book", ["mini_lo", "example_lo"], indirect=True)
def test_controls_of_a_libreoffice_saved_sheet_survive_in_the_rewritten_part(book):
    """The guide sheet carries the buttons as Excel and LibreOffice save them (drawing,
    legacyDrawing, mc:AlternateContent/controls): openpyxl would drop them; we rewrite that
    very part (status block) and they stay, element for element."""
    part = sheet_parts(book)[layout.SHEET_GUIDE]
    before = parts(book)[part]
    assert b"<controls>" in before and b"<legacyDrawing" in before
    write_all(book)
    after = parts(book)[part]
    assert after != before
    tail = lambda xml: xml[xml.index(b"</sheetData>"):]  # noqa: E731
    old, new = etree.fromstring(before), etree.fromstring(after)
    for tag in ("drawing", "legacyDrawing"):
        assert canon(old.find(NS + tag)) == canon(new.find(NS + tag))
    mc = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
    assert [canon(e) for e in old.findall(mc)] == [canon(e) for e in new.findall(mc)]
    assert tail(after).count(b"<control ") == tail(before).count(b"<control ") >= 1


_MINI_BYTES: dict[str, bytes] = {}


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=0, max_size=40).filter(lambda t: "_x" not in t),
                min_size=1, max_size=4))
def test_any_text_comes_back_as_text_never_a_formula(tmp_path, messages):
    if "mini" not in _MINI_BYTES:
        _MINI_BYTES["mini"] = mini_book(tmp_path / "seed.xlsm").read_bytes()
    book = tmp_path / "prop.xlsm"
    book.write_bytes(_MINI_BYTES["mini"])
    findings = [Finding("P", Severity.INFO, "", "", "", m) for m in messages]
    write_results(book, findings=findings, backup=False)
    wb = openpyxl.load_workbook(book)
    ws, ref = table_of(wb, "tbl_findings")
    (c1, r1), _ = (split_ref(x) for x in ref.split(":"))
    col = col_index(c1) + 5
    import re

    for i, m in enumerate(messages):
        expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", m)
        got = ws.cell(r1 + 1 + i, col).value
        assert got == (expected or None)
        assert ws.cell(r1 + 1 + i, col).data_type != "f"


@pytest.mark.parametrize("book", ["example", "mini_lo"], indirect=True)
def test_rows_the_findings_table_grows_into_look_like_its_first_row(book):
    write_all(book)
    part = sheet_parts(book)[layout.SHEET_FINDINGS]
    root = etree.fromstring(parts(book)[part])
    wb = openpyxl.load_workbook(book)
    _, ref = table_of(wb, "tbl_findings")
    (c1, r1), (c2, r2) = (split_ref(x) for x in ref.split(":"))
    styles = {c.get("r"): c.get("s") for c in root.iter(NS + "c")}
    for ci in range(col_index(c1), col_index(c2) + 1):
        col = col_letter(ci)
        assert {styles.get(f"{col}{r}") for r in range(r1 + 1, r2 + 1)} == \
            {styles.get(f"{col}{r1 + 1}")}, col


def test_a_save_by_someone_else_meanwhile_is_not_overwritten(tmp_path, monkeypatch):
    book = mini_book(tmp_path / "book.xlsm")
    real = workbook_writer.Package.to_bytes

    def officer_saves_meanwhile(self):
        out = real(self)
        book.write_bytes(book.read_bytes() + b"")  # same bytes, new modification time
        os.utime(book, ns=(1, 1))
        return out

    monkeypatch.setattr(workbook_writer.Package, "to_bytes", officer_saves_meanwhile)
    before = book.read_bytes()
    with pytest.raises(WorkbookWriteError, match="被其他程序修改"):
        write_all(book)
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsm"]


def test_a_locked_file_gives_a_chinese_hint_and_stays(tmp_path, monkeypatch):
    book = mini_book(tmp_path / "book.xlsm")
    before = book.read_bytes()
    real = os.replace

    def locked(src, dst):
        if Path(dst) == book:
            raise PermissionError(13, "Permission denied", str(book))
        return real(src, dst)

    monkeypatch.setattr(datafile.os, "replace", locked)  # the atomic rename
    with pytest.raises(WorkbookWriteError, match="正在 Excel"):
        write_all(book)
    assert book.read_bytes() == before
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and names[1] == "book.xlsm" and names[0].startswith("book.bak-")
