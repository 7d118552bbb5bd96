"""Benchmark: the service's upload → result page against `selfeval-xl check` on the same file.

An officer's wait at the browser is the upload, the sandboxed examination and the result
page; at the terminal it is `selfeval-xl check BOOK` (a fresh process, imports included).
Both run on the built-in example, taking turns run by run in the same minute, against a
real `selfeval-xl serve` on loopback. Target: upload → result page ≤ 2 × check.

A third column, in the same turns: the same upload to a second server whose workers are
forked from the server itself, as before they came from a fork server
(selfeval_xl/web/workers.py): what starting them safely costs per upload.

Not a test: figures only.

    python bench/bench_server.py [--repeat 11] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_harness import Server, upload_and_view  # noqa: E402

DEPT = "惠州市政务服务中心"
TARGET = 2.0


def check_once(book: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "selfeval_xl", "check", str(book)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if proc.returncode not in (0, 1):  # 1: the example's deliberate errors
        raise SystemExit(f"check failed: {proc.stderr.decode()[-400:]}")
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=11)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = ap.parse_args()
    from selfeval_xl import datafile
    from selfeval_xl.build.builder import build_workbook

    with tempfile.TemporaryDirectory(prefix="selfeval-bench-server-") as tmp:
        book = Path(tmp) / "example.xlsm"
        build_workbook(book, datafile.example())
        with Server(Path(tmp) / "data", [DEPT]) as server, \
                Server(Path(tmp) / "data-forked", [DEPT], forked_workers=True) as forked:
            client, forked_client = server.client(DEPT), forked.client(DEPT)
            for c in (client, forked_client):  # warm: the first request loads the templates
                upload_and_view(c, book)
            check_once(book)
            web, cli, web_forked = [], [], []
            for _ in range(args.repeat):
                for c, times in ((client, web), (forked_client, web_forked)):
                    seconds, url, status = upload_and_view(c, book)
                    if status != 200:
                        raise SystemExit(f"upload failed: {status}")
                    times.append(seconds)
                cli.append(check_once(book))
    fig = {"repeat": args.repeat, "upload_result_median_s": statistics.median(web),
           "upload_result_min_s": min(web), "upload_result_max_s": max(web),
           "check_median_s": statistics.median(cli), "check_min_s": min(cli),
           "check_max_s": max(cli), "forked_median_s": statistics.median(web_forked),
           "forked_min_s": min(web_forked), "forked_max_s": max(web_forked)}
    fig["ratio"] = fig["upload_result_median_s"] / fig["check_median_s"]
    fig["ratio_to_forked"] = fig["upload_result_median_s"] / fig["forked_median_s"]
    fig["target_ratio"] = TARGET
    print(f"upload → result page  median {fig['upload_result_median_s'] * 1000:7.0f} ms "
          f"(range {min(web) * 1000:.0f}–{max(web) * 1000:.0f})")
    print(f"selfeval-xl check     median {fig['check_median_s'] * 1000:7.0f} ms "
          f"(range {min(cli) * 1000:.0f}–{max(cli) * 1000:.0f})")
    print(f"ratio {fig['ratio']:.2f} × check (target ≤ {TARGET:g} ×): "
          + ("within target" if fig["ratio"] <= TARGET else "OVER TARGET"))
    print(f"baseline, workers forked from the server  median "
          f"{fig['forked_median_s'] * 1000:7.0f} ms (range {min(web_forked) * 1000:.0f}–"
          f"{max(web_forked) * 1000:.0f})")
    print(f"fork server against forked workers: {fig['ratio_to_forked']:.2f} ×")
    if args.json:
        print(json.dumps(fig))


if __name__ == "__main__":
    main()
