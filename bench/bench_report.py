"""Benchmark: producing the report (without PDF) next to merely opening the workbook.

Builds the example workbook in a temporary directory, then measures in the same process:

* ``open``   — ``openpyxl.load_workbook(path, keep_vba=True)``, the floor any Python tool pays;
* ``report`` — read the workbook, run the checks, score, build the Document, render Markdown
  and .docx (in memory): what ``selfeval-xl report --format docx,md`` does;
* ``report+sheet`` — the same plus writing the 自评报告 sheet into a copy of the workbook.

Wall time: ``--repeat`` runs of each case, the cases taking turns; the best run (least
disturbed on a shared machine, as timeit advises) with the median beside it. Peak memory
twice: under tracemalloc in a separate run (peak of Python allocations, so tracing does not
distort the timing), and as the peak resident set size of a fresh child process doing the
case once (imports included: what a command-line run costs). Prints a table, the ratios
and the load average (figures from a loaded machine are noisy). Target: report ≤ 2 × open.
Not a test: figures only.

    python bench/bench_report.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Callable

# Imports are inside the cases so that a child process measuring "open" loads only openpyxl.


def open_workbook(book: Path) -> None:
    import openpyxl

    openpyxl.load_workbook(book, keep_vba=True)


def report(book: Path):
    from selfeval_xl.read import reader
    from selfeval_xl.render import render_docx, render_markdown
    from selfeval_xl.core import scoring
    from selfeval_xl.core.checks import CheckContext, run_checks
    from selfeval_xl.core.report import build_document

    result = reader.read(book)
    ev = result.evaluation
    findings = list(result.findings) + run_checks(ev, CheckContext(result.locator, result.meta))
    scorecard = scoring.score(ev)
    doc = build_document(ev, scorecard, findings)
    render_markdown.render(doc)
    render_docx.to_bytes(doc)
    return doc, findings, scorecard


def breakdown(book: Path, repeat: int) -> dict[str, float]:
    """Best time of each step of :func:`report`, to show where the time goes."""
    from selfeval_xl.read import reader
    from selfeval_xl.render import render_docx, render_markdown
    from selfeval_xl.core import scoring
    from selfeval_xl.core.checks import CheckContext, run_checks
    from selfeval_xl.core.report import build_document

    best: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], object]):
        start = time.perf_counter()
        value = fn()
        best[name] = min(best.get(name, float("inf")), time.perf_counter() - start)
        return value

    for _ in range(repeat):
        result = timed("read workbook", lambda: reader.read(book))
        ev = result.evaluation
        findings = timed("checks + scoring", lambda: (
            run_checks(ev, CheckContext(result.locator, result.meta)), scoring.score(ev)))
        doc = timed("build Document", lambda: build_document(ev, findings[1], findings[0]))
        timed("render Markdown", lambda: render_markdown.render(doc))
        timed("render .docx", lambda: render_docx.to_bytes(doc))
    return best


def report_and_sheet(book: Path, scratch: Path) -> None:
    from selfeval_xl.write.workbook_writer import write_results

    copy = scratch / "copy.xlsm"
    shutil.copyfile(book, copy)
    doc, findings, scorecard = report(copy)
    write_results(copy, report_doc=doc, findings=findings, scorecard=scorecard, backup=False)


def interleaved(cases: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    """Wall times of each case, the cases taking turns run by run, so that a change in the
    machine's load (it is shared) falls on all of them alike instead of on one."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, fn in cases.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def peak(fn: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _peak_rss() -> int:
    """Peak resident set of this process, in bytes.

    VmHWM belongs to the current address space, so it starts afresh at exec; ru_maxrss
    would not (Linux carries the parent's peak over the fork/exec into the child).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def child_rss(case: str, book: Path, scratch: Path) -> int | None:
    """Peak RSS (bytes) of a fresh interpreter that runs one case once; None if it failed."""
    proc = subprocess.run([sys.executable, __file__, "--child", case, str(book), str(scratch)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"[{case}: child process failed: {proc.stderr.strip()[-300:]}]", file=sys.stderr)
        return None
    return int(proc.stdout.strip())


def _cases(book: Path, scratch: Path) -> dict[str, Callable[[], object]]:
    return {
        "open": lambda: open_workbook(book),
        "report": lambda: report(book),
        "report+sheet": lambda: report_and_sheet(book, scratch),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--child", nargs=3, metavar=("CASE", "BOOK", "SCRATCH"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        case, book, scratch = args.child
        _cases(Path(book), Path(scratch))[case]()
        print(_peak_rss())
        return
    from selfeval_xl import datafile
    from selfeval_xl.build.builder import build_workbook

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        book = tmp / "example.xlsm"
        build_workbook(book, datafile.example())
        cases = _cases(book, tmp)
        for fn in cases.values():  # warm up imports and caches once
            fn()
        times = interleaved(cases, args.repeat)
        rows = {name: (min(ts), statistics.median(ts), peak(cases[name]),
                       child_rss(name, book, tmp)) for name, ts in times.items()}
        steps = breakdown(book, args.repeat)
    base_t, _, base_m, base_r = rows["open"]
    print(f"workbook: the built example; wall = best (median) of {args.repeat} interleaved runs")
    print(f"{'case':<14}{'wall ms':>18}{'× open':>8}{'traced MiB':>12}{'× open':>8}"
          f"{'RSS MiB':>9}{'× open':>8}")
    for name, (t, med, m, r) in rows.items():
        wall_text = f"{t * 1000:.1f} ({med * 1000:.1f})"
        rss = (f"{r / 2**20:>9.1f}{r / base_r:>8.2f}" if r and base_r else f"{'n/a':>9}{'':>8}")
        print(f"{name:<14}{wall_text:>18}{t / base_t:>8.2f}{m / 2**20:>12.2f}"
              f"{m / base_m:>8.2f}{rss}")
    print(f"report, step by step (best of {args.repeat} further runs):")
    for step, t in steps.items():
        print(f"  {step:<22}{t * 1000:>8.1f} ms{t / base_t:>8.2f} × open")
    ratio = rows["report"][0] / base_t
    print(f"report / open wall-time ratio: {ratio:.2f} (target ≤ 2): "
          f"{'met' if ratio <= 2 else 'NOT met'}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
