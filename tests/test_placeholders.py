from decimal import Decimal

from selfeval_xl import datafile
from selfeval_xl.core.placeholders import fill, names_in, values


def test_figures_come_from_the_output_table():
    ev = datafile.example()
    text, missing = fill(ev.tasks[3].body, ev)
    assert text == ("常态化做好各类中介服务项目申请的审核把关工作，总体运行平稳。2022年全年由中心承接"
                    "惠州市市直中介超市业务2373宗，总成交金额约6916.51万元。")
    assert missing == []


def test_unknown_and_blank_names_stay_visible():
    ev = datafile.example()
    text, missing = fill("共{不存在的指标}项，{评价年度}年，{{字面}}", ev)
    assert text == "共{不存在的指标}项，2022年，{字面}"
    assert missing == ["不存在的指标"]


def test_values_format_units():
    v = values(datafile.example())
    assert (v["中介超市成交金额"], v["满意率"], v["受理业务"], v["自称"]) == (
        "6916.51", "100", "13453", "我中心")
    assert names_in("a{x}b{{c}}{y}") == ["x", "y"]
    assert Decimal(v["进驻部门"]) == 32
