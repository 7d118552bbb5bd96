"""Builder, part 2: the 使用说明 sheet (text, buttons, status block, dropdown lists), the
headings of the other sheets, and the ``xlwings.conf`` settings sheet.

Positions here are presentation only (sheet titles, guide paragraphs); every position a
program relies on comes from :mod:`selfeval_xl.layout` (status block) or from xlwings
(its settings sheet is read from A1 downwards, key in column A, value in column B).
"""

from __future__ import annotations

from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from selfeval_xl import layout
from selfeval_xl.build.builder_sheets import SheetContext, Styles, write_value

TITLE_ROW = 0  # every sheet's heading, row 1
TITLE_COL = 1  # column B (校验结果: column A, where its table starts)
BUTTON_ROW = 2  # 使用说明: the three buttons, row 3
TEXT_FIRST_ROW = 4  # 使用说明: first guide paragraph, row 5

# (macro = Sub name in workbook/vba/SelfEval.bas, caption, what it does)
BUTTONS = (
    ("ValidateData", "校验数据", "检查必填项、数字格式、金额勾稽关系（如基本支出+项目支出是否等于部门整体支出）"
     "和指标分值合计，结果写入“校验结果”表。"),
    ("ComputeScore", "计算得分", "用 Python 逐项复核指标得分，写入“指标评分”表的“校核得分”“得分说明”两列；"
     "应与公式计算的“得分”一致。"),
    ("GenerateReport", "生成报告", "生成《部门整体支出绩效自评报告》：写入“自评报告”表，并在本工作簿所在文件夹"
     "生成 Word 文件（装有 LibreOffice 时另生成 PDF）。"),
)

SHEET_TITLES = {
    layout.SHEET_GUIDE: "部门整体支出绩效自评工作簿 — 使用说明",
    layout.SHEET_BASICS: "基本情况",
    layout.SHEET_GOALS: "年度工作任务与绩效目标",
    layout.SHEET_EXPENDITURE: "部门整体支出情况（以决算数为统计口径，单位：万元）",
    layout.SHEET_INDICATORS: "部门整体支出绩效评价指标与评分",
    layout.SHEET_CONCLUSION: "自评结论与绩效指标分析",
    layout.SHEET_FINDINGS: "校验结果（由“校验数据”按钮写入，请勿手工编辑）",
    layout.SHEET_REPORT: "自评报告（由“生成报告”按钮写入，请勿手工编辑）",
}

GUIDE_TEXT = (
    ("用途", "本工作簿用于填写部门整体支出绩效自评，校验数据、计算自评得分，并生成《部门整体支出绩效"
             "自评报告》。填好后可直接将本工作簿报送上级财政部门：所有合计、得分和等级都是 Excel 公式，"
             "没有安装 Python 也能看到。"),
    ("如何填写", "1. 只在黄色单元格中填写；蓝色单元格是公式，灰色单元格由按钮写入，均无需填写。"
                 "选中单元格时会显示填写提示，填错会提示原因。\n"
                 "2. 依次填写“基本情况”“绩效目标”“支出情况”“指标评分”“自评结论”各表。"
                 "金额单位为万元，保留两位小数；百分比按小数填写（如 95% 填 0.95）。\n"
                 "3. “支出情况”表下方的核对区会用红色标出不平衡的金额；“指标评分”表的分值合计"
                 "不等于 100 时也会标红。"),
    ("表格行数", "各表已预留足够的空行，空行会被忽略。需要更多行时：审阅 › 撤销工作表保护（没有密码），"
                 "在表格最后一行右键 › 插入 › 表格行（公式列会自动填充），完成后可再保护工作表。"),
    ("三个按钮", "\n".join(f"{caption}：{text}" for _, caption, text in BUTTONS)
                 + "\n三个按钮都会把填成文字的数字（如“77.40万元”“1,234.50”）改为数字，"
                   "原来填写的文字保存在该单元格的批注中，以便 Excel 公式正确计算。"
                 + "\n按钮需要启用宏，且本机已安装 Python 和 selfeval-xl（由信息化人员安装一次）。"
                   "没有 Python 的电脑可使用命令行 selfeval-xl check / report 完成同样的工作。"),
    ("按钮没有反应时", "1. 文件来自邮件或网页下载时，Office 会阻止宏：关闭 Excel，在文件上右键 › 属性 › "
                      "常规，勾选底部的“解除锁定”› 确定，再打开工作簿并点黄色消息栏中的“启用内容”；"
                      "或把工作簿放进受信任位置（文件 › 选项 › 信任中心 › 信任中心设置 › 受信任位置）。\n"
                      "2. 仍无反应或报“找不到解释器”：请信息化人员运行 selfeval-xl doctor，按提示处理。\n"
                      "3. 没有 Python 的电脑：用命令行 selfeval-xl check / score / report 完成同样的工作。"),
    ("出现 #NAME? 时", "使用 Python 自定义函数的单元格在未安装 xlwings 或未启用宏的电脑上会显示 #NAME?。"
                      "这不影响数据：合计、得分和等级均由 Excel 自带公式计算。需要时请安装 Python 与 "
                      "selfeval-xl 后重新打开本工作簿（Python 不在 PATH 中时见“xlwings.conf”表的说明）。"),
    ("状态", "下方记录最近一次校验、计算得分和生成报告的时间。报告生成后若又修改了数据，"
             "“报告所依据数据的指纹”将与当前数据不一致，请重新生成报告。"),
)

# Dropdown sources: written on 使用说明 below the status block, one defined name per list
# (a list such as "(下限,上限]" contains commas, so it cannot be a literal list).
LISTS = (
    ("list_methods", "评分方法", layout.METHOD_CHOICES, (
        "分值 × min(实际值 ÷ 目标值, 1)",
        "实际值落在“区间评分表”中该指标编码的哪个区间，得该区间的分",
        "分值 − 每步扣分 × (实际值 − 扣分起点) ÷ 扣分步长，不低于 0",
        "实际值为“是”得满分，否则 0 分",
        "填写“人工得分”；低于分值时须填写扣分原因",
    )),
    ("list_band_closed", "区间", layout.BAND_CHOICES, (
        "下限 < 实际值 ≤ 上限（空白表示无界）", "下限 ≤ 实际值 < 上限（空白表示无界）")),
    ("list_categories", "类别", layout.CATEGORY_CHOICES, ("", "")),
    ("list_grades", "等级", layout.GRADE_CHOICES, ("", "", "", "")),
)

# xlwings settings sheet: xlwings reads A1 downwards to the first blank cell, UCase(key).
# Only keys with a value: a key in the sheet, even with a blank value, overrides the same key
# in the officer's own %USERPROFILE%\.xlwings\xlwings.conf, so blank Interpreter_Win /
# Conda rows would hide an Anaconda or venv set up there (see docs/windows.md).
XLWINGS_SETTINGS = (
    ("UDF Modules", "udfs.selfeval_udfs"),
    ("Debug UDFs", False),
    ("Use UDF Server", False),
    ("Show Console", False),
)
XLWINGS_NOTES = (
    "xlwings 设置（由 xlwings 读取：A 列为设置名，B 列为取值，从 A1 起连续填写，中间不要留空行）。",
    "这里没有写 Interpreter_Win：按钮使用 PATH 中的 python，自定义函数使用 PATH 中的 pythonw；"
    "本机的 %USERPROFILE%\\.xlwings\\xlwings.conf 里设置了 Interpreter_Win 时以它为准。",
    "Python 不在 PATH 中（虚拟环境、Anaconda）时：在 A 列第一个空行填 Interpreter_Win，B 列填 python.exe "
    "的完整路径，如 C:\\envs\\selfeval\\Scripts\\python.exe；selfeval-xl doctor 会给出本机应填的那一行。",
    "UDF Modules：自定义函数所在的 Python 模块，保持 udfs.selfeval_udfs。",
    "Show Console：排查问题时可改为 TRUE 以显示 Python 窗口。",
    "本工作簿内嵌 xlwings 的 VBA 模块（独立模式），无需安装 xlwings 加载项。",
)


def write_titles(sheets: dict[str, SheetContext], styles: Styles) -> None:
    for sheet, title in SHEET_TITLES.items():
        col = 0 if sheet == layout.SHEET_FINDINGS else TITLE_COL
        write_value(sheets[sheet], TITLE_ROW, col, title, styles.get("title"))
        sheets[sheet].ws.set_row(TITLE_ROW, 24)


def write_guide(ctx: SheetContext, styles: Styles, book) -> dict[tuple[str, ...], str]:
    """The guide: buttons, paragraphs, status block labels (written by builder_sheets),
    dropdown lists. Returns {choices: "=list name"} for the validations."""
    ws = ctx.ws
    status_rows = [xl_cell_to_rowcol(o.cell)[0] for o in layout.OUTPUTS
                   if o.sheet == layout.SHEET_GUIDE]
    label_col = xl_cell_to_rowcol(layout.OUTPUTS_BY_NAME["template_version"].cell)[1] - 1
    text_col = label_col + 1
    ws.set_column(label_col, label_col, 22)
    ws.set_column(text_col, text_col, 90)
    ws.set_row(BUTTON_ROW, 36)
    for index, (macro, caption, _) in enumerate(BUTTONS):
        ws.insert_button(BUTTON_ROW, label_col, {
            "macro": macro, "caption": caption, "width": 128, "height": 40,
            "x_offset": 4 + index * 150, "y_offset": 4, "name": f"btn{macro}"})
    ctx.mark(BUTTON_ROW, text_col)
    row = TEXT_FIRST_ROW
    for heading, text in GUIDE_TEXT:
        write_value(ctx, row, label_col, heading, styles.get("subtitle", valign="top"))
        write_value(ctx, row, text_col, text, styles.get("note"))
        ws.set_row(row, 18 * (text.count("\n") + 1 + len(text) // 60))
        row += 1
    if row >= min(status_rows) - 1:
        raise ValueError("guide text overlaps the status block; move the status block in layout.py")
    write_value(ctx, min(status_rows) - 1, label_col, "操作记录（由按钮写入）",
                styles.get("subtitle"))

    # Dropdown lists below the status block.
    row = max(status_rows) + 2
    write_value(ctx, row, label_col, "下拉选项（数据验证使用，请勿修改）", styles.get("subtitle"))
    row += 1
    sources: dict[tuple[str, ...], str] = {}
    for name, heading, choices, notes in LISTS:
        write_value(ctx, row, label_col, heading, styles.get("subtitle"))
        row += 1
        first = row
        for choice, note in zip(choices, notes):
            write_value(ctx, row, label_col, choice, styles.get("const"))
            if note:
                write_value(ctx, row, text_col, note, styles.get("note"))
            row += 1
        start = xl_rowcol_to_cell(first, label_col, row_abs=True, col_abs=True)
        end = xl_rowcol_to_cell(row - 1, label_col, row_abs=True, col_abs=True)
        book.define_name(name, f"='{layout.SHEET_GUIDE}'!{start}:{end}")
        sources[choices] = f"={name}"
    _write_trial_area(ctx, styles, book, row + 1, label_col)
    return sources


# 使用说明 is protected, so a formula cannot be typed just anywhere: these unlocked cells are
# where an officer (or the release test in docs/windows.md) tries the worksheet functions.
TRIAL_NAME = "udf_trial"
TRIAL_HEADING = "函数试用区"
TRIAL_ROWS = 6
TRIAL_NOTE = ("可在下方黄色单元格中输入公式试用自定义函数（需已安装 Python 和 selfeval-xl），"
              "如 =se_grade(self_score)、=se_diff(exp_total,exp_basic,exp_project)；"
              "用完可删除，不影响数据。")


def _write_trial_area(ctx: SheetContext, styles: Styles, book, first: int, label_col: int) -> None:
    write_value(ctx, first, label_col, TRIAL_HEADING, styles.get("subtitle"))
    write_value(ctx, first, label_col + 1, TRIAL_NOTE, styles.get("note"))
    ctx.ws.set_row(first, 36)
    for i in range(TRIAL_ROWS):
        write_value(ctx, first + 1 + i, label_col, f"试用 {i + 1}", styles.get("label"))
        write_value(ctx, first + 1 + i, label_col + 1, None, styles.get("input", "General"))
    start = xl_rowcol_to_cell(first + 1, label_col + 1, row_abs=True, col_abs=True)
    end = xl_rowcol_to_cell(first + TRIAL_ROWS, label_col + 1, row_abs=True, col_abs=True)
    book.define_name(TRIAL_NAME, f"='{layout.SHEET_GUIDE}'!{start}:{end}")


def write_xlwings_conf(ctx: SheetContext, styles: Styles) -> None:
    ws = ctx.ws
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 30)
    ws.set_column(3, 3, 100)
    for row, (key, value) in enumerate(XLWINGS_SETTINGS):
        write_value(ctx, row, 0, key, None)
        write_value(ctx, row, 1, value, styles.get("input", "@" if isinstance(value, str)
                                                   else "General"))
    for row, note in enumerate(XLWINGS_NOTES):
        write_value(ctx, row, 3, note, styles.get("note", valign="vcenter"))
