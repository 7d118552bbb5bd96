"""``selfeval-xl verify`` and ``selfeval-xl collect``: the finance bureau's commands."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

import click

from selfeval_xl.bureau.preflight import MB, Limits
from selfeval_xl.bureau.verify import VERDICTS, VERDICTS_BY_KEY
from selfeval_xl.cli import main
from selfeval_xl.cli.zh import InputFile
from selfeval_xl.core.findings import Severity
from selfeval_xl.core.scoring import fmt_score

# A receipt that does not match the file overrides the verdict's exit status.
EXIT_RECEIPT = 8
_EXIT_TABLE = "\n".join(f"  {v.exit_code}  {v.label}" for v in VERDICTS) + (
    f"\n  {EXIT_RECEIPT}  文件与回执不符或回执无效（--receipt）")


def _limit_options(fn):
    fn = click.option("--timeout", type=float, default=Limits.timeout, show_default=True,
                      metavar="秒数",
                      help="每个文件最长读取秒数，超时即中止并记为“拒绝读取”。")(fn)
    fn = click.option("--max-memory", type=int, default=Limits.memory_bytes // MB, metavar="MB",
                      show_default=True, help="每个文件读取时可用的内存上限（MB）。")(fn)
    return fn


def _limits(timeout: float, max_memory: int) -> Limits:
    return Limits(timeout=timeout, memory_bytes=max_memory * MB)


@main.command("verify", epilog=f"\b\n各核验结论的退出码：\n{_EXIT_TABLE}")
@click.argument("book", type=InputFile("工作簿"))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出核验结果。")
@click.option("--receipt", "receipt_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="财政局签发的回执（JSON）：核对文件是否正是收到的那个。")
@click.option("--public-key", "public_key", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="财政局公钥（PEM），与 --receipt 一起使用。")
@_limit_options
def verify_cmd(book: Path, as_json: bool, receipt_path: Path | None, public_key: Path | None,
               timeout: float, max_memory: int) -> None:
    """核验收到的自评工作簿：是否为自评模板、模板版本、校验结果、得分是否与数据一致、报告生成后数据是否被修改。

    文件在单独的进程中读取，时间和内存有上限，损坏或恶意的文件也只会得到一个结论，
    不会卡住或崩溃。第一行是核验结论，退出码对应结论（见下）。

    示例：

        selfeval-xl verify 收件箱/惠州市政务服务中心.xlsm

        selfeval-xl verify 收件箱/惠州市政务服务中心.xlsm --json

        selfeval-xl verify 惠州市政务服务中心.xlsm --receipt 惠州市政务服务中心.xlsm.receipt.json --public-key bureau.key.pub

    报告中保存的数据指纹是不带密钥的哈希，只能发现无意的改动，不能证明没有被有意篡改；
    只有财政局签发的回执（--receipt）能证明文件正是收到的那一个。
    """
    from selfeval_xl.bureau.collect import examine_all

    if (receipt_path is None) != (public_key is None):
        raise click.UsageError("--receipt 与 --public-key 须同时给出")
    rec = examine_all([book], limits=_limits(timeout, max_memory), workers=1)[0]
    verdict = VERDICTS_BY_KEY[rec["verdict"]]
    code = verdict.exit_code
    check = None
    if receipt_path is not None:
        from selfeval_xl.bureau.receipt import check_receipt

        check = check_receipt(book, receipt_path, public_key)
        if not check.ok:
            code = EXIT_RECEIPT
    if as_json:
        out = {k: v for k, v in rec.items()}
        if check is not None:
            out["receipt"] = {"result": check.key, "ok": check.ok, "message": check.message}
        out["exit_code"] = code
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        click.echo(verdict_text(rec))
        if check is not None:
            click.echo(f"  回执：{'一致' if check.ok else '不符'}（{check.key}）：{check.message}")
    sys.exit(code)


def verdict_text(rec: dict) -> str:
    """The human report of one record: the verdict line, then the details and findings."""
    v = VERDICTS_BY_KEY[rec["verdict"]]
    who = ""
    if rec.get("dept_name"):
        who = f"　{rec['dept_name']} {rec.get('eval_year') or '?'} 年度"
        if rec.get("score"):
            who += f"，自评 {fmt_score(Decimal(rec['score']))} 分（{rec.get('grade') or '无等级'}）"
    lines = [f"核验结论：{v.label}{who}", f"  说明：{rec['verdict_reason']}",
             f"  文件：{rec['file_name']}（{rec.get('file_hash') or '无法计算哈希'}）"]
    lines += [f"  {d}" for d in rec.get("details", ())]
    labels = {s.value: s.label for s in Severity}
    for title, key in (("问题", "findings"), ("偏差预警", "deviations")):
        findings = rec.get(key, ())
        if findings:
            lines.append(f"  {title}（{len(findings)}）：")
        for f in findings:
            where = f"{f['sheet']}!{f['cell']}" if f.get("sheet") and f.get("cell") else (
                f.get("sheet") or "整个文件")
            lines.append(f"    [{labels.get(f['severity'], f['severity'])}] {f['code']} "
                         f"{where}：{f['message']}")
    return "\n".join(lines)


@main.command("collect")
@click.argument("inputs", nargs=-1, required=True,
                type=InputFile("文件或文件夹", folder_ok=True))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              metavar="文件",
              help="汇总工作簿（.xlsx）的路径。")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="文件",
              help="SQLite 数据库路径（跨年度累积；默认与汇总工作簿同名，扩展名 .sqlite）。")
@click.option("--no-db", is_flag=True, help="不写数据库。")
@click.option("--workers", type=int, default=None, metavar="整数", help="并行进程数（默认：处理器核数）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出每个文件的核验结论。")
@_limit_options
def collect_cmd(inputs: tuple[Path, ...], out: Path, db: Path | None, no_db: bool,
                workers: int | None, as_json: bool, timeout: float, max_memory: int) -> None:
    """汇总收件箱：逐个核验工作簿（并行、每个文件限时限内存），写出汇总工作簿和数据库。

    文件夹逐层查找 .xlsm/.xlsx/.xls 文件；直接列出的文件一律读取。每个文件在汇总中占一行，
    损坏或恶意的文件注明原因。重复汇总同样的文件不会在数据库中重复记录。
    退出码：0 已写出汇总；2 没有找到输入文件。

    示例：

        selfeval-xl collect 收件箱/ -o 汇总2022.xlsx --db 绩效自评.sqlite
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, \
        TimeElapsedColumn, TimeRemainingColumn

    from selfeval_xl.bureau.collect import collect

    db_path = None if no_db else (db or out.with_suffix(".sqlite"))
    progress = Progress(TextColumn("读取工作簿"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TimeRemainingColumn(),
                        TextColumn("{task.fields[last]}"), transient=True,
                        console=_stderr_console())
    task = None

    def on_start(n: int) -> None:
        nonlocal task
        if n:
            task = progress.add_task("collect", total=n, last="")
            progress.start()

    def on_done(rec: dict) -> None:
        progress.update(task, advance=1, last=rec["file_name"][:40])

    try:
        result = collect(inputs, out, db=db_path, limits=_limits(timeout, max_memory),
                         workers=workers, on_start=on_start, on_done=on_done)
    finally:
        progress.stop()
    if not result.records:
        click.echo("没有找到工作簿文件（.xlsm/.xlsx/.xls）。", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps([{k: r[k] for k in ("file_path", "dept_name", "eval_year", "score",
                                                   "grade", "verdict", "verdict_reason")}
                               for r in result.records], ensure_ascii=False, indent=2))
    else:
        counts: dict[str, int] = {}
        for r in result.records:
            counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
        click.echo(f"已汇总 {len(result.records)} 个文件：" + "，".join(
            f"{VERDICTS_BY_KEY[k].label} {counts[k]}" for k in (v.key for v in VERDICTS)
            if k in counts))
        click.echo(f"汇总工作簿：{result.summary_path}")
        if result.db_path:
            click.echo(f"数据库：{result.db_path}（" + "，".join(
                f"{t} {n} 行" for t, n in (result.db_counts or {}).items()) + "）")


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


@main.command("trends")
@click.option("--db", type=InputFile("文件"), required=True, help="collect 写出的 SQLite 数据库。")
@click.option("--dept", default=None, metavar="部门名称", help="只看这个部门（部门名称）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def trends_cmd(db: Path, dept: str | None, as_json: bool) -> None:
    """各部门跨年度的自评得分、等级和预算执行率（取每年最新读取的一份）。

    示例：

        selfeval-xl trends --db 绩效自评.sqlite --dept 惠州市政务服务中心
    """
    import sqlite3

    from selfeval_xl.bureau.trends import all_trends, department_trend

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        found = {dept: department_trend(con, dept)} if dept else all_trends(con)
    finally:
        con.close()
    if as_json:
        click.echo(json.dumps({name: [{"year": p.year, "score": None if p.score is None
                                       else str(p.score), "grade": p.grade,
                                       "exec_rate": p.exec_rate, "verdict": p.verdict}
                                      for p in points] for name, points in found.items()},
                              ensure_ascii=False, indent=2))
        return
    for name, points in found.items():
        click.echo(name)
        if not points:
            click.echo("  （没有读取到的提交）")
        for p in points:
            rate = "—" if p.exec_rate is None else f"{p.exec_rate * 100:.2f}%"
            score = '—' if p.score is None else fmt_score(Decimal(str(p.score)))
            click.echo(f"  {p.year}  {score} 分"
                       f"  {p.grade or '—'}  预算执行率 {rate}  "
                       f"{VERDICTS_BY_KEY[p.verdict].label}")
