"""The summary workbook's 抽评 sheet (bureau/spotcheck_sheet.py): per-indicator and total
differences, only when there are spot-check scores."""

from pathlib import Path

import openpyxl

from selfeval_xl.bureau.summary_workbook import write_summary
from selfeval_xl.bureau.verify import empty_record


def record(name, spot=None):
    rec = empty_record(Path(f"{name}.xlsm"))
    rec.update(dept_name=name, eval_year=2022, verdict="ok", verdict_label="通过", score="14.50",
               indicators=[{"code": "2.1.1", "level3": "预算完成率", "weight": "10", "score": "10"},
                           {"code": "2.1.2", "level3": "支付进度率", "weight": "5", "score": "4.5"}])
    if spot is not None:
        rec["spot_scores"] = spot
    return rec


def test_spot_sheet_rows_and_totals(tmp_path):
    out = write_summary([record("甲局", {"2.1.1": "7.5"}), record("乙局")], tmp_path / "s.xlsx")
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = list(wb["抽评"].iter_rows(values_only=True))
    assert rows == [
        ("部门名称", "评价年度", "文件名", "编码", "三级指标", "分值", "自评得分", "抽评得分", "差异（抽评−自评）"),
        ("甲局", 2022, "甲局.xlsm", "2.1.1", "预算完成率", 10, 10, 7.5, -2.5),
        ("甲局", 2022, "甲局.xlsm", "2.1.2", "支付进度率", 5, 4.5, None, None),
        ("甲局", 2022, "甲局.xlsm", None, "合计（抽评 1 项，未抽评的按自评计）", None, 14.5, 12, -2.5)]


def test_no_spot_scores_no_sheet(tmp_path):
    out = write_summary([record("甲局"), record("乙局", {})], tmp_path / "s.xlsx")
    assert "抽评" not in openpyxl.load_workbook(out, read_only=True).sheetnames
