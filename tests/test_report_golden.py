"""Golden test: on the built-in example the generated report reproduces the seed report
(``shared/seed/000_96ac6039259ceae9.txt``) heading by heading and sentence by sentence.

The comparison is on the Markdown rendering, paragraph by paragraph: each paragraph is
(heading level, text with all whitespace removed). Whitespace differences are ignored
because the published text puts spaces around Latin and digits ("12345 热线", "2022 年")
that official documents do not carry. The seed's own typographic slips are corrected
explicitly in SEED_SLIPS below, one by one, and nothing else is normalised.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from pathlib import Path

from selfeval_xl import datafile
from selfeval_xl.render import render_markdown
from selfeval_xl.core import scoring
from selfeval_xl.core.report import build_document

REPO = Path(__file__).parents[1]
SEED_COPY = REPO / "tests" / "data" / "seed_report.txt"
SHARED_SEED = REPO.parent / "shared" / "seed" / "000_96ac6039259ceae9.txt"
# sha256 of the published seed (shared/seed/000_96ac6039259ceae9.txt), so the copy is checked
# byte for byte on a clone with nothing beside it too.
SEED_SHA256 = "0102129b775c9a9779c330ca3c767b97ec0e681d418500bb59a2264b31781e6d"

# The seed's typographic slips, each as (paragraph as the seed prints it, as it should be).
# Whitespace inside these strings does not matter (it is removed before comparing).
SEED_SLIPS: list[tuple[str, str]] = [
    # 1. Heading level: （二） is a level-2 heading but the seed marks it "##" like 一、/二、.
    ("## （二）部门整体支出绩效指标分析", "### （二）部门整体支出绩效指标分析"),
    # 2. Heading level: 三、 is a level-1 heading but the seed marks it "###" like （一）.
    ("### 三、其他自评情况", "## 三、其他自评情况"),
    # 3-7. Header block: half-width ":" after the label; Chinese text takes the full-width "：".
    ("部门名称:惠州市政务服务中心", "部门名称：惠州市政务服务中心"),
    ("下属二级预算单位数量: 无", "下属二级预算单位数量：无"),
    ("填报人: 罗燕君", "填报人：罗燕君"),
    ("联系电话: 0752-2898702", "联系电话：0752-2898702"),
    ("填报日期: 2023-4-11", "填报日期：2023-4-11"),
]
# Not corrected (reproduced as written, because it is the officer's text, used as written):
# the 经济效益 paragraph ends "满意率为100%" without a final "。" in the seed and in the data.

_WS = re.compile(r"\s+")
_HEADING = re.compile(r"^(#+)\s*(.*)$", re.S)


def _paragraphs(markdown: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", markdown) if p.strip()]


def _key(paragraph: str) -> str:
    """'H2 一、部门基本情况' / 'P 1.完善…': level marker plus text without whitespace."""
    m = _HEADING.match(paragraph)
    if m:
        return f"H{len(m.group(1))} {_WS.sub('', m.group(2))}"
    return "P " + _WS.sub("", paragraph)


def _corrected_seed(text: str) -> list[str]:
    keys = [_key(p) for p in _paragraphs(text)]
    for wrong, right in SEED_SLIPS:
        k_wrong, k_right = _key(wrong), _key(right)
        assert keys.count(k_wrong) == 1, f"slip not found exactly once in the seed: {wrong}"
        keys[keys.index(k_wrong)] = k_right
    return keys


def _generated() -> list[str]:
    ev = datafile.example()
    doc = build_document(ev, scoring.score(ev), [])
    return [_key(p) for p in _paragraphs(render_markdown.render(doc))]


def test_seed_copy_is_the_published_seed():
    # The copy, as published, opens with two blank lines before its title.
    assert hashlib.sha256(SEED_COPY.read_bytes()).hexdigest() == SEED_SHA256
    assert SEED_COPY.read_text(encoding="utf-8").lstrip("\n").startswith("# 部门整体绩效自评报告")
    if SHARED_SEED.exists():  # beside a checkout with shared/: the same bytes
        assert SEED_COPY.read_bytes() == SHARED_SEED.read_bytes()


def test_every_slip_is_a_real_difference():
    for wrong, right in SEED_SLIPS:
        assert _key(wrong) != _key(right)


def test_generated_report_reproduces_the_seed_paragraph_by_paragraph():
    expected = _corrected_seed(SEED_COPY.read_text(encoding="utf-8"))
    actual = _generated()
    if actual != expected:
        diff = "\n".join(difflib.unified_diff(expected, actual, "seed (corrected)", "generated",
                                              lineterm="", n=1))
        raise AssertionError("generated report differs from the seed:\n" + diff)
    # Guard against a vacuous pass: the seed has 36 paragraphs incl. 10 headings, and the
    # sentences the tool generates from figures are among them.
    assert len(actual) == 36
    assert sum(k.startswith("H") for k in actual) == 10
    for generated in ("P 2022年我中心预算支出为：总的支出为921.52万元，其中：",
                      "P 1.一般公共预算实际支出为921.52万元；",
                      "P 2.基本支出390.73万元，其中人员经费355.99万元，公用经费34.74万元；"
                      "项目支出620.85万元。",
                      "P 较好地完成设定绩效目标，自评96分。",
                      "P 下属二级预算单位数量：无",
                      "P 填报日期：2023-4-11"):
        assert generated in actual
