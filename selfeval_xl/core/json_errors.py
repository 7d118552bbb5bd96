"""Chinese for json's syntax errors, with the line and column, for files officers edit by
hand (data files, report templates)."""

from __future__ import annotations

import json

# json's messages (the part before ": line …") → what an officer should fix.
_REASONS = {
    "Expecting ',' delimiter": "缺少逗号（,）",
    "Expecting ':' delimiter": "缺少冒号（:）",
    "Expecting property name enclosed in double quotes": "键名应放在英文双引号（\"）中，或多了一个逗号",
    "Expecting value": "这里应有一个值（文字要加英文双引号，或多了一个逗号）",
    "Unterminated string starting at": "字符串缺少结尾的英文双引号",
    "Invalid control character at": "字符串中有换行或制表符等控制字符（换行请写作 \\n）",
    "Invalid \\escape": "反斜杠（\\）转义无效（路径中的反斜杠请写作 \\\\）",
    "Invalid \\uXXXX escape": "\\u 转义无效",
    "Extra data": "JSON 已经结束，后面还有多余的内容",
}



def syntax_message(exc: json.JSONDecodeError) -> str:
    """'第 3 行第 5 列：缺少逗号（,）' for a JSONDecodeError."""
    reason = _REASONS.get(exc.msg, "不是有效的 JSON")
    return f"第 {exc.lineno} 行第 {exc.colno} 列：{reason}"
