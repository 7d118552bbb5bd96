"""Turn raw cell values into model values, saying what was normalised and what was not read.

Rule: what is unambiguous is read and reported as a WARNING (so the officer can fix the
cell); what is not is an ERROR and the value is None. Blank gives None (or "") with no
finding: whether a blank is allowed is for the checks to say, not the reader.

Every finding names the sheet and cell (and the defined name for named fields).
Codes are documented in docs/reading.md.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from selfeval_xl.read.book_source import CellError, Uncached
from selfeval_xl.read.formula_eval import FormulaError, evaluate
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.money import in_range, parse_number
from selfeval_xl.core.text import UNSAVABLE, unsavable

_SHOWN = 40  # characters of a bad value quoted in a message
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:00(?::00)?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 1 = 1900-01-01 (1900 date system)
_PLAUSIBLE_YEARS = range(1990, 2101)
_ZERO_WORDS = ("无", "没有", "零")
_INT_SUFFIXES = ("个", "家", "年")
BOOLEAN_VALUES = ("是", "否")


@dataclass(frozen=True)
class Where:
    """The cell a value came from, for findings.

    Attributes:
        sheet: worksheet name.
        cell: A1 address.
        name: defined name ("" for table cells).
        label: what the officer calls the cell (field label or column header).
    """

    sheet: str
    cell: str
    name: str = ""
    label: str = ""

    def finding(self, code: str, severity: Severity, message: str) -> Finding:
        return Finding(code, severity, self.sheet, self.cell, self.name, message)

    @property
    def text(self) -> str:
        """"“部门整体支出”" as messages start. The finding carries sheet and cell, and every
        place that shows a message shows them beside it (the notice prints
        "支出情况!C5：…"), so the message itself must not repeat them."""
        return f"“{self.label}”" if self.label else "该单元格"


@dataclass(frozen=True)
class TextNumber:
    """A number the officer typed as text that was read without ambiguity
    (a READ_NORMALISED_NUMBER cell): the write-backs replace the text with ``value``.

    Attributes:
        sheet, cell: where it is.
        text: the cell's text exactly as stored (spaces and full-width characters kept).
        value: the number the reader used (a 90% rate as 0.9, "1,234.5万" as 1234.5).
        unit: the cell's unit when it has one ("万元"), for the note.
    """

    sheet: str
    cell: str
    text: str
    value: Decimal
    unit: str = ""


# The reader collects every TextNumber of one read here (read.reader sets it for the length
# of a read); outside a read nothing is collected.
_TEXT_NUMBERS: ContextVar[list[TextNumber] | None] = ContextVar("text_numbers", default=None)


@contextmanager
def collecting_text_numbers() -> Iterator[list[TextNumber]]:
    """Collect the :class:`TextNumber` of every cell parsed inside the ``with``."""
    found: list[TextNumber] = []
    token = _TEXT_NUMBERS.set(found)
    try:
        yield found
    finally:
        _TEXT_NUMBERS.reset(token)


def _text_number(where: Where, text: str, value: Decimal, unit: str = "") -> None:
    found = _TEXT_NUMBERS.get()
    if found is not None:
        found.append(TextNumber(where.sheet, where.cell, text, value, unit))


def shown(raw: object) -> str:
    """A value as quoted in a message, cut to a readable length."""
    text = str(raw)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + f"…（共 {len(text)} 字）"


def _unwrap(raw: object, where: Where, findings: list[Finding]) -> tuple[object, bool]:
    """Resolve error values and formulas without a stored result. Returns (value, usable)."""
    if isinstance(raw, CellError):
        findings.append(where.finding(
            "READ_CELL_ERROR", Severity.ERROR,
            f"{where.text}显示错误值 {raw.code}，无法读取，请改正该单元格。"))
        return None, False
    if isinstance(raw, Uncached):
        try:
            value = evaluate(raw.formula)
        except FormulaError as exc:
            findings.append(where.finding(
                "READ_FORMULA_NO_CACHE", Severity.ERROR,
                f"{where.text}是公式“={shown(raw.formula)}”，文件中没有保存有效的计算结果，"
                f"且无法直接计算（{exc}）。请在 Excel 中打开并保存，或改填数值。"))
            return None, False
        findings.append(where.finding(
            "READ_FORMULA_COMPUTED", Severity.INFO,
            f"{where.text}是公式“={shown(raw.formula)}”，文件中没有保存有效的计算结果，"
            f"已按算式计算为 {_plain(value)}。"))
        return value, True
    return raw, True


def is_blank(raw: object) -> bool:
    """None or whitespace-only text: what Excel shows as an empty cell."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def cached_value(value: object) -> object:
    """A formula's stored result as ``meta`` holds it: numbers as Decimal, error values as
    their code text ("#DIV/0!"), a formula without a stored result as None."""
    if isinstance(value, Uncached):
        return None
    if isinstance(value, CellError):
        return value.code
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        parsed = parse_number(value)
        return normal_decimal(parsed.value) if parsed.ok and parsed.value is not None else None
    return value


def _plain(value: Decimal) -> str:
    return format(value, "f")


def normal_decimal(value: Decimal) -> Decimal:
    """An integral value without a fractional part (0.0 → 0, 1E+5 → 100000), else as is.

    Excel stores every number as a float, so 3 typed in a cell can come back as 3.0; the
    model (and the data-file fingerprint) must not depend on how a backend spelled it.
    """
    if value == value.to_integral_value() and abs(value) < Decimal("1e21"):
        return value.quantize(Decimal(1))
    return value


def _drop_unsavable(raw: str, where: Where, findings: list[Finding]) -> str:
    """Text without the characters no workbook or Word document can hold (an Excel cell
    can: CHAR(1) typed through a formula, read live through xlwings), with a warning."""
    first = unsavable(raw)
    count = len(UNSAVABLE.findall(raw))
    findings.append(where.finding(
        "READ_UNSAVABLE_CHARACTER", Severity.WARNING,
        f"{where.text}的第 {first.start() + 1} 个字符 U+{ord(first.group()):04X} 等 {count} 个字符"
        "是控制字符或不成对的代理字符，报告和工作簿都无法保存，已删除。"))
    return UNSAVABLE.sub("", raw).strip()


def as_text(raw: object, where: Where) -> tuple[str, list[Finding]]:
    """Any cell as text: numbers as Excel shows them in General format, blanks as ""."""
    findings: list[Finding] = []
    raw, ok = _unwrap(raw, where, findings)
    if not ok or raw is None:
        return "", findings
    if isinstance(raw, str):
        if unsavable(raw):  # rare: one regex search per text cell otherwise
            return _drop_unsavable(raw, where, findings), findings
        return raw.strip(), findings
    if isinstance(raw, bool):
        return ("TRUE" if raw else "FALSE"), findings
    if isinstance(raw, (int, float, Decimal)):
        parsed = parse_number(raw)
        return (_plain(normal_decimal(parsed.value)) if parsed.ok and parsed.value is not None
                else str(raw)), findings
    if isinstance(raw, datetime):
        return (raw.date().isoformat() if raw.time() == datetime.min.time()
                else raw.isoformat(sep=" ")), findings
    return str(raw), findings


# No figure on any sheet comes near 10^15 (a whole country's budget is under 10^10 万元; a
# score, weight or rate is under 10^4) nor, unless 0, below 10^-6: a number outside is a
# typing accident or an attack, and every writer downstream (Excel cells are doubles, the
# cent rounding has 28 digits) may fail on it. It is an error finding and reads as blank
# (money.in_range, the data file's rule too).


def _out_of_range(raw: object, value: Decimal, where: Where, findings: list[Finding]) -> bool:
    if in_range(value):
        return False
    text = shown(raw)
    if len(str(raw)) > 40:
        text = f"{text[:20]}…（共 {len(str(raw))} 个字符）"
    findings.append(where.finding(
        "READ_NUMBER_OUT_OF_RANGE", Severity.ERROR,
        f"{where.text}填写为“{text}”，超出合理范围（须为 0，或绝对值在 10^-6 与 10^15 之间），未读取。"
        "请检查是否多输入了数字。"))
    return True


def as_number(raw: object, where: Where, *, unit: str = "", percent: bool = False,
              keep_percent: bool = False) -> tuple[Decimal | None, list[Finding]]:
    """A number (万元 amount, weight, rate …) as Decimal.

    Args:
        unit: the cell's unit; a matching suffix ("万元") is accepted with a warning.
        percent: "90%" is read as 0.9 (rates stored as fractions), with a warning.
        keep_percent: "100%" is read as 100 (figures whose unit is %), with a warning.
    """
    findings: list[Finding] = []
    raw, ok = _unwrap(raw, where, findings)
    if not ok or raw is None:
        return None, findings
    if isinstance(raw, Decimal):
        if not raw.is_finite() or _out_of_range(raw, raw, where, findings):
            return None, findings
        return normal_decimal(raw), findings
    typed = raw if isinstance(raw, str) else None  # the cell's text, exactly as stored
    text_percent = False
    if keep_percent and isinstance(raw, str):
        norm = unicodedata.normalize("NFKC", raw).strip()
        if norm.endswith("%"):
            raw, text_percent = norm[:-1], True
    parsed = parse_number(raw, unit=unit, percent=percent)
    if parsed.blank and not text_percent:
        return None, findings
    unit_text = f" {unit}" if unit else " "
    if not parsed.ok or parsed.value is None:
        why = "；".join(parsed.notes) or "不是数字"
        findings.append(where.finding(
            "READ_UNPARSED_NUMBER", Severity.ERROR,
            f"{where.text}填写为“{shown(raw)}”，不是可识别的数字（{why}），未读取。"
            "请填写数字（如 921.52）。"))
        return None, findings
    if _out_of_range(raw, parsed.value, where, findings):
        return None, findings
    value = normal_decimal(parsed.value)
    notes = list(parsed.notes) + (["已去掉百分号（本栏单位为 %）"] if text_percent else [])
    if notes or isinstance(raw, str):
        original = raw + "%" if text_percent else raw
        if typed is not None:
            _text_number(where, typed, value, unit)
        findings.append(where.finding(
            "READ_NORMALISED_NUMBER", Severity.WARNING,
            f"{where.text}填写为文本“{shown(original)}”，已按 {_plain(value)}{unit_text}读取："
            f"{'；'.join(notes) or '文本形式的数字'}。建议直接填写数字。"))
    return value, findings


def plain_number(raw: object) -> Decimal | None:
    """What :func:`as_number` gives, without findings, for a stored number in range (an
    int or a finite float, as nearly every numeric cell holds); None for anything else,
    which then goes through :func:`as_number`. The tables hold a few hundred numbers per
    file, and this skips building each one's location and findings list."""
    kind = type(raw)
    if kind is int:
        value = Decimal(raw)
    elif kind is float and math.isfinite(raw):
        value = Decimal(repr(raw))
    else:
        return None
    return normal_decimal(value) if in_range(value) else None


def as_int(raw: object, where: Where, *, zero_words: bool = False) -> tuple[int | None, list[Finding]]:
    """A whole number (序号, 下属单位数量, 层级). ``zero_words``: "无" means 0."""
    findings: list[Finding] = []
    raw, ok = _unwrap(raw, where, findings)
    if not ok or raw is None:
        return None, findings
    original = raw
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
        if not text:
            return None, findings
        if zero_words and text in _ZERO_WORDS:
            findings.append(where.finding(
                "READ_NORMALISED_NUMBER", Severity.WARNING,
                f"{where.text}填写为“{text}”，已按 0 读取。建议直接填写数字 0。"))
            _text_number(where, raw, Decimal(0))
            return 0, findings
        for suffix in _INT_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)].strip()
                break
        raw = text
    if isinstance(raw, bool) or isinstance(raw, (datetime, date)):
        parsed_ok, value = False, None
    else:
        parsed = parse_number(raw)
        parsed_ok = parsed.ok and parsed.value is not None
        value = parsed.value
    if not parsed_ok or value != value.to_integral_value():
        findings.append(where.finding(
            "READ_BAD_INT", Severity.ERROR,
            f"{where.text}填写为“{shown(original)}”，不是整数，未读取。"))
        return None, findings
    if _out_of_range(original, value, where, findings):
        return None, findings
    if isinstance(original, str):
        _text_number(where, original, Decimal(int(value)))
        findings.append(where.finding(
            "READ_NORMALISED_NUMBER", Severity.WARNING,
            f"{where.text}填写为文本“{shown(original)}”，已按 {int(value)} 读取。建议直接填写数字。"))
    return int(value), findings


def as_year(raw: object, where: Where) -> tuple[int | None, list[Finding]]:
    """A year: 2022, "2022" or "2022年" (the text forms with a warning)."""
    return as_int(raw, where)


def as_date(raw: object, where: Where) -> tuple[date | None, list[Finding]]:
    """A date: a real date, a date typed as text, or an Excel serial number."""
    findings: list[Finding] = []
    raw, ok = _unwrap(raw, where, findings)
    if not ok or raw is None:
        return None, findings
    if isinstance(raw, datetime):
        return raw.date(), findings
    if isinstance(raw, date):
        return raw, findings
    value: date | None = None
    how = ""
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        try:
            serial = float(raw)
            if serial == int(serial) and 0 < serial < 2958466:
                value = (_EXCEL_EPOCH + timedelta(days=int(serial))).date()
                how = f"Excel 日期序号 {int(serial)}"
        except (ValueError, OverflowError):
            value = None
        if value is not None and value.year not in _PLAUSIBLE_YEARS:
            value = None
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
        if not text:
            return None, findings
        m = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
        if m:
            try:
                value = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                how = f"文本“{shown(raw)}”"
            except ValueError:
                value = None
    if value is None:
        findings.append(where.finding(
            "READ_BAD_DATE", Severity.ERROR,
            f"{where.text}填写为“{shown(raw)}”，不是可识别的日期，未读取。请填写日期，如 2023-4-11。"))
        return None, findings
    findings.append(where.finding(
        "READ_NORMALISED_DATE", Severity.WARNING,
        f"{where.text}填写为{how}，已按日期 {value.isoformat()} 读取。建议填写为 Excel 日期。"))
    return value, findings


def as_boolean(raw: object, where: Where) -> tuple[str | None, list[Finding]]:
    """是/否 for a 是否 indicator. Only these two words are accepted: the workbook's own
    score formula compares with "是", so accepting "√" would make Python and Excel differ."""
    findings: list[Finding] = []
    raw, ok = _unwrap(raw, where, findings)
    if not ok or raw is None:
        return None, findings
    text = unicodedata.normalize("NFKC", raw).strip() if isinstance(raw, str) else None
    if text == "":
        return None, findings
    if text in BOOLEAN_VALUES:
        return text, findings
    findings.append(where.finding(
        "READ_BAD_BOOLEAN", Severity.ERROR,
        f"{where.text}填写为“{shown(raw)}”，是否类指标的实际值只能填“是”或“否”，未读取。"))
    return None, findings


def as_choice(raw: object, where: Where, choices: tuple[str, ...], default: str) -> tuple[str, list[Finding]]:
    """One of ``choices`` (full-width brackets and commas are accepted); else ``default``
    with a warning, matching what the workbook's formulas do with an unknown value."""
    text, findings = as_text(raw, where)
    if not text:
        return default, findings
    norm = unicodedata.normalize("NFKC", text).replace(" ", "")
    if norm in choices:
        return norm, findings
    findings.append(where.finding(
        "READ_BAD_CHOICE", Severity.WARNING,
        f"{where.text}填写为“{shown(text)}”，不是可选值（{'、'.join(choices)}）之一，已按“{default}”处理。"))
    return default, findings
