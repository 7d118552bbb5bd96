"""The generated UDF wrapper module: xlwings' own text, one Function per UDF with the Python
signature, compiles and forwards each call in pyOpenVBA's interpreter, embedded exactly."""

from __future__ import annotations

import importlib
import inspect
import re
import sys

import pytest
from pyopenvba.apps.excel import ExcelApplication
from pyopenvba.exceptions import VBACompileError

from selfeval_xl.build import udf_vba
from udfs import selfeval_udfs

_FUNCTION = re.compile(r"^Function (\w+)\((.*)\)$", re.MULTILINE)

# Words VBA reserves (a parameter named like one does not compile in Excel, even where
# pyOpenVBA would let it through).
VBA_KEYWORDS = {
    "and", "as", "boolean", "byref", "byte", "byval", "call", "case", "const", "currency",
    "date", "decimal", "declare", "dim", "do", "double", "each", "else", "elseif", "empty",
    "end", "enum", "eqv", "erase", "error", "event", "exit", "false", "for", "friend",
    "function", "get", "global", "gosub", "goto", "if", "imp", "implements", "in", "integer",
    "is", "let", "like", "long", "loop", "lset", "me", "mod", "new", "next", "not", "nothing",
    "null", "object", "on", "option", "optional", "or", "paramarray", "preserve", "private",
    "property", "public", "raiseevent", "redim", "rem", "resume", "return", "rset", "select",
    "set", "single", "static", "step", "stop", "string", "sub", "then", "to", "true", "type",
    "typeof", "until", "variant", "wend", "while", "with", "withevents", "xor",
}

# Stands in for xlwings' XLPy COM server: reports which Python function would be called
# and with how many arguments, instead of starting Python.
XLPY_STUB = ("Public Function XLPy()\r\n"
             "    Set XLPy = New PyServer\r\n"
             "End Function\r\n")
SERVER_STUB = ("Public Function CallUDF(moduleName, funcName, args, Optional wb, Optional caller)\r\n"
               "    CallUDF = moduleName & \"|\" & funcName & \"|\" & (UBound(args) - LBound(args) + 1)\r\n"
               "End Function\r\n")


def _body(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not line.startswith("Attribute "))


def _app(source: str) -> ExcelApplication:
    app = ExcelApplication()
    app.add_workbook()
    app.add_module(XLPY_STUB, name="XLPyStub")
    app.add_module(SERVER_STUB, name="PyServer", kind="class")
    app.add_module(_body(source), name=udf_vba.MODULE_NAME)
    return app


@pytest.fixture(scope="module")
def generated():
    return udf_vba.generate()


def test_deterministic_ascii_and_named(generated):
    name, source = generated
    assert name == "xlwings_udfs"
    assert udf_vba.generate() == generated
    source.encode("ascii")
    assert source.startswith('Attribute VB_Name = "xlwings_udfs"\n')


def test_windows_stand_ins_do_not_leak(generated):
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        assert name not in sys.modules


def test_one_function_per_udf_with_the_python_signature(generated):
    _, source = generated
    found = {m.group(1): m.group(2) for m in _FUNCTION.finditer(source)}
    assert sorted(found) == sorted(selfeval_udfs.__all__)
    for name, params in found.items():
        expected = []
        for p in inspect.signature(getattr(selfeval_udfs, name)).parameters.values():
            if p.kind is p.VAR_POSITIONAL:
                expected.append(f"ParamArray {p.name}()")
            elif p.default is not p.empty:
                expected.append(f"Optional {p.name}")
            else:
                expected.append(p.name)
        assert params == ", ".join(expected), name
        for word in re.findall(r"\w+", params):
            if word not in ("Optional", "ParamArray"):
                assert word.lower() not in VBA_KEYWORDS, (name, word)
        assert f'XLPy.CallUDF("{udf_vba.UDF_MODULE}", "{name}", ' in source


def test_every_called_python_function_exists(generated):
    _, source = generated
    for module, func in re.findall(r'XLPy\.CallUDF\("([\w.]+)", "(\w+)"', source):
        assert callable(getattr(importlib.import_module(module), func)), (module, func)


def test_compiles_and_each_function_forwards_its_arguments(generated):
    _, source = generated
    # Excel's branch needs Application.Caller, which the interpreter lacks: compile the
    # module as shipped, then run the "outside Excel" branch of the same code.
    _app(source)
    app = _app(source.replace('#Const App = "Microsoft Excel"', '#Const App = "Test"'))
    assert app.run("se_grade", 95) == "udfs.selfeval_udfs|se_grade|2"
    assert app.run("se_wan", 921.52) == "udfs.selfeval_udfs|se_wan|1"
    assert app.run("se_indicator_score", "1", 10, "比率") == "udfs.selfeval_udfs|se_indicator_score|10"
    assert app.run("se_diff", 921.52, 390.73, 620.85) == "udfs.selfeval_udfs|se_diff|3"
    assert app.run("se_expenditure_text", 2022, "我中心", 921.52) == (
        "udfs.selfeval_udfs|se_expenditure_text|10")


def test_interpreter_would_reject_a_broken_module(generated):
    _, source = generated
    with pytest.raises(VBACompileError):
        _app(source.replace("End Function", "End Sub", 1))


def test_builder_embeds_it_and_olevba_recovers_it_exactly(built_template):
    from oletools.olevba import VBA_Parser

    from selfeval_xl.build import vba_project

    module = vba_project.udf_module()
    assert module is not None and module.name == "xlwings_udfs"
    parser = VBA_Parser(str(built_template))
    try:
        macros = {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    assert macros["xlwings_udfs"] == module.source
    assert macros["xlwings_udfs"].replace("\r\n", "\n") == generated_source()


def generated_source() -> str:
    return udf_vba.generate()[1]


def test_workbook_names_the_module_in_its_xlwings_conf(built_template):
    import openpyxl

    ws = openpyxl.load_workbook(built_template)["xlwings.conf"]
    settings = {str(r[0]).upper(): r[1] for r in ws.iter_rows(values_only=True) if r[0]}
    assert settings["UDF MODULES"] == udf_vba.UDF_MODULE


# --- the function wizard's descriptions (module udf_help) -------------------------------

def test_every_argument_has_a_description():
    helps = udf_vba.function_help()
    assert sorted(helps) == sorted(selfeval_udfs.__all__)
    for name, (doc, args) in helps.items():
        params = list(inspect.signature(getattr(selfeval_udfs, name)).parameters)
        assert doc == " ".join(getattr(selfeval_udfs, name).__doc__.split())[:255], name
        assert args == [selfeval_udfs.ARGUMENT_HELP[name][p] for p in params], name
        assert all(0 < len(a) <= 255 for a in args) and 0 < len(doc) <= 255, name


def test_a_missing_argument_description_fails_the_build(monkeypatch):
    monkeypatch.setitem(selfeval_udfs.ARGUMENT_HELP, "se_wan", {})
    with pytest.raises(ValueError, match=r"se_wan.*amount"):
        udf_vba.function_help()


def test_help_module_is_ascii_and_registers_every_description_in_chinese():
    # Compiled as shipped; run with Application.MacroOptions (not in the interpreter) standing
    # in as a recorder: every function gets its Chinese description, the category and one
    # description per argument, decoded from the ASCII source by ChrW.
    name, source = udf_vba.generate_help()
    source.encode("ascii")
    app = ExcelApplication()
    app.add_workbook()
    app.add_module(_body(source), name=name)  # the module exactly as generated compiles
    recorder = ExcelApplication()
    recorder.add_workbook()
    recorder.add_module(
        "Public Registered As String\r\n"
        "Public Sub MacroOptionsStub(Macro As String, Description As String, Category As String, "
        "ArgumentDescriptions As Variant)\r\n"
        '    Registered = Registered & Macro & "|" & Description & "|" & Category & "|" & '
        'Join(ArgumentDescriptions, "/") & vbLf\r\n'
        "End Sub\r\n", name="MacroOptionsStub")
    recorder.add_module(_body(source).replace("Application.MacroOptions Macro:=", "MacroOptionsStub Macro:="),
                        name=name)
    recorder.run("RegisterFunctionHelp")
    lines = recorder.evaluate("Registered").split("\n")[:-1]
    helps = udf_vba.function_help()
    assert len(lines) == len(helps)
    for line, (function, (doc, args)) in zip(lines, helps.items()):
        macro, description, category, arg_text = line.split("|")
        assert macro.endswith("'!" + function)
        assert (description, category, arg_text) == (doc, "绩效自评", "/".join(args))
    assert recorder.evaluate('FunctionHelp("se_wan")(1)') == "金额（万元）"
