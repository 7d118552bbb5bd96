"""Broken and hostile workbooks: no exception escapes, every problem is one located finding,
and the file is never modified (bytes and mtime)."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reader_fixtures as fx
from selfeval_xl import datafile, layout
from selfeval_xl.read import reader
from selfeval_xl.core.findings import Severity
from selfeval_xl.core.model import Evaluation

HYPOTHESIS = settings(max_examples=40, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return fx.built(tmp_path_factory.mktemp("hostile") / "example.xlsm", datafile.example())


@pytest.fixture
def example(built, tmp_path) -> Path:
    return fx.copy(built, tmp_path / "copy.xlsm")


def read_unchanged(path: Path) -> reader.ReadResult:
    """Read, and prove the file was not touched."""
    before = (path.read_bytes(), os.stat(path).st_mtime_ns) if path.is_file() else None
    result = reader.read(path)
    after = (path.read_bytes(), os.stat(path).st_mtime_ns) if path.is_file() else None
    assert before == after
    return result


def only_finding(result: reader.ReadResult) -> tuple[str, str, str]:
    """A file-level failure: exactly one error, an empty evaluation, marked unreadable."""
    assert len(result.findings) == 1, result.findings
    f = result.findings[0]
    assert f.severity is Severity.ERROR and f.message
    assert result.evaluation == Evaluation()
    assert result.meta["readable"] is False
    return f.where


# --- not a workbook at all ---------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"", b"hello, this is text\n", b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
                                     b"%PDF-1.4\n"])
def test_not_a_workbook(tmp_path, content):
    path = tmp_path / "x.xlsm"
    path.write_bytes(content)
    assert only_finding(read_unchanged(path)) == ("READ_NOT_A_WORKBOOK", "", "")


def test_missing_file_and_folder(tmp_path):
    assert only_finding(reader.read(tmp_path / "nope.xlsm")) == ("READ_FILE_UNREADABLE", "", "")
    assert only_finding(reader.read(tmp_path)) == ("READ_FILE_UNREADABLE", "", "")


def test_word_document_is_not_a_workbook(tmp_path):
    import docx

    path = tmp_path / "report.xlsm"
    docx.Document().save(path)
    assert only_finding(read_unchanged(path)) == ("READ_NOT_A_WORKBOOK", "", "")


def test_unrelated_workbook(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "budget.xlsx"
    wb = Workbook()
    wb.active["A1"] = "预算"
    wb.save(path)
    assert only_finding(read_unchanged(path)) == ("READ_NOT_SELFEVAL", "", "")


def test_encrypted_workbook(built, tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    path = tmp_path / "locked.xlsm"
    with built.open("rb") as src, path.open("wb") as out:
        OOXMLFile(src).encrypt("secret", out)
    assert only_finding(read_unchanged(path)) == ("READ_ENCRYPTED", "", "")


def test_legacy_xls(tmp_path):
    # An OLE compound file whose directory holds a "Workbook" stream and no EncryptionInfo.
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "Workbook".encode("utf-16-le"))
    assert only_finding(read_unchanged(path)) == ("READ_LEGACY_XLS", "", "")


@pytest.mark.parametrize("keep", [0.5, 0.95, -10])
def test_truncated_zip(built, tmp_path, keep):
    data = built.read_bytes()
    cut = int(len(data) * keep) if keep > 0 else len(data) + keep
    path = tmp_path / "cut.xlsm"
    path.write_bytes(data[:cut])
    assert only_finding(read_unchanged(path)) == ("READ_TRUNCATED", "", "")


def _local_header(data: bytes, name: str) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.getinfo(name).header_offset


def test_corrupted_part(built, tmp_path):
    data = bytearray(built.read_bytes())
    part = _sheet_part(built, layout.SHEET_BASICS)
    start = _local_header(bytes(data), part) + 30 + len(part) + 40
    data[start:start + 16] = bytes(b ^ 0xFF for b in data[start:start + 16])
    path = tmp_path / "bad.xlsm"
    path.write_bytes(bytes(data))
    assert only_finding(read_unchanged(path)) == ("READ_TRUNCATED", "", "")


def _sheet_part(book: Path, sheet: str) -> str:
    with zipfile.ZipFile(book) as zf:
        return fx._sheet_part(zf, sheet)


# --- zip bombs -------------------------------------------------------------------------------------

def test_zip_bomb_one_huge_part(built, tmp_path):
    path = tmp_path / "bomb.xlsm"
    fx.copy(built, path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/zeros.bin", b"\0" * (60 * 1024 * 1024))
    assert path.stat().st_size < 1024 * 1024  # a small file that would inflate to 60 MB
    assert only_finding(read_unchanged(path)) == ("READ_TOO_LARGE", "", "")


def _patch_declared_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size a zip declares for one member (local + central)."""
    out = bytearray(data)
    local = _local_header(data, name)
    struct.pack_into("<I", out, local + 22, size)
    enc = name.encode()
    pos = 0
    while True:
        pos = out.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        n = struct.unpack_from("<H", out, pos + 28)[0]
        if bytes(out[pos + 46:pos + 46 + n]) == enc:
            struct.pack_into("<I", out, pos + 24, size)
        pos += 4
    return bytes(out)


def test_zip_declaring_a_huge_total(built, tmp_path):
    part = _sheet_part(built, layout.SHEET_GUIDE)
    path = tmp_path / "declared.xlsm"
    path.write_bytes(_patch_declared_size(built.read_bytes(), part, 300 * 1024 * 1024))
    assert only_finding(read_unchanged(path)) == ("READ_TOO_LARGE", "", "")


def test_zip_lying_about_a_small_size(built, tmp_path):
    """Inflation stops at the declared size, so a lie shows as a damaged part, not a bomb."""
    part = _sheet_part(built, layout.SHEET_BASICS)
    path = tmp_path / "liar.xlsm"
    path.write_bytes(_patch_declared_size(built.read_bytes(), part, 100))
    assert only_finding(read_unchanged(path)) == ("READ_TRUNCATED", "", "")


# --- hostile XML -----------------------------------------------------------------------------------

LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="4"><c r="C4" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
            b'</sheetData></worksheet>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t></si></sst>')


@pytest.mark.parametrize("which", ["sheet", "workbook", "strings", "xxe"])
def test_entity_expansion_and_external_entities(built, tmp_path, which):
    part = {"sheet": _sheet_part(built, layout.SHEET_BASICS), "workbook": "xl/workbook.xml",
            "strings": "xl/sharedStrings.xml", "xxe": "xl/sharedStrings.xml"}[which]
    body = XXE if which == "xxe" else LAUGHS
    path = fx.rewrite_parts(built, tmp_path / "lol.xlsm", {part: body})
    assert only_finding(read_unchanged(path)) == ("READ_XML_UNSAFE", "", "")


def test_malformed_xml(built, tmp_path):
    part = _sheet_part(built, layout.SHEET_EXPENDITURE)
    path = fx.rewrite_parts(built, tmp_path / "bad.xlsm", {part: b"<worksheet><sheetData><row>"})
    assert only_finding(read_unchanged(path)) == ("READ_XML_INVALID", "", "")


@pytest.mark.parametrize("which", ["row", "style"])
def test_junk_where_numbers_belong(built, tmp_path, which):
    if which == "row":
        part = _sheet_part(built, layout.SHEET_BASICS)
        old, new = b'<row r="4"', b'<row r="abc"'
    else:  # the cell formats the reader uses to recognise dates
        part = "xl/styles.xml"
        old, new = b'<cellXfs count="', b'<cellXfs count="1"><xf numFmtId="x"/></cellXfs><z c="'
    with zipfile.ZipFile(built) as zf:
        xml = zf.read(part)
    assert old in xml
    path = fx.rewrite_parts(built, tmp_path / "junk.xlsm", {part: xml.replace(old, new, 1)})
    assert only_finding(read_unchanged(path)) == ("READ_XML_INVALID", "", "")


def test_shared_string_index_out_of_range(example, tmp_path):
    sheet, cell = fx.field_cell("preparer")
    path = fx.set_cell_xml(example, tmp_path / "b.xlsm", sheet, cell, "<v>999999</v>", "s")
    result = read_unchanged(path)
    assert fx_where(result) == [("READ_CELL_ERROR", sheet, cell)]


def test_missing_workbook_part(built, tmp_path):
    path = fx.rewrite_parts(built, tmp_path / "nowb.xlsm", {"xl/workbook.xml": None})
    assert only_finding(read_unchanged(path)) == ("READ_NOT_A_WORKBOOK", "", "")


# --- damaged structure: located findings -------------------------------------------------------------

def test_deleted_defined_name(example, tmp_path):
    def change(wb):
        del wb.defined_names["exp_total"]

    result = read_unchanged(fx.with_openpyxl(example, tmp_path / "b.xlsm", change))
    assert [(f.code, f.sheet, f.cell, f.name) for f in result.findings] == [
        ("READ_NAME_MISSING", layout.SHEET_EXPENDITURE, "", "exp_total")]
    assert result.evaluation.expenditure.exp_total is None
    assert result.evaluation.expenditure.exp_basic == datafile.example().expenditure.exp_basic


def test_deleted_sheet(example, tmp_path):
    gone = layout.SHEET_EXPENDITURE

    def change(wb):
        del wb[gone]
        for dn in wb.defined_names.values():
            if dn.attr_text.startswith(f"{gone}!") or dn.attr_text.startswith(f"'{gone}'!"):
                dn.attr_text = "#REF!"  # what Excel leaves behind

    result = read_unchanged(fx.with_openpyxl(example, tmp_path / "b.xlsm", change))
    on_sheet = [f.name for f in layout.FIELDS if f.sheet == gone]
    outputs = [o.name for o in layout.OUTPUTS if o.sheet == gone]
    assert [(f.code, f.sheet, f.name, f.severity) for f in result.findings] == (
        [("READ_NAME_BROKEN", gone, n, Severity.ERROR) for n in on_sheet]
        + [("READ_NAME_BROKEN", gone, n, Severity.WARNING) for n in outputs])
    assert result.evaluation.basics == datafile.example().basics


def test_sheet_renamed_by_a_program_that_left_the_names(example, tmp_path):
    def change(wb):
        wb[layout.SHEET_BASICS].title = "基本"

    result = read_unchanged(fx.with_openpyxl(example, tmp_path / "b.xlsm", change))
    expected = [("READ_SHEET_MISSING", layout.SHEET_BASICS, f.cell, f.name)
                for f in layout.FIELDS if f.sheet == layout.SHEET_BASICS]
    assert [(f.code, f.sheet, f.cell, f.name) for f in result.findings] == expected
    assert result.evaluation.expenditure == datafile.example().expenditure


def test_deleted_table(example, tmp_path):
    def change(wb):
        del wb[layout.SHEET_GOALS].tables["tbl_goals"]

    result = read_unchanged(fx.with_openpyxl(example, tmp_path / "b.xlsm", change))
    assert [(f.code, f.sheet, f.name) for f in result.findings] == [
        ("READ_TABLE_MISSING", layout.SHEET_GOALS, "tbl_goals")]
    assert result.evaluation.goals == ()
    assert result.evaluation.tasks == datafile.example().tasks


def test_merged_cells_over_an_input(example, tmp_path):
    sheet, cell = fx.field_cell("dept_name")
    from selfeval_xl.a1 import split_ref

    col, row = split_ref(cell)
    left = chr(ord(col) - 1)
    result = read_unchanged(fx.with_openpyxl(
        example, tmp_path / "b.xlsm", lambda wb: wb[sheet].merge_cells(f"{left}{row}:{cell}")))
    assert fx_where(result) == [("READ_MERGED_INPUT", sheet, cell)]
    assert result.evaluation.basics.dept_name == ""


def fx_where(result) -> list[tuple[str, str, str]]:
    return [f.where for f in result.findings]


def test_name_pointing_at_a_whole_sheet_and_a_huge_table(example, tmp_path):
    def change(wb):
        wb.defined_names["dept_name"].attr_text = f"{layout.SHEET_BASICS}!$A$1:$XFD$1048576"
        t = wb[layout.SHEET_GOALS].tables["tbl_goals"]
        t.ref = f"{layout.table('tbl_goals').anchor}:XFD1048576"
        t.autoFilter = None

    result = read_unchanged(fx.with_openpyxl(example, tmp_path / "b.xlsm", change))
    assert [(f.code, f.name) for f in result.findings] == [("READ_TABLE_TOO_LARGE", "tbl_goals")]
    assert result.evaluation.basics.dept_name == ""  # A1 of the sheet is empty
    assert result.evaluation.goals == datafile.example().goals


def test_ten_thousand_task_rows(example, tmp_path):
    n = 10_000

    def change(wb):
        t_layout = layout.table("tbl_tasks")
        ws = wb[t_layout.sheet]
        t = ws.tables["tbl_tasks"]
        from openpyxl.utils.cell import range_boundaries
        from openpyxl.utils import get_column_letter

        min_col, min_row, max_col, _ = range_boundaries(t.ref)
        for i in range(n):
            ws.cell(min_row + 1 + i, min_col).value = i + 1
            ws.cell(min_row + 1 + i, min_col + 1).value = f"任务{i + 1}"
        t.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{min_row + n}"
        t.autoFilter = None

    result = read_unchanged(fx.with_openpyxl(example, tmp_path / "b.xlsm", change))
    assert result.findings == []
    tasks = result.evaluation.tasks
    assert len(tasks) == n and tasks[-1].no == n and tasks[-1].title == f"任务{n}"
    ex = datafile.example()
    assert [t.points for t in tasks[:len(ex.tasks)]] == [t.points for t in ex.tasks]


def test_very_long_text(example, tmp_path):
    sheet, cell = fx.field_cell("dept_functions")
    text = "负责" * 50_000
    result = read_unchanged(fx.set_value(example, tmp_path / "b.xlsm", sheet, cell, text))
    assert result.findings == [] and result.evaluation.basics.dept_functions == text


# --- random and hostile values, anywhere an officer can type --------------------------------------------

ERRORS = ["#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!"]
NASTY = ["nan", "NaN", "inf", "-inf", "Infinity", "1e309", "-1", "0x10", "1_000", "万元", "1,0,0",
         "12.345.6", "１２３", "921.52万元", "-0", "+5", ".5", "5.", "9" * 400, "字" * 40_000,
         "=1+1", "是", "否", "√", "无", "2023-13-45", "\u200b", "\t", "<b>x</b>", "]]>&amp;"]
VALUES = st.one_of(
    st.none(),
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
CELLS = st.one_of(
    VALUES.map(lambda v: ("value", v)),
    st.sampled_from(ERRORS).map(lambda e: ("error", e)),
    st.one_of(st.sampled_from(["1/0", "A1+1", "SUM(1,2)", "2^2000", "((1)", "exp_total*2", ""]),
              st.text(max_size=20)).map(lambda f: ("formula", f)),
)

FIELD_CODES = {"READ_NORMALISED_NUMBER", "READ_UNPARSED_NUMBER", "READ_BAD_INT", "READ_BAD_DATE",
               "READ_NORMALISED_DATE", "READ_CELL_ERROR", "READ_FORMULA_NO_CACHE",
               "READ_FORMULA_COMPUTED", "READ_NUMBER_OUT_OF_RANGE"}


def _cell_xml(kind: str, value) -> tuple[str, str | None]:
    if kind == "error":
        return f"<v>{value}</v>", "e"
    if kind == "formula":
        return f"<f>{escape(_xml_safe(value))}</f>", None
    if isinstance(value, str):
        value = _xml_safe(value)
    if isinstance(value, float) and value != value:
        return "<v>NaN</v>", None  # what a careless program writes
    return fx.value_xml(value)


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot hold most control characters: no file can contain them."""
    return "".join(ch for ch in text if ch in "\t\n\r" or (" " <= ch <= "\ud7ff")
                   or ("\ue000" <= ch <= "\ufffd") or ch >= "\U00010000")


@HYPOTHESIS
@given(field=st.sampled_from(layout.FIELDS), cell=CELLS)
def test_any_value_in_any_field(example, tmp_path_factory, field, cell):
    inner, t = _cell_xml(*cell)
    path = fx.set_cell_xml(example, tmp_path_factory.mktemp("h") / "b.xlsm", field.sheet, field.cell,
                           inner, t)
    result = read_unchanged(path)
    assert result.meta["readable"] is True
    for f in result.findings:
        assert (f.sheet, f.cell, f.name) == (field.sheet, field.cell, field.name), f
        # The message names the field; sheet and cell travel beside it, never repeated in it.
        assert f.code in FIELD_CODES and f.message.startswith("“")
        assert f"{field.sheet}!" not in f.message
    value = getattr(result.evaluation.basics, field.name, None)
    if field.kind == "money":
        value = getattr(result.evaluation.expenditure, field.name)
        assert value is None or (isinstance(value, Decimal) and value.is_finite())
    elif field.kind in ("int", "year"):
        assert value is None or type(value) is int
    elif field.kind == "date":
        assert value is None or type(value) is date
    else:
        assert isinstance(value, str)
    # everything else read exactly as before
    ex = datafile.example()
    others = [f for f in layout.FIELDS if f.name != field.name]
    for other in others:
        section = "expenditure" if other.kind == "money" else "basics"
        assert getattr(getattr(result.evaluation, section), other.name) == \
            getattr(getattr(ex, section), other.name)


INDICATOR_KEYS = [c.key for c in layout.table("tbl_indicators").columns
                  if c.kind not in ("formula", "output") and c.key != "code"]


@HYPOTHESIS
@given(key=st.sampled_from(INDICATOR_KEYS), index=st.integers(0, 23), cell=CELLS)
def test_any_value_in_the_indicator_table(example, tmp_path_factory, key, index, cell):
    ex = datafile.example()
    index %= len(ex.indicators)
    t = layout.table("tbl_indicators")
    from selfeval_xl.a1 import col_index, col_letter, split_ref

    first_col, header_row = split_ref(t.anchor)
    col = col_letter(col_index(first_col) + [c.key for c in t.columns].index(key))
    row = header_row + 1 + index
    inner, ty = _cell_xml(*cell)
    path = fx.set_cell_xml(example, tmp_path_factory.mktemp("h") / "b.xlsm", t.sheet, f"{col}{row}",
                           inner, ty)
    result = read_unchanged(path)
    assert result.meta["readable"] is True
    assert len(result.evaluation.indicators) == len(ex.indicators)
    for f in result.findings:
        # a changed method changes how the row's 实际值 is read: still this row
        assert f.sheet == t.sheet and f.cell.endswith(str(row)) and f.cell, f
        assert f.code.startswith("READ_") and f.message
    for i, ind in enumerate(result.evaluation.indicators):
        if i != index:
            assert ind == ex.indicators[i]


LIST_TABLES = ["tbl_tasks", "tbl_task_points", "tbl_goals", "tbl_outputs", "tbl_bands",
               "tbl_conclusions", "tbl_analysis", "tbl_grades"]
# Findings a changed cell may cause elsewhere: a task renumbered orphans its points, a
# band recoded orphans itself, a broken grade drops the whole grade table.
ELSEWHERE = {"READ_ORPHAN_POINT", "READ_GRADES_DEFAULT"}


@HYPOTHESIS
@given(name=st.sampled_from(LIST_TABLES), column=st.integers(0, 20), index=st.integers(0, 40),
       cell=CELLS)
def test_any_value_in_any_list(example, tmp_path_factory, name, column, index, cell):
    from selfeval_xl.a1 import col_index, col_letter, split_ref

    t = layout.table(name)
    keys = [c.key for c in t.columns if c.kind not in ("formula", "output")]
    key = keys[column % len(keys)]
    before = reader.read(example)
    rows = before.locator.table_rows[name]
    row = sorted(rows)[index % len(rows)]
    first_col, _ = split_ref(t.anchor)
    col = col_letter(col_index(first_col) + [c.key for c in t.columns].index(key))
    inner, ty = _cell_xml(*cell)
    path = fx.set_cell_xml(example, tmp_path_factory.mktemp("h") / "b.xlsm", t.sheet, f"{col}{row}",
                           inner, ty)
    result = read_unchanged(path)
    assert result.meta["readable"] is True
    for f in result.findings:
        assert f.code.startswith("READ_") and f.message and f.sheet == t.sheet, f
        if f.code not in ELSEWHERE:
            assert f.cell.endswith(str(row)) and f.cell[0].isalpha(), f
    ev, ex = result.evaluation, before.evaluation
    untouched = {"tbl_tasks": ("goals", "outputs"), "tbl_task_points": ("goals", "outputs"),
                 "tbl_goals": ("tasks", "outputs"), "tbl_outputs": ("tasks", "goals"),
                 "tbl_bands": ("tasks", "outputs"), "tbl_conclusions": ("tasks", "analysis"),
                 "tbl_analysis": ("conclusions", "grades"), "tbl_grades": ("analysis", "indicators")}
    for attr in untouched[name] + ("basics", "expenditure"):
        assert getattr(ev, attr) == getattr(ex, attr)


# --- only regular files, never more than the limit (issue 13) -----------------------------

def test_named_pipe_is_refused_without_blocking(tmp_path):
    """A FIFO named .xlsm used to block in open() for ever (check, export-data)."""
    fifo = tmp_path / "pipe.xlsm"
    os.mkfifo(fifo)
    result = reader.read(fifo)  # would hang here if the pipe were opened for reading
    assert only_finding(result) == ("READ_FILE_UNREADABLE", "", "")
    assert result.findings[0].message == f"“{fifo}”不是普通文件（可能是命名管道或设备），不予读取。"
    link = tmp_path / "link.xlsm"
    link.symlink_to(fifo)
    assert only_finding(reader.read(link)) == ("READ_FILE_UNREADABLE", "", "")


def test_symlink_to_dev_zero_is_refused(tmp_path):
    """/dev/zero is endless: reading it whole was a MemoryError."""
    link = tmp_path / "zero.xlsm"
    link.symlink_to("/dev/zero")
    result = reader.read(link)
    assert only_finding(result) == ("READ_FILE_UNREADABLE", "", "")
    assert "size" not in result.meta and "sha256" not in result.meta


def test_huge_sparse_file_is_not_read(tmp_path):
    """A 2 GB sparse file is refused by its size, and nothing re-reads it afterwards (the
    file metadata step used to read it whole: 2.15 GB while saying "不予读取")."""
    import tracemalloc

    path = tmp_path / "sparse.xlsm"
    with open(path, "wb") as fh:
        fh.truncate(2 * 1024 ** 3)
    tracemalloc.start()
    try:
        result = reader.read(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert only_finding(result) == ("READ_TOO_LARGE", "", "")
    assert result.findings[0].message == "文件大小 2048 MB，超过上限 100 MB，不予读取。"
    assert peak < 1024 * 1024 and "sha256" not in result.meta


def test_meta_hash_is_of_the_bytes_read(built):
    import hashlib

    result = reader.read(built)
    data = built.read_bytes()
    assert (result.meta["size"], result.meta["sha256"]) == (
        len(data), hashlib.sha256(data).hexdigest())


def test_unknown_xml_encoding_is_invalid_xml(built, tmp_path):
    part = _sheet_part(built, layout.SHEET_EXPENDITURE)
    body = b'<?xml version="1.0" encoding="x-nonsense"?><worksheet/>'
    path = fx.rewrite_parts(built, tmp_path / "enc.xlsm", {part: body})
    result = read_unchanged(path)
    assert only_finding(result) == ("READ_XML_INVALID", "", "")
    assert "x-nonsense" in result.findings[0].message


@pytest.mark.parametrize("rows, last_col, findings, tasks", [
    # the task table stretched to column XFD and row 100,004 (a 70 KB file that drove
    # check to MemoryError): cut at 10,000 rows and 64 extra columns before any is read
    # (its rows past 20,000 are not parsed at all)
    (100_004, "XFD", [("READ_TABLE_TOO_LARGE", "绩效目标", "B4:XFD100008", "tbl_tasks"),
                      ("READ_SHEET_TOO_LARGE", "绩效目标", "", "")], 9_984),
    (10_000, "D", [], 9_984),  # exactly the limit: read whole, no finding
])
def test_table_stretched_past_the_contract(built, tmp_path, rows, last_col, findings, tasks):
    import hostile_files as h

    path = h.stretched_table(tmp_path / "stretched.xlsm", built, rows, last_col=last_col)
    result = read_unchanged(path)
    too_large = [f for f in result.findings if f.code.endswith("TOO_LARGE")]
    assert [(f.code, f.sheet, f.cell, f.name) for f in too_large] == findings
    if findings:
        assert too_large[0].message == (
            "表格 tbl_tasks（年度总体工作和重点工作任务）的范围 B4:XFD100008 有 100004 行、16383 列，超过上限"
            "（10000 行、67 列），只读取了前 10000 行、67 列。请把表格范围调整到实际填写的行列。")
    # the example's 4 tasks, then one per filled row up to row 4 + 10,000 (the generator
    # fills from the first row past the sheet's stored ones, row 25)
    assert len(result.evaluation.tasks) == tasks == 4 + (10_004 - 25 + 1)
    assert result.evaluation.tasks[-1].title == "任务10004"


def test_rows_past_the_sheet_limit_are_not_read(built, tmp_path):
    part = _sheet_part(built, layout.SHEET_EXPENDITURE)
    with zipfile.ZipFile(built) as zf:
        xml = zf.read(part)
    far = b'<row r="50000"><c r="A50000" t="inlineStr"><is><t>x</t></is></c></row>'
    path = fx.rewrite_parts(built, tmp_path / "far.xlsm",
                            {part: xml.replace(b"</sheetData>", far + b"</sheetData>", 1)})
    result = read_unchanged(path)
    assert [f.where for f in result.findings if f.code == "READ_SHEET_TOO_LARGE"] == [
        ("READ_SHEET_TOO_LARGE", layout.SHEET_EXPENDITURE, "")]
    assert result.evaluation.expenditure == datafile.example().expenditure
