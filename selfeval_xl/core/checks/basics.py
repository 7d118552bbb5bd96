"""基本情况 and every scalar input: required fields, text lengths, phone, dates, year.

Which fields are required and how long a text may be come from ``layout.FIELDS`` (the
same flags drive the workbook's data validation), so the two can never disagree.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from selfeval_xl import layout
from selfeval_xl.core.checks.base import ERROR, WARNING, CheckContext, make
from selfeval_xl.core.findings import Finding
from selfeval_xl.core.model import Basics, Evaluation

# The range of budget years the tool is meant for; outside it the year is a typo.
FIRST_YEAR, LAST_YEAR = 2000, 2100

_MOBILE = r"(?:\+?86-?)?1[3-9]\d{9}"
_LANDLINE = r"(?:\(0\d{2,3}\)|0\d{2,3}-?)?[2-9]\d{6,7}(?:(?:-|转)\d{1,6})?"
_SERVICE = r"[48]00-?\d{3}-?\d{4}|1\d{4}"  # 400/800 numbers, 12345-style hotlines
_PHONE = re.compile(rf"^(?:{_MOBILE}|{_LANDLINE}|{_SERVICE})$")
_PHONE_SEPARATORS = re.compile(r"[、,，/;；\s]+")


def field_value(ev: Evaluation, name: str) -> object:
    """The model value of a layout field (basics or expenditure)."""
    source = ev.basics if hasattr(ev.basics, name) else ev.expenditure
    return getattr(source, name)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def requirement(help_text: str) -> str:
    """A field's input help without its examples ("部门全称，如：惠州市政务服务中心" →
    "部门全称"). The examples are the built-in example department's; a message in another
    department's report must never quote them."""
    parts = re.split(r"([，；])", help_text)
    kept: list[str] = []
    for text, sep in zip(parts[::2], parts[1::2] + [""]):
        if text.strip().startswith("如") or "报告“" in text:  # an example, a fixed section no.
            continue
        kept.append(text + sep)
    return "".join(kept).rstrip("，；")


def check_required_fields(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """Every field flagged required in the layout must be filled in."""
    out = []
    for f in layout.FIELDS:
        if f.required and _blank(field_value(ev, f.name)):
            label = f.label.replace("其中：", "").strip("　 ")
            extra = "，无法计算预算执行率" if f.name == "budget_total" else ""
            rule = requirement(f.help)
            out.append(make("FIELD_REQUIRED", ERROR, ctx.locator.field(f.name),
                            f"“{label}”未填写{extra}；此项为必填" + (f"（{rule}）" if rule else "")))
    return out


def check_text_lengths(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """Texts longer than the layout's limit (the data validation) are a warning."""
    out = []
    for f in layout.FIELDS:
        value = field_value(ev, f.name)
        if f.max_len is not None and isinstance(value, str) and len(value) > f.max_len:
            out.append(make("FIELD_TOO_LONG", WARNING, ctx.locator.field(f.name),
                            f"“{f.label}”有 {len(value)} 个字，超过上限 {f.max_len} 个字"))
    return out


def phone_ok(text: str) -> bool:
    """Landline (0752-2898702), mobile (13800000000), 400/800 or hotline numbers;
    several numbers may be separated by 、 , / ; or spaces."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = re.sub(r"(\+?86)\s+(?=1[3-9])", r"\1", text)  # "+86 138…" is one number
    parts = [p for p in _PHONE_SEPARATORS.split(text) if p]
    return bool(parts) and all(_PHONE.match(p) for p in parts)


def check_phone(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """联系电话 must look like a Chinese phone number."""
    phone = ev.basics.phone
    if _blank(phone) or phone_ok(phone):
        return []
    return [make("PHONE_FORMAT", WARNING, ctx.locator.field("phone"),
                 f"联系电话“{phone}”格式不规范，应如 0752-2898702 或 13800000000")]


def check_sub_units(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """下属二级预算单位数量 is a count (0 is written 无 in the report)."""
    n = ev.basics.sub_unit_count
    if n is not None and n < 0:
        return [make("SUB_UNIT_NEGATIVE", ERROR, ctx.locator.field("sub_unit_count"),
                     f"下属二级预算单位数量为 {n}，不能小于 0（没有下属单位填 0）")]
    return []


def _year_ok(year: int | None) -> bool:
    return year is not None and FIRST_YEAR <= year <= LAST_YEAR


def check_eval_year(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """评价年度 must be a plausible, finished budget year."""
    year = ev.basics.eval_year
    place = ctx.locator.field("eval_year")
    if year is None:
        return []
    if not _year_ok(year):
        return [make("EVAL_YEAR_IMPLAUSIBLE", ERROR, place,
                     f"评价年度 {year} 不合理，应为 {FIRST_YEAR}–{LAST_YEAR} 之间的预算年度，如 2022")]
    if ctx.today is not None and year > ctx.today.year:
        return [make("EVAL_YEAR_IMPLAUSIBLE", ERROR, place,
                     f"评价年度 {year} 晚于今年（{ctx.today.year}），自评只能针对已结束的预算年度")]
    if ctx.today is not None and year == ctx.today.year:
        return [make("EVAL_YEAR_CURRENT", WARNING, place,
                     f"评价年度 {year} 是今年，预算年度尚未结束；自评通常在次年对上一年度进行")]
    return []


def check_fill_date(ev: Evaluation, ctx: CheckContext) -> list[Finding]:
    """填报日期 comes after the evaluated year ends, normally in the next year."""
    b: Basics = ev.basics
    if b.fill_date is None:
        return []
    place = ctx.locator.field("fill_date")
    shown = b.fill_date.isoformat()
    if ctx.today is not None and b.fill_date > ctx.today:
        return [make("FILL_DATE_FUTURE", WARNING, place,
                     f"填报日期 {shown} 晚于今天（{ctx.today.isoformat()}）")]
    if not _year_ok(b.eval_year):
        return []
    assert b.eval_year is not None
    if b.fill_date <= date(b.eval_year, 12, 31):
        return [make("FILL_DATE_TOO_EARLY", ERROR, place,
                     f"填报日期 {shown} 不晚于评价年度 {b.eval_year} 年末，"
                     "自评应在预算年度结束后填报")]
    if b.fill_date.year > b.eval_year + 1:
        return [make("FILL_DATE_LATE", WARNING, place,
                     f"填报日期 {shown} 距评价年度 {b.eval_year} 已超过一年，"
                     "请核对评价年度和填报日期")]
    return []


CHECKS = (
    check_required_fields,
    check_text_lengths,
    check_phone,
    check_sub_units,
    check_eval_year,
    check_fill_date,
)
