"""The button writer's write side as it was before the COM round trips were counted and cut
(one format call per attribute per run of cells per row of the report sheet, one merge per
merged row, one row height per row, one width per column, a note probe before each note):
kept as the reference the batched writer must match cell for cell, and the "before" of
bench/bench_com_calls.py. Not used by the product.
"""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import xlwings_fake
from selfeval_xl.core.findings import Finding
from selfeval_xl.excel import buttons as excel
from selfeval_xl.excel import writer as w
from selfeval_xl.render import pdf
from xlwings_fake import FakeBook

NOW = datetime(2026, 3, 1, 9, 30, 5, tzinfo=timezone.utc).astimezone()


def apply_per_run(sheet: Any, plan: Any) -> None:
    if not plan.cells:
        return
    for ci, width in sorted(plan.widths.items()):
        sheet.range((1, ci)).column_width = width
    rows = sorted({r for r, _ in plan.cells})
    cols = sorted({c for _, c in plan.cells})
    r0, r1, c0, c1 = rows[0], rows[-1], cols[0], cols[-1]
    block = sheet.range((r0, c0), (r1, c1))
    block.number_format = w.TEXT
    block.value = [[plan.cells.get((r, c), (None, None))[0] for c in range(c0, c1 + 1)]
                   for r in range(r0, r1 + 1)]
    for ref in plan.merges:
        sheet.range(ref).merge()
    for r in rows:
        run_start, run_style = None, None
        for c in range(c0, c1 + 2):
            style = plan.cells.get((r, c), (None, None))[1]
            if style != run_style or c == c1 + 1:
                if run_style is not None:
                    format_range(sheet.range((r, run_start), (r, c - 1)), run_style)
                run_start, run_style = c, style
        if r in plan.heights:
            sheet.range((r, c0)).row_height = plan.heights[r]


def format_range(rng: Any, style: Any) -> None:
    name, size, bold, color = style.font
    rng.font.name = name
    rng.font.size = size
    rng.font.bold = bold
    if color:
        rng.font.color = w._hex(color)
    if style.fill:
        rng.color = w._hex(style.fill)
    if style.border:
        rng.borders.line_style = "continuous"
    rng.horizontal_alignment = style.horizontal or "left"
    rng.vertical_alignment = style.vertical
    rng.wrap_text = style.wrap


def mark_one_by_one(self: Any, findings: list[Finding]) -> int:
    sheets = set(self._sheet_names())
    texts: dict[tuple[str, str], list[str]] = {}
    for f in findings:
        if f.severity in w.MARKED and f.sheet in sheets and f.cell:
            texts.setdefault((f.sheet, w._first_cell(f.cell)), []).append(
                f"{f.severity.label}：{f.message}")
    written = 0
    for (sheet_name, cell), lines in texts.items():
        rng = self.book.sheets[sheet_name].range(cell)
        if rng.note is not None:
            continue
        try:
            rng.add_note((w.MARK + "\n" + "\n".join(lines))[:w.NOTE_LIMIT])
        except Exception:  # noqa: BLE001
            continue
        written += 1
    return written


def large_evaluation():
    """The example grown to a long report with hundreds of findings: 100 tasks, 120
    analysis paragraphs, 300 more indicators without 分值 or 人工得分."""
    import dataclasses

    from selfeval_xl import datafile
    from selfeval_xl.core.model import AnalysisParagraph, Indicator, KeyTask, Method

    ev = datafile.example()
    tasks = tuple(KeyTask(i + 1, f"第{i + 1}项工作。", t.body, t.points)
                  for i, t in enumerate(ev.tasks * 25))
    analysis = tuple(AnalysisParagraph(f"{p.heading}{i // len(ev.analysis)}", p.level, p.text)
                     for i, p in enumerate(ev.analysis * 20))
    extra = tuple(Indicator(f"9.{i}", "补充指标", f"第{i // 10}组", f"补充指标{i}", None,
                            Method.MANUAL, "人工") for i in range(300))
    return dataclasses.replace(ev, tasks=tasks, analysis=analysis,
                               indicators=ev.indicators + extra)


# The default outline with both tables, so the long report has bordered table rows too.
LARGE_TEMPLATE = {"sections": [
    {"title": "部门基本情况", "sections": [
        {"title": "部门职能", "content": ["dept_functions"]},
        {"title": "年度总体工作和重点工作任务", "content": ["tasks"]},
        {"title": "部门整体支出绩效目标", "content": ["goals", "outputs_table"]},
        {"title": "部门整体支出情况（以决算数为统计口径）", "content": ["expenditure"]}]},
    {"title": "绩效自评", "sections": [
        {"title": "自评结论", "content": ["conclusions", "score_sentence"]},
        {"title": "部门整体支出绩效指标分析", "content": ["analysis", "scores_table"]}]},
    {"title": "其他自评情况", "content": ["other_notes"]}]}


# --- pressing 生成报告 with either writer and counting ---------------------------------------

def final_state(book: FakeBook) -> dict:
    """Everything the fake records that the officer could see."""
    return {
        "values": {(ws.title, c.coordinate): c.value for ws in book.wb.worksheets
                   for row in ws.iter_rows() for c in row if c.value is not None},
        "notes": {(ws.title, c.coordinate): c.comment.text for ws in book.wb.worksheets
                  for row in ws.iter_rows() for c in row if c.comment is not None},
        "merges": {ws.title: sorted(map(str, ws.merged_cells.ranges))
                   for ws in book.wb.worksheets},
        "formats": book.formats, "row_heights": book.row_heights,
        "col_widths": book.col_widths, "links": book.links,
        "tables": {(ws.title, n): ref for ws in book.wb.worksheets for n, ref in ws.tables.items()},
    }


def press(path: Path, *, before: bool) -> tuple[dict, Counter]:
    """生成报告 on a copy of ``path``, with the old or the new writer; the final state and
    the calls by kind (note probes, a round trip each, counted with them)."""
    folder = path.parent / ("before" if before else "after")
    folder.mkdir()
    book = FakeBook(shutil.copy(path, folder / path.name))
    probes = []
    note = xlwings_fake.FakeRange.note
    with pytest.MonkeyPatch.context() as m:
        m.setattr(pdf, "available", lambda: False)  # no PDF: only the workbook is compared
        m.setattr(xlwings_fake.FakeRange, "note",
                  property(lambda rng: probes.append(1) or note.fget(rng)))
        if before:
            m.setattr(w, "_apply", apply_per_run)
            m.setattr(w.XlwingsWriter, "mark", mark_one_by_one)
        excel.report_book(book, now=NOW)
    calls = Counter(c[0] for c in book.calls)
    calls["note probe"] = len(probes)
    return final_state(book), calls


def table(name: str, before: Counter, after: Counter) -> str:
    kinds = sorted(before.keys() | after.keys())
    lines = [f"{name}: COM calls of a 生成报告 press (writes and note probes)",
             f"{'kind':<16}{'before':>8}{'after':>8}"]
    lines += [f"{k:<16}{before[k]:>8}{after[k]:>8}" for k in kinds]
    total_b, total_a = sum(before.values()), sum(after.values())
    lines.append(f"{'total':<16}{total_b:>8}{total_a:>8}   ({total_a / total_b:.2f}×)")
    return "\n".join(lines)
