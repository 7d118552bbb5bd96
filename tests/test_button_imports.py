"""A button press must not load pandas or numpy: xlwings imports them whenever they are
installed (its optional import), before our code runs, so neither may be a run-time
dependency — and nothing of ours may need them."""

import importlib.metadata as md
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"pandas", "numpy"}


def _runtime_closure() -> set[str]:
    """Every distribution the installed selfeval-xl needs at run time, on Windows (where
    the buttons run) and on this machine; extras left out."""
    envs = [{"extra": ""}, {"extra": "", "platform_system": "Windows", "sys_platform": "win32",
                             "os_name": "nt"}]
    seen: set[str] = set()
    todo = ["selfeval-xl"]
    while todo:
        dist = todo.pop()
        try:
            requires = md.requires(dist) or []
        except md.PackageNotFoundError:
            continue  # not installed here (pywin32 on Linux): it requires neither
        for text in requires:
            req = Requirement(text)
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                name = req.name.lower().replace("_", "-")
                if name not in seen:
                    seen.add(name)
                    todo.append(req.name)
    return seen


def test_no_runtime_dependency_brings_pandas_or_numpy():
    closure = _runtime_closure()
    assert {"xlwings", "openpyxl", "python-docx", "lxml"} <= closure
    assert not closure & HEAVY


def test_button_entry_works_without_pandas_and_numpy():
    # RunPython's command line, up to the call, with both made unimportable (as in an
    # officer's installation, where they are absent); xlwings must fall back quietly.
    code = ("import sys; sys.modules['pandas'] = None; sys.modules['numpy'] = None\n"
            f"exec(open({str(ROOT / 'bench' / 'button_imports.py')!r}).read())\n"
            "import selfeval_xl.excel.buttons, selfeval_xl.cli.report, selfeval_xl.cli.check\n"
            "print(sorted(m for m, v in sys.modules.items() if v is not None\n"
            "             and m.split('.')[0] in ('pandas', 'numpy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "[]"
