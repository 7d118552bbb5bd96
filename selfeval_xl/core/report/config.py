"""The report's section list and wording, as data (``templates/report_default.json``).

A city ships its own template (another section, other wording) without touching code:
``selfeval-xl report --template city.json``. A template may give only what it changes:
``wording`` entries are merged over the default ones; ``title``, ``header`` and
``sections`` replace the default when present. The format is documented in docs/report.md.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from selfeval_xl.core.json_errors import syntax_message

FORMAT = "selfeval-xl/report-template/1"

# What a section's "content" may name; build.py has one function per kind.
CONTENT_KINDS = (
    "dept_functions",
    "tasks",
    "goals",
    "expenditure",
    "conclusions",
    "score_sentence",
    "analysis",
    "other_notes",
    "outputs_table",
    "scores_table",
)

# Header fields a template may print, all from Basics.
HEADER_FIELDS = ("dept_name", "dept_self_ref", "sub_unit_count", "preparer", "phone",
                 "fill_date", "eval_year")


class ConfigError(ValueError):
    """The template is not valid (message in Chinese, naming the offending entry)."""


@dataclass(frozen=True)
class HeaderSpec:
    label: str
    field: str


@dataclass(frozen=True)
class Section:
    """One numbered section: its title, what it contains, and its subsections.

    Attributes:
        title: heading text without numbering (numbering follows the level and position).
        content: content kinds in order; a ``str`` kind or ``{"text": "…"}`` fixed text.
        sections: subsections, one level deeper.
    """

    title: str
    content: tuple[str | dict, ...] = ()
    sections: tuple["Section", ...] = ()


@dataclass(frozen=True)
class ReportConfig:
    title: str
    header_lines: tuple[HeaderSpec, ...]
    header_separator: str
    date_format: str
    zero_count: str
    sections: tuple[Section, ...]
    wording: dict


def _default_dict() -> dict:
    text = resources.files("selfeval_xl").joinpath("templates", "report_default.json").read_text(
        encoding="utf-8")
    return json.loads(text)


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _section(d: Any, path: str, depth: int) -> Section:
    if not isinstance(d, dict) or not isinstance(d.get("title"), str) or not d["title"]:
        raise ConfigError(f"模板 {path} 缺少章节标题（title）")
    if depth > 4:
        raise ConfigError(f"模板 {path} 章节层级超过四级")
    content = d.get("content", [])
    if not isinstance(content, list):
        raise ConfigError(f"模板 {path}.content 应为列表")
    for i, item in enumerate(content):
        if isinstance(item, str):
            if item not in CONTENT_KINDS:
                raise ConfigError(f"模板 {path}.content[{i}] 未知内容“{item}”，"
                                  f"可用：{'、'.join(CONTENT_KINDS)}")
        elif not (isinstance(item, dict) and isinstance(item.get("text"), str)):
            raise ConfigError(f"模板 {path}.content[{i}] 应为内容名称或 {{\"text\": \"…\"}}")
    subs = d.get("sections", [])
    if not isinstance(subs, list):
        raise ConfigError(f"模板 {path}.sections 应为列表")
    return Section(
        title=d["title"],
        content=tuple(content),
        sections=tuple(_section(s, f"{path}.sections[{i}]", depth + 1)
                       for i, s in enumerate(subs)),
    )


def from_dict(d: dict, *, merge_default: bool = True) -> ReportConfig:
    """A ReportConfig from a template dict (merged over the default unless told not to).

    Raises:
        ConfigError: the template is malformed.
    """
    if not isinstance(d, dict):
        raise ConfigError("模板应为 JSON 对象")
    fmt = d.get("format", FORMAT)
    if fmt != FORMAT:
        raise ConfigError(f"模板格式“{fmt}”不受支持，应为“{FORMAT}”")
    data = _merge(_default_dict(), d) if merge_default else d
    header = data.get("header", {})
    lines = []
    for i, line in enumerate(header.get("lines", [])):
        if not isinstance(line, dict) or line.get("field") not in HEADER_FIELDS:
            raise ConfigError(f"模板 header.lines[{i}] 的 field 应为 {'、'.join(HEADER_FIELDS)} 之一")
        lines.append(HeaderSpec(str(line.get("label", "")), line["field"]))
    date_format = str(header.get("date_format", "{year}-{month}-{day}"))
    try:
        date_format.format(year=2023, month=4, day=11, mm="04", dd="11")
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"模板 header.date_format“{date_format}”无效：可用 {{year}} {{month}} "
                          f"{{day}} {{mm}} {{dd}}") from exc
    sections = data.get("sections", [])
    if not isinstance(sections, list) or not sections:
        raise ConfigError("模板缺少章节列表（sections）")
    return ReportConfig(
        title=str(data.get("title", "")),
        header_lines=tuple(lines),
        header_separator=str(header.get("separator", "：")),
        date_format=date_format,
        zero_count=str(header.get("zero_count", "无")),
        sections=tuple(_section(s, f"sections[{i}]", 1) for i, s in enumerate(sections)),
        wording=data.get("wording", {}),
    )


def load(path: str | Path | None = None) -> ReportConfig:
    """The template at ``path`` (merged over the default), or the default when None.

    Raises:
        ConfigError: unreadable or malformed file.
    """
    if path is None:
        return from_dict(_default_dict(), merge_default=False)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"找不到报告模板“{path}”。") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"无法读取报告模板“{path}”（应为 UTF-8 编码的 JSON）：{exc}") from None
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"报告模板“{path}”不是有效的 JSON，{syntax_message(exc)}。") from None
    return from_dict(d)


def default() -> ReportConfig:
    return load(None)
