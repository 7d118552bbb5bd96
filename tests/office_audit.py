"""Independent checks of the files the tool writes (helper module, not a test module).

- ``schema_errors``: openxml-audit (a port of the Open XML SDK validator) against the Office
  2016 schemas, as Office itself would judge the package.
- ``macro_scan``: oletools' MacroRaptor and olevba, as mail gateways scan attachments.
- ``vba_project_header``: the ``_VBA_PROJECT`` stream (MS-OVBA 2.3.4.1) of the package.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from openxml_audit import FileFormat, OpenXmlValidator
from oletools.mraptor import MacroRaptor
from oletools.olevba import VBA_Parser
from pyopenvba.cfb import CFB

OFFICE_VERSION = FileFormat.OFFICE_2016


def schema_errors(path: Path) -> list[str]:
    """Every error openxml-audit finds in the package (empty when it validates)."""
    result = OpenXmlValidator(file_format=OFFICE_VERSION).validate(str(path))
    return [str(error) for error in result.errors]


@dataclass(frozen=True)
class MacroScan:
    """What the scanners say: MacroRaptor's verdict and flags, olevba's AutoExec keywords."""

    suspicious: bool
    flags: str
    autoexec: tuple[str, ...]


def macro_scan(path: Path) -> MacroScan:
    parser = VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros(), f"{path.name}: no VBA project found"
        raptor = MacroRaptor(parser.get_vba_code_all_modules())
        raptor.scan()
        autoexec = tuple(keyword for kind, keyword, _ in parser.analyze_macros()
                         if kind == "AutoExec")
        return MacroScan(raptor.suspicious, raptor.get_flags(), autoexec)
    finally:
        parser.close()


def vba_project_header(path: Path) -> bytes:
    """The whole ``VBA/_VBA_PROJECT`` stream of the workbook's ``xl/vbaProject.bin``."""
    with zipfile.ZipFile(path) as package:
        cfb = CFB.from_bytes(package.read("xl/vbaProject.bin"))
    return cfb.get_stream_in_storage("VBA", "_VBA_PROJECT")
