"""The workbook layout: the one place that knows sheets, cells, defined names and tables.

The builder writes this layout, the reader finds data through the defined names and
table names declared here (never through addresses, so rows the officer inserts move
with them), and the writer puts results into the output cells declared here. No other
module contains a cell address literal.

Documented for outside tools in docs/workbook-contract.md; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- sheets ------------------------------------------------------------------------------

SHEET_GUIDE = "使用说明"
SHEET_BASICS = "基本情况"
SHEET_GOALS = "绩效目标"
SHEET_EXPENDITURE = "支出情况"
SHEET_INDICATORS = "指标评分"
SHEET_CONCLUSION = "自评结论"
SHEET_FINDINGS = "校验结果"
SHEET_REPORT = "自评报告"
SHEET_XLWINGS = "xlwings.conf"

SHEETS: tuple[str, ...] = (
    SHEET_GUIDE,
    SHEET_BASICS,
    SHEET_GOALS,
    SHEET_EXPENDITURE,
    SHEET_INDICATORS,
    SHEET_CONCLUSION,
    SHEET_FINDINGS,
    SHEET_REPORT,
    SHEET_XLWINGS,
)

# VBA code names (ASCII; set with XlsxWriter's set_vba_name) so VBA never depends on the
# Chinese sheet names.
CODE_NAMES: dict[str, str] = {
    SHEET_GUIDE: "shGuide",
    SHEET_BASICS: "shBasics",
    SHEET_GOALS: "shGoals",
    SHEET_EXPENDITURE: "shExpenditure",
    SHEET_INDICATORS: "shIndicators",
    SHEET_CONCLUSION: "shConclusion",
    SHEET_FINDINGS: "shFindings",
    SHEET_REPORT: "shReport",
    SHEET_XLWINGS: "shXlwingsConf",
}


# --- scalar fields -----------------------------------------------------------------------

# kinds: text, longtext (wrapped, tall row), int, date, money (万元, 2 dp), year
@dataclass(frozen=True)
class Field:
    """One officer input cell, named by a workbook-scoped defined name.

    Attributes:
        name: the defined name (DESIGN.md contract or documented addition).
        label: the Chinese label shown left of the cell.
        sheet: sheet it lives on.
        cell: A1 address of the input cell (label is one column to the left).
        kind: text | longtext | int | date | money | year.
        required: blank is an error finding.
        max_len: text length limit (data validation and check).
        help: input message shown by Excel when the cell is selected.
    """

    name: str
    label: str
    sheet: str
    cell: str
    kind: str
    required: bool = False
    max_len: int | None = None
    help: str = ""


FIELDS: tuple[Field, ...] = (
    Field("dept_name", "部门名称", SHEET_BASICS, "C4", "text", True, 60,
          "部门全称，如：惠州市政务服务中心"),
    Field("dept_self_ref", "报告中自称", SHEET_BASICS, "C5", "text", True, 10,
          "报告正文对本部门的称呼，如：我中心、我局、我委"),
    Field("sub_unit_count", "下属二级预算单位数量", SHEET_BASICS, "C6", "int", True, None,
          "填整数；没有下属单位填 0，报告中写作“无”"),
    Field("preparer", "填报人", SHEET_BASICS, "C7", "text", True, 20, "填报人姓名"),
    Field("phone", "联系电话", SHEET_BASICS, "C8", "text", True, 30,
          "如：0752-2898702 或 13800000000"),
    Field("fill_date", "填报日期", SHEET_BASICS, "C9", "date", True, None,
          "日期，如 2023-4-11；应晚于评价年度"),
    Field("eval_year", "评价年度", SHEET_BASICS, "C10", "year", True, None,
          "被评价的预算年度，如 2022"),
    Field("dept_functions", "部门职能", SHEET_BASICS, "C11", "longtext", True, 2000,
          "报告“（一）部门职能”的全文"),
    Field("other_notes", "其他自评情况", SHEET_BASICS, "C12", "longtext", False, 2000,
          "报告“三、其他自评情况”；没有可留空，报告中写作“无”"),
    Field("budget_total", "全年预算数（调整后）", SHEET_EXPENDITURE, "C4", "money", True, None,
          "万元，保留两位小数"),
    Field("exp_total", "部门整体支出（决算数）", SHEET_EXPENDITURE, "C5", "money", True, None,
          "万元；应等于下列三项资金来源之和，也等于基本支出与项目支出之和"),
    Field("exp_general_budget", "其中：一般公共预算支出", SHEET_EXPENDITURE, "C6", "money", True,
          None, "万元；没有填 0"),
    Field("exp_gov_fund", "　　　政府性基金预算支出", SHEET_EXPENDITURE, "C7", "money", True, None,
          "万元；没有填 0"),
    Field("exp_other", "　　　其他资金支出", SHEET_EXPENDITURE, "C8", "money", True, None,
          "万元；没有填 0"),
    Field("exp_basic", "基本支出", SHEET_EXPENDITURE, "C9", "money", True, None,
          "万元；应等于人员经费与公用经费之和"),
    Field("exp_personnel", "其中：人员经费", SHEET_EXPENDITURE, "C10", "money", True, None,
          "万元"),
    Field("exp_public", "　　　公用经费", SHEET_EXPENDITURE, "C11", "money", True, None, "万元"),
    Field("exp_project", "项目支出", SHEET_EXPENDITURE, "C12", "money", True, None, "万元"),
)

FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}

# The kinds of input (fields and table columns) that hold numbers: amounts, weights, rates,
# counts, years. A number typed as text in one of them is replaced by the number at
# write-back (write/text_numbers.py); text kinds are never touched.
NUMERIC_KINDS = frozenset({"int", "year", "money", "number", "percent"})


# --- formula (output) cells --------------------------------------------------------------

@dataclass(frozen=True)
class Output:
    """A cell the officer does not type into: a native formula or a Python-written value.

    Attributes:
        name: defined name.
        label: Chinese label.
        sheet, cell: where it is.
        formula: native Excel formula written by the builder, using defined names only;
            None for cells Python writes (status block, fingerprints).
    """

    name: str
    label: str
    sheet: str
    cell: str
    formula: str | None = None


OUTPUTS: tuple[Output, ...] = (
    # 支出情况: the identities a reader must see without Python. Differences are rounded
    # to the cent so that float noise never shows as a mismatch.
    Output("exp_sources_sum", "资金来源合计", SHEET_EXPENDITURE, "C15",
           "=exp_general_budget+exp_gov_fund+exp_other"),
    Output("exp_sources_diff", "部门整体支出 − 资金来源合计", SHEET_EXPENDITURE, "D15",
           "=ROUND(exp_total-exp_sources_sum,2)"),
    Output("exp_parts_sum", "基本支出 + 项目支出", SHEET_EXPENDITURE, "C16",
           "=exp_basic+exp_project"),
    Output("exp_parts_diff", "部门整体支出 − (基本支出 + 项目支出)", SHEET_EXPENDITURE, "D16",
           "=ROUND(exp_total-exp_parts_sum,2)"),
    Output("exp_basic_sum", "人员经费 + 公用经费", SHEET_EXPENDITURE, "C17",
           "=exp_personnel+exp_public"),
    Output("exp_basic_diff", "基本支出 − (人员经费 + 公用经费)", SHEET_EXPENDITURE, "D17",
           "=ROUND(exp_basic-exp_basic_sum,2)"),
    Output("exec_rate", "预算执行率（支出 ÷ 预算）", SHEET_EXPENDITURE, "C18",
           '=IF(N(budget_total)=0,"",exp_total/budget_total)'),
    # 指标评分 totals
    Output("weight_total", "分值合计（应为 100）", SHEET_INDICATORS, "C2",
           "=SUM(tbl_indicators[分值])"),
    Output("self_score", "自评得分", SHEET_INDICATORS, "E2",
           "=ROUND(SUM(tbl_indicators[得分]),2)"),
    Output("self_grade", "自评等级", SHEET_INDICATORS, "G2",
           # the four rows of tbl_grades, highest first; the officer may edit the bounds
           '=IF(self_score>=INDEX(tbl_grades[最低分],1),INDEX(tbl_grades[等级],1),'
           'IF(self_score>=INDEX(tbl_grades[最低分],2),INDEX(tbl_grades[等级],2),'
           'IF(self_score>=INDEX(tbl_grades[最低分],3),INDEX(tbl_grades[等级],3),'
           'INDEX(tbl_grades[等级],4))))'),
    # 使用说明 status block, written by Python (校验数据 / 计算得分 / 生成报告)
    Output("template_version", "模板版本", SHEET_GUIDE, "C20"),
    Output("status_checked_at", "最近校验时间", SHEET_GUIDE, "C21"),
    Output("status_check_summary", "最近校验结果", SHEET_GUIDE, "C22"),
    Output("status_scored_at", "最近计算得分时间", SHEET_GUIDE, "C23"),
    Output("status_report_at", "报告生成时间", SHEET_GUIDE, "C24"),
    Output("report_fingerprint", "报告所依据数据的指纹", SHEET_GUIDE, "C25"),
    Output("report_score", "报告中的自评得分", SHEET_GUIDE, "C26"),
    # The report template chosen for this workbook (report --template / build --template),
    # as compact JSON; blank = the built-in template. The button, the CLI and the bureau
    # all read it, so the same file gives the same report everywhere.
    Output("report_template", "报告模板（空白为内置模板）", SHEET_GUIDE, "C27"),
    # Python's total, written by 计算得分 beside the native self_score so a reader sees both.
    Output("py_self_score", "校核总分", SHEET_INDICATORS, "I2"),
)

OUTPUTS_BY_NAME: dict[str, Output] = {o.name: o for o in OUTPUTS}


# --- tables (Excel ListObjects) ----------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A table column.

    Attributes:
        header: the header text (what outside tools match on; stable).
        key: the model attribute it maps to.
        kind: text | longtext | int | number | money | percent | choice | formula | output.
            ``formula`` columns hold a native calculated-column formula; ``output`` columns
            are written by Python; neither is typed by the officer.
        width: column width in Excel characters.
        choices: allowed values for ``choice`` columns (dropdown).
        formula: calculated-column formula (structured references, ``[@列]``).
        help: input message.
    """

    header: str
    key: str
    kind: str = "text"
    width: float = 12
    choices: tuple[str, ...] = ()
    formula: str | None = None
    help: str = ""


@dataclass(frozen=True)
class Table:
    """An Excel table.

    Attributes:
        name: ListObject name (contract).
        title: caption written above the header row.
        sheet: sheet name.
        anchor: A1 address of the top-left header cell.
        columns: columns in order.
        min_rows: data rows the template provides (blank ones are ignored on reading).
    """

    name: str
    title: str
    sheet: str
    anchor: str
    columns: tuple[Column, ...]
    min_rows: int = 10

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


METHOD_CHOICES = ("比率", "区间", "扣分", "是否", "人工")
BAND_CHOICES = ("(下限,上限]", "[下限,上限)")
CATEGORY_CHOICES = ("产出", "效益")
GRADE_CHOICES = ("优", "良", "中", "差")

# Indicator score as a native formula, one calculated column for every row: the Python
# scorer (core.scoring) implements exactly the same rules, and a test compares them.
# Each row's score is rounded to 2 decimals (ROUND: half away from zero) and then clamped
# to [0, 分值], and the total is the sum of the rounded rows, so the score table adds up to
# the total it prints. core/scoring.py rounds at the same step.
INDICATOR_SCORE_FORMULA = (
    '=IF(OR([@分值]="",[@评分方法]=""),"",'
    'MAX(0,MIN([@分值],ROUND('
    'IF([@评分方法]="比率",IF(OR(N([@目标值])=0,[@实际值]=""),0,[@分值]*MIN(1,N([@实际值])/[@目标值])),'
    'IF([@评分方法]="区间",IF([@实际值]="",0,SUMPRODUCT((tbl_bands[指标编码]=[@编码])*'
    '(((tbl_bands[区间]="[下限,上限)")*((tbl_bands[下限]="")+(N([@实际值])>=tbl_bands[下限])>0)'
    '*((tbl_bands[上限]="")+(N([@实际值])<tbl_bands[上限])>0))'
    '+((tbl_bands[区间]<>"[下限,上限)")*((tbl_bands[下限]="")+(N([@实际值])>tbl_bands[下限])>0)'
    '*((tbl_bands[上限]="")+(N([@实际值])<=tbl_bands[上限])>0)))*tbl_bands[得分])),'
    'IF([@评分方法]="扣分",IF(OR([@实际值]="",N([@扣分步长])=0),0,'
    '[@分值]-[@每步扣分]*MAX(0,N([@实际值])-N([@扣分起点]))/[@扣分步长]),'
    'IF([@评分方法]="是否",IF([@实际值]="是",[@分值],0),'
    'IF([@评分方法]="人工",N([@人工得分]),0))))),2))))'
)

TABLES: tuple[Table, ...] = (
    Table("tbl_tasks", "年度总体工作和重点工作任务", SHEET_GOALS, "B4", (
        Column("序号", "no", "int", 6, help="1、2、3…，报告按此编号"),
        Column("任务标题", "title", "text", 36, help="如：完善大厅服务功能，打造行政服务新平台。"),
        Column("任务说明", "body", "longtext", 60, help="标题后的说明（可空）；要点另填在右侧要点表"),
    ), min_rows=8),
    Table("tbl_task_points", "重点任务要点（一是、二是……）", SHEET_GOALS, "F4", (
        Column("任务序号", "task_no", "int", 9, help="所属任务的序号"),
        Column("要点", "text", "longtext", 70, help="不要写“一是”，报告自动编排"),
    ), min_rows=20),
    Table("tbl_goals", "部门整体支出绩效目标", SHEET_GOALS, "I4", (
        Column("序号", "no", "int", 6),
        Column("绩效目标", "text", "longtext", 70),
    ), min_rows=8),
    Table("tbl_outputs", "产出和效益指标（量化）", SHEET_GOALS, "L4", (
        Column("类别", "category", "choice", 8, CATEGORY_CHOICES),
        Column("指标名称", "name", "text", 22, help="报告文字中用 {指标名称} 引用实际值"),
        Column("单位", "unit", "text", 8),
        Column("目标值", "target", "number", 11),
        Column("实际值", "actual", "number", 11),
        Column("汇总于", "parent", "text", 18, help="若本指标是另一指标的组成部分，填那个指标的名称"),
        Column("完成率", "completion", "formula", 10,
               formula='=IF(OR(N([@目标值])=0,[@实际值]=""),"",[@实际值]/[@目标值])'),
        Column("备注", "note", "text", 20),
    ), min_rows=20),
    Table("tbl_indicators", "部门整体支出绩效评价指标", SHEET_INDICATORS, "B5", (
        Column("编码", "code", "text", 8),
        Column("一级指标", "level1", "text", 12),
        Column("二级指标", "level2", "text", 12),
        Column("三级指标", "level3", "text", 18),
        Column("分值", "weight", "number", 7, help="各指标分值合计应为 100"),
        Column("评分方法", "method", "choice", 9, METHOD_CHOICES,
               help="比率/区间/扣分/是否/人工，规则见“评分规则”"),
        Column("目标值", "target", "number", 9, help="比率法的分母；百分比按小数填，如 100% 填 1"),
        Column("实际值", "actual", "number", 9, help="是否法填“是”或“否”；百分比按小数填"),
        Column("扣分起点", "threshold", "number", 9),
        Column("扣分步长", "step", "number", 9),
        Column("每步扣分", "per_step", "number", 9),
        Column("人工得分", "manual_score", "number", 9, help="仅人工评分方法使用"),
        Column("评分规则", "rule", "longtext", 36),
        Column("得分", "score", "formula", 8, formula=INDICATOR_SCORE_FORMULA),
        Column("扣分原因", "reason", "longtext", 30, help="得分低于分值时必须填写"),
        Column("校核得分", "py_score", "output", 9, help="“计算得分”按钮写入，应与“得分”一致"),
        Column("得分说明", "py_explain", "output", 40, help="“计算得分”按钮写入"),
    ), min_rows=30),
    Table("tbl_bands", "区间评分表", SHEET_INDICATORS, "U5", (
        Column("指标编码", "code", "text", 9),
        Column("区间", "closed", "choice", 12, BAND_CHOICES),
        Column("下限", "lower", "number", 8),
        Column("上限", "upper", "number", 8),
        Column("得分", "score", "number", 7),
    ), min_rows=30),
    Table("tbl_conclusions", "自评结论要点", SHEET_CONCLUSION, "B4", (
        Column("序号", "no", "int", 6),
        Column("要点", "text", "longtext", 80,
               help="不要写得分句，报告按计算得分自动生成“……，自评XX分。”"),
    ), min_rows=8),
    Table("tbl_analysis", "部门整体支出绩效指标分析", SHEET_CONCLUSION, "E4", (
        Column("小节", "heading", "text", 16, help="如：预算编制情况；同一小节的多个段落重复填写"),
        Column("层级", "level", "int", 6, help="1 编号为“1.”，2 编号为“（1）”"),
        Column("内容", "text", "longtext", 80, help="可用 {指标名称}、{评价年度} 引用数据"),
    ), min_rows=12),
    Table("tbl_grades", "等级与结论用语", SHEET_CONCLUSION, "I4", (
        Column("等级", "grade", "choice", 6, GRADE_CHOICES),
        Column("最低分", "min_score", "number", 8),
        Column("结论用语", "wording", "text", 30),
    ), min_rows=4),
    Table("tbl_extra_sections", "增设章节（本部门特有的基本情况）", SHEET_BASICS, "E4", (
        Column("章节标题", "title", "text", 24,
               help="如：设置机构及人员情况；报告模板用 {\"extra\": \"章节标题\"} 指定位置"),
        Column("内容", "text", "longtext", 80, help="该章节的正文，可用 {评价年度}、{自称} 等占位符"),
    ), min_rows=4),
    Table("tbl_findings", "校验结果", SHEET_FINDINGS, "A4", (
        Column("级别", "severity", "output", 8),
        Column("代码", "code", "output", 24),
        Column("工作表", "sheet", "output", 12),
        Column("单元格", "cell", "output", 10),
        Column("名称", "name", "output", 18),
        Column("说明", "message", "output", 90),
    ), min_rows=1),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    return TABLES_BY_NAME[name]


def field(name: str) -> Field:
    return FIELDS_BY_NAME[name]


# Report sheet: where the generated report starts, and the defined name of that cell (the
# writer follows the name, so the report still lands right if rows were inserted above).
REPORT_ANCHOR = (SHEET_REPORT, "B2")
REPORT_START_NAME = "report_start"


def defined_names() -> dict[str, tuple[str, str]]:
    """Every workbook-scoped defined name the builder creates: name → (sheet, cell)."""
    names = {f.name: (f.sheet, f.cell) for f in FIELDS}
    names.update({o.name: (o.sheet, o.cell) for o in OUTPUTS})
    names[REPORT_START_NAME] = REPORT_ANCHOR
    return names
