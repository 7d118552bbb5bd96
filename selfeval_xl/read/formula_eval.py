"""A tiny, safe evaluator for formulas that are plain arithmetic on numbers.

A workbook written by a program (never opened in Excel) stores formulas without their
results. When an officer's INPUT cell holds such a formula, e.g. ``=355.99+34.74``, the
reader computes it here rather than guess: numbers, ``+ - * / ^``, unary signs, ``%``,
parentheses and ``SUM(...)`` of those, in Decimal. Anything else (cell references, names,
other functions) is refused, so no formula text is ever executed. No ``eval()``.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext

MAX_LENGTH = 500
MAX_DEPTH = 40

_TOKEN = re.compile(
    r"\s*(?:"
    r"(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"  # a number
    r"|(SUM)\s*(?=\()"  # the one function allowed
    r"|([-+*/^%(),]))",  # operators and punctuation
    re.IGNORECASE)


class FormulaError(ValueError):
    """The formula is not plain arithmetic, or cannot be computed (message in Chinese)."""


def evaluate(formula: str) -> Decimal:
    """Value of an arithmetic formula ("=1+2" or "1+2").

    Raises:
        FormulaError: anything but numbers and arithmetic, or a division by zero.
    """
    text = formula.strip()
    if text.startswith("="):
        text = text[1:]
    if not text:
        raise FormulaError("公式为空")
    if len(text) > MAX_LENGTH:
        raise FormulaError("公式过长")
    tokens = _tokenize(text)
    ctx = Context(prec=28, Emax=999, Emin=-999, traps=[InvalidOperation, DivisionByZero, Overflow])
    with localcontext(ctx):
        parser = _Parser(tokens)
        try:
            value = parser.expr(0)
        except DivisionByZero:
            raise FormulaError("除数为零（#DIV/0!）") from None
        except (InvalidOperation, Overflow):
            raise FormulaError("计算结果无效或过大") from None
        if parser.pos != len(tokens):
            raise FormulaError("公式不是单纯的数字运算")
        return +value


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise FormulaError("公式含有单元格引用、名称或函数，不是单纯的数字运算")
        tokens.append(m.group(1) or (m.group(2) or "").upper() or m.group(3))
        pos = m.end()
    return tokens


class _Parser:
    """Recursive descent, Excel precedence: % and unary minus bind tighter than ^."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        tok = self._peek()
        if tok is None or (expected is not None and tok != expected):
            raise FormulaError("公式不完整或括号不匹配")
        self.pos += 1
        return tok

    def expr(self, depth: int) -> Decimal:
        if depth > MAX_DEPTH:
            raise FormulaError("公式嵌套过深")
        value = self.term(depth)
        while self._peek() in ("+", "-"):
            op = self._take()
            rhs = self.term(depth)
            value = value + rhs if op == "+" else value - rhs
        return value

    def term(self, depth: int) -> Decimal:
        value = self.power(depth)
        while self._peek() in ("*", "/"):
            op = self._take()
            rhs = self.power(depth)
            value = value * rhs if op == "*" else value / rhs
        return value

    def power(self, depth: int) -> Decimal:
        value = self.unary(depth)
        while self._peek() == "^":
            self._take()
            exponent = self.unary(depth)
            if exponent != exponent.to_integral_value() or abs(exponent) > 100:
                raise FormulaError("乘方指数须为不超过 100 的整数")
            value = value ** int(exponent)
        return value

    def unary(self, depth: int) -> Decimal:
        if self._peek() in ("+", "-"):
            op = self._take()
            value = self.unary(depth + 1)
            return -value if op == "-" else value
        value = self.primary(depth)
        while self._peek() == "%":
            self._take()
            value = value / 100
        return value

    def primary(self, depth: int) -> Decimal:
        tok = self._take()
        if tok == "(":
            value = self.expr(depth + 1)
            self._take(")")
            return value
        if tok == "SUM":
            self._take("(")
            total = Decimal(0)
            if self._peek() != ")":
                total += self.expr(depth + 1)
                while self._peek() == ",":
                    self._take()
                    total += self.expr(depth + 1)
            self._take(")")
            return total
        if tok[0].isdigit() or tok[0] == ".":
            return Decimal(tok)
        raise FormulaError("公式不是单纯的数字运算")
