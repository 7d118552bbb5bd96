"""The workbook's VBA project: our button module, xlwings' standalone modules, the UDFs.

XlsxWriter embeds a ready ``vbaProject.bin`` but cannot make one; pyOpenVBA can, but only
inside an .xlsm. So the project is made in a scratch .xlsm that has the same sheet code
names as the real workbook (pyOpenVBA derives the document modules from them), and its
``vbaProject.bin`` is then handed to XlsxWriter. pyOpenVBA's output is deterministic, so
the build stays byte-for-byte reproducible.

Sources (all ASCII, CRLF as the VBA editor exports them):
- ``workbook/vba/*.bas``: our modules, one Sub per button.
- ``xlwings.bas`` and ``addin/Dictionary.cls`` from the installed xlwings package, exactly
  as shipped: what ``xlwings quickstart --standalone`` embeds, so no add-in is needed.
- ``selfeval_xl.adapters.udf_vba.generate()`` when that module exists: the UDF module
  (what xlwings' "Import Functions" would write, generated ahead of time).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import xlwings
import xlsxwriter
from pyopenvba import ExcelFile, VBAModuleKind

from selfeval_xl import layout

WORKBOOK_CODE_NAME = "ThisWorkbook"

# Repository folder holding our VBA text files (see docs/workbook-contract.md).
VBA_DIR = Path(__file__).resolve().parents[2] / "workbook" / "vba"

_XLWINGS_DIR = Path(xlwings.__file__).resolve().parent
# (module name, file, kind) of xlwings' standalone modules, as its CLI imports them.
XLWINGS_MODULES = (
    ("xlwings", _XLWINGS_DIR / "xlwings.bas", VBAModuleKind.standard),
    ("Dictionary", _XLWINGS_DIR / "addin" / "Dictionary.cls", VBAModuleKind.other),
)

# Macros that would run by themselves when the workbook opens or closes: never allowed.
AUTO_RUN = re.compile(
    r"^\s*(?:Public\s+|Private\s+)?Sub\s+(Workbook_Open|Workbook_BeforeClose|Workbook_Activate|"
    r"Auto_Open|Auto_Close|AutoOpen|AutoExec)\b",
    re.IGNORECASE | re.MULTILINE,
)
_SUB = re.compile(r"^\s*(?:Public\s+)?Sub\s+(\w+)\s*\(", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class VbaModule:
    """One module of the project.

    Attributes:
        name: module name (VB_Name).
        source: full source text, CRLF line ends, attribute header included.
        kind: standard module or class (``VBAModuleKind.other``).
    """

    name: str
    source: str
    kind: VBAModuleKind = VBAModuleKind.standard


def crlf(text: str) -> str:
    """Normalise line ends to CRLF, as the VBA editor stores and exports them."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def _read_ascii(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ValueError(f"VBA source must be ASCII (the VBA editor is not Unicode): {path}") from exc


def module_name_of(source: str, default: str) -> str:
    m = re.search(r'^Attribute VB_Name = "([^"]+)"', source, re.MULTILINE)
    return m.group(1) if m else default


def our_modules(vba_dir: Path = VBA_DIR) -> list[VbaModule]:
    """Our ``*.bas`` files, sorted by file name so the project order is stable."""
    files = sorted(vba_dir.glob("*.bas"))
    if not files:
        raise FileNotFoundError(f"no VBA modules found in {vba_dir}")
    modules = []
    for path in files:
        source = crlf(_read_ascii(path))
        if AUTO_RUN.search(source):
            raise ValueError(f"{path.name}: auto-run macros are not allowed")
        modules.append(VbaModule(module_name_of(source, path.stem), source))
    return modules


def xlwings_modules() -> list[VbaModule]:
    """xlwings' standalone modules, from the installed (exactly pinned) xlwings."""
    return [VbaModule(name, crlf(_read_ascii(path)), kind)
            for name, path, kind in XLWINGS_MODULES]


def udf_module() -> VbaModule | None:
    """The generated UDF module, when ``selfeval_xl.adapters.udf_vba`` exists."""
    if importlib.util.find_spec("selfeval_xl.adapters.udf_vba") is None:
        return None
    generator = importlib.import_module("selfeval_xl.adapters.udf_vba")
    name, source = generator.generate()
    source = crlf(source)
    if not source.lstrip().startswith("Attribute VB_Name"):
        source = f'Attribute VB_Name = "{name}"\r\n' + source
    source.encode("ascii")  # raises for non-ASCII, which the VBA editor would garble
    return VbaModule(name, source)


def all_modules() -> list[VbaModule]:
    """Every non-document module of the project, in project order."""
    modules = our_modules() + xlwings_modules()
    udf = udf_module()
    if udf is not None:
        modules.append(udf)
    names = [m.name.casefold() for m in modules]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate VBA module names: {names}")
    subs = [s.casefold() for m in our_modules() for s in sub_names(m.source)]
    if len(set(subs)) != len(subs):
        # Buttons bind by bare Sub name: it must be unique across our modules.
        raise ValueError(f"duplicate Sub names in workbook/vba: {subs}")
    return modules


def sub_names(source: str) -> list[str]:
    """Names of the public Subs a button can call (Private ones are skipped)."""
    return [m.group(1) for m in _SUB.finditer(source)
            if not m.group(0).lstrip().lower().startswith("private")]


def _scratch_workbook(path: Path) -> None:
    """An empty .xlsm whose sheet code names match the real workbook's."""
    book = xlsxwriter.Workbook(str(path), {"in_memory": True})
    book.set_vba_name(WORKBOOK_CODE_NAME)
    for index, sheet in enumerate(layout.SHEETS):
        book.add_worksheet(f"s{index}").set_vba_name(layout.CODE_NAMES[sheet])
    book.close()


def project_bin(modules: list[VbaModule] | None = None) -> bytes:
    """Build ``vbaProject.bin``: document modules for the workbook and every sheet, then ours.

    Args:
        modules: the modules to add; ``all_modules()`` when None.

    Returns:
        The bytes of the VBA project (an OLE compound file), identical for identical input.
    """
    return _project_bin(tuple(all_modules() if modules is None else modules))


@functools.lru_cache(maxsize=4)
def _project_bin(modules: tuple[VbaModule, ...]) -> bytes:
    # Cached by content: a build of many workbooks makes the project once.
    with tempfile.TemporaryDirectory(prefix="selfeval-vba-") as tmp:
        path = Path(tmp) / "project.xlsm"
        _scratch_workbook(path)
        with ExcelFile(path) as book:
            project = book.add_vba_project()
            for module in modules:
                project.add_module(module.name, module.source, kind=module.kind)
            book.save()
        with zipfile.ZipFile(path) as package:
            return package.read("xl/vbaProject.bin")


def project_stream(modules: list[VbaModule] | None = None) -> io.BytesIO:
    """``project_bin()`` as the stream XlsxWriter's ``add_vba_project(..., is_stream=True)`` takes."""
    return io.BytesIO(project_bin(modules))
