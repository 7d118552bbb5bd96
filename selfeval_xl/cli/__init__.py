"""Command line: ``selfeval-xl COMMAND``. One module per command group, each adding its
commands to :data:`main` with ``@main.command``; this file only wires them up.

The group is lazy: running a command imports only its module, so ``check`` does not pay
for python-docx and ``--help`` pays for nothing. ``--help`` lists every command from
:data:`COMMANDS` without importing any (tests/test_cli_lazy.py keeps that table equal to
the commands' own docstrings).
"""

from __future__ import annotations

import importlib

import click

from selfeval_xl import __version__
from selfeval_xl.cli.zh import ZhGroup
from selfeval_xl.cli.zh import gettext as zh_text

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# name → (module under selfeval_xl.cli, first paragraph of the command's docstring).
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("build", "生成宏工作簿：空白模板，或用数据文件填好的工作簿。"),
    "export-data": ("export", "把工作簿中填写的数据导出为数据文件（JSON，格式 selfeval-xl/data/1）。"),
    "check": ("check", "校验工作簿：核对每个数字和输入项，按工作表列出问题。"),
    "score": ("check", "计算得分：逐项评分并说明依据，给出总分、等级和得分句。"),
    "report": ("report", "生成自评报告：Word（公文版式）、Markdown、PDF，并写入工作簿的“自评报告”工作表。"),
    "doctor": ("doctor", "检查本机安装：Python、固定版本的依赖包、xlwings DLL、LibreOffice、"
                         "中文字体、可写文件夹。"),
    "verify": ("bureau", "核验收到的自评工作簿：是否为自评模板、模板版本、校验结果、得分是否与数据一致、"
                         "报告生成后数据是否被修改。"),
    "collect": ("bureau", "汇总收件箱：逐个核验工作簿（并行、每个文件限时限内存），写出汇总工作簿和数据库。"),
    "trends": ("bureau", "各部门跨年度的自评得分、等级和预算执行率（取每年最新读取的一份）。"),
    "serve": ("serve", "运行财政局内网服务：部门用浏览器上传工作簿，得到校验、得分和报告，并报送。"),
    "users": ("serve", "服务的账号：开设、列出、重设密码、接口令牌。"),
    "bureau-key": ("receipt", "生成财政局签发回执用的 Ed25519 密钥对。"),
    "receipt": ("receipt", "为收到的工作簿签发回执：核验它（同 verify），用财政局私钥签名文件哈希与核验结果。"),
}
# Command modules, each once.
COMMAND_MODULES = tuple(dict.fromkeys(module for module, _help in COMMANDS.values()))


def short_help(name: str, limit: int) -> str:
    """The one line --help shows for a command, cut to ``limit`` as click cuts it."""
    return click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit)


class LazyGroup(ZhGroup):
    """A group whose commands are imported when first asked for by name."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"selfeval_xl.cli.{COMMANDS[cmd_name][0]}")
        return self.commands.get(cmd_name)

    def load_all(self) -> dict[str, click.Command]:
        """Every command, imported (for tests and documentation)."""
        for module in COMMAND_MODULES:
            importlib.import_module(f"selfeval_xl.cli.{module}")
        return dict(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click.Group.format_commands, with the short help taken from COMMANDS for a
        # command not imported yet.
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            cmd = self.commands.get(name)
            if cmd is not None:
                if not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(limit)))
            else:
                rows.append((name, short_help(name, limit)))
        if rows:
            with formatter.section(zh_text("Commands")):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="selfeval-xl")
def main() -> None:
    """部门整体支出绩效自评：生成工作簿、校验、评分、生成报告、核验与汇总。

    输出结果的命令都有 --json。退出码：0 正常；1 有“错误”级别的问题（或核验未通过）；
    2 用法错误或输入文件无法读取。
    """
