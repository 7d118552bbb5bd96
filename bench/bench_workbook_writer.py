"""Benchmark: writing results into the example workbook, next to opening it with openpyxl.

Builds the example workbook, then measures in one process (median of ``--repeat`` runs):

* ``open``        — ``openpyxl.load_workbook(path, keep_vba=True)`` (the floor any tool pays);
* ``open+save``   — the same plus ``save`` (what an openpyxl-based writer would cost, and it
  would still drop controls of Excel-saved files);
* ``findings``    — ``write_results(findings=…)`` only (校验数据);
* ``scores``      — ``write_results(scorecard=…)`` only (计算得分);
* ``full``        — report sheet + findings + scores + status (生成报告), backup included.

Not a test: prints figures and ratios.

    python bench/bench_workbook_writer.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    import openpyxl

    from selfeval_xl import datafile
    from selfeval_xl.build.builder import build_workbook
    from selfeval_xl.write.workbook_writer import write_results
    from selfeval_xl.core import scoring
    from selfeval_xl.core.checks import run_checks
    from selfeval_xl.core.fingerprint import fingerprint
    from selfeval_xl.core.report import build_document

    ev = datafile.example()
    card = scoring.score(ev)
    findings = run_checks(ev)
    doc = build_document(ev, card, findings)
    status = {"status_report_at": "2026-11-26 06:00:00", "report_fingerprint": fingerprint(ev),
              "report_score": card.total}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "example.xlsm"
        build_workbook(src, ev)
        work = Path(tmp) / "work.xlsm"

        def fresh() -> Path:
            shutil.copyfile(src, work)
            return work

        cases = {
            "open": lambda p: openpyxl.load_workbook(p, keep_vba=True),
            "open+save": lambda p: openpyxl.load_workbook(p, keep_vba=True).save(p),
            "findings": lambda p: write_results(p, findings=findings, backup=False),
            "scores": lambda p: write_results(p, scorecard=card, backup=False),
            "full": lambda p: write_results(p, report_doc=doc, findings=findings,
                                            scorecard=card, status=status),
        }
        times = {}
        for name, fn in cases.items():
            runs = []
            for _ in range(args.repeat):
                p = fresh()
                t = time.perf_counter()
                fn(p)
                runs.append(time.perf_counter() - t)
            times[name] = statistics.median(runs)
        print(f"example workbook: {src.stat().st_size:,} bytes, {len(findings)} findings, "
              f"{len(doc.blocks)} report blocks, {len(card.rows)} indicators")
        for name, t in times.items():
            print(f"{name:10s} {t * 1000:8.1f} ms   {t / times['open']:5.2f} × open")


if __name__ == "__main__":
    main()
