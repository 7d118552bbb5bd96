"""selfeval-xl: 部门整体支出绩效自评 — workbook, checks, scoring and report."""

__version__ = "0.1.0"
# Written into every built workbook (defined name ``template_version``) so the finance
# bureau's collector can tell which layout a file follows.
TEMPLATE_VERSION = "selfeval-xl/1"
