"""The summary workbook's ``抽评`` sheet: the bureau's spot-check scores beside the
self-scores, per indicator and in total (core/spotcheck).

A record (as collect makes them) carries the spot-check under ``spot_scores``: {indicator
code: score as decimal text}. Collect's own records have none; the service's desk adds
them before writing the same summary workbook.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from selfeval_xl.core.spotcheck import IndicatorLine, compare

COLUMNS = (("部门名称", 24), ("评价年度", 9), ("文件名", 26), ("编码", 8), ("三级指标", 22),
           ("分值", 7), ("自评得分", 9), ("抽评得分", 9), ("差异（抽评−自评）", 11))


def _dec(text: object) -> Decimal | None:
    try:
        return Decimal(str(text)) if text not in (None, "") else None
    except InvalidOperation:
        return None


def comparison_of(rec: dict):
    """The spot-check comparison of a record with ``spot_scores``, else None."""
    spot = {code: v for code, text in (rec.get("spot_scores") or {}).items()
            if (v := _dec(text)) is not None}
    if not spot:
        return None
    lines = [IndicatorLine(i.get("code") or "", i.get("level3") or "", _dec(i.get("weight")),
                           _dec(i.get("score"))) for i in rec.get("indicators") or ()]
    return compare(lines, spot)


def write_spot_sheet(wb, w, records: list[dict]) -> None:
    """Add ``抽评`` when any record has spot-check scores (``w``: the summary's writer)."""
    checked = [(rec, c) for rec in records if (c := comparison_of(rec)) is not None]
    if not checked:
        return
    ws = wb.add_worksheet("抽评")
    w.headers(ws, 0, list(COLUMNS))
    bold = wb.add_format({"bold": True, "num_format": "0.00"})
    r = 1
    for rec, c in checked:
        who = (rec.get("dept_name"), rec.get("eval_year"), rec.get("file_name"))
        for row in c.rows:
            w.cell(ws, r, 0, who[0])
            w.cell(ws, r, 1, who[1], "year")
            w.cell(ws, r, 2, who[2])
            w.cell(ws, r, 3, row.code)
            w.cell(ws, r, 4, row.level3)
            for col, value in ((5, row.weight), (6, row.self_score), (7, row.spot_score),
                               (8, row.diff)):
                w.cell(ws, r, col, None if value is None else str(value), "score")
            r += 1
        w.cell(ws, r, 0, who[0])
        w.cell(ws, r, 1, who[1], "year")
        w.cell(ws, r, 2, who[2])
        ws.write_string(r, 4, f"合计（抽评 {c.checked} 项，未抽评的按自评计）")
        for col, value in ((6, c.self_total), (7, c.spot_total), (8, c.diff_total)):
            ws.write_number(r, col, float(value), bold)
        r += 1
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, r - 1, len(COLUMNS) - 1)
