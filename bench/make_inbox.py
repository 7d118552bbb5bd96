"""Generate an inbox of N filled self-evaluation workbooks of varied content.

Building every workbook with the builder costs ~0.3 s each (5 minutes for 1,000), so a few
dozen varied *base* workbooks are built with ``builder.build_workbook`` (varied year, fill
date, indicator values, manual scores, reasons; one in ten keeps the seed's inconsistent
figures), and each of the N files is a copy of a base with its department name, preparer
and the nine expenditure figures patched into the sheet XML (consistent figures, varied
execution rate). Every file is therefore distinct (its own hash, department, figures).

Usage:
    python bench/make_inbox.py OUTDIR [-n 1000] [--bases 40] [--seed 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import re
import sys
import tempfile
import time
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from selfeval_xl import layout
from selfeval_xl.build.builder import build_workbook
from selfeval_xl.read.ooxml_parts import Package, load_map
from selfeval_xl.core import scoring
from selfeval_xl.core.model import Evaluation, Method
from selfeval_xl.datafile import example

CITIES = ("惠州市", "广州市", "深圳市", "珠海市", "汕头市", "佛山市", "韶关市", "河源市", "梅州市",
          "汕尾市", "东莞市", "中山市", "江门市", "阳江市", "湛江市", "茂名市", "肇庆市", "清远市")
KINDS = ("政务服务中心", "财政局", "教育局", "卫生健康局", "交通运输局", "自然资源局", "民政局",
         "水务局", "文化广电旅游体育局", "市场监督管理局", "生态环境局", "农业农村局")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
EXEC_RATE_INDICATOR = "预算完成率"  # its 实际值 restates exp_total ÷ budget_total


def indicator_cell(ev: Evaluation, level3: str, key: str) -> str:
    """A1 address of column ``key`` of the row of indicator ``level3``, as the builder lays
    out tbl_indicators (item i on data row i)."""
    from openpyxl.utils import column_index_from_string, get_column_letter

    t = layout.table("tbl_indicators")
    m = re.match(r"([A-Z]+)(\d+)", t.anchor)
    col = column_index_from_string(m.group(1)) + [c.key for c in t.columns].index(key)
    index = next(i for i, ind in enumerate(ev.indicators) if ind.level3 == level3)
    row = int(m.group(2)) + 1 + index
    return f"{get_column_letter(col)}{row}"


def base_variant(rng: random.Random, k: int) -> Evaluation:
    """One varied evaluation: year, fill date, indicator values and manual scores."""
    ev = example()
    year = rng.choice((2021, 2022, 2023, 2024))
    basics = dataclasses.replace(ev.basics, eval_year=year,
                                 fill_date=date(year + 1, rng.randint(1, 5), rng.randint(1, 28)))
    x = ev.expenditure
    if k % 10:  # nine in ten add up; the rest keep the seed's 390.73 + 620.85 ≠ 921.52
        x = dataclasses.replace(x, budget_total=Decimal("921.52"), exp_project=Decimal("530.79"))
    inds = []
    for ind in ev.indicators:
        if ind.method is Method.RATIO:
            ind = dataclasses.replace(ind, actual=Decimal(rng.choice(
                ("0.6", "0.75", "0.85", "0.9", "0.95", "1", "1", "1"))) * (ind.target or 1))
        elif ind.method is Method.MANUAL:
            ind = dataclasses.replace(ind, manual_score=ind.weight - rng.choice((0, 0, 0, 1, 2)))
        elif ind.method is Method.BOOLEAN:
            ind = dataclasses.replace(ind, actual=rng.choice(("是", "是", "是", "否")))
        elif ind.method is Method.BANDS and ind.code == "1.2.3":
            ind = dataclasses.replace(
                ind, actual=Decimal(rng.choice(("0.55", "0.75", "0.85", "0.95"))))
        if ind.level3 == EXEC_RATE_INDICATOR:  # patched per copy to the copy's execution rate
            ind = dataclasses.replace(ind, reason="部分项目受进度影响，预算执行未达 100%")
        sc = scoring.score_indicator(ind).score
        below = sc is not None and ind.weight is not None and sc < ind.weight
        if ind.level3 != EXEC_RATE_INDICATOR:
            ind = dataclasses.replace(ind, reason=(ind.reason or "部分工作未达预期，已制定整改措施")
                                      if below else "")
        inds.append(ind)
    return dataclasses.replace(ev, basics=basics, expenditure=x, indicators=tuple(inds))


_CELL = r'<c r="{cell}"([^>]*?)(?:/>|>.*?</c>)'


def set_cells(xml: bytes, values: dict[str, object]) -> bytes:
    """Replace cells (A1 → str or Decimal) in a sheet part, keeping each cell's style."""
    text = xml.decode("utf-8")
    for cell, value in values.items():
        m = re.search(_CELL.format(cell=cell), text, re.S)
        if m is None:
            raise ValueError(f"cell {cell} not in sheet")
        style = re.search(r'\ss="\d+"', m.group(1))
        s = style.group(0) if style else ""
        if isinstance(value, str):
            new = f'<c r="{cell}"{s} t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        else:
            new = f'<c r="{cell}"{s}><v>{value}</v></c>'
        text = text[: m.start()] + new + text[m.end():]
    return text.encode("utf-8")


def figures(rng: random.Random) -> dict[str, Decimal]:
    """Nine expenditure figures that add up, with an execution rate of 75–103 %, and that
    rate (``rate``) for the 预算完成率 indicator."""
    cent = Decimal("0.01")
    total = Decimal(rng.randint(30_000, 500_000)) / 100
    basic = (total * Decimal(rng.randint(30, 70)) / 100).quantize(cent)
    personnel = (basic * Decimal(rng.randint(70, 95)) / 100).quantize(cent)
    rate = Decimal(rng.choice((75, 85, 90, 95, 97, 98, 99, 100, 100, 100, 100, 103))) / 100
    budget = (total / rate).quantize(cent)
    return {"budget_total": budget, "exp_total": total, "rate": (total / budget).quantize(
            Decimal("0.0001")),
            "exp_general_budget": total, "exp_gov_fund": Decimal("0"), "exp_other": Decimal("0"),
            "exp_basic": basic, "exp_personnel": personnel, "exp_public": basic - personnel,
            "exp_project": total - basic}


def make_inbox(outdir: Path, n: int = 1000, bases: int = 40, seed: int = 1) -> list[Path]:
    """Write ``n`` workbooks into ``outdir``; returns their paths."""
    rng = random.Random(seed)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="selfeval-bases-") as tmp:
        base_paths = []
        for k in range(min(bases, n)):
            p = Path(tmp) / f"base{k:03d}.xlsm"
            build_workbook(p, base_variant(rng, k))
            base_paths.append(p)
        parts = load_map(Package(base_paths[0].read_bytes())).sheets  # sheet → part
        members = []
        for p in base_paths:
            with zipfile.ZipFile(p) as zf:
                members.append([(i, zf.read(i.filename)) for i in zf.infolist()])
    where = {name: layout.defined_names()[name] for name in
             ("dept_name", "preparer", *(f.name for f in layout.FIELDS if f.kind == "money"))}
    where["rate"] = (layout.SHEET_INDICATORS, indicator_cell(example(), EXEC_RATE_INDICATOR,
                                                              "actual"))
    out = []
    for i in range(n):
        k = i % len(base_paths)
        values = {"dept_name": f"{rng.choice(CITIES)}{rng.choice(KINDS)}（{i:04d}）",
                  "preparer": rng.choice(SURNAMES) + rng.choice(("伟", "芳", "敏", "静", "磊", "洋")),
                  **figures(rng)}
        if k % 10 == 0:  # the inconsistent bases stay inconsistent (that is their point)
            values = {key: v for key, v in values.items() if key in ("dept_name", "preparer")}
        by_part: dict[str, dict[str, object]] = {}
        for name, value in values.items():
            sheet, cell = where[name]
            by_part.setdefault(parts[sheet], {})[cell] = value
        path = outdir / f"{i:04d}.xlsm"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zout:
            for info, data in members[k]:
                if info.filename in by_part:
                    data = set_cells(data, by_part[info.filename])
                zout.writestr(info, data)
        out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--bases", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    t = time.perf_counter()
    paths = make_inbox(args.outdir, args.n, args.bases, args.seed)
    print(f"{len(paths)} workbooks in {args.outdir} ({time.perf_counter() - t:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
