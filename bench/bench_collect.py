"""Benchmark ``collect`` on N generated workbooks against a pandas/openpyxl baseline.

Both runs happen in this one invocation, each in its own child process (so each one's
memory is measured alone), with the same number of worker processes:

- **collect**: ``selfeval_xl.bureau.collect.collect`` on the inbox: preflight, read,
  checks, scoring, fingerprint of every file, then the summary workbook and the database;
- **baseline**: the same sheets of the same files read with
  ``pandas.read_excel(engine="openpyxl")`` (reading only: no checks, no summary).

Printed: wall time, CPU time (user + system of the process and all its workers: this is
what the run costs whatever else the machine is doing), peak resident memory of the
collecting process and of the largest worker (``ru_maxrss`` of RUSAGE_SELF and
RUSAGE_CHILDREN), files per second, the baseline ÷ collect ratios, how the collect wall
time splits between reading the files (the worker pool) and writing the summary workbook
and database (one process), and where one file's CPU goes (``--phases K`` files examined
step by step in one process, with ElementTree's parsing of the same parts on its own).

Usage:
    python bench/bench_collect.py [-n 1000] [--inbox DIR] [--workers N]
                                  [--baseline-sample K] [--phases K] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _usage() -> dict:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu_s": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
            "rss_self_mb": me.ru_maxrss / 1024, "rss_children_mb": kids.ru_maxrss / 1024}


def child_collect(inbox: Path, out: Path, workers: int) -> dict:
    from selfeval_xl.bureau.collect import collect
    # Imported before the clock starts, as the baseline imports pandas before its clock:
    # both runs time the work, not loading the libraries (≈ 0.4 s for pandas+XlsxWriter).
    from selfeval_xl.bureau import store, summary_workbook  # noqa: F401

    last = [0.0, 0.0]

    def done(_rec: dict) -> None:  # the last file back from the workers ends the pool phase
        last[0] = time.perf_counter()
        last[1] = _self_cpu()

    cpu0, t = _self_cpu(), time.perf_counter()
    result = collect([inbox], out / "summary.xlsx", db=out / "bureau.sqlite", workers=workers,
                     on_done=done)
    end, cpu_end = time.perf_counter(), _self_cpu()
    verdicts: dict[str, int] = {}
    for r in result.records:
        verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"files": len(result.records), "wall_s": end - t, "pool_s": last[0] - t,
            "tail_s": end - last[0], "verdicts": verdicts,
            # where the CPU went: the workers (examining the files), the collecting process
            # while they ran (handing files out, taking records in, spooling them) and
            # after the last file (summary workbook and database)
            "workers_cpu_s": kids.ru_utime + kids.ru_stime, "parent_pool_cpu_s": last[1] - cpu0,
            "parent_tail_cpu_s": cpu_end - last[1], **_usage()}


def _self_cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def child_phases(paths: list[str]) -> dict:
    """CPU per file of each step of examining a file, in this one process (no pool).

    The "XML parsing floor" is ``ElementTree.fromstring`` alone on exactly the parts the
    reader parsed (already inflated by preflight): what any ElementTree-based reader pays
    before it does anything with a cell.
    """
    import xml.etree.ElementTree as ET
    from datetime import date

    from selfeval_xl import pipeline
    from selfeval_xl.read import ooxml_source, reader
    from selfeval_xl.bureau.preflight import inspect
    from selfeval_xl.bureau.verify import examine
    from selfeval_xl.core.fingerprint import fingerprint

    parsed: list[str] = []

    class Recording(ooxml_source.OoxmlSource):
        def _xml(self, name):
            parsed.append(name)
            return super()._xml(name)

    clock = time.process_time
    totals = dict.fromkeys(("preflight", "xml_floor", "read", "checks_score", "fingerprint",
                            "examine"), 0.0)
    today = date.today()
    for _ in range(2):  # the first pass warms caches and imports; the second is counted
        for k in totals:
            totals[k] = 0.0
        for p in paths:
            t0 = clock()
            pf = inspect(p)
            t1 = clock()
            parsed.clear()
            result = reader.read_source(Recording.from_zip(pf.zip, pf.parts))
            t2 = clock()
            pipeline.evaluate(result, today=today)
            t3 = clock()
            fingerprint(result.evaluation)
            t4 = clock()
            for name in parsed:
                ET.fromstring(pf.parts[name])
            t5 = clock()
            examine(p, today=today)
            t6 = clock()
            totals["preflight"] += t1 - t0
            totals["read"] += t2 - t1
            totals["checks_score"] += t3 - t2
            totals["fingerprint"] += t4 - t3
            totals["xml_floor"] += t5 - t4
            totals["examine"] += t6 - t5
    return {k: v / len(paths) * 1000 for k, v in totals.items()}


def _median_run(runs: list[dict]) -> dict:
    """The run of median wall time (its own CPU and memory figures with it)."""
    return sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]


def _read_with_pandas(path: str) -> int:
    import pandas as pd

    from selfeval_xl import layout

    # The sheets the reader reads (the report, findings and xlwings sheets it does not).
    sheets = [s for s in layout.SHEETS
              if s not in (layout.SHEET_REPORT, layout.SHEET_FINDINGS, layout.SHEET_XLWINGS)]
    frames = pd.read_excel(path, sheet_name=sheets, header=None, engine="openpyxl")
    return sum(len(f) for f in frames.values())


def child_baseline(paths: list[str], workers: int) -> dict:
    from concurrent.futures import ProcessPoolExecutor

    import pandas  # noqa: F401 - imported before the pool forks, as collect's workers are

    t = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        rows = sum(pool.map(_read_with_pandas, paths, chunksize=8))
    wall = time.perf_counter() - t
    return {"files": len(paths), "rows": rows, "wall_s": wall, **_usage()}


def _run_child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", *args],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="workbooks to generate")
    ap.add_argument("--inbox", type=Path, help="use this inbox instead of generating one")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--baseline-sample", type=int, default=0,
                    help="read only K files in the baseline and scale its time to N (0: all)")
    ap.add_argument("--phases", type=int, default=100,
                    help="examine K files in one process to show where the time goes (0: skip)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="collect and baseline runs, taking turns (figures: medians)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        kind, *rest = args.child
        if kind == "collect":
            out = child_collect(Path(rest[0]), Path(rest[1]), int(rest[2]))
        elif kind == "phases":
            out = child_phases(json.loads(Path(rest[0]).read_text()))
        else:
            out = child_baseline(json.loads(Path(rest[0]).read_text()), int(rest[1]))
        print(json.dumps(out))
        return 0

    with tempfile.TemporaryDirectory(prefix="selfeval-bench-") as tmp:
        tmp = Path(tmp)
        inbox = args.inbox
        gen_s = 0.0
        if inbox is None:
            sys.path.insert(0, str(HERE))
            from make_inbox import make_inbox

            t = time.perf_counter()
            make_inbox(tmp / "inbox", args.n)
            gen_s = time.perf_counter() - t
            inbox = tmp / "inbox"
        paths = sorted(str(p) for p in inbox.glob("*.xlsm"))
        (tmp / "out").mkdir()
        sample = paths[: args.baseline_sample] if args.baseline_sample else paths
        (tmp / "paths.json").write_text(json.dumps(sample))
        # collect and the baseline take turns, round by round, so that a change in the
        # shared machine's load falls on both alike; figures are medians, ranges beside.
        cols, bases = [], []
        for _ in range(args.rounds):
            cols.append(_run_child(["collect", str(inbox), str(tmp / "out"), str(args.workers)]))
            bases.append(_run_child(["baseline", str(tmp / "paths.json"), str(args.workers)]))
        col, base = _median_run(cols), _median_run(bases)
        scale = len(paths) / len(sample)
        base_wall, base_cpu = base["wall_s"] * scale, base["cpu_s"] * scale
        phases = {}
        if args.phases:
            (tmp / "phase-paths.json").write_text(json.dumps(paths[: args.phases]))
            phases = _run_child(["phases", str(tmp / "phase-paths.json")])

    ratios_wall = sorted(b["wall_s"] * scale / c["wall_s"] for b, c in zip(bases, cols))
    ratios_cpu = sorted(b["cpu_s"] * scale / c["cpu_s"] for b, c in zip(bases, cols))
    figures = {
        "rounds": args.rounds,
        "speedup_wall_range": [round(ratios_wall[0], 2), round(ratios_wall[-1], 2)],
        "speedup_cpu_range": [round(ratios_cpu[0], 2), round(ratios_cpu[-1], 2)],
        "collect_peak_rss_parent_mb_range": [round(min(c["rss_self_mb"] for c in cols), 1),
                                             round(max(c["rss_self_mb"] for c in cols), 1)],
        "files": col["files"], "workers": args.workers, "cpu_count": os.cpu_count(),
        "generate_s": round(gen_s, 1),
        "collect_wall_s": round(col["wall_s"], 1), "collect_cpu_s": round(col["cpu_s"], 1),
        "collect_files_per_s": round(col["files"] / col["wall_s"], 1),
        "collect_pool_wall_s": round(col["pool_s"], 1),
        "collect_summary_and_db_wall_s": round(col["tail_s"], 1),
        "collect_peak_rss_parent_mb": round(col["rss_self_mb"], 1),
        "collect_peak_rss_worker_mb": round(col["rss_children_mb"], 1),
        "collect_verdicts": col["verdicts"],
        "baseline_files_read": base["files"], "baseline_extrapolated": scale != 1,
        "baseline_wall_s": round(base_wall, 1), "baseline_cpu_s": round(base_cpu, 1),
        "baseline_peak_rss_worker_mb": round(base["rss_children_mb"], 1),
        # the median of the rounds' own ratios (each round's collect over the baseline run
        # beside it), so that it always lies within the range printed with it
        "speedup_wall": round(ratios_wall[len(ratios_wall) // 2], 2),
        "speedup_cpu": round(ratios_cpu[len(ratios_cpu) // 2], 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "phase_files": min(args.phases, len(paths)),
        "phase_cpu_ms_per_file": {k: round(v, 2) for k, v in phases.items()},
        # What 5x asks: the whole collect at most a fifth of the baseline's CPU per file.
        "budget_5x_cpu_ms_per_file": round(base_cpu / len(paths) * 1000 / 5, 1),
        "collect_cpu_ms_per_file": round(col["cpu_s"] / col["files"] * 1000, 1),
        "collect_cpu_ms_per_file_split": {
            "workers": round(col["workers_cpu_s"] / col["files"] * 1000, 2),
            "parent_during_pool": round(col["parent_pool_cpu_s"] / col["files"] * 1000, 2),
            "summary_and_database": round(col["parent_tail_cpu_s"] / col["files"] * 1000, 2)},
    }
    figures["targets"] = {
        "speedup_wall": {"value": figures["speedup_wall"], "target": ">= 5",
                         "met": figures["speedup_wall"] >= 5},
        "speedup_cpu": {"value": figures["speedup_cpu"], "target": ">= 5",
                        "met": figures["speedup_cpu"] >= 5},
        "collect_peak_rss_parent_mb": {"value": figures["collect_peak_rss_parent_mb"],
                                       "target": "<= 300",
                                       "met": figures["collect_peak_rss_parent_mb"] <= 300}}
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        print(f"collect: {figures['files']} workbooks, {args.workers} workers: "
              f"{figures['collect_wall_s']} s wall, {figures['collect_cpu_s']} s CPU, "
              f"{figures['collect_files_per_s']} files/s")
        print(f"  peak RSS: collecting process {figures['collect_peak_rss_parent_mb']} MB, "
              f"largest worker {figures['collect_peak_rss_worker_mb']} MB")
        print(f"  verdicts: {figures['collect_verdicts']}")
        print(f"baseline (pandas.read_excel, openpyxl, same sheets, {args.workers} workers"
              f"{', extrapolated from %d files' % base['files'] if scale != 1 else ''}): "
              f"{figures['baseline_wall_s']} s wall, {figures['baseline_cpu_s']} s CPU, "
              f"largest worker {figures['baseline_peak_rss_worker_mb']} MB")
        print(f"  phases: reading the files {figures['collect_pool_wall_s']} s (workers), "
              f"then summary workbook and database {figures['collect_summary_and_db_wall_s']} s "
              "(one process)")
        print(f"speed-up: {figures['speedup_wall']}x wall, {figures['speedup_cpu']}x CPU "
              f"(load average at the end: {figures['load_average_1m']})")
        lo, hi = figures["speedup_wall_range"]
        clo, chi = figures["speedup_cpu_range"]
        print(f"targets ({args.rounds} interleaved rounds, median; range):")
        print(f"  collect speed-up over the baseline, wall: {figures['speedup_wall']}x "
              f"({lo}–{hi})  target ≥ 5x: {'met' if figures['speedup_wall'] >= 5 else 'NOT met'}")
        print(f"  collect speed-up over the baseline, CPU: {figures['speedup_cpu']}x "
              f"({clo}–{chi})  target ≥ 5x: {'met' if figures['speedup_cpu'] >= 5 else 'NOT met'}")
        plo, phi = figures["collect_peak_rss_parent_mb_range"]
        print(f"  collecting process peak {figures['collect_peak_rss_parent_mb']} MB "
              f"({plo}–{phi})  target ≤ 300 MB: "
              f"{'met' if figures['collect_peak_rss_parent_mb'] <= 300 else 'NOT met'}")
        if phases:
            ph = figures["phase_cpu_ms_per_file"]
            print(f"where a file's time goes (one process, {figures['phase_files']} files, "
                  f"CPU ms per file): preflight {ph['preflight']}, read {ph['read']} "
                  f"(of which ElementTree parsing alone {ph['xml_floor']}), checks + score "
                  f"{ph['checks_score']}, fingerprint {ph['fingerprint']}; whole examination "
                  f"{ph['examine']}")
        sp = figures["collect_cpu_ms_per_file_split"]
        print(f"5x budget: {figures['budget_5x_cpu_ms_per_file']} ms CPU per file for "
              f"everything (baseline CPU ÷ 5); collect spends "
              f"{figures['collect_cpu_ms_per_file']} ms: workers {sp['workers']}, collecting "
              f"process {sp['parent_during_pool']} while they run and "
              f"{sp['summary_and_database']} for the summary workbook and database")
    return 0


if __name__ == "__main__":
    sys.exit(main())
