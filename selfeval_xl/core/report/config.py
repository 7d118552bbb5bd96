"""The report's section list and wording, as data (``templates/report_default.json``).

A city ships its own template (another section, other wording) without touching code:
``selfeval-xl report --template city.json``. A template may give only what it changes:
``wording`` entries are merged over the default ones; ``title``, ``header`` and
``sections`` replace the default when present. The format is documented in docs/report.md.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
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

# How the report's lists are numbered (``numbering`` in the template). Item styles put
# the number before each paragraph; goal layouts say whether goals are a numbered list,
# 一是/二是 points in one paragraph, or one plain paragraph. A single officer's item is
# never numbered; the expenditure items are the tool's own sentence and always are.
ITEM_STYLES = ("1.", "1、", "（1）")
GOAL_LAYOUTS = ("list", "points", "paragraph")
DEFAULT_NUMBERING = {"tasks": "1.", "goals": "list", "goal_items": "1.", "conclusions": "1.",
                     "expenditure": "1."}
# The numbering keys whose value is an item style.
ITEM_STYLE_KEYS = ("tasks", "goal_items", "conclusions", "expenditure")

# Every key a template may hold, as the default template's shape: a dict lists its keys,
# a list of dicts describes its items; keys starting with "_" are comments.
_SCHEMA_EXTRA = {
    "format": None, "title": None, "numbering": {k: None for k in DEFAULT_NUMBERING},
    "header": {"separator": None, "date_format": None, "zero_count": None,
               "lines": [{"label": None, "field": None}]},
    "sections": None,  # checked by _section
}
_SECTION_KEYS = ("title", "content", "sections")

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
    numbering: dict = field(default_factory=lambda: dict(DEFAULT_NUMBERING))


def item_number(style: str, n: int) -> str:
    """The number of the n-th item in a numbering style: "1." → "2.", "（1）" → "（2）"."""
    return style.replace("1", str(n), 1)


def section_titles(cfg: ReportConfig) -> dict[str, str]:
    """Content kind → the numbered title of the first section that shows it, as the
    template numbers it ("tasks" → "（二）年度总体工作和重点工作任务"), so a finding that
    points at the report names the section the officer will see."""
    from selfeval_xl.core.report.numbering import cn_number, numbering

    out: dict[str, str] = {}

    def walk(sections: tuple[Section, ...], level: int, parent: str) -> None:
        for n, sec in enumerate(sections, start=1):
            number = numbering(level, n)
            # 一、 at the top; below it the parent's numeral leads, as reports write 二（一）.
            label = f"{parent}{number}{sec.title}"
            for item in sec.content:
                kind = item if isinstance(item, str) else ""
                if kind and kind not in out:
                    out[kind] = label
            walk(sec.sections, level + 1, cn_number(n) if level == 1 else parent + number)

    walk(cfg.sections, 1, "")
    return out


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


def _unknown_keys(value: Any, shape: Any, path: str) -> list[str]:
    """Keys in ``value`` that ``shape`` does not have (paths like "wording.expenditure.leed")."""
    out: list[str] = []
    if isinstance(shape, dict) and isinstance(value, dict):
        for key, sub in value.items():
            where = f"{path}.{key}" if path else str(key)
            if str(key).startswith("_"):
                continue
            if key not in shape:
                out.append(where)
            else:
                out += _unknown_keys(sub, shape[key], where)
    elif isinstance(shape, list) and shape and isinstance(value, list):
        for i, item in enumerate(value):
            out += _unknown_keys(item, shape[0], f"{path}[{i}]")
    return out


def _shape(default: dict) -> dict:
    shape = dict(_SCHEMA_EXTRA)
    shape["wording"] = default.get("wording", {})
    return shape


def check_keys(d: dict, source: str = "") -> None:
    """Refuse a template that has a key the program does not know (a misspelt one does
    nothing silently otherwise), naming the key and the file.

    Raises:
        ConfigError: the first unknown keys, in Chinese.
    """
    unknown = _unknown_keys(d, _shape(_default_dict()), "")
    unknown += _unknown_section_keys(d.get("sections"), "sections")
    if unknown:
        where = f"报告模板“{source}”" if source else "报告模板"
        raise ConfigError(f"{where}中有程序不认识的设置：{'、'.join(unknown)}。"
                          "请检查拼写（可用的设置见 docs/report.md）；未生成任何文件。")


def _unknown_section_keys(sections: Any, path: str) -> list[str]:
    out: list[str] = []
    if not isinstance(sections, list):
        return out
    for i, sec in enumerate(sections):
        if not isinstance(sec, dict):
            continue
        for key in sec:
            if not str(key).startswith("_") and key not in _SECTION_KEYS:
                out.append(f"{path}[{i}].{key}")
        out += _unknown_section_keys(sec.get("sections"), f"{path}[{i}].sections")
    return out


def _numbering(d: Any) -> dict:
    if not isinstance(d, dict):
        raise ConfigError("模板 numbering 应为对象")
    out = dict(DEFAULT_NUMBERING)
    out.update(d)
    for key in ITEM_STYLE_KEYS:
        if out[key] not in ITEM_STYLES:
            raise ConfigError(f"模板 numbering.{key}“{out[key]}”不受支持，"
                              f"可用：{'、'.join(ITEM_STYLES)}")
    if out["goals"] not in GOAL_LAYOUTS:
        raise ConfigError(f"模板 numbering.goals“{out['goals']}”不受支持，可用：list（编号列表）、"
                          "points（一是、二是……连成一段）、paragraph（一段）")
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
        elif isinstance(item, dict) and set(item) == {"extra"} and isinstance(item["extra"], str):
            pass  # the officer's extra section with that title (tbl_extra_sections)
        elif not (isinstance(item, dict) and set(item) == {"text"}
                  and isinstance(item["text"], str)):
            raise ConfigError(f"模板 {path}.content[{i}] 应为内容名称、{{\"text\": \"…\"}} "
                              f"或 {{\"extra\": \"增设章节标题\"}}")
    subs = d.get("sections", [])
    if not isinstance(subs, list):
        raise ConfigError(f"模板 {path}.sections 应为列表")
    return Section(
        title=d["title"],
        content=tuple(content),
        sections=tuple(_section(s, f"{path}.sections[{i}]", depth + 1)
                       for i, s in enumerate(subs)),
    )


def from_dict(d: dict, *, merge_default: bool = True, source: str = "") -> ReportConfig:
    """A ReportConfig from a template dict (merged over the default unless told not to).

    Args:
        source: the file it came from, named in messages.

    Raises:
        ConfigError: the template is malformed or has a key the program does not know.
    """
    if not isinstance(d, dict):
        raise ConfigError("模板应为 JSON 对象")
    check_keys(d, source)
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
        numbering=_numbering(data.get("numbering", {})),
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
    return from_dict(d, source=str(path))


STORED = "工作簿“使用说明”C27（report_template）"
# Excel keeps at most 32,767 characters in a cell, counted in UTF-16 units (a character
# outside the Basic Multilingual Plane counts twice); a longer text is cut when the
# workbook is opened or the cell is typed into.
CELL_LIMIT = 32767
_RESTORE = "请用 selfeval-xl report 工作簿 --template 模板文件 重新保存模板。"


def cell_length(text: str) -> int:
    """The length of ``text`` as Excel counts it against :data:`CELL_LIMIT`."""
    return len(text.encode("utf-16-le")) // 2


def from_stored(text: object) -> ReportConfig | None:
    """The template a workbook carries (the ``report_template`` cell), validated; None when
    the cell is blank (the built-in template applies).

    A text longer than a cell may hold is refused even when it parses: Excel would cut it,
    and the button would then make another report than the command line.

    Raises:
        ConfigError: the stored text is too long, cut at the cell limit, or not a valid
            template (message names the cell).
    """
    if not isinstance(text, str) or not text.strip():
        return None
    n = cell_length(text)
    if n > CELL_LIMIT:
        raise ConfigError(f"报告模板“{STORED}”有 {n:,} 个字符，超过 Excel 单元格最多 "
                          f"{CELL_LIMIT:,} 个字符的上限，Excel 会截断它；{_RESTORE}")
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        if n == CELL_LIMIT:  # cut where Excel cuts: say so rather than point at a comma
            raise ConfigError(f"报告模板“{STORED}”正好 {CELL_LIMIT:,} 个字符（Excel 单元格的上限）"
                              f"且不是完整的 JSON，已被截断；{_RESTORE}") from None
        raise ConfigError(f"报告模板“{STORED}”不是有效的 JSON，{syntax_message(exc)}。") from None
    return from_dict(d, source=STORED)


def stored_text(path: str | Path) -> str:
    """A template file as the workbook stores it: validated, compact JSON that fits a cell.

    Raises:
        ConfigError: a bad template, or one too long for a cell even as compact JSON
            (checked before anything is written).
    """
    load(path)  # refuses a bad template before anything is written
    d = json.loads(Path(path).read_bytes().decode("utf-8-sig"))
    text = json.dumps(d, ensure_ascii=False, separators=(",", ":"))
    n = cell_length(text)
    if n > CELL_LIMIT:
        raise ConfigError(f"报告模板“{path}”存入工作簿需要 {n:,} 个字符（已去掉缩进和换行），"
                          f"超过 Excel 单元格最多 {CELL_LIMIT:,} 个字符的上限；请精简模板"
                          "（例如删去以 _ 开头的说明、缩短固定文字）后重试。未生成任何文件。")
    return text


def default() -> ReportConfig:
    return load(None)
