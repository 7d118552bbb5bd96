"""Chinese for everything the command line says, click's own messages included.

click formats its messages (usage line, "Error: …", "No such option", "Missing argument",
"Show this message and exit." …) through module-level ``gettext`` functions. An officer
must never meet English there, and the system locale cannot be relied on (no .mo files
on a finance office's PC), so :func:`install` points click's modules at a translator over
:data:`MESSAGES`, a plain table kept next to the click version it was written for (click is
pinned exactly in pyproject.toml; ``tests/test_cli_zh.py`` fails if a message of that
version is missing from the table).

Input files given as arguments go through :class:`InputFile`, so every command answers a
missing file, a folder, a dangling link or an unreadable file with the same sentence and
exit status 2, before any work starts.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import click

# English message (as click writes it) → Chinese. Placeholders keep click's names; ``!r``
# conversions are dropped so values print inside Chinese quotes, not Python reprs.
MESSAGES: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看用法。",
    "Invalid value: {message}": "取值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "No such option {name!r}.": "没有选项“{name}”。",
    "No such command {name!r}.": "没有命令“{name}”。",
    "Missing command.": "缺少命令。",
    "Aborted!": "已中止。",
    "unknown error": "未知错误",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "Invalid start character for option ({option})": "选项开头的字符无效（{option}）",
    "Argument {name!r} takes {nargs} values.": "参数“{name}”需要 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项“{name}”不带值。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "“{filename}”是文件，这里需要文件夹。",
    "{name} {filename!r} is a directory.": "“{filename}”是文件夹，这里需要文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”无法读取。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”无法写入。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不可执行。",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "(dynamic)": "（动态）",
    "deprecated": "已弃用",
    "Value must be an iterable.": "值应为列表。",
}

# ngettext pairs: (singular, plural) → one Chinese text (Chinese has no plural forms; click
# passes both forms' fields, and fields a text does not use are ignored).
PLURALS: dict[tuple[str, str], str] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        "多余的参数（{args}）",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        "（是否要用：{possibilities}？）",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        "选项“{name}”需要 {nargs} 个值。",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        "“{value}”不是可选值（可用：{choices}）。",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        "需要 {nargs} 个值，给了 {len} 个。",
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        "需要 {len_type} 个值，给了 {len_value} 个。",
}

# click's type names as they appear inside "is not a valid {number_type}".
TYPE_NAMES = {"integer": "整数", "float": "数字", "boolean": "是/否", "text": "文字"}

_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types",
                  "termui", "utils")


class _Template(str):
    """A translated template whose ``format`` also drops click's unused placeholders and
    translates type names, so one Chinese text serves both ngettext forms."""

    def format(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        fields = {k: _quoted(TYPE_NAMES.get(v, v)) if isinstance(v, str) else v
                  for k, v in kwargs.items()}
        return str.format_map(self, _Blank(fields))


_REPR_QUOTED = re.compile(r"'([^']*)'")


def _quoted(text: str) -> str:
    # click quotes option names and choices with Python's repr ('--json'); Chinese text
    # quotes with “”.
    return _REPR_QUOTED.sub(r"“\1”", text)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def gettext(message: str) -> str:
    text = MESSAGES.get(message)
    return message if text is None else _Template(text)


def ngettext(singular: str, plural: str, n: int) -> str:
    text = PLURALS.get((singular, plural))
    if text is None:
        return singular if n == 1 else plural
    return _Template(text)


def install() -> None:
    """Point click's message functions at the Chinese table (idempotent)."""
    import importlib

    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext


class InputFileError(click.ClickException):
    """An input file that cannot be used; exit status 2 like every unreadable input."""

    exit_code = 2


def input_file_problem(path: Path, *, folder_ok: bool = False) -> str | None:
    """Why ``path`` cannot be read as an input file (Chinese), or None when it can.
    ``folder_ok``: a folder is an input too (collect's inbox)."""
    if not os.path.lexists(path):
        return f"找不到文件“{path}”。"
    if path.is_symlink() and not path.exists():
        return f"“{path}”是指向不存在文件的链接（{os.readlink(path)}）。"
    if path.is_dir():
        return None if folder_ok else f"“{path}”是文件夹，不是文件。"
    if not path.is_file():
        # a named pipe or device: opening it here could wait for ever; the reader refuses
        # it without opening it for reading (READ_FILE_UNREADABLE)
        return None
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        return f"无法读取文件“{path}”：{exc.strerror or exc}。"
    return None


class InputFile(click.ParamType):
    """An existing, readable file (workbook, data file, template); else one Chinese sentence."""

    name = "文件"

    def __init__(self, metavar: str = "文件", *, folder_ok: bool = False):
        self.metavar = metavar
        self.folder_ok = folder_ok

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return self.metavar

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Path:
        path = Path(value)
        problem = input_file_problem(path, folder_ok=self.folder_ok)
        if problem:
            raise InputFileError(problem)
        return path


def _missing(exc: click.MissingParameter, ctx: click.Context) -> click.UsageError:
    # click builds this sentence with an English full stop outside its translatable parts.
    param = exc.param
    if param is None:
        return click.UsageError("缺少参数。", ctx)
    if isinstance(param, click.Argument):
        return click.UsageError(f"缺少参数“{param.make_metavar(ctx)}”。", ctx)
    names = " / ".join(param.opts)
    return click.UsageError(f"缺少选项“{names}”。", ctx)


# The metavar an option shows in --help when its author gave none (click would print the
# type's English name: TEXT, INTEGER, PATH …).
TYPE_METAVARS = {"text": "文字", "integer": "整数", "float": "数字", "boolean": "是/否",
                 "integer range": "整数", "float range": "数字", "uuid": "UUID"}


# Arguments are shown by name (click prints it upper-cased: USERNAME).
ARGUMENT_METAVARS = {"username": "用户名", "book": "工作簿", "inputs": "文件或文件夹..."}


def _metavar(param: click.Parameter) -> str | None:
    if isinstance(param, click.Argument):
        # An InputFile names itself (and click then marks an optional one [工作簿]).
        if isinstance(param.type, InputFile):
            return None
        return ARGUMENT_METAVARS.get(param.name or "")
    if isinstance(param.type, click.Path):
        if not param.type.file_okay:
            return "文件夹"
        return "文件" if not param.type.dir_okay else "路径"
    return TYPE_METAVARS.get(param.type.name)


class ZhFormatter(click.HelpFormatter):
    """Help laid out in Chinese typography: headings and the usage prefix end in a full-width
    colon with nothing after it (click writes an ASCII colon and a space outside the texts
    it lets us translate)."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, gettext("Usage:") if prefix is None else prefix)


class ZhContext(click.Context):
    formatter_class = ZhFormatter


class ZhCommand(click.Command):
    context_class = ZhContext

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.metavar is None and not getattr(param, "is_flag", False):
                param.metavar = _metavar(param)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.MissingParameter as exc:
            raise _missing(exc, ctx) from exc


class ZhGroup(click.Group):
    """The top-level group: Chinese usage metavars and click's messages in Chinese."""

    command_class = ZhCommand
    context_class = ZhContext

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        install()
        return super().main(*args, **kwargs)


# Subgroups (``@main.group``) speak Chinese too, without taking a lazy top group's table.
ZhGroup.group_class = ZhGroup


install()
