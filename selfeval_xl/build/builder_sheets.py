"""Builder, part 1: styles and the layout's fields, outputs and tables written with XlsxWriter.

Everything positioned here comes from :mod:`selfeval_xl.layout`; nothing is placed by an
address literal. Styles say what a cell is: yellow = the officer types here (unlocked),
blue = a native formula (locked), grey = written by Python (unlocked, so the buttons can
write into it through xlwings on a protected sheet).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from selfeval_xl import layout
from selfeval_xl.core.model import Evaluation

INPUT_FILL = "#FFF2CC"  # yellow: type here
FORMULA_FILL = "#DDEBF7"  # blue: native Excel formula
OUTPUT_FILL = "#EDEDED"  # grey: written by the buttons (Python)
BORDER_COLOR = "#BFBFBF"
BAD_FILL = "#FFC7CE"  # conditional formatting: a sum that does not match
BAD_FONT = "#9C0006"
WARN_FILL = "#FFEB9C"

NUMBER_FORMATS = {
    "int": "0", "year": "0", "money": "#,##0.00", "number": "General", "percent": "0.00%",
    "date": "yyyy-mm-dd", "text": "@", "longtext": "@", "choice": "@",
}
# Text length limits for inputs without their own (table columns).
TEXT_LIMITS = {"text": 255, "longtext": 4000, "choice": 20}
# Number formats of non-input table columns, by column key.
COLUMN_FORMATS = {"score": "0.00", "py_score": "0.00", "completion": "0.00%"}
OUTPUT_FORMATS = {"exec_rate": "0.00%", "self_score": "0.00", "weight_total": "General",
                  "exp_sources_diff": "#,##0.00;[Red]-#,##0.00",
                  "exp_parts_diff": "#,##0.00;[Red]-#,##0.00",
                  "exp_basic_diff": "#,##0.00;[Red]-#,##0.00"}

# Numeric validation of table columns: (table, key) -> (criteria kwargs, message).
# Indicator figures may be negative (e.g. 三公经费变动率 −5%), so most only demand a number.
_ANY_NUMBER = ({"validate": "decimal", "criteria": "between", "minimum": -1e12,
                "maximum": 1e12}, "请填写数字")
_NON_NEGATIVE = ({"validate": "decimal", "criteria": ">=", "value": 0}, "请填写不小于 0 的数字")
NUMBER_RULES = {
    ("tbl_indicators", "weight"): ({"validate": "decimal", "criteria": "between", "minimum": 0,
                                    "maximum": 100}, "分值应为 0 到 100 之间的数字"),
    ("tbl_indicators", "step"): ({"validate": "decimal", "criteria": ">", "value": 0},
                                 "扣分步长应为大于 0 的数字"),
    ("tbl_indicators", "per_step"): _NON_NEGATIVE,
    ("tbl_indicators", "manual_score"): _NON_NEGATIVE,
    ("tbl_bands", "score"): _NON_NEGATIVE,
    ("tbl_grades", "min_score"): ({"validate": "decimal", "criteria": "between", "minimum": 0,
                                   "maximum": 100}, "最低分应为 0 到 100 之间的数字"),
}
INT_RULES = {
    ("tbl_analysis", "level"): ({"validate": "integer", "criteria": "between", "minimum": 1,
                                 "maximum": 2}, "层级填 1 或 2"),
}
_POSITIVE_INT = ({"validate": "integer", "criteria": "between", "minimum": 1,
                  "maximum": 9999}, "请填写正整数（序号）")
# 实际值 of an indicator: a number, or 是/否 for the 是否 method.
ACTUAL_RULE = ("tbl_indicators", "actual")


@dataclass
class Extent:
    """The used area of a sheet (0-based, inclusive), for the print area."""

    last_row: int = 0
    last_col: int = 0

    def cover(self, row: int, col: int) -> None:
        self.last_row = max(self.last_row, row)
        self.last_col = max(self.last_col, col)


class Styles:
    """Cached XlsxWriter formats by (role, number format, extras)."""

    def __init__(self, book) -> None:
        self.book = book
        self._cache: dict[tuple, object] = {}

    def get(self, role: str, num_format: str = "General", *, wrap: bool = False, **extra):
        key = (role, num_format, wrap, tuple(sorted(extra.items())))
        if key not in self._cache:
            props: dict = {"num_format": num_format, "valign": "top" if wrap else "vcenter"}
            if wrap:
                props["text_wrap"] = True
            if role in ("input", "formula", "output", "header", "const"):
                props.update(border=1, border_color=BORDER_COLOR)
            props.update({
                "input": {"bg_color": INPUT_FILL, "locked": False},
                "formula": {"bg_color": FORMULA_FILL, "locked": True},
                "output": {"bg_color": OUTPUT_FILL, "locked": False},
                "const": {"bg_color": OUTPUT_FILL, "locked": True},
                "header": {"bold": True, "bg_color": "#D9E1F2", "text_wrap": True,
                           "align": "center", "valign": "vcenter"},
                "label": {"align": "right", "text_wrap": True},
                "title": {"bold": True, "font_size": 16},
                "subtitle": {"bold": True, "font_size": 12},
                "note": {"font_color": "#595959", "text_wrap": True, "valign": "top"},
                "bad": {"bg_color": BAD_FILL, "font_color": BAD_FONT, "bold": True},
                "warn": {"bg_color": WARN_FILL},
            }[role])
            props.update(extra)
            self._cache[key] = self.book.add_format(props)
        return self._cache[key]

    def cell(self, role: str, kind: str) -> object:
        """Format of a cell of the given role holding a value of the given kind."""
        wrap = kind == "longtext"
        return self.get(role, NUMBER_FORMATS.get(kind, "General"), wrap=wrap)


@dataclass
class SheetContext:
    """One worksheet being written and its used area."""

    ws: object
    extent: Extent = field(default_factory=Extent)

    def mark(self, row: int, col: int) -> None:
        self.extent.cover(row, col)


# --- values ------------------------------------------------------------------------------

def write_value(ctx: SheetContext, row: int, col: int, value, fmt) -> None:
    """Write a model value: numbers as numbers, text always as a string (never a formula)."""
    ws = ctx.ws
    ctx.mark(row, col)
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (Decimal, int, float)):
        ws.write_number(row, col, float(value), fmt)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value, fmt)
    elif isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)
    else:
        # write_string, so officer text such as "=1+1" or "@x" stays text.
        ws.write_string(row, col, str(value), fmt)


def field_value(ev: Evaluation, name: str):
    for part in (ev.basics, ev.expenditure):
        if hasattr(part, name):
            return getattr(part, name)
    raise KeyError(name)


def table_items(table: layout.Table, ev: Evaluation) -> list[dict]:
    """The model's rows for a table, as {column key: value}."""
    name = table.name
    if name == "tbl_tasks":
        return [{"no": t.no, "title": t.title, "body": t.body} for t in ev.tasks]
    if name == "tbl_task_points":
        return [{"task_no": t.no, "text": p} for t in ev.tasks for p in t.points]
    if name == "tbl_goals":
        return [{"no": g.no, "text": g.text} for g in ev.goals]
    if name == "tbl_outputs":
        return [{"category": o.category, "name": o.name, "unit": o.unit, "target": o.target,
                 "actual": o.actual, "parent": o.parent, "note": o.note} for o in ev.outputs]
    if name == "tbl_indicators":
        return [{"code": i.code, "level1": i.level1, "level2": i.level2, "level3": i.level3,
                 "weight": i.weight, "method": i.method.value if i.method else i.method_text,
                 "target": i.target, "actual": i.actual, "threshold": i.threshold,
                 "step": i.step, "per_step": i.per_step, "manual_score": i.manual_score,
                 "rule": i.rule, "reason": i.reason} for i in ev.indicators]
    if name == "tbl_bands":
        return [{"code": i.code, "closed": b.closed.value, "lower": b.lower, "upper": b.upper,
                 "score": b.score} for i in ev.indicators for b in i.bands]
    if name == "tbl_conclusions":
        return [{"no": n, "text": text} for n, text in enumerate(ev.conclusions, start=1)]
    if name == "tbl_analysis":
        return [{"heading": a.heading, "level": a.level, "text": a.text} for a in ev.analysis]
    if name == "tbl_grades":
        return [{"grade": g.grade, "min_score": g.min_score, "wording": g.wording}
                for g in ev.grades]
    if name == "tbl_extra_sections":
        return [{"title": x.title, "text": x.text} for x in ev.extra_sections]
    if name == "tbl_findings":
        return []  # written by 校验数据
    raise KeyError(name)


# --- validation --------------------------------------------------------------------------

def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def validation_for(kind: str, *, label: str, help_text: str, max_len: int | None = None,
                   rule_key: tuple[str, str] | None = None, list_source: str | None = None,
                   first_cell: str = "") -> dict:
    """The XlsxWriter data-validation options for an input of ``kind``."""
    if rule_key == ACTUAL_RULE:
        opts = {"validate": "custom",
                "value": f'=OR(ISNUMBER({first_cell}),{first_cell}="是",{first_cell}="否")'}
        error = "请填写数字（百分比按小数填），是否法填“是”或“否”"
    elif kind == "choice":
        opts = {"validate": "list", "source": list_source}
        error = "请从下拉列表中选择"
    elif kind in ("text", "longtext"):
        limit = max_len or TEXT_LIMITS[kind]
        opts = {"validate": "length", "criteria": "<=", "value": limit}
        error = f"文字不超过 {limit} 个字符"
    elif kind == "money":
        opts, error = dict(_NON_NEGATIVE[0]), "金额应为不小于 0 的数字（万元）"
    elif kind == "date":
        opts = {"validate": "date", "criteria": "between", "minimum": datetime(2000, 1, 1),
                "maximum": datetime(2100, 12, 31)}
        error = "请填写日期，如 2023-4-11"
    elif kind == "year":
        opts = {"validate": "integer", "criteria": "between", "minimum": 2000, "maximum": 2100}
        error = "请填写四位年份，如 2022"
    elif kind == "int":
        if rule_key in INT_RULES:
            opts, error = dict(INT_RULES[rule_key][0]), INT_RULES[rule_key][1]
        elif rule_key is None:  # a scalar count such as 下属二级预算单位数量
            opts = {"validate": "integer", "criteria": ">=", "value": 0}
            error = "请填写不小于 0 的整数"
        else:
            opts, error = dict(_POSITIVE_INT[0]), _POSITIVE_INT[1]
    elif kind in ("number", "percent"):
        opts, error = (dict(NUMBER_RULES[rule_key][0]), NUMBER_RULES[rule_key][1]) \
            if rule_key in NUMBER_RULES else (dict(_ANY_NUMBER[0]), _ANY_NUMBER[1])
    else:
        raise ValueError(f"no validation for kind {kind!r}")
    opts.update({
        "input_title": _clip(label, 32),
        "input_message": _clip(help_text or default_help(kind), 255),
        "error_title": _clip(label, 32),
        "error_message": _clip(error, 255),
        "error_type": "stop",
    })
    return opts


def default_help(kind: str) -> str:
    return {
        "money": "万元，保留两位小数", "int": "整数", "year": "四位年份", "date": "日期",
        "number": "数字；百分比按小数填，如 95% 填 0.95", "percent": "百分比按小数填",
        "text": "文字", "longtext": "文字，可多段", "choice": "从下拉列表中选择",
    }.get(kind, "")


# --- fields and outputs ------------------------------------------------------------------

def write_fields(sheets: dict[str, SheetContext], styles: Styles, ev: Evaluation) -> None:
    """Every scalar input: label to its left, yellow unlocked cell, validation, help."""
    for f in layout.FIELDS:
        ctx = sheets[f.sheet]
        row, col = xl_cell_to_rowcol(f.cell)
        write_value(ctx, row, col - 1, f.label, styles.get("label"))
        write_value(ctx, row, col, field_value(ev, f.name), styles.cell("input", f.kind))
        ctx.ws.data_validation(row, col, row, col, validation_for(
            f.kind, label=f.label, help_text=f.help, max_len=f.max_len))
        if f.kind == "longtext":
            ctx.ws.set_row(row, 96)


def write_outputs(sheets: dict[str, SheetContext], styles: Styles,
                  values: dict | None = None) -> None:
    """Formula cells (locked, blue) and Python-written status cells (grey, unlocked)."""
    from selfeval_xl import TEMPLATE_VERSION

    taken = {xl_cell_to_rowcol(o.cell) + (o.sheet,) for o in layout.OUTPUTS}
    taken |= {xl_cell_to_rowcol(f.cell) + (f.sheet,) for f in layout.FIELDS}
    for o in layout.OUTPUTS:
        ctx = sheets[o.sheet]
        row, col = xl_cell_to_rowcol(o.cell)
        num_format = OUTPUT_FORMATS.get(o.name, "#,##0.00" if o.sheet == layout.SHEET_EXPENDITURE
                                        else "General")
        if o.formula:
            ctx.mark(row, col)
            ctx.ws.write_formula(row, col, o.formula, styles.get("formula", num_format))
            # An input message on a locked cell still explains it when selected.
            ctx.ws.data_validation(row, col, row, col, {
                "validate": "any", "input_title": _clip(o.label, 32),
                "input_message": _clip(f"{o.label}：由公式自动计算，无需填写。", 255)})
        elif o.name == "template_version":
            write_value(ctx, row, col, TEMPLATE_VERSION, styles.get("const"))
        elif values and values.get(o.name) is not None:
            write_value(ctx, row, col, values[o.name], styles.get("output"))
        else:
            write_value(ctx, row, col, None, styles.get("output"))
        if (row, col - 1, o.sheet) not in taken:
            write_value(ctx, row, col - 1, o.label, styles.get("label"))


def add_output_rules(sheets: dict[str, SheetContext], styles: Styles) -> None:
    """Conditional formatting: a difference that is not 0, weights that do not total 100."""
    bad = styles.get("bad")
    for o in layout.OUTPUTS:
        ws = sheets[o.sheet].ws
        if o.name.endswith("_diff"):
            ws.conditional_format(o.cell, {"type": "cell", "criteria": "!=", "value": 0,
                                           "format": bad})
        elif o.name == "weight_total":
            ws.conditional_format(o.cell, {"type": "cell", "criteria": "!=", "value": 100,
                                           "format": bad})


# --- tables ------------------------------------------------------------------------------

_THIS_ROW = re.compile(r"\[@([^\[\]]+)\]")


def expand_this_row(formula: str, table_name: str) -> str:
    """``[@列]`` → ``tbl[[#This Row],[列]]``, the form Excel itself stores in the file.

    XlsxWriter turns ``[@列]`` into ``[[#This Row],列]``, which LibreOffice evaluates as
    #N/A; the fully qualified form works in both. String literals are left alone.
    """
    parts = formula.split('"')
    for i in range(0, len(parts), 2):  # even parts are outside string literals
        parts[i] = _THIS_ROW.sub(lambda m: f"{table_name}[[#This Row],[{m.group(1)}]]", parts[i])
    return '"'.join(parts)


def column_format(styles: Styles, column: layout.Column):
    if column.kind == "formula":
        return styles.get("formula", COLUMN_FORMATS.get(column.key, "General"))
    if column.kind == "output":
        num = COLUMN_FORMATS.get(column.key, "General")
        return styles.get("output", num, wrap=num == "General")
    return styles.cell("input", column.kind)


def write_table(ctx: SheetContext, styles: Styles, table: layout.Table, ev: Evaluation,
                list_sources: dict[tuple[str, ...], str]) -> None:
    """A ListObject with its title, header, calculated columns, typed cells and validation."""
    items = table_items(table, ev)
    rows = max(table.min_rows, len(items))
    top, left = xl_cell_to_rowcol(table.anchor)
    ws = ctx.ws
    write_value(ctx, top - 1, left, table.title, styles.get("subtitle"))
    columns = []
    for column in table.columns:
        spec = {"header": column.header, "header_format": styles.get("header"),
                "format": column_format(styles, column)}
        if column.formula:
            spec["formula"] = expand_this_row(column.formula, table.name)
        columns.append(spec)
    last_col = left + len(table.columns) - 1
    ws.add_table(top, left, top + rows, last_col, {
        "name": table.name, "columns": columns, "autofilter": False,
        "style": "Table Style Light 1"})
    ctx.mark(top + rows, last_col)
    for offset, column in enumerate(table.columns):
        col = left + offset
        ws.set_column(col, col, column.width)
        if column.kind == "formula":
            continue  # XlsxWriter writes the calculated column into every row
        fmt = column_format(styles, column)
        for index in range(rows):
            value = items[index].get(column.key) if index < len(items) else None
            write_value(ctx, top + 1 + index, col, value, fmt)
        if column.kind == "output":
            continue
        first = xl_rowcol_to_cell(top + 1, col)
        ws.data_validation(top + 1, col, top + rows, col, validation_for(
            column.kind, label=column.header, help_text=column.help,
            rule_key=(table.name, column.key), list_source=list_sources.get(column.choices),
            first_cell=first))
    if any(c.kind == "longtext" for c in table.columns):
        for index in range(rows):
            ws.set_row(top + 1 + index, 45)
    if table.name == "tbl_indicators":
        _indicator_rules(ws, styles, table, top, left, rows)


def _indicator_rules(ws, styles: Styles, table: layout.Table, top: int, left: int,
                     rows: int) -> None:
    """Mark a missing 扣分原因 and a Python score that disagrees with the formula."""
    keys = [c.key for c in table.columns]

    def ref(key: str) -> str:  # column absolute, row relative to the first data row
        return xl_rowcol_to_cell(top + 1, left + keys.index(key), col_abs=True)

    first, last = top + 1, top + rows
    reason = left + keys.index("reason")
    ws.conditional_format(first, reason, last, reason, {
        "type": "formula", "format": styles.get("warn"),
        "criteria": f'=AND(ISNUMBER({ref("score")}),ISNUMBER({ref("weight")}),'
                    f'{ref("score")}<{ref("weight")},LEN({ref("reason")})=0)'})
    py = left + keys.index("py_score")
    ws.conditional_format(first, py, last, py, {
        "type": "formula", "format": styles.get("bad"),
        "criteria": f'=AND(ISNUMBER({ref("py_score")}),ISNUMBER({ref("score")}),'
                    f'ROUND({ref("py_score")},2)<>ROUND({ref("score")},2))'})
