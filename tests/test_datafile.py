"""The data file: the seed example loads, round-trips, and refuses what is not the format."""

import json
from decimal import Decimal

import pytest

from selfeval_xl import datafile
from selfeval_xl.core.model import Method


def test_example_is_the_seed_department():
    ev = datafile.example()
    b, e = ev.basics, ev.expenditure
    assert (b.dept_name, b.dept_self_ref, b.sub_unit_count, b.preparer, b.phone) == (
        "惠州市政务服务中心", "我中心", 0, "罗燕君", "0752-2898702")
    assert (b.fill_date.isoformat(), b.eval_year) == ("2023-04-11", 2022)
    # The published figures, including the ones that do not add up.
    assert (e.exp_total, e.exp_general_budget, e.exp_basic, e.exp_personnel,
            e.exp_public, e.exp_project) == tuple(Decimal(x) for x in (
                "921.52", "921.52", "390.73", "355.99", "34.74", "620.85"))
    assert e.exp_basic + e.exp_project - e.exp_total == Decimal("90.06")
    assert e.budget_total is None  # the seed states no budget
    assert [t.no for t in ev.tasks] == [1, 2, 3, 4]
    assert [len(t.points) for t in ev.tasks] == [2, 3, 3, 0]
    assert len(ev.goals) == 2 and len(ev.conclusions) == 3
    assert [a.heading for a in ev.analysis] == [
        "预算编制情况", "预算执行情况", "预算执行情况", "预算执行情况", "社会效益", "经济效益"]


def test_round_trip_is_exact(tmp_path):
    ev = datafile.example()
    path = tmp_path / "ex.json"
    datafile.save(ev, path)
    assert datafile.load(path) == ev
    assert datafile.dumps(datafile.load(path)) == datafile.dumps(ev)


def test_default_framework_weights_sum_to_100():
    inds = datafile.default_framework()
    assert sum(i.weight for i in inds) == Decimal(100)
    assert {i.level1 for i in inds} == {"预算编制", "预算执行", "预算使用效益"}
    assert all(i.method is not None for i in inds)
    assert len({i.code for i in inds}) == len(inds)
    bands = {i.code: i for i in inds if i.method is Method.BANDS}
    assert set(bands) == {"1.2.3", "1.3.1"}


def test_missing_indicators_take_the_default_framework():
    d = datafile.to_dict(datafile.example())
    del d["indicators"]
    assert datafile.from_dict(d).indicators == datafile.default_framework()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="other/1"), "数据文件格式应为 selfeval-xl/data/1"),
        (lambda d: d["expenditure"].update(exp_total=921.52), "应写成字符串"),
        (lambda d: d["expenditure"].update(exp_total="九百"),
         "expenditure.exp_total: '九百' 不是数字"),
        (lambda d: d["expenditure"].update(exp_basic="NaN"),
         "expenditure.exp_basic: 'NaN' 不是有限的数字"),
        (lambda d: d["basics"].update(fill_date="2023-13-40"), "数据文件内容不符合格式"),
        (lambda d: d["goals"].append({"text": "no number"}), "数据文件内容不符合格式"),
    ],
)
def test_bad_files_are_refused_in_chinese(mutate, message):
    d = json.loads(datafile.dumps(datafile.example()))
    mutate(d)
    with pytest.raises(datafile.DataFileError, match=message):
        datafile.from_dict(d)


def test_unreadable_file(tmp_path):
    p = tmp_path / "x.json"
    p.write_bytes(b"\xff\xfe not json")
    with pytest.raises(datafile.DataFileError) as info:
        datafile.load(p)
    assert str(info.value) == f"数据文件“{p}”不是 UTF-8 编码的文本，请用 UTF-8 保存。"


def test_json_syntax_error_names_the_line_in_chinese(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"format": "selfeval-xl/data/1",\n "basics": {"dept_name": "某局"\n "x": 1}}',
                 encoding="utf-8")
    with pytest.raises(datafile.DataFileError) as info:
        datafile.load(p)
    assert str(info.value) == f"数据文件“{p}”不是有效的 JSON，第 3 行第 2 列：缺少逗号（,）。"


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    path = tmp_path / "ex.json"
    path.write_text("previous", encoding="utf-8")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(datafile.os, "replace", boom)
    with pytest.raises(OSError):
        datafile.save(datafile.example(), path)
    assert path.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["ex.json"]


def test_atomic_write_keeps_the_usual_file_mode(tmp_path):
    new = tmp_path / "new.json"
    old_umask = datafile.os.umask(0o022)
    try:
        datafile.save(datafile.example(), new)
    finally:
        datafile.os.umask(old_umask)
    assert new.stat().st_mode & 0o777 == 0o644
    existing = tmp_path / "existing.json"
    existing.write_text("x", encoding="utf-8")
    existing.chmod(0o640)
    datafile.save(datafile.example(), existing)
    assert existing.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("text, value", [
    ("3,215.46", "3215.46"), ("77.40万元", "77.40"), ("1234.5万", "1234.5"),
    ("７７．４０", "77.40"), (" 1,234.50 ", "1234.50"), ("921.52", "921.52")])
def test_data_file_accepts_the_number_spellings_the_workbook_does(text, value):
    d = json.loads(datafile.dumps(datafile.example()))
    d["expenditure"]["exp_total"] = text
    assert datafile.from_dict(d).expenditure.exp_total == Decimal(value)


def test_data_file_refuses_an_amount_in_yuan():
    d = json.loads(datafile.dumps(datafile.example()))
    d["expenditure"]["exp_total"] = "921.52元"
    with pytest.raises(datafile.DataFileError) as info:
        datafile.from_dict(d)
    assert str(info.value) == ("expenditure.exp_total: '921.52元' 不是数字"
                               "（单位“元”与本栏单位“万元”不一致）")


def test_a_percentage_typed_as_a_whole_number_stops_the_report(tmp_path):
    # 支付进度率 94.57 where the column holds fractions: scored 5 instead of 4.73.
    from click.testing import CliRunner

    from selfeval_xl.cli import main

    d = json.loads(datafile.dumps(datafile.example()))
    row = next(i for i in d["indicators"] if i["code"] == "2.1.2")
    row["actual"] = "94.57"
    path = tmp_path / "d.json"
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(main, ["report", "--data", str(path), "-o", str(tmp_path),
                                    "--format", "md"])
    assert res.exit_code == 1
    assert ("错误 IND_PERCENT_AS_NUMBER 指标评分!I13 指标 2.1.2“支付进度率”实际值为 94.57，"
            "而目标值 1.00按小数填写；百分比应按小数填，如 94.57% 填 0.9457；"
            "按 0.9457 计得 4.73 分，现按 94.57 计得 5.00 分") in res.output
    md = (tmp_path / "d-自评报告.md").read_text(encoding="utf-8")
    assert "IND\\_PERCENT\\_AS\\_NUMBER" in md.split("## ")[0]  # the notice on the first page


# --- what no writer can save is refused where it enters (issue 13) ---------------------------

@pytest.mark.parametrize("path, value, message", [
    (("basics", "dept_name"), "惠州\ud800中心",
     "basics.dept_name的第 3 个字符 U+D800 是控制字符或不成对的代理字符，任何工作簿和 Word 文档都无法保存，请删除该字符"),
    (("basics", "other_notes"), "见\x01附件",
     "basics.other_notes的第 2 个字符 U+0001 是控制字符或不成对的代理字符，任何工作簿和 Word 文档都无法保存，请删除该字符"),
    (("expenditure", "exp_total"), "1" + "0" * 30,
     "expenditure.exp_total: '1000000000000000000000000000000' 超出合理范围（须为 0，或绝对值在 10^-6 与 10^15 之间）"),
    (("expenditure", "budget_total"), "0." + "0" * 299 + "1",
     f"expenditure.budget_total: '0.{'0' * 38}' 超出合理范围（须为 0，或绝对值在 10^-6 与 10^15 之间）"),
    (("expenditure", "exp_total"), "1E+30", "expenditure.exp_total: '1E+30' 不是数字"),
    (("basics", "eval_year"), 10 ** 20, "basics.eval_year: 100000000000000000000 超出合理范围（绝对值须小于 10^15）"),
])
def test_unsavable_values_are_refused_with_their_place(tmp_path, path, value, message):
    import json

    d = datafile.to_dict(datafile.example())
    d[path[0]][path[1]] = value
    f = tmp_path / "x.json"
    f.write_text(json.dumps(d, ensure_ascii=True), encoding="utf-8")
    with pytest.raises(datafile.DataFileError) as exc:
        datafile.load(f)
    assert str(exc.value) == message


def test_tab_and_newline_are_kept():
    d = datafile.to_dict(datafile.example())
    d["basics"]["other_notes"] = "一\t二\n三\r\n"
    assert datafile.from_dict(d).basics.other_notes == "一\t二\n三\r\n"
