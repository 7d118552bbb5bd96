"""The safe arithmetic evaluator: Excel's arithmetic, nothing else."""

from __future__ import annotations

from decimal import Decimal

import pytest

from selfeval_xl.read.formula_eval import FormulaError, evaluate


@pytest.mark.parametrize("formula,value", [
    ("=355.99+34.74", "390.73"), ("390.73+620.85", "1011.58"), ("=-2^2", "4"), ("=2^-1", "0.5"),
    ("=50%*2", "1"), ("=SUM(1,2,3)", "6"), ("=sum( 1 , 2 )", "3"), ("=SUM()", "0"),
    ("=(1+2)*3/4", "2.25"), ("=1e3", "1000"), ("=.5+5.", "5.5"), ("=10-2-3", "5"), ("=2^3^2", "64"),
])
def test_values(formula, value):
    assert evaluate(formula) == Decimal(value)


@pytest.mark.parametrize("formula,why", [
    ("=1/0", "除数为零"), ("=A1+1", "单元格引用"), ("=exp_total", "单元格引用"), ("=1+", "不完整"),
    ("=(1", "不完整"), ("=1)", "不是单纯的数字运算"), ("=", "为空"), ("=2^0.5", "整数"),
    ("=" + "(" * 50 + "1" + ")" * 50, "嵌套过深"), ("=" + "1+" * 300 + "1", "过长"),
    ("=__import__('os')", "单元格引用"), ("=9^99^99", "过大"),
])
def test_refused(formula, why):
    with pytest.raises(FormulaError, match=why):
        evaluate(formula)
