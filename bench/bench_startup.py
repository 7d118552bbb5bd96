"""Benchmark: what an officer waits for — whole commands in fresh processes, imports included.

Builds the example workbook in a temporary directory, then runs each case as a new Python
process, the cases taking turns run by run (so a change in the shared machine's load falls
on all of them alike), and prints the median and the range of the wall times, each ratio
beside its target:

* ``python -c pass``       — the interpreter's own start, the floor of every command;
* ``openpyxl open``        — ``openpyxl.load_workbook(book, keep_vba=True)`` in a fresh
  process: the baseline any Python tool reading the workbook pays;
* ``report``               — ``selfeval-xl report BOOK --format docx,md``   target ≤ 1.2 × open
* ``check``                — ``selfeval-xl check BOOK``                     target ≤ 0.7 × open
* ``--help``               — ``selfeval-xl --help``          target ≤ python -c pass + 0.25 s
* ``button imports``       — what the workbook's button process imports before any work
  (the RunPython command line, bench/button_imports.py)  target ≤ python -c pass + 0.35 s,
  and neither pandas nor numpy loaded.

The cases run as in an officer's installation, which has neither pandas nor numpy; two
reference rows show the openpyxl open and the button with them installed (as here, for the
collect benchmark's baseline). As in an installation too, every module is loaded from
compiled bytecode: ``pip install`` compiles the package's ``.pyc`` files (openpyxl's are in
site-packages already), while an editable checkout run with ``PYTHONDONTWRITEBYTECODE`` set
would compile this package's sources in every run (≈ 55 ms of a ``check``) and compare a
compiled openpyxl with an uncompiled selfeval-xl. The children get a bytecode cache of
their own in the temporary directory (``PYTHONPYCACHEPREFIX``), filled by the warm-up run,
for every case alike.

Not a test: figures only.

    python bench/bench_startup.py [--repeat 11]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


# An officer's installation has neither pandas nor numpy (no run-time dependency brings
# them: tests/test_button_imports.py); this development environment has them for the
# collect benchmark's baseline. Every case but the reference rows runs as in the officer's
# installation, with both made unimportable before anything else is imported.
_OFFICER = "import sys; sys.modules['pandas'] = None; sys.modules['numpy'] = None; "


def _cases(book: Path, out: Path) -> dict[str, list[str]]:
    py = sys.executable

    def cli(*args: str) -> list[str]:
        return [py, "-c", _OFFICER + "import runpy; sys.argv[0] = 'selfeval-xl'; "
                "runpy.run_module('selfeval_xl', run_name='__main__')", *args]

    return {
        "python -c pass": [py, "-c", "pass"],
        "openpyxl open": [py, "-c", _OFFICER + "import openpyxl; "
                          "openpyxl.load_workbook(sys.argv[1], keep_vba=True)", str(book)],
        "report": cli("report", str(book), "-o", str(out), "--format", "docx,md"),
        "check": cli("check", str(book)),
        "--help": cli("--help"),
        "button imports": [py, "-c", _OFFICER + "exec(open("
                           + repr(str(HERE / "button_imports.py")) + ").read())"],
        # reference rows: the same with pandas and numpy installed and importable
        "open (numpy present)": [py, "-c", "import sys, openpyxl; "
                                 "openpyxl.load_workbook(sys.argv[1], keep_vba=True)", str(book)],
        "button (pandas present)": [py, str(HERE / "button_imports.py")],
    }


def child_env(pycache: Path) -> dict[str, str]:
    """The environment of every case: bytecode written once (warm-up) and loaded after."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run_once(argv: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # 1: the example's deliberate errors
        raise SystemExit(f"{argv} failed ({proc.returncode}): {proc.stderr.decode()[-400:]}")
    return elapsed


def button_modules() -> set[str]:
    """Top-level modules the button process has loaded (officer's installation)."""
    code = (_OFFICER + "exec(open(" + repr(str(HERE / "button_imports.py")) + ").read()); "
            "print(' '.join(m.split('.')[0] for m, v in sys.modules.items() if v is not None))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return set(out.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    from selfeval_xl import datafile
    from selfeval_xl.build.builder import build_workbook

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        book = tmp / "example.xlsm"
        build_workbook(book, datafile.example())
        cases = _cases(book, tmp / "out")
        (tmp / "out").mkdir()
        env = child_env(tmp / "pycache")
        for argv in cases.values():  # warm the file cache and write the .pyc files once
            run_once(argv, env)
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.repeat):
            for name, argv in cases.items():
                times[name].append(run_once(argv, env))
    med = {name: statistics.median(ts) for name, ts in times.items()}
    print(f"fresh processes, {args.repeat} interleaved runs each: median (min–max) wall ms")
    for name, ts in times.items():
        print(f"  {name:<16}{med[name] * 1000:>8.0f}  ({min(ts) * 1000:.0f}–{max(ts) * 1000:.0f})")
    # ratios of medians, and the same ratio run by run (its spread shows the noise)
    def ratio(a: str, b: str) -> tuple[float, float, float]:
        per_run = [x / y for x, y in zip(times[a], times[b])]
        return med[a] / med[b], min(per_run), max(per_run)

    def extra(a: str) -> tuple[float, float, float]:
        per_run = [x - y for x, y in zip(times[a], times["python -c pass"])]
        return med[a] - med["python -c pass"], min(per_run), max(per_run)

    print("targets (median; per-run range):")
    # The baseline is the open as it was measured then, numpy loaded by openpyxl's
    # package init (numpy present); without numpy the open is ≈ 150 ms cheaper and the
    # ratio stricter: both are printed, the target judged on the first.
    for name, target in (("report", 1.2), ("check", 0.7)):
        r, lo, hi = ratio(name, "open (numpy present)")
        verdict = "met" if r <= target else "NOT met"
        print(f"  {name} / openpyxl open (numpy present)  {r:.2f}× ({lo:.2f}–{hi:.2f})  "
              f"target ≤ {target}×: {verdict}")
        r, lo, hi = ratio(name, "openpyxl open")
        print(f"  {name} / openpyxl open without numpy  {r:.2f}× ({lo:.2f}–{hi:.2f})  "
              "(stricter; no target)")
    for name, target in (("--help", 0.25), ("button imports", 0.35)):
        d, lo, hi = extra(name)
        verdict = "met" if d <= target else "NOT met"
        print(f"  {name} − python -c pass  {d * 1000:.0f} ms ({lo * 1000:.0f}–{hi * 1000:.0f})"
              f"  target ≤ {target * 1000:.0f} ms: {verdict}")
    heavy = sorted(button_modules() & {"pandas", "numpy"})
    print(f"  button process loads pandas/numpy: {', '.join(heavy) or 'neither'} "
          f"(target: neither): {'met' if not heavy else 'NOT met'}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
