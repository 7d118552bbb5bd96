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


def formula_cells(path: Path) -> list[tuple[str, str]]:
    """(sheet, cell) of every cell holding a formula, from the package itself."""
    from selfeval_xl.read.ooxml_parts import Package, load_map, q

    pkg = Package(Path(path).read_bytes())
    wmap = load_map(pkg)
    return [(sheet, c.get("r")) for sheet, part in wmap.sheets.items()
            for c in pkg.xml(part).iter(q("c")) if c.find(q("f")) is not None]


def _blank_as_none(value):
    return None if value == "" else value


def cached_vs_recalculated(path: Path) -> tuple[int, list[tuple]]:
    """How many formula cells, and those whose stored result (openpyxl ``data_only``: what
    a non-recalculating reader sees) differs from LibreOffice's recalculation."""
    import openpyxl
    import pytest

    from selfeval_xl.render.libreoffice import recalculated_values

    cells = formula_cells(path)
    stored = openpyxl.load_workbook(path, data_only=True)
    fresh = recalculated_values(path)
    wrong = []
    for sheet, ref in cells:
        mine = _blank_as_none(stored[sheet][ref].value)
        theirs = _blank_as_none(fresh.get(sheet, {}).get(ref))
        if isinstance(theirs, (int, float)) and not isinstance(theirs, bool):
            same = isinstance(mine, (int, float)) and mine == pytest.approx(theirs, rel=1e-12, abs=1e-9)
        else:
            same = mine == theirs
        if not same:
            wrong.append((sheet, ref, mine, theirs))
    return len(cells), wrong
