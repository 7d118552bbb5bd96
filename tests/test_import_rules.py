"""The house rules of docs/architecture.md, read off the code's own imports.

Every ``import`` and ``from … import`` statement of the package (at any depth: imports inside
functions count too) is checked against who may use what:

- ``core/`` is pure: the standard library, other core modules and the contract modules
  (``layout``, ``a1``) — no file format, no Excel, no front end;
- ``xlwings`` is imported at run time only by the Excel front end (``excel/``) and ``udfs/``,
  and at build time by the two VBA generators;
- the jobs' packages don't reach into front ends: nothing below ``cli/``, ``excel/`` or
  ``bureau/`` imports them, except the front ends themselves.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "selfeval_xl"

# What the pure core may import besides the standard library.
CORE_ALLOWED = ("selfeval_xl.core", "selfeval_xl.layout", "selfeval_xl.a1")
XLWINGS_ALLOWED = ("selfeval_xl/excel/", "udfs/",
                   "selfeval_xl/build/udf_vba.py", "selfeval_xl/build/vba_project.py")
FRONT_ENDS = ("selfeval_xl.cli", "selfeval_xl.excel", "selfeval_xl.web")


def _modules(base: Path) -> list[Path]:
    return sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path, root).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            found.add(name)
            # `from selfeval_xl import layout` imports the module selfeval_xl.layout
            found.update(f"{name}.{alias.name}" for alias in node.names
                         if name.startswith("selfeval_xl"))
    return found


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_rules_see_every_kind_of_import(tmp_path):
    # The checker itself must not be blind: a function-level import, a from-import and a
    # relative import are all found.
    pkg = tmp_path / "selfeval_xl" / "core"
    pkg.mkdir(parents=True)
    mod = pkg / "m.py"
    mod.write_text("import re\nfrom . import money\n\ndef f():\n    import openpyxl\n"
                   "    from xlwings import Book\n", encoding="utf-8")
    assert imports_of(mod, tmp_path) == {"re", "selfeval_xl.core", "selfeval_xl.core.money",
                                         "openpyxl", "xlwings"}


@pytest.mark.parametrize("path", _modules(PACKAGE / "core"), ids=_rel)
def test_core_imports_no_file_format_excel_or_front_end(path):
    bad = sorted(name for name in imports_of(path)
                 if name.split(".")[0] not in sys.stdlib_module_names
                 and not (name == "selfeval_xl" or _within(name, CORE_ALLOWED)))
    assert bad == [], f"{_rel(path)} imports {bad}"


@pytest.mark.parametrize("path", _modules(PACKAGE) + _modules(ROOT / "udfs"), ids=_rel)
def test_xlwings_only_in_the_excel_front_end_udfs_and_vba_generators(path):
    uses = any(_within(name, ("xlwings",)) for name in imports_of(path))
    allowed = _rel(path).startswith(XLWINGS_ALLOWED)
    assert allowed or not uses, f"{_rel(path)} imports xlwings"


# __main__ is `python -m selfeval_xl`: the command line's entry point, a front end itself.
@pytest.mark.parametrize("path", [p for p in _modules(PACKAGE)
                                  if not _within(_module_name(p), FRONT_ENDS)
                                  and p.name != "__main__.py"], ids=_rel)
def test_jobs_do_not_import_front_ends(path):
    bad = sorted(name for name in imports_of(path) if _within(name, FRONT_ENDS))
    assert bad == [], f"{_rel(path)} imports {bad}"


def test_no_module_over_500_lines():
    long = {_rel(p): n for p in _modules(PACKAGE) + _modules(ROOT / "udfs")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}


def test_the_adapters_hall_is_gone():
    # One room per job (read/, write/, render/, build/, excel/): no catch-all folder.
    assert not (PACKAGE / "adapters").exists()
    for job in ("read", "write", "render", "build", "excel"):
        assert (PACKAGE / job / "__init__.py").is_file(), job
