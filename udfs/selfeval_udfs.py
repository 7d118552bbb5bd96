"""Excel worksheet functions (UDFs) over the core: optional helpers, never needed to read a figure.

Each function is a thin ``@xw.func`` wrapper: convert Excel's arguments (floats, text,
None for blank, lists for ranges) to the model's types, call the core function the CLI
uses, convert back. The docstring is the tooltip Excel shows in the function wizard.
Bad arguments give a readable Chinese text in the cell (``错误：…``), never a traceback.

The workbook names this module in its ``xlwings.conf`` sheet (UDF MODULES); the VBA
wrapper module is generated from it at build time (``selfeval_xl.build.udf_vba``).
Every function here must be listed in ``__all__``, which is what the generator reads
(outside Windows ``@xw.func`` leaves no mark on the function). When a cell shows #NAME?,
Python or the wrapper module is missing: the native formulas beside it still hold every
figure (docs/windows.md).
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any, Callable

import xlwings as xw

from selfeval_xl.core import scoring
from selfeval_xl.core.model import (
    DEFAULT_GRADES,
    Band,
    Basics,
    Closed,
    Evaluation,
    Expenditure,
    GradeBand,
    Indicator,
    Method,
)
from selfeval_xl.core.money import CENT, fmt_wan, parse_number, quantize
from selfeval_xl.core.report import Heading, build_document
from selfeval_xl.core.report import config as report_config

__all__ = [
    "se_grade",
    "se_indicator_score",
    "se_score_explanation",
    "se_wan",
    "se_diff",
    "se_expenditure_text",
]

# What Excel's function wizard (fx) shows for each argument, registered with
# Application.MacroOptions (selfeval_xl/build/udf_vba.py); the docstring is the description.
_INDICATOR_ARGS = {
    "code": "指标编码，如 [@编码]", "weight": "分值", "method": "评分方法：比率/区间/扣分/是否/人工",
    "target": "目标值（比率法的分母）", "actual": "实际值；是否法填“是”或“否”",
    "threshold": "扣分起点", "step_size": "扣分步长", "per_step": "每步扣分",
    "manual_score": "人工得分（人工评分法）", "bands": "区间评分表 tbl_bands（区间法用，可省略）",
}
ARGUMENT_HELP = {
    "se_grade": {"score": "自评得分，如 self_score",
                 "grades": "等级表 tbl_grades（可省略，省略时按 90/80/60 分档）"},
    "se_indicator_score": _INDICATOR_ARGS,
    "se_score_explanation": _INDICATOR_ARGS,
    "se_wan": {"amount": "金额（万元）"},
    "se_diff": {"total": "合计数，如 exp_total", "parts": "各组成部分（可多个单元格或区域）"},
    "se_expenditure_text": {
        "eval_year": "评价年度，如 eval_year", "self_ref": "报告中的自称，如 dept_self_ref",
        "total": "部门整体支出（万元）", "general_budget": "一般公共预算支出", "gov_fund": "政府性基金预算支出",
        "other": "其他资金支出", "basic": "基本支出", "personnel": "人员经费", "public_exp": "公用经费",
        "project": "项目支出"},
}


class _ArgError(ValueError):
    """An argument Excel passed that the function cannot use; the text goes into the cell."""


def _friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn an argument error into the cell text ``错误：…`` instead of a VBA error dialog."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except _ArgError as exc:
            return f"错误：{exc}"

    return wrapper


def _number(raw: Any, what: str, *, percent: bool = False) -> Decimal | None:
    """A cell value as Decimal (None when blank); text such as "921.52万元" is accepted, and
    "96%" where ``percent`` (rates are stored as fractions, as in the workbook)."""
    if isinstance(raw, str) and not raw.strip():
        return None
    parsed = parse_number(raw, unit="万元", percent=percent)
    if not parsed.ok:
        raise _ArgError(f"{what}“{raw}”{'；'.join(parsed.notes) or '不是数字'}")
    return parsed.value


def _rows(raw: Any) -> list[list[Any]]:
    """A range argument as rows: xlwings passes a single cell as a scalar and one row as a list."""
    if raw is None:
        return []
    if not isinstance(raw, (list, tuple)):
        return [[raw]]
    if raw and not isinstance(raw[0], (list, tuple)):
        return [list(raw)]
    return [list(r) for r in raw]


def _flat(values: Any) -> list[Any]:
    return [v for row in _rows(values) for v in row]


def _out(value: Decimal | None) -> float | str:
    """A Decimal as an Excel number (a double); "" for none, which Excel shows blank."""
    return "" if value is None else float(value)


def _grades(raw: Any) -> tuple[GradeBand, ...]:
    rows = [r for r in _rows(raw) if any(v not in (None, "") for v in r)]
    if not rows:
        return DEFAULT_GRADES
    grades = []
    for row in rows:
        if len(row) < 2:
            raise _ArgError("等级表应至少有“等级、最低分”两列")
        minimum = _number(row[1], f"等级“{row[0]}”的最低分")
        if minimum is None:
            raise _ArgError(f"等级“{row[0]}”的最低分空白")
        wording = str(row[2]) if len(row) > 2 and row[2] is not None else ""
        grades.append(GradeBand(str(row[0] or "").strip(), minimum, wording))
    return tuple(grades)


@xw.func
@_friendly
def se_grade(score, grades=None):
    """自评等级：给出得分对应的等级（优/良/中/差）。grades 可选，为“等级与结论用语”表的数据区域（等级、最低分两列起，从高到低）；省略时按 90/80/60 分档。"""
    value = _number(score, "得分")
    if value is None:
        return ""
    return scoring.grade_of(quantize(value), _grades(grades))


def _bands(code: str, raw: Any) -> tuple[Band, ...]:
    """Band rows of ``tbl_bands`` for ``code``: 5 columns (指标编码 first) or 4 (no code)."""
    bands = []
    for row in _rows(raw):
        if len(row) >= 5:
            if str(row[0] or "").strip() != code:
                continue
            row = row[1:]
        if len(row) < 4:
            raise _ArgError("区间表应有“区间、下限、上限、得分”四列（可在前面加指标编码列）")
        closed_text, lower, upper, points = row[:4]
        if all(v in (None, "") for v in (lower, upper, points)):
            continue
        closed = Closed.LOWER if str(closed_text or "").strip() == Closed.LOWER.value else Closed.UPPER
        points_value = _number(points, "区间得分")
        bands.append(Band(_number(lower, "区间下限", percent=True), _number(upper, "区间上限", percent=True),
                          points_value if points_value is not None else Decimal(0), closed))
    return tuple(bands)


def _indicator(code, weight, method, target, actual, threshold, step_size, per_step,
               manual_score, bands) -> Indicator:
    code_text = "" if code is None else str(code).strip()
    if isinstance(actual, str) and actual.strip() in ("是", "否"):
        actual_value: Decimal | str | None = actual.strip()
    elif isinstance(actual, str) and actual.strip() and not parse_number(actual, unit="万元",
                                                                          percent=True).ok:
        actual_value = actual.strip()  # kept as text: the scorer counts it 0 and says so
    else:
        actual_value = _number(actual, "实际值", percent=True)
    method_text = "" if method is None else str(method).strip()
    return Indicator(
        code=code_text, level1="", level2="", level3="",
        weight=_number(weight, "分值"),
        method=Method.from_label(method_text), method_text=method_text,
        target=_number(target, "目标值", percent=True), actual=actual_value,
        threshold=_number(threshold, "扣分起点", percent=True),
        step=_number(step_size, "扣分步长", percent=True),
        per_step=_number(per_step, "每步扣分"), manual_score=_number(manual_score, "人工得分"),
        bands=_bands(code_text, bands),
    )


@xw.func
@_friendly
def se_indicator_score(code, weight, method, target=None, actual=None, threshold=None,
                       step_size=None, per_step=None, manual_score=None, bands=None):
    """指标得分：按评分方法（比率/区间/扣分/是否/人工）计算一个指标的得分，与“计算得分”按钮相同。参数依次为指标评分表的编码、分值、评分方法、目标值、实际值、扣分起点、扣分步长、每步扣分、人工得分，以及区间评分表（区间法用）。"""
    result = scoring.score_indicator(
        _indicator(code, weight, method, target, actual, threshold, step_size, per_step,
                   manual_score, bands))
    return _out(result.score)


@xw.func
@_friendly
def se_score_explanation(code, weight, method, target=None, actual=None, threshold=None,
                         step_size=None, per_step=None, manual_score=None, bands=None):
    """得分说明：用一句话说明指标得分是怎样算出来的。参数与 se_indicator_score 相同。"""
    result = scoring.score_indicator(
        _indicator(code, weight, method, target, actual, threshold, step_size, per_step,
                   manual_score, bands))
    return result.explanation


@xw.func
@_friendly
def se_wan(amount):
    """万元金额文字：保留两位小数、不加千分位，与报告中的写法相同（如 921.52）。空白返回空。"""
    return fmt_wan(_number(amount, "金额"))


@xw.func
@_friendly
def se_diff(total, *parts):
    """合计差额：合计数减去各组成部分之和，精确到分（0.01 万元）；为 0 表示相符。空白按 0 计。"""
    whole = _number(total, "合计数") or Decimal(0)
    pieces = [_number(v, "组成部分") for p in parts for v in _flat(p)]
    diff = whole - sum((v for v in pieces if v is not None), Decimal(0))
    return float(diff.quantize(CENT))


# The expenditure paragraph is built by the report's own code, through a template holding
# only that section, so the UDF and the report can never word it differently.
_EXPENDITURE_ONLY = {"header": {"lines": []},
                     "sections": [{"title": "支出", "content": ["expenditure"]}]}


@xw.func
@_friendly
def se_expenditure_text(eval_year, self_ref, total, general_budget=None, gov_fund=None,
                        other=None, basic=None, personnel=None, public_exp=None, project=None):
    """支出情况段落：生成报告“（四）部门整体支出情况”的文字。参数依次为评价年度、报告中自称、部门整体支出、一般公共预算、政府性基金、其他资金、基本支出、人员经费、公用经费、项目支出（万元）。"""
    year = _number(eval_year, "评价年度")
    ev = Evaluation(
        basics=Basics(dept_self_ref="" if self_ref is None else str(self_ref).strip(),
                      eval_year=None if year is None else int(year)),
        expenditure=Expenditure(
            exp_total=_number(total, "部门整体支出"),
            exp_general_budget=_number(general_budget, "一般公共预算支出"),
            exp_gov_fund=_number(gov_fund, "政府性基金预算支出"),
            exp_other=_number(other, "其他资金支出"),
            exp_basic=_number(basic, "基本支出"),
            exp_personnel=_number(personnel, "人员经费"),
            exp_public=_number(public_exp, "公用经费"),
            exp_project=_number(project, "项目支出"),
        ),
    )
    doc = build_document(ev, None, config=report_config.from_dict(_EXPENDITURE_ONLY))
    start = next(i for i, b in enumerate(doc.blocks) if isinstance(b, Heading)) + 1
    # one cell: the report's paragraphs become lines (wrap text shows them as such)
    return "\n".join(b.plain for b in doc.blocks[start:])
