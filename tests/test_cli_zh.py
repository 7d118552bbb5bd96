"""Everything the command line says to an officer is Chinese, and one situation gets one
message in every command (issue 11)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from selfeval_xl.cli import main, zh

CLICK_SOURCE = "".join(
    (Path(click.__file__).parent / f"{m}.py").read_text(encoding="utf-8")
    for m in zh._CLICK_MODULES)

# Commands that take one input file as their argument.
FILE_COMMANDS = ("check", "score", "report", "verify", "export-data")

# Words that are names, not English prose: the product, formats, programs, file names.
NAMES = {"selfeval", "xl", "json", "JSON", "Word", "Markdown", "PDF", "pdf", "LibreOffice",
         "Excel", "xlwings", "DLL", "Python", "SQLite", "sqlite", "VBA", "MB", "docx", "md",
         "sheet", "null", "xlsm", "xlsx", "xls", "data", "docs", "SelfEvaluation", "example",
         "workbook", "out", "findings", "scores", "UTF", "ok", "API", "HTTPS", "Cookie",
         "nginx", "UUID", "dept", "bureau", "srv", "selfeval",
         "Ed", "PEM", "pub", "key"}  # the receipt key's algorithm, format and file names


def _command_names(group: click.Group) -> set[str]:
    names = set()
    for name in group.list_commands(None):
        names |= set(name.split("-"))
        command = group.get_command(None, name)
        if isinstance(command, click.Group):
            names |= _command_names(command)
    return names


COMMAND_NAMES = _command_names(main)


def _run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="selfeval-xl")


def _english_words(text: str) -> list[str]:
    text = re.sub(r"--?[a-z][a-z-]*", " ", text)  # option names
    text = re.sub(r"[\w./\\-]+\.(md|json|xlsm|xlsx|xls|sqlite|docx|pdf)\b", " ", text)  # files
    words = re.findall(r"[A-Za-z]{2,}", text)
    return [w for w in words if w not in NAMES and w not in COMMAND_NAMES]


def test_every_translated_message_is_one_click_writes():
    # A click upgrade that rewords a message would silently bring English back.
    for english in zh.MESSAGES:
        assert f'"{english}"' in CLICK_SOURCE.replace("\\n", "\n") or \
            repr(english)[1:-1] in CLICK_SOURCE, english
    for singular, plural in zh.PLURALS:
        assert f'"{singular}"' in CLICK_SOURCE and f'"{plural}"' in CLICK_SOURCE


def _all_commands(group: click.Group, path: tuple[str, ...] = ()) -> list[list[str]]:
    out = [list(path)]
    for name in group.list_commands(None):
        command = group.get_command(None, name)
        if isinstance(command, click.Group):
            out += _all_commands(command, (*path, name))
        else:
            out.append([*path, name])
    return out


@pytest.mark.parametrize("args", _all_commands(main))
def test_help_is_chinese_throughout(args):
    res = _run(*args, "--help")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("用法：selfeval-xl")
    assert "显示本帮助并退出。" in res.output
    assert _english_words(res.output) == [], res.output


def test_top_level_help_lists_options_and_commands_in_chinese():
    out = _run("--help").output
    assert "用法：selfeval-xl [选项] 命令 [参数]..." in out
    assert "\n选项：\n" in out and "\n命令：\n" in out
    assert ":\n" not in out  # no heading ends in an ASCII colon
    assert "Options" not in out and "Commands" not in out and "Usage" not in out


@pytest.fixture()
def odd_paths(tmp_path):
    folder = tmp_path / "文件夹"
    folder.mkdir()
    dangling = tmp_path / "链接.xlsm"
    dangling.symlink_to(tmp_path / "不存在.xlsm")
    return {"missing": tmp_path / "没有.xlsm", "folder": folder, "dangling": dangling}


EXPECTED = {
    "missing": "错误：找不到文件“{p}”。",
    "folder": "错误：“{p}”是文件夹，不是文件。",
    "dangling": "错误：“{p}”是指向不存在文件的链接（{target}）。",
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_one_situation_one_message_in_every_command(odd_paths, kind):
    path = odd_paths[kind]
    target = os.readlink(path) if path.is_symlink() else ""
    expected = EXPECTED[kind].format(p=path, target=target)
    for command in FILE_COMMANDS:
        res = _run(command, str(path))
        assert (res.exit_code, res.output.strip()) == (2, expected), command


def test_other_input_files_get_the_same_sentence(odd_paths):
    missing = odd_paths["missing"]
    res = _run("collect", str(missing), "-o", str(missing.with_suffix(".xlsx")))
    assert (res.exit_code, res.output.strip()) == (2, f"错误：找不到文件“{missing}”。")
    for args in (["report", "--data", str(missing)], ["build", "--data", str(missing)],
                 ["report", "--example", "--template", str(missing)]):
        res = _run(*args)
        assert (res.exit_code, res.output.strip()) == (2, f"错误：找不到文件“{missing}”。"), args


def test_unreadable_file_is_named(tmp_path, monkeypatch):
    path = tmp_path / "锁定.xlsm"
    path.write_bytes(b"x")
    real_open = open

    def deny(p, *a, **k):
        if Path(p) == path:
            raise PermissionError(13, "Permission denied")
        return real_open(p, *a, **k)

    monkeypatch.setattr("builtins.open", deny)
    assert zh.input_file_problem(path) == f"无法读取文件“{path}”：Permission denied。"


def test_click_usage_errors_are_chinese():
    res = _run("check")
    assert res.exit_code == 2
    assert res.output.splitlines() == [
        "用法：selfeval-xl check [选项] 工作簿",
        "运行“selfeval-xl check --help”查看用法。", "", "错误：缺少参数“工作簿”。"]
    res = _run("check", "--bogus", "x.xlsm")
    assert res.output.splitlines()[-1] == "错误：没有选项“--bogus”。"
    res = _run("chek")
    assert res.output.splitlines()[-1] == "错误：没有命令“chek”。 （是否要用：“check”？）"
    res = _run("collect", "--workers", "x", ".")
    assert res.output.splitlines()[-1] == "错误：“--workers” 的取值无效：“x”不是有效的整数。"
    res = _run("collect", ".")
    assert res.output.splitlines()[-1] == "错误：缺少选项“-o / --out”。"
    res = _run("report", "--format")
    assert res.output.splitlines()[-1] == "错误：选项“--format”需要 1 个值。"
    res = _run("--version")
    assert res.output.startswith("selfeval-xl，版本 ")
