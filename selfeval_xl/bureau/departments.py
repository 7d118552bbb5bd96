"""The year's list of departments, imported from a workbook (.xlsx) or a CSV file.

The bureau keeps the list in whatever it has: a sheet exported from its budget system or
a CSV saved by Excel (UTF-8, or GBK as Excel saves "CSV" on a Chinese Windows). The
first sheet's (or the file's) header row names the columns — 部门名称, 部门编码, 联系人
(and a few usual variants, :data:`HEADERS`) — in any order. Every row that cannot be
taken is reported in Chinese with its row number and why; the good rows are kept, so a
list with one typo is not refused whole.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

# Column key → header texts accepted (compared without spaces, case-insensitively).
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("部门名称", "单位名称", "名称", "部门", "name"),
    "code": ("部门编码", "单位编码", "部门代码", "单位代码", "编码", "代码", "code"),
    "contact": ("联系人", "联系方式", "联系人及电话", "联系电话", "contact"),
}
MAX_BYTES = 5 * 1024 * 1024  # a list of a few hundred departments is a few KB
MAX_ROWS = 5000
MAX_LEN = {"name": 100, "code": 40, "contact": 100}
LABELS = {"name": "部门名称", "code": "部门编码", "contact": "联系人"}


@dataclass(frozen=True)
class Department:
    """One department of the year: its name, code and contact (free text)."""

    name: str
    code: str
    contact: str = ""


@dataclass(frozen=True)
class ImportResult:
    """The departments taken, in file order, and the problems found (Chinese)."""

    departments: tuple[Department, ...]
    problems: tuple[str, ...]


def read_departments(data: bytes, filename: str) -> ImportResult:
    """Read a department list from a file's bytes; ``filename`` decides the format
    (``.xlsx``/``.xlsm`` as a workbook, anything else as CSV)."""
    if len(data) > MAX_BYTES:
        return ImportResult((), (f"文件超过 {MAX_BYTES // 1024 // 1024} MB，不像部门名单",))
    if Path(filename).suffix.lower() in (".xlsx", ".xlsm"):
        rows, problem = _workbook_rows(data)
    else:
        rows, problem = _csv_rows(data)
    if problem:
        return ImportResult((), (problem,))
    return take_rows(rows)


def read_departments_path(path: str | Path) -> ImportResult:
    """:func:`read_departments` on a file (never reads more than the size limit)."""
    with open(path, "rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    return read_departments(data, str(path))


def _workbook_rows(data: bytes) -> tuple[list[list[object]], str]:
    import zipfile

    import openpyxl  # uses defusedxml when installed (it is: the reader needs it)

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        return [], f"无法读取工作簿：{type(exc).__name__}（请另存为 .xlsx 或 CSV 后重试）"
    try:
        ws = wb.worksheets[0]
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows, ""
    finally:
        wb.close()


def _csv_rows(data: bytes) -> tuple[list[list[object]], str]:
    text = decode_text(data)
    if text is None:
        return [], "无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV"
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)], ""


def decode_text(data: bytes) -> str | None:
    """CSV bytes as text: UTF-8 (with or without BOM) first, then GB18030 (a superset of
    GBK, what Excel writes on a Chinese Windows); None when neither fits."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _cell(value: object) -> str:
    """A cell as text: whole numbers without ".0" (a code typed as a number)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_map(row: list[object]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, value in enumerate(row):
        text = _cell(value).replace(" ", "").replace("　", "").lower()
        for key, names in HEADERS.items():
            if key not in found and text in (n.lower() for n in names):
                found[key] = i
    return found


def take_rows(rows: list[list[object]]) -> ImportResult:
    """Departments from rows whose first non-empty row is the header."""
    start = next((i for i, r in enumerate(rows) if any(_cell(v) for v in r)), None)
    if start is None:
        return ImportResult((), ("文件是空的：没有表头，也没有部门",))
    cols = _header_map(rows[start])
    missing = [LABELS[k] for k in ("name", "code") if k not in cols]
    if missing:
        return ImportResult((), (f"第 {start + 1} 行应为表头，未找到“{'”“'.join(missing)}”列"
                                 "（表头：部门名称、部门编码、联系人）",))
    departments: list[Department] = []
    problems: list[str] = []
    names: dict[str, int] = {}
    codes: dict[str, int] = {}
    body = rows[start + 1:]
    if len(body) > MAX_ROWS:
        problems.append(f"名单超过 {MAX_ROWS} 行，只读取前 {MAX_ROWS} 行")
        body = body[:MAX_ROWS]
    for n, row in enumerate(body, start=start + 2):
        values = {k: _cell(row[i]) if i < len(row) else "" for k, i in cols.items()}
        values.setdefault("contact", "")
        if not any(values.values()):
            continue  # an empty line
        why = _row_problem(values, names, codes)
        if why:
            problems.append(f"第 {n} 行：{why}，已跳过")
            continue
        names[values["name"]] = n
        codes[values["code"]] = n
        departments.append(Department(values["name"], values["code"], values["contact"]))
    return ImportResult(tuple(departments), tuple(problems))


def _row_problem(values: dict[str, str], names: dict[str, int], codes: dict[str, int]) -> str:
    for key in ("name", "code"):
        if not values[key]:
            return f"{LABELS[key]}为空"
    for key, limit in MAX_LEN.items():
        if len(values[key]) > limit:
            return f"{LABELS[key]}超过 {limit} 个字符"
    if values["name"] in names:
        return f"部门名称“{values['name']}”与第 {names[values['name']]} 行重复"
    if values["code"] in codes:
        return f"部门编码“{values['code']}”与第 {codes[values['code']]} 行重复"
    return ""
