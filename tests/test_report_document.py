"""The report Document: structure, generated sentences, notice, template-driven sections."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from selfeval_xl import datafile
from selfeval_xl.core import scoring
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.model import AnalysisParagraph, Expenditure, KeyTask
from selfeval_xl.core.report import build_document
from selfeval_xl.core.report import config as report_config
from selfeval_xl.core.report.document import (
    Align,
    HeaderLine,
    Heading,
    Notice,
    NumberedPoint,
    Paragraph,
    Table,
    Title,
    cn_number,
    numbering,
)

EV = datafile.example()
SC = scoring.score(EV)


def _doc(ev=EV, findings=(), **kw):
    return build_document(ev, scoring.score(ev), list(findings), **kw)


def _with(ev, **basics):
    return dataclasses.replace(ev, basics=dataclasses.replace(ev.basics, **basics))


def _section_texts(doc, heading_text: str) -> list[str]:
    """Plain texts of the blocks after the heading with this text, up to the next heading."""
    blocks = list(doc.blocks)
    start = next(i for i, b in enumerate(blocks)
                 if isinstance(b, Heading) and b.text == heading_text)
    out = []
    for b in blocks[start + 1:]:
        if isinstance(b, Heading):
            break
        out.append(b.plain)
    return out


# --- numbering ------------------------------------------------------------------------------

@pytest.mark.parametrize("n, text", [(1, "一"), (3, "三"), (9, "九"), (10, "十"), (11, "十一"),
                                     (20, "二十"), (21, "二十一"), (99, "九十九"),
                                     (100, "一百"), (101, "一百零一"), (110, "一百一十"),
                                     (111, "一百一十一"), (120, "一百二十"), (999, "九百九十九"),
                                     (1000, "一千"), (1001, "一千零一"), (1010, "一千零一十"),
                                     (1100, "一千一百"), (4590, "四千五百九十"),
                                     (10000, "一万"), (10010, "一万零一十"), (10100, "一万零一百"),
                                     (11000, "一万一千"), (100000, "十万"), (1048576,
                                                                     "一百零四万八千五百七十六"),
                                     (99999999, "九千九百九十九万九千九百九十九")])
def test_cn_number(n, text):
    assert cn_number(n) == text


def test_a_task_with_a_hundred_points_is_numbered_on():
    # 100 points used to crash the report (cannot write 100 as a numbering ordinal)
    points = tuple(f"要点{i}。" for i in range(1, 121))
    ev = dataclasses.replace(EV, tasks=(KeyTask(1, "标题。", "", points),))
    doc = build_document(ev, scoring.score(ev), [])
    text = "\n".join(doc.paragraphs())
    assert "九十九是要点99。一百是要点100。一百零一是要点101。" in text
    assert "一百二十是要点120。" in text


@pytest.mark.parametrize("n", [0, -1, 10**8])
def test_cn_number_out_of_range(n):
    with pytest.raises(ValueError):
        cn_number(n)


def test_numbering_by_level():
    assert [numbering(lv, 2) for lv in (1, 2, 3, 4)] == ["二、", "（二）", "2.", "（2）"]
    with pytest.raises(ValueError):
        numbering(5, 1)
    with pytest.raises(ValueError):
        Heading(5, "", "x")


def test_table_rejects_ragged_rows():
    with pytest.raises(ValueError):
        Table("", ("a", "b"), (("1",),))
    with pytest.raises(ValueError):
        Table("", ("a", "b"), (("1", "2"),), (Align.LEFT,))


# --- header ---------------------------------------------------------------------------------

def test_outline_of_the_example():
    doc = _doc()
    assert isinstance(doc.blocks[0], Title) and doc.blocks[0].text == "部门整体绩效自评报告"
    assert [(h.level, h.plain) for h in doc.headings()] == [
        (1, "一、部门基本情况"), (2, "（一）部门职能"), (2, "（二）年度总体工作和重点工作任务"),
        (2, "（三）部门整体支出绩效目标"), (2, "（四）部门整体支出情况（以决算数为统计口径）"),
        (1, "二、绩效自评"), (2, "（一）自评结论"), (2, "（二）部门整体支出绩效指标分析"),
        (1, "三、其他自评情况"),
    ]
    assert doc.title == "部门整体绩效自评报告" and doc.author == "罗燕君"


def test_header_lines():
    lines = [b.plain for b in _doc().blocks if isinstance(b, HeaderLine)]
    assert lines == ["部门名称：惠州市政务服务中心", "下属二级预算单位数量：无", "填报人：罗燕君",
                     "联系电话：0752-2898702", "填报日期：2023-4-11"]


def test_sub_unit_count_nonzero_and_blank():
    assert [b.value for b in _doc(_with(EV, sub_unit_count=3)).blocks
            if isinstance(b, HeaderLine) and b.label == "下属二级预算单位数量"] == ["3"]
    assert [b.value for b in _doc(_with(EV, sub_unit_count=None, fill_date=None)).blocks
            if isinstance(b, HeaderLine) and b.label in ("下属二级预算单位数量", "填报日期")] == ["", ""]


def test_date_format_is_configurable():
    cfg = report_config.from_dict({"header": {"date_format": "{year}年{month}月{day}日"}})
    doc = _doc(_with(EV, fill_date=date(2023, 12, 5)), config=cfg)
    assert "填报日期：2023年12月5日" in doc.paragraphs()
    cfg = report_config.from_dict({"header": {"date_format": "{year}-{mm}-{dd}"}})
    assert "填报日期：2023-04-11" in _doc(config=cfg).paragraphs()


# --- generated sentences --------------------------------------------------------------------

def test_expenditure_paragraph_of_the_seed():
    assert _section_texts(_doc(), "部门整体支出情况（以决算数为统计口径）") == [
        "2022年我中心预算支出为：总的支出为921.52万元，其中：",
        "1.一般公共预算实际支出为921.52万元；",
        "2.基本支出390.73万元，其中人员经费355.99万元，公用经费34.74万元；项目支出620.85万元。",
    ]


def _exp(**amounts):
    values = {k: (Decimal(v) if v is not None else None) for k, v in amounts.items()}
    return dataclasses.replace(EV, expenditure=Expenditure(**values))


def test_expenditure_with_every_source():
    ev = _exp(exp_total="1000", exp_general_budget="800", exp_gov_fund="150", exp_other="50",
              exp_basic="400", exp_personnel="300", exp_public="100", exp_project="600")
    assert _section_texts(_doc(ev), "部门整体支出情况（以决算数为统计口径）") == [
        "2022年我中心预算支出为：总的支出为1000.00万元，其中：",
        "1.一般公共预算实际支出为800.00万元；",
        "2.政府性基金预算实际支出为150.00万元；",
        "3.其他资金实际支出为50.00万元；",
        "4.基本支出400.00万元，其中人员经费300.00万元，公用经费100.00万元；项目支出600.00万元。",
    ]


def test_expenditure_zero_sources_are_left_out_and_numbering_closes_up():
    ev = _exp(exp_total="200", exp_general_budget="0", exp_gov_fund="200", exp_other=None,
              exp_basic=None, exp_personnel=None, exp_public=None, exp_project="200")
    assert _section_texts(_doc(ev), "部门整体支出情况（以决算数为统计口径）") == [
        "2022年我中心预算支出为：总的支出为200.00万元，其中：",
        "1.政府性基金预算实际支出为200.00万元；",
        "2.项目支出200.00万元。",
    ]


def test_expenditure_total_only_and_nothing():
    ev = _exp(exp_total="5.5")
    assert _section_texts(_doc(ev), "部门整体支出情况（以决算数为统计口径）") == [
        "2022年我中心预算支出为：总的支出为5.50万元。"]
    assert _section_texts(_doc(_exp()), "部门整体支出情况（以决算数为统计口径）") == ["无。"]


AMOUNT = hst.one_of(hst.none(), hst.just(Decimal(0)),
                    hst.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2))


@settings(max_examples=40, deadline=None)
@given(hst.fixed_dictionaries({f.name: AMOUNT for f in dataclasses.fields(Expenditure)}))
def test_expenditure_items_are_numbered_and_punctuated(amounts):
    ev = dataclasses.replace(EV, expenditure=Expenditure(**amounts))
    texts = _section_texts(_doc(ev), "部门整体支出情况（以决算数为统计口径）")
    items = texts[1:]
    assert [t.split(".", 1)[0] for t in items] == [str(i) for i in range(1, len(items) + 1)]
    if items:
        assert texts[0].endswith("其中：")
        assert all(t.endswith("；") for t in items[:-1]) and items[-1].endswith("。")
    body = "".join(texts)
    for name, value in amounts.items():
        if name != "budget_total" and value:  # every nonzero amount is stated, to the cent
            assert f"{value:.2f}万元" in body
    for name in ("exp_general_budget", "exp_gov_fund", "exp_other", "exp_basic", "exp_project"):
        if amounts[name] == 0 and amounts["exp_total"] != 0:  # zero sources are never stated
            assert not any(t.endswith(("为0.00万元；", "为0.00万元。")) for t in items)


def test_tasks_run_points_into_the_paragraph():
    ev = dataclasses.replace(EV, tasks=(
        KeyTask(7, "标题甲。", "正文。", ("第一点。", " ", "第二点。")),
        KeyTask(9, "标题乙。"),
    ))
    assert _section_texts(_doc(ev), "年度总体工作和重点工作任务") == [
        "1.标题甲。正文。一是第一点。二是第二点。", "2.标题乙。"]
    point = _doc(ev).blocks
    first = next(b for b in point if isinstance(b, NumberedPoint) and b.lead == "标题甲。")
    assert (first.number, first.text) == ("1.", "正文。一是第一点。二是第二点。")


def test_literal_braces_in_officer_text_are_filled_once():
    ev = dataclasses.replace(EV, tasks=(KeyTask(1, "甲{{评价年度}}。", "", ("写作{{受理业务}}。",)),))
    # (one task with one point: neither is numbered, a list of one is not a list)
    assert _section_texts(_doc(ev), "年度总体工作和重点工作任务") == [
        "甲{评价年度}。写作{受理业务}。"]


def test_score_sentence_ends_the_conclusions():
    texts = _section_texts(_doc(), "自评结论")
    assert texts[-1] == scoring.score_sentence(SC, EV) == "较好地完成设定绩效目标，自评96分。"
    assert [t[:2] for t in texts[:-1]] == ["1.", "2.", "3."]


def test_analysis_numbering_and_continuations():
    ev = dataclasses.replace(EV, analysis=(
        AnalysisParagraph("甲", 1, "a"), AnalysisParagraph("甲", 1, "b"),
        AnalysisParagraph("子一", 2, "c"), AnalysisParagraph("子二", 2, "d"),
        AnalysisParagraph("乙", 1, "e"), AnalysisParagraph("子三", 2, "f"),
        AnalysisParagraph("", 1, "g"),
    ))
    assert _section_texts(_doc(ev), "部门整体支出绩效指标分析") == [
        "1.甲。a", "b", "（1）子一：c", "（2）子二：d", "2.乙。e", "（1）子三：f", "g"]


def test_other_notes_blank_is_wu_and_text_is_used_as_written():
    assert _section_texts(_doc(), "其他自评情况") == ["无。"]
    ev = _with(EV, other_notes="  {评价年度}年无其他情况。 ")
    assert _section_texts(_doc(ev), "其他自评情况") == ["2022年无其他情况。"]


def test_missing_placeholder_is_left_visible_and_reported():
    ev = _with(EV, other_notes="共{不存在的指标}项。")
    doc = _doc(ev)
    assert _section_texts(doc, "其他自评情况") == ["共{不存在的指标}项。"]
    assert doc.meta["missing_placeholders"] == ["不存在的指标"]
    assert _doc().meta["missing_placeholders"] == []


# --- notice ---------------------------------------------------------------------------------

ERR = Finding("EXP_PARTS_MISMATCH", Severity.ERROR, "支出情况", "C12", "exp_total",
              "基本支出与项目支出之和 1011.58 万元不等于总支出 921.52 万元。")
WARN = Finding("TEXT_NOTE", Severity.WARNING, "基本情况", "C5", "", "提示")


def test_errors_put_a_notice_under_the_title():
    doc = _doc(findings=[WARN, ERR])
    assert isinstance(doc.blocks[1], Notice)
    assert doc.blocks[1].title.startswith("注意：本报告所依据的数据尚有1项未解决的错误")
    assert doc.blocks[1].items == (
        "支出情况!C12：基本支出与项目支出之和 1011.58 万元不等于总支出 921.52 万元。"
        "（EXP_PARTS_MISMATCH）",)
    assert doc.has_notice and doc.meta["unresolved_errors"] == 1 and not doc.meta["overridden"]


def test_override_leaves_the_notice_out_and_says_so_in_meta():
    doc = _doc(findings=[ERR], override=True)
    assert not doc.has_notice and doc.meta["overridden"] and doc.meta["unresolved_errors"] == 1
    assert doc.paragraphs() == _doc().paragraphs()


def test_warnings_alone_give_no_notice():
    assert not _doc(findings=[WARN]).has_notice


# --- template -------------------------------------------------------------------------------

def test_a_city_can_add_a_section():
    default = json.loads(
        (report_config.resources.files("selfeval_xl") / "templates" / "report_default.json")
        .read_text(encoding="utf-8"))
    sections = default["sections"]
    sections[0]["sections"].insert(1, {"title": "设置机构及人员情况",
                                      "content": [{"text": "{自称}内设科室4个。"}]})
    sections[1]["sections"].append({"title": "指标评分情况", "content": ["scores_table"]})
    doc = _doc(config=report_config.from_dict({"sections": sections}))
    assert [h.plain for h in doc.headings()][1:4] == [
        "（一）部门职能", "（二）设置机构及人员情况", "（三）年度总体工作和重点工作任务"]
    assert _section_texts(doc, "设置机构及人员情况") == ["我中心内设科室4个。"]
    table = next(b for b in doc.blocks if isinstance(b, Table))
    assert table.headers == ("一级指标", "二级指标", "三级指标", "分值", "得分")
    assert table.rows[-1] == ("合计", "", "", "100", "96")
    assert table.alignment(3) is table.alignment(4) is Align.RIGHT


def test_outputs_table_formats_amounts():
    cfg = report_config.from_dict({"sections": [{"title": "产出", "content": ["outputs_table"]}]})
    table = next(b for b in _doc(config=cfg).blocks if isinstance(b, Table))
    rows = {r[1]: r for r in table.rows}
    assert rows["中介超市成交金额"][4] == "6916.51" and rows["受理业务"][4] == "13453"


def test_empty_section_says_wu():
    cfg = report_config.from_dict({"sections": [{"title": "甲", "content": ["tasks"]}]})
    ev = dataclasses.replace(EV, tasks=())
    assert _section_texts(_doc(ev, config=cfg), "甲") == ["无。"]


@pytest.mark.parametrize("bad, message", [
    ({"sections": [{"title": "甲", "content": ["nonsense"]}]}, "未知内容“nonsense”"),
    ({"sections": []}, "缺少章节列表"),
    ({"sections": [{"content": []}]}, "缺少章节标题"),
    ({"format": "other/1"}, "不受支持"),
    ({"header": {"date_format": "{year}/{moon}"}}, "date_format"),
    ({"header": {"lines": [{"label": "x", "field": "password"}]}}, "header.lines[0]"),
])
def test_bad_templates_are_refused_in_chinese(bad, message):
    with pytest.raises(report_config.ConfigError, match=message.replace("[", r"\[")):
        report_config.from_dict(bad)


def test_template_file_errors(tmp_path):
    broken = tmp_path / "t.json"
    broken.write_text('{"title": "报告"\n  "sections": []}', encoding="utf-8")
    with pytest.raises(report_config.ConfigError) as info:
        report_config.load(broken)
    assert str(info.value) == f"报告模板“{broken}”不是有效的 JSON，第 2 行第 3 列：缺少逗号（,）。"
    with pytest.raises(report_config.ConfigError) as info:
        report_config.load(tmp_path / "none.json")
    assert str(info.value) == f"找不到报告模板“{tmp_path / 'none.json'}”。"
    good = tmp_path / "g.json"
    good.write_text(json.dumps({"title": "单位整体支出绩效自评报告"}), encoding="utf-8")
    assert _doc(config=report_config.load(good)).blocks[0] == Title("单位整体支出绩效自评报告")


def test_paragraph_kinds_in_the_example():
    kinds = {type(b) for b in _doc().blocks}
    assert kinds == {Title, HeaderLine, Heading, Paragraph, NumberedPoint}
