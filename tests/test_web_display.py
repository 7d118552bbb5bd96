"""The pages print a stored figure or verdict one way, as every other output does."""

from __future__ import annotations

from decimal import Decimal

import pytest

from selfeval_xl.web.display import result_text, score_text, verdict_text


@pytest.mark.parametrize("stored, shown", [
    ("96.00", "96"), ("95.50", "95.5"), ("95.25", "95.25"), ("95.125", "95.13"),
    (Decimal("87.005"), "87.01"), (96, "96"), (None, ""), ("", ""), ("junk", "junk"),
])
def test_a_total_prints_as_the_report_writes_it(stored, shown):
    assert score_text(stored) == shown


@pytest.mark.parametrize("stored, shown", [
    ("4.5", "4.50"), ("1.4548", "1.45"), ("1.333333", "1.33"), ("0", "0.00"), (None, ""),
])
def test_an_indicator_score_prints_with_two_decimals(stored, shown):
    assert result_text(stored) == shown


@pytest.mark.parametrize("key, label", [
    ("errors", "校验有错误"), ("ok", "通过"), ("ok-with-warnings", "通过（有警告）"),
    ("stale", "报告生成后数据被修改"), ("", ""), ("something-new", "something-new"),
])
def test_a_verdict_prints_in_chinese(key, label):
    assert verdict_text(key) == label


def test_no_template_prints_a_raw_score_or_verdict_key():
    # Every place a page shows a stored score or verdict goes through the filters.
    import re
    from pathlib import Path

    import selfeval_xl.web as web

    raw = []
    for page in sorted((Path(web.__file__).parent / "templates").glob("*.html")):
        for m in re.finditer(r"\{\{\s*([\w.]+\.(?:score|verdict))\s*(\}\}|or)", page.read_text("utf-8")):
            raw.append((page.name, m.group(1)))
    assert raw == []
