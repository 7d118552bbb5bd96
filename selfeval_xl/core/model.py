"""The evaluation as typed, immutable data: what the officer filled in, nothing derived.

Every module (reader, data file, checks, scoring, report) speaks this model. Values that
the officer may leave blank are ``None``; amounts are ``Decimal`` in 万元; text is ``str``
("" when blank). Derived figures (sums, rates, scores) are computed, never stored here.

Attributes of the top-level :class:`Evaluation` mirror the workbook's sheets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum


class Method(str, Enum):
    """How an indicator is scored (DOMAIN.md). The value is the label shown in Excel."""

    RATIO = "比率"  # weight × min(actual ÷ target, 1)
    BANDS = "区间"  # score of the half-open band that holds actual
    DEDUCTION = "扣分"  # weight − per_step × (actual − threshold) ÷ step, floored at 0
    BOOLEAN = "是否"  # 是 → weight, 否 → 0
    MANUAL = "人工"  # the officer's own score, with a reason when below weight

    @classmethod
    def from_label(cls, text: str) -> "Method | None":
        """The method for an Excel label or an English name; None when unknown."""
        text = (text or "").strip()
        for m in cls:
            if text in (m.value, m.name.lower()):
                return m
        return None


class Closed(str, Enum):
    """Which end of a band is closed (DOMAIN.md: boundaries are half-open)."""

    UPPER = "(下限,上限]"  # lower < x ≤ upper  e.g. 预算调整率 ≤10% → 2
    LOWER = "[下限,上限)"  # lower ≤ x < upper  e.g. 重点支出安排率 80–90% → 4


@dataclass(frozen=True)
class Band:
    """One band of a BANDS indicator. A blank bound is open (−∞ / +∞).

    Attributes:
        lower: lower bound or None.
        upper: upper bound or None.
        score: points given when actual falls in the band.
        closed: which end is inclusive.
    """

    lower: Decimal | None
    upper: Decimal | None
    score: Decimal
    closed: Closed = Closed.UPPER


@dataclass(frozen=True)
class Indicator:
    """One row of the indicator scoring table (三级指标).

    Attributes:
        code: stable key, e.g. "1.2.3"; bands refer to it.
        level1/level2/level3: 一级/二级/三级指标 names.
        weight: 分值 (points available).
        method: scoring method, or None when the cell holds an unknown label.
        method_text: the label as typed (kept for findings about unknown methods).
        target: 目标值 (ratio: the denominator; fractions for percentages).
        actual: 实际值: a number, or "是"/"否" text for BOOLEAN, or None.
        threshold/step/per_step: DEDUCTION parameters (扣分起点, 扣分步长, 每步扣分).
        manual_score: 人工得分, the officer's score for MANUAL.
        rule: 评分规则, human-readable rule text shown in the workbook and report.
        reason: 扣分原因, required whenever the score is below the weight.
        bands: the BANDS table rows for this code, in workbook order.
    """

    code: str
    level1: str
    level2: str
    level3: str
    weight: Decimal | None
    method: Method | None
    method_text: str = ""
    target: Decimal | None = None
    actual: Decimal | str | None = None
    threshold: Decimal | None = None
    step: Decimal | None = None
    per_step: Decimal | None = None
    manual_score: Decimal | None = None
    rule: str = ""
    reason: str = ""
    bands: tuple[Band, ...] = ()


@dataclass(frozen=True)
class Basics:
    """基本情况: the header block and scalar text of the report."""

    dept_name: str = ""
    dept_self_ref: str = ""
    sub_unit_count: int | None = None
    preparer: str = ""
    phone: str = ""
    fill_date: date | None = None
    eval_year: int | None = None
    dept_functions: str = ""
    other_notes: str = ""


@dataclass(frozen=True)
class Expenditure:
    """支出情况, 万元, 决算数口径. None where the cell is blank or unreadable."""

    budget_total: Decimal | None = None
    exp_total: Decimal | None = None
    exp_general_budget: Decimal | None = None
    exp_gov_fund: Decimal | None = None
    exp_other: Decimal | None = None
    exp_basic: Decimal | None = None
    exp_personnel: Decimal | None = None
    exp_public: Decimal | None = None
    exp_project: Decimal | None = None


@dataclass(frozen=True)
class KeyTask:
    """A numbered key task (重点工作任务): title, optional body, and its 一是/二是 points."""

    no: int
    title: str
    body: str = ""
    points: tuple[str, ...] = ()


@dataclass(frozen=True)
class Goal:
    """A performance goal (部门整体支出绩效目标), one numbered paragraph."""

    no: int
    text: str


@dataclass(frozen=True)
class OutputIndicator:
    """A quantified output or benefit figure (产出/效益指标).

    Attributes:
        category: "产出" or "效益".
        name: unique name; report text refers to it as ``{name}``.
        unit: 单位 (项, 个, 宗, %, 万元 …); percentages are stored as written (100 = 100%).
        target: 目标值 or None (the seed states none).
        actual: 实际值 or None.
        parent: name of the indicator this one is a part of ("" if none); the parts of a
            parent must add up to it.
        note: 备注.
    """

    category: str
    name: str
    unit: str = ""
    target: Decimal | None = None
    actual: Decimal | None = None
    parent: str = ""
    note: str = ""


@dataclass(frozen=True)
class AnalysisParagraph:
    """One paragraph of 二（二）部门整体支出绩效指标分析.

    ``level`` 1 numbers the section "1.预算编制情况。…", level 2 "（1）社会效益：…".
    Consecutive paragraphs with the same heading and level continue one section.
    """

    heading: str
    level: int
    text: str


@dataclass(frozen=True)
class GradeBand:
    """A grade and its lower bound; ``wording`` opens the score sentence of 二（一）."""

    grade: str
    min_score: Decimal
    wording: str


DEFAULT_GRADES: tuple[GradeBand, ...] = (
    GradeBand("优", Decimal(90), "较好地完成设定绩效目标"),
    GradeBand("良", Decimal(80), "基本完成设定绩效目标"),
    GradeBand("中", Decimal(60), "部分完成设定绩效目标"),
    GradeBand("差", Decimal(0), "未能完成设定绩效目标"),
)


@dataclass(frozen=True)
class ExtraSection:
    """A section of the department's own facts that not every report has (设置机构及人员情况:
    year founded, internal bodies, staffing, retirees). The officer writes title and text;
    the report template says where it goes (``{"extra": "设置机构及人员情况"}``)."""

    title: str
    text: str


@dataclass(frozen=True)
class Evaluation:
    """A whole self-evaluation as filled in by the officer."""

    basics: Basics = field(default_factory=Basics)
    expenditure: Expenditure = field(default_factory=Expenditure)
    tasks: tuple[KeyTask, ...] = ()
    goals: tuple[Goal, ...] = ()
    outputs: tuple[OutputIndicator, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    conclusions: tuple[str, ...] = ()
    analysis: tuple[AnalysisParagraph, ...] = ()
    grades: tuple[GradeBand, ...] = DEFAULT_GRADES
    extra_sections: tuple[ExtraSection, ...] = ()
