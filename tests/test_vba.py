"""The VBA project: sources recovered exactly, our module compiles and each button sends the
right Python command, buttons bind to Subs that exist, nothing runs by itself."""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

import pytest
from oletools.olevba import VBA_Parser
from pyopenvba.apps.excel import ExcelApplication
from pyopenvba.vba import split_attribute_header

from selfeval_xl import layout
from selfeval_xl.build import vba_project
from selfeval_xl.build.builder_guide import BUTTONS

# What each button must send to Python (the entry points of selfeval_xl.excel).
EXPECTED_COMMANDS = {
    "ValidateData": "import selfeval_xl.excel as x; x.validate_data()",
    "ComputeScore": "import selfeval_xl.excel as x; x.compute_score()",
    "GenerateReport": "import selfeval_xl.excel as x; x.generate_report()",
}
# Records the command instead of starting Python: xlwings.bas itself cannot be parsed by
# pyOpenVBA's interpreter (conditional compilation), and needs Excel to run anyway.
STUB = ("Public LastCommand As String\r\n"
        "Public Function RunPython(cmd As String)\r\n"
        "    LastCommand = cmd\r\n"
        "End Function\r\n")
# Records what udf_help would hand Excel's Application.MacroOptions, which the interpreter
# does not implement (the call itself is xlwings' own: Import Functions makes the same).
MACRO_OPTIONS_STUB = (
    "Public Registered As String\r\n"
    "Public Sub MacroOptionsStub(Macro As String, Description As String, Category As String, "
    "ArgumentDescriptions As Variant)\r\n"
    "    Registered = Registered & Macro & \"|\" & Description & \"|\" & Category & \"|\" & "
    "Join(ArgumentDescriptions, \"/\") & vbLf\r\n"
    "End Sub\r\n"
    "Public Sub ClearRegistered()\r\n"
    "    Registered = \"\"\r\n"
    "End Sub\r\n")


def _help_with_stub(source: str) -> str:
    assert source.count("Application.MacroOptions Macro:=") == 1
    return _body(source).replace("Application.MacroOptions Macro:=", "MacroOptionsStub Macro:=")


def _macros(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def _body(source: str) -> str:
    return "\r\n".join(line for line in source.split("\r\n")
                       if not line.startswith("Attribute "))


def _app_with_our_module() -> ExcelApplication:
    app = ExcelApplication()
    app.add_workbook()
    for module in vba_project.our_modules():
        app.add_module(_body(module.source), name=module.name)
    help_module = vba_project.udf_help_module()
    app.add_module(_help_with_stub(help_module.source), name=help_module.name)
    app.add_module(MACRO_OPTIONS_STUB, name="MacroOptionsStub")
    app.add_module(STUB, name="RunPythonStub")
    return app


def _button_macros(path: Path) -> dict[str, str]:
    """caption → macro of every Form Control button (VML drawing of each sheet)."""
    found = {}
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if name.startswith("xl/drawings/vmlDrawing"):
                vml = package.read(name).decode("utf-8")
                for shape in re.findall(r"<v:shape .*?</v:shape>", vml, re.S):
                    macro = re.search(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", shape)
                    caption = re.search(r"<font[^>]*>(.*?)</font>", shape, re.S)
                    if macro:
                        found[caption.group(1).strip() if caption else ""] = macro.group(1)
    return found


def test_olevba_recovers_our_and_xlwings_standard_modules_exactly(built_template):
    macros = _macros(built_template)
    standard = [m for m in vba_project.all_modules()
                if m.kind == vba_project.VBAModuleKind.standard]
    assert {m.name for m in standard} >= {"SelfEval", "xlwings"}
    for module in standard:
        assert macros[module.name] == module.source, module.name


def test_class_modules_keep_their_code_exactly(built_template):
    # A class is stored without the VERSION/BEGIN/END preamble of the exported .cls file
    # and with a VB_Base attribute (as the VBA editor does); the code itself is unchanged.
    macros = _macros(built_template)
    classes = [m for m in vba_project.all_modules()
               if m.kind == vba_project.VBAModuleKind.other]
    assert [m.name for m in classes] == ["Dictionary"]
    for module in classes:
        _, stored_body = split_attribute_header(macros[module.name])
        exported = module.source.split("END\r\n", 1)[1]
        _, exported_body = split_attribute_header(exported)
        assert stored_body == exported_body
        assert "Attribute VB_Base" in macros[module.name]


def test_xlwings_modules_are_the_installed_package_files():
    import xlwings

    root = Path(xlwings.__file__).parent
    modules = {m.name: m.source for m in vba_project.xlwings_modules()}
    assert modules["xlwings"].encode("ascii") == (root / "xlwings.bas").read_bytes()
    assert modules["Dictionary"].encode("ascii") == (root / "addin" / "Dictionary.cls").read_bytes()
    assert f'XLWINGS_VERSION As String = "{xlwings.__version__}"' in modules["xlwings"]


def test_document_modules_match_code_names_and_hold_no_code(built_template):
    macros = _macros(built_template)
    documents = ["ThisWorkbook", *layout.CODE_NAMES.values()]
    for name in documents:
        _, body = split_attribute_header(macros[name])
        assert body.strip() == "", name


def test_no_auto_run_macros(built_template):
    for name, code in _macros(built_template).items():
        assert not vba_project.AUTO_RUN.search(code), name
        assert not re.search(r"\bSub\s+(Workbook_Open|Auto_Open)\b", code, re.I), name


def test_auto_run_macro_in_our_sources_is_refused(tmp_path):
    (tmp_path / "Evil.bas").write_bytes(
        b'Attribute VB_Name = "Evil"\r\nPrivate Sub Workbook_Open()\r\nEnd Sub\r\n')
    with pytest.raises(ValueError, match="auto-run"):
        vba_project.our_modules(tmp_path)


def test_non_ascii_vba_source_is_refused(tmp_path):
    (tmp_path / "Cn.bas").write_bytes(
        'Attribute VB_Name = "Cn"\r\nSub A()\r\n MsgBox "校验"\r\nEnd Sub\r\n'.encode("utf-8"))
    with pytest.raises(ValueError, match="ASCII"):
        vba_project.our_modules(tmp_path)


def test_our_vba_files_are_ascii_with_crlf():
    for path in sorted(vba_project.VBA_DIR.glob("*.bas")):
        data = path.read_bytes()
        data.decode("ascii")
        assert b"\n" not in data.replace(b"\r\n", b""), path.name


def test_interpreter_compiles_our_module_and_each_sub_sends_its_command():
    app = _app_with_our_module()
    for sub, command in EXPECTED_COMMANDS.items():
        app.run(sub)
        assert app.evaluate("LastCommand") == command, sub


def test_interpreter_rejects_a_broken_module():
    # Proves the compile check above can fail.
    from pyopenvba.exceptions import VBACompileError

    app = ExcelApplication()
    app.add_workbook()
    broken = _body(vba_project.our_modules()[0].source).replace("End Sub", "End Function", 1)
    with pytest.raises(VBACompileError):
        app.add_module(broken, name="Broken")


def test_every_button_binds_to_an_existing_sub_that_sends_its_command(built_template):
    buttons = _button_macros(built_template)
    assert buttons == {caption: macro for macro, caption, _ in BUTTONS}
    subs = {s for m in vba_project.our_modules() for s in vba_project.sub_names(m.source)}
    app = _app_with_our_module()
    for caption, macro in buttons.items():
        assert macro in subs, caption
        app.evaluate("Registered") and app.run("ClearRegistered")
        app.run(macro)
        assert app.evaluate("LastCommand") == EXPECTED_COMMANDS[macro], caption
        # each button registers the functions' descriptions first (module udf_help)
        assert app.evaluate("Registered").count("'!se_") == 6, caption


def test_each_command_reaches_its_python_entry_point(monkeypatch):
    # The command the button sends, executed as xlwings would: it must import the real
    # module and call the entry point, which hands the calling book to its action.
    import xlwings as xw

    import selfeval_xl.excel.buttons as excel

    book = object()
    calls = []
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    monkeypatch.setattr(excel, "run_button", lambda b, action: calls.append((b, action)))
    expected_actions = {"ValidateData": excel.check_book, "ComputeScore": excel.score_book,
                        "GenerateReport": excel.report_book}
    for sub, command in EXPECTED_COMMANDS.items():
        calls.clear()
        exec(command, {})  # noqa: S102 - the exact text the button sends
        assert calls == [(book, expected_actions[sub])], sub
    assert "selfeval_xl.excel" in sys.modules


def test_sub_names_are_unique_and_include_every_button():
    subs = [s for m in vba_project.our_modules() for s in vba_project.sub_names(m.source)]
    assert len(subs) == len(set(subs))
    assert set(EXPECTED_COMMANDS) <= set(subs)


def test_project_is_deterministic():
    # Two real builds (past the cache): pyOpenVBA writes no timestamps or random ids.
    modules = tuple(vba_project.all_modules())
    build = vba_project._project_bin.__wrapped__
    assert build(modules) == build(modules) == vba_project.project_bin()


def test_udf_module_is_embedded(built_template):
    udf = vba_project.udf_module()
    macros = _macros(built_template)
    assert udf.name == "xlwings_udfs"
    assert macros[udf.name] == udf.source
    assert set(macros) == {"ThisWorkbook", *layout.CODE_NAMES.values(), "SelfEval", "xlwings",
                           "Dictionary", udf.name, "udf_help"}


def test_no_module_carries_a_compiled_cache(built_template):
    # Without the _VBA_PROJECT cache the module caches would be ignored anyway (MS-OVBA 1.6);
    # none is shipped, so each module stream is its compressed source from offset 0.
    from pyopenvba.cfb import CFB
    from pyopenvba.vba import parse_vba_project

    with zipfile.ZipFile(built_template) as package:
        project = parse_vba_project(CFB.from_bytes(package.read("xl/vbaProject.bin")))
    offsets = {m.name: m.text_offset for m in project.modules}
    assert set(offsets) == {"ThisWorkbook", *layout.CODE_NAMES.values(), "SelfEval", "xlwings",
                            "Dictionary", "xlwings_udfs", "udf_help"}
    assert set(offsets.values()) == {0}


def test_pyopenvba_reads_the_built_project_and_its_interpreter_runs_the_buttons(built_template):
    # The project as stored in the file (not our source files): pyOpenVBA parses it, and the
    # module it recovers compiles and sends each button's command.
    from pyopenvba import ExcelFile, check_file

    report = check_file(built_template)
    assert report.ok, report.issues
    with ExcelFile(built_template) as book:
        stored = book.vba_project().get_module("SelfEval").source
    app = ExcelApplication()
    app.add_workbook()
    with ExcelFile(built_template) as book:
        stored_help = book.vba_project().get_module("udf_help").source
    app.add_module(_body(stored), name="SelfEval")
    app.add_module(_help_with_stub(stored_help), name="udf_help")
    app.add_module(MACRO_OPTIONS_STUB, name="MacroOptionsStub")
    app.add_module(STUB, name="RunPythonStub")
    for caption, macro in _button_macros(built_template).items():
        app.run(macro)
        assert app.evaluate("LastCommand") == EXPECTED_COMMANDS[macro], caption


@pytest.mark.libreoffice
def test_libreoffice_reads_the_project_and_binds_the_buttons(built_template, soffice, tmp_path):
    # LibreOffice imports the VBA project as a Basic library and each Form Control button as
    # a control whose event calls the macro in that library: saved as .ods, both can be read.
    from selfeval_xl.render.libreoffice import convert

    ods = convert(built_template, "ods", tmp_path)
    with zipfile.ZipFile(ods) as package:
        module = package.read("Basic/VBAProject/SelfEval.xml").decode("utf-8")
        content = package.read("content.xml").decode("utf-8")
    for command in EXPECTED_COMMANDS.values():
        assert f"RunPython &quot;{command}&quot;" in module
    bound = re.findall(r"vnd\.sun\.star\.script:VBAProject\.SelfEval\.(\w+)\?language=Basic",
                       content)
    assert sorted(bound) == sorted(EXPECTED_COMMANDS)
