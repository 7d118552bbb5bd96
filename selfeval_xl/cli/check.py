"""``selfeval-xl check`` and ``selfeval-xl score``: findings and the scored indicator tree.

Both run :mod:`selfeval_xl.pipeline` on a workbook (or a JSON data file, by its ``.json``
suffix), as the Excel buttons do; this module only prints, optionally writes the results
back (``--write``, what the buttons write), and sets the exit status:
0 ok, 1 findings of severity error (``check``), 2 unreadable input.
The ``--json`` formats are documented in docs/findings.md and kept stable.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

from typing import TYPE_CHECKING

import click

from selfeval_xl import layout, pipeline
from selfeval_xl.cli import main
from selfeval_xl.cli.zh import InputFile
from selfeval_xl.core import scoring
from selfeval_xl.core.findings import Finding, Severity, count_by_severity, has_errors, summary
from selfeval_xl.core.model import Evaluation

if TYPE_CHECKING:
    from rich.console import Console
    from rich.tree import Tree

EXIT_ERRORS, EXIT_UNREADABLE = 1, 2
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def check_json(book: str, findings: list[Finding]) -> dict:
    """The documented ``check --json`` object."""
    return {"file": book, "findings": [f.to_json() for f in findings],
            "counts": count_by_severity(findings)}


def _sheet_order(sheet: str) -> int:
    # file-level findings first, then the workbook's sheet order, then anything unknown
    if not sheet:
        return -1
    return layout.SHEETS.index(sheet) if sheet in layout.SHEETS else len(layout.SHEETS)


def _load_rich() -> None:
    """rich, imported while the workbook is read (pipeline's ``meanwhile``): it prints."""
    import rich.console  # noqa: F401
    import rich.markup  # noqa: F401


def _console() -> Console:
    from rich.console import Console

    # Piped output (logs, files, tests) is not cut at 80 columns: one finding, one line.
    width = None if sys.stdout.isatty() else 400
    return Console(width=width, highlight=False)


# A code found more than GROUP_OVER times on one sheet (a 10,000-row table of one mistake)
# prints its first SHOWN_PER_CODE findings and one line counting the rest; --json and the
# workbook's 校验结果 sheet keep every one.
GROUP_OVER, SHOWN_PER_CODE = 5, 3


def print_findings(console: Console, book: str, findings: list[Finding]) -> None:
    """Findings grouped by sheet (workbook order), then a one-line count."""
    from rich.markup import escape

    console.print(f"[bold]{escape(book)}[/bold]")
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.sheet, []).append(f)
    for sheet in sorted(groups, key=_sheet_order):
        console.print(f"\n[bold]{escape(sheet or '（整个文件）')}[/bold]")
        per_code = Counter(f.code for f in groups[sheet])
        shown: Counter = Counter()
        for f in groups[sheet]:
            total = per_code[f.code]
            if total > GROUP_OVER:
                shown[f.code] += 1
                if shown[f.code] > SHOWN_PER_CODE:
                    if shown[f.code] == SHOWN_PER_CODE + 1:
                        console.print(f"  [{_STYLE[f.severity]}]…[/] {escape(f.code)} 另有 "
                                      f"{total - SHOWN_PER_CODE} 处（本表共 {total} 处；全部见 "
                                      "--json 或工作簿的“校验结果”表）")
                    continue
            where = f.cell + (f" {f.name}" if f.name else "")
            console.print(f"  [{_STYLE[f.severity]}]{f.severity.label}[/] "
                          f"{escape(where)}  {escape(f.code)}  {escape(f.message)}")
    counts = count_by_severity(findings)
    if not findings:
        console.print("\n未发现问题。")
    console.print(f"\n错误 {counts['error']}，警告 {counts['warning']}，提示 {counts['info']}")


WRITE_HELP = "把结果写回工作簿（与 Excel 按钮相同；原文件备份为 *.bak-日期-时间.xlsm，保留最近 5 份）"
FORCE_HELP = "与 --write 一起使用：工作簿是只读文件时也写入"


@main.command("check")
@click.argument("book", type=InputFile("工作簿"))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（格式见 docs/findings.md）")
@click.option("--write", is_flag=True, help=WRITE_HELP)
@click.option("--force", is_flag=True, help=FORCE_HELP)
def check_command(book: Path, as_json: bool, write: bool, force: bool) -> None:
    """校验工作簿：核对每个数字和输入项，按工作表列出问题。

    工作簿：填好的工作簿（.xlsm/.xlsx）或 JSON 数据文件（.json）。
    退出码：0 没有错误；1 至少有一个“错误”级别的问题；2 文件无法读取。

    示例：

        selfeval-xl check 我的自评.xlsm

        selfeval-xl check 我的自评.xlsm --json > findings.json

        selfeval-xl check 我的自评.xlsm --write   # 填写“校验结果”工作表，同“校验数据”按钮
    """
    outcome = pipeline.evaluate_path_bounded(book, today=date.today(),
                                             meanwhile=None if as_json else _load_rich)
    findings = outcome.findings
    if as_json:
        click.echo(json.dumps(check_json(str(book), findings), ensure_ascii=False, indent=2))
    else:
        print_findings(_console(), str(book), findings)
    if write and outcome.readable:
        from selfeval_xl.write.workbook_writer import status_now

        _write_back(book, force=force, findings=findings, status={
            "status_checked_at": status_now(), "status_check_summary": summary(findings)},
            text_numbers=outcome.read.text_numbers)
    if not outcome.readable:
        sys.exit(EXIT_UNREADABLE)
    if has_errors(findings):
        sys.exit(EXIT_ERRORS)


def _write_back(book: Path, force: bool = False, **results) -> None:
    """What the buttons write (校验结果, 校核得分, status), into the workbook file."""
    from selfeval_xl.write.workbook_writer import WorkbookWriteError, write_results

    if book.suffix.lower() == ".json":
        raise click.UsageError("--write 只能用于工作簿（.xlsm/.xlsx），不能用于数据文件")
    replaced: list = []
    try:
        backup = write_results(book, force=force, replaced=replaced, **results)
    except WorkbookWriteError as exc:
        click.echo(f"未能写入工作簿：{exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    except OSError as exc:  # disk full, folder gone: the writer left the file as it was
        click.echo(f"未能写入工作簿：无法写入 {book}（{exc.strerror or exc}）；工作簿未改动。", err=True)
        sys.exit(EXIT_UNREADABLE)
    click.echo(f"已写入工作簿：{book}" + (f"（原版本备份：{backup}）" if backup else "（无变化）"),
               err=True)
    for line in replaced_lines(replaced):
        click.echo(line, err=True)


def replaced_lines(replaced: list) -> list[str]:
    """One line per number typed as text that the write-back replaced (write/text_numbers.py)."""
    from selfeval_xl.write.text_numbers import shown_number

    return [f"{t.sheet}!{t.cell}：文本“{t.text}”已改为数字 {shown_number(t)}，原文字保存在该单元格的批注中"
            for t in replaced]


# --- score -----------------------------------------------------------------------------------

def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def score_json(book: str, ev: Evaluation, card: scoring.Scorecard) -> dict:
    """The documented ``score --json`` object (numbers as strings: exact decimals)."""
    rows = []
    for ind, row in zip(ev.indicators, card.rows):
        rows.append({
            "code": ind.code, "level1": ind.level1, "level2": ind.level2, "level3": ind.level3,
            "weight": _dec(ind.weight),
            "method": ind.method.value if ind.method else ind.method_text,
            "score": _dec(row.score),
            "explanation": row.explanation,
        })
    return {"file": book, "total": f"{card.total:.2f}", "grade": card.grade,
            "weight_total": _dec(card.weight_total),
            "sentence": scoring.score_sentence(card, ev), "indicators": rows}


def _subtotal(pairs: list[tuple[Decimal | None, Decimal | None]]) -> str:
    weight = sum((w for w, _ in pairs if w is not None), Decimal(0))
    got = sum((s for _, s in pairs if s is not None), Decimal(0))
    return f"分值 {scoring.fmt_score(weight)}，得分 {scoring.fmt_result(got)}"


def score_tree(ev: Evaluation, card: scoring.Scorecard) -> Tree:
    """一级 → 二级 → 三级, each with weight and score; leaves carry the explanation."""
    from rich.markup import escape
    from rich.tree import Tree

    root = Tree(f"[bold]自评得分 {scoring.fmt_score(card.total)} 分，等级 {escape(card.grade)}[/bold]")
    level1: dict[str, list[int]] = {}
    for i, ind in enumerate(ev.indicators):
        level1.setdefault(ind.level1, []).append(i)
    def subtotal(rows: list[int]) -> str:
        return _subtotal([(ev.indicators[i].weight, card.rows[i].score) for i in rows])

    for name1, rows1 in level1.items():
        node1 = root.add(f"[bold]{escape(name1 or '（未填一级指标）')}[/bold]（{subtotal(rows1)}）")
        level2: dict[str, list[int]] = {}
        for i in rows1:
            level2.setdefault(ev.indicators[i].level2, []).append(i)
        for name2, rows2 in level2.items():
            node2 = node1.add(f"{escape(name2 or '（未填二级指标）')}（{subtotal(rows2)}）")
            for i in rows2:
                ind, row = ev.indicators[i], card.rows[i]
                weight = "—" if ind.weight is None else scoring.fmt_score(ind.weight)
                got = "不计分" if row.score is None else scoring.fmt_result(row.score)
                node2.add(f"{escape(ind.code)} {escape(ind.level3)}  分值 {weight}  得分 {got}  "
                          f"[dim]{escape(row.explanation)}[/dim]")
    return root


@main.command("score")
@click.argument("book", type=InputFile("工作簿"))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（格式见 docs/findings.md）")
@click.option("--write", is_flag=True, help=WRITE_HELP)
@click.option("--force", is_flag=True, help=FORCE_HELP)
def score_command(book: Path, as_json: bool, write: bool, force: bool) -> None:
    """计算得分：逐项评分并说明依据，给出总分、等级和得分句。

    工作簿：填好的工作簿（.xlsm/.xlsx）或 JSON 数据文件（.json）。数据的问题用 check 查看；
    文件无法读取时退出码为 2。

    示例：

        selfeval-xl score 我的自评.xlsm

        selfeval-xl score 我的自评.xlsm --json > scores.json

        selfeval-xl score 我的自评.xlsm --write   # 写入“校核得分”，同“计算得分”按钮
    """
    outcome = pipeline.evaluate_path_bounded(book, meanwhile=None if as_json else _load_rich)
    if not outcome.readable:
        if as_json:
            click.echo(json.dumps(check_json(str(book), outcome.findings),
                                  ensure_ascii=False, indent=2))
        else:
            print_findings(_console(), str(book), outcome.findings)
        sys.exit(EXIT_UNREADABLE)
    ev, card = outcome.evaluation, outcome.scorecard
    if write:
        from selfeval_xl.write.workbook_writer import status_now

        _write_back(book, force=force, scorecard=card, status={"status_scored_at": status_now()},
                    text_numbers=outcome.read.text_numbers)
    if as_json:
        click.echo(json.dumps(score_json(str(book), ev, card), ensure_ascii=False, indent=2))
        return
    from rich.markup import escape

    console = _console()
    console.print(score_tree(ev, card))
    if card.weight_total != 100:
        console.print(f"[yellow]注意：分值合计 {scoring.fmt_score(card.weight_total)} 分，应为 100 分"
                      "（运行 check 查看详情）[/yellow]")
    console.print(f"\n总分 {scoring.fmt_score(card.total)} 分，等级 {escape(card.grade)}。"
                  f"{escape(scoring.score_sentence(card, ev))}")
