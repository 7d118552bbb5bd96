"""Figures inside officer-written text: ``{指标名称}`` is replaced by that output indicator's
actual value, so a sentence in the report can never disagree with the table.

Built-in names: ``{评价年度}``, ``{部门名称}``, ``{自称}``. ``{{`` and ``}}`` are literal braces.
"""

from __future__ import annotations

import re

from selfeval_xl.core.model import Evaluation
from selfeval_xl.core.money import fmt_plain, fmt_wan

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]{1,40})\}")


def values(ev: Evaluation) -> dict[str, str]:
    """Every name a text may refer to, with its formatted value ("" when blank)."""
    b = ev.basics
    out = {
        "评价年度": str(b.eval_year) if b.eval_year is not None else "",
        "部门名称": b.dept_name,
        "自称": b.dept_self_ref,
    }
    for o in ev.outputs:
        out[o.name] = fmt_wan(o.actual) if o.unit == "万元" else fmt_plain(o.actual)
    return out


def names_in(text: str) -> list[str]:
    """The placeholder names a text uses, in order."""
    return [m.group(1) for m in _PLACEHOLDER.finditer(text or "") if m.group(1) is not None]


def fill(text: str, ev: Evaluation) -> tuple[str, list[str]]:
    """Replace placeholders; return the text and the names that are unknown or blank.

    An unknown or blank name is left in the text as written (``{名称}``) so the gap shows.
    """
    table = values(ev)
    missing: list[str] = []

    def sub(m: re.Match) -> str:
        token = m.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = m.group(1).strip()
        value = table.get(name, "")
        if value == "":
            missing.append(name)
            return token
        return value

    return _PLACEHOLDER.sub(sub, text or ""), missing
