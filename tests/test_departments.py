"""The year's department list (bureau/departments.py): .xlsx and CSV (UTF-8, GBK), any
column order, and a Chinese problem for every row that cannot be taken."""

import io

import openpyxl
import pytest

from selfeval_xl.bureau.departments import Department, decode_text, read_departments

GOOD = [Department("惠州市政务服务中心", "101", "张三 0752-2898702"),
        Department("惠州市财政局", "102", "李四")]


def xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_with_header_in_any_order_and_numeric_codes():
    data = xlsx([[None], ["联系人", "部门名称", "部门编码"],
                 ["张三 0752-2898702", "惠州市政务服务中心", 101], ["李四", " 惠州市财政局 ", 102.0]])
    result = read_departments(data, "名单.xlsx")
    assert result.departments == tuple(GOOD)
    assert result.problems == ()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_or_without_bom_and_gbk(encoding):
    text = "部门名称,部门编码,联系人\r\n惠州市政务服务中心,101,张三 0752-2898702\r\n惠州市财政局,102,李四\r\n"
    result = read_departments(text.encode(encoding), "名单.csv")
    assert result == (read_departments(text.encode("utf-8"), "x.csv"))
    assert result.departments == tuple(GOOD) and result.problems == ()


def test_tab_separated_and_english_headers():
    text = "name\tcode\n惠州市财政局\t102\n"
    assert read_departments(text.encode(), "list.txt").departments == (
        Department("惠州市财政局", "102", ""),)


def test_bad_rows_are_reported_by_row_and_skipped():
    text = ("部门名称,部门编码,联系人\n"
            "惠州市政务服务中心,101,张三\n"
            ",103,王五\n"                      # row 3: no name
            "惠州市财政局,,李四\n"              # row 4: no code
            "惠州市政务服务中心,104,\n"         # row 5: name again
            "惠州市教育局,101,\n"               # row 6: code again
            ",,\n"                              # an empty line: nothing to say
            f"{'长' * 101},105,\n"              # row 8: name too long
            "惠州市卫生健康局,106,赵六\n")
    result = read_departments(text.encode("gbk"), "名单.csv")
    assert result.departments == (Department("惠州市政务服务中心", "101", "张三"),
                                  Department("惠州市卫生健康局", "106", "赵六"))
    assert result.problems == (
        "第 3 行：部门名称为空，已跳过",
        "第 4 行：部门编码为空，已跳过",
        "第 5 行：部门名称“惠州市政务服务中心”与第 2 行重复，已跳过",
        "第 6 行：部门编码“101”与第 2 行重复，已跳过",
        "第 8 行：部门名称超过 100 个字符，已跳过")


def test_whole_file_problems():
    assert read_departments(b"", "a.csv").problems == ("文件是空的：没有表头，也没有部门",)
    assert read_departments("单位,电话\n甲,1\n".encode(), "a.csv").problems == (
        "第 1 行应为表头，未找到“部门名称”“部门编码”列（表头：部门名称、部门编码、联系人）",)
    assert read_departments(b"PK\x03\x04broken", "a.xlsx").problems == (
        "无法读取工作簿：BadZipFile（请另存为 .xlsx 或 CSV 后重试）",)
    assert read_departments(b"x" * (5 * 1024 * 1024 + 1), "a.csv").problems == (
        "文件超过 5 MB，不像部门名单",)
    assert decode_text(b"\xff\xfe\xff") is None
    assert read_departments(b"\xff\xfe\xff", "a.csv").problems == (
        "无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV",)


def test_text_that_looks_like_a_formula_stays_text():
    text = '部门名称,部门编码\n"=HYPERLINK(""http://x"",""点"")",201\n'
    assert read_departments(text.encode(), "a.csv").departments == (
        Department('=HYPERLINK("http://x","点")', "201", ""),)
