"""Load test: many officers uploading at once to a real `selfeval-xl serve` on loopback.

Phase 1: 30 different workbooks (bench/make_inbox.py) uploaded at the same moment by
10 department accounts (3 each), every upload followed by its result page.
Phase 2: the same 30 again, with two hostile files sent among them: a zip bomb (refused
by preflight in milliseconds) and a workbook with 45 MB of rows that passes preflight
and runs into the per-file time limit (``--timeout``, 5 s here).

Checks, printed as figures: every request answered (result page 200), none lost (the
database holds exactly the files sent, by content hash, each under its uploader's
department), the hostile files' Chinese reasons, p50/p95/max latency of the good uploads
in both phases, and the peak memory of the server (its own VmHWM, and the sampled peak of
the server with its sandbox workers). Bounded: 30 + 2 uploads, one run; ~1 minute.

``--forked-workers`` runs the baseline: a server whose workers are forked from the server
itself, as before they came from a fork server (selfeval_xl/web/workers.py).

    python bench/load_server.py [--files 30] [--users 10] [--timeout 5] [--forked-workers]
                                [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from server_harness import Server, upload_and_view  # noqa: E402

MB = 1024 * 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def burst(server: Server, clients: dict, jobs: list[tuple[str, Path]]) -> list[dict]:
    """Start every upload at once (a barrier), one thread each; results in job order."""
    results: list[dict] = [{} for _ in jobs]
    barrier = threading.Barrier(len(jobs))

    def run(i: int, user: str, path: Path) -> None:
        barrier.wait()
        try:
            seconds, url, status = upload_and_view(clients[user], path)
            results[i] = {"user": user, "file": path.name, "seconds": seconds, "url": url,
                          "status": status}
        except Exception as exc:  # noqa: BLE001 - a lost request is a figure, not a crash
            results[i] = {"user": user, "file": path.name, "seconds": None, "url": "",
                          "status": f"{type(exc).__name__}: {exc}"}

    threads = [threading.Thread(target=run, args=(i, u, p)) for i, (u, p) in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


class Probe:
    """Loads the sign-in page every 0.2 s while the uploads run: is everyone else served?"""

    def __init__(self, url: str) -> None:
        self.url, self.seconds, self.failures = url, [], 0
        self._stop = threading.Event()

    def _run(self) -> None:
        import httpx

        with httpx.Client(base_url=self.url, timeout=60) as c:
            while not self._stop.is_set():
                start = time.perf_counter()
                try:
                    ok = c.get("/login").status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.seconds.append(time.perf_counter() - start)
                self.failures += not ok
                time.sleep(0.2)

    def __enter__(self) -> "Probe":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def stored(server: Server) -> list[dict]:
    from sqlalchemy import create_engine, select

    from selfeval_xl.web.storage import uploads

    engine = create_engine(f"sqlite:///{server.data / 'selfeval.sqlite'}")
    with engine.connect() as con:
        rows = [dict(r) for r in con.execute(select(
            uploads.c.id, uploads.c.file_hash, uploads.c.dept_name, uploads.c.verdict,
            uploads.c.record_json)).mappings()]
    engine.dispose()
    return rows


def summary(results: list[dict]) -> dict:
    secs = [r["seconds"] for r in results if r["seconds"] is not None]
    return {"n": len(results), "answered": sum(r["status"] == 200 for r in results),
            "p50_s": round(statistics.median(secs), 3), "p95_s": round(percentile(secs, 0.95), 3),
            "max_s": round(max(secs), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=30)
    ap.add_argument("--users", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--forked-workers", action="store_true",
                    help="baseline: workers forked from the server, not from its fork server")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    import hostile_files as h
    from make_inbox import make_inbox

    with tempfile.TemporaryDirectory(prefix="selfeval-load-") as tmp:
        tmp = Path(tmp)
        files = make_inbox(tmp / "inbox", args.files, bases=min(10, args.files))
        sent = {hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
        bomb = h.zip_bomb_declared(tmp / "bomb.xlsm")
        heavy = h.huge_rows(tmp / "heavy.xlsm", files[0], megabytes=45)
        users = [f"部门{i:02d}" for i in range(args.users)]
        jobs = [(users[i % len(users)], p) for i, p in enumerate(files)]
        with Server(tmp / "data", users, "--timeout", str(args.timeout),
                    forked_workers=args.forked_workers) as server:
            clients = {u: server.client(u) for u in users}
            t0 = time.perf_counter()
            first = burst(server, clients, jobs)
            first_wall = time.perf_counter() - t0
            mixed_jobs = list(jobs)
            mixed_jobs.insert(len(jobs) // 2, (users[0], heavy))
            mixed_jobs.insert(len(jobs) // 3, (users[1], bomb))
            probe = Probe(server.url)
            t0 = time.perf_counter()
            with probe:
                second = burst(server, clients, mixed_jobs)
            second_wall = time.perf_counter() - t0
            rows = stored(server)
            hwm = server.server_hwm()
            peak = server.peak_tree_rss
    hostile_names = {heavy.name, bomb.name}
    good_second = [r for r in second if r["file"] not in hostile_names]
    good_rows = [r for r in rows if r["file_hash"].split(":")[-1] in sent]
    dept_of = {p.name: u for u, p in jobs}
    wrong_dept = [r for r in good_rows
                  if r["dept_name"] != dept_of[json.loads(r["record_json"])["file_name"]]]
    hostile = {json.loads(r["record_json"])["file_name"]: (r["verdict"], json.loads(
        r["record_json"])["verdict_reason"]) for r in rows
        if json.loads(r["record_json"])["file_name"] in hostile_names}
    hostile_secs = {r["file"]: round(r["seconds"], 3) for r in second
                    if r["file"] in hostile_names}
    fig = {
        "files": len(files), "users": len(users), "timeout_s": args.timeout,
        "phase1": {**summary(first), "wall_s": round(first_wall, 3)},
        "phase2_good": {**summary(good_second), "wall_s": round(second_wall, 3)},
        "phase2_hostile": {name: {"verdict": v, "reason": why, "seconds": hostile_secs[name]}
                           for name, (v, why) in hostile.items()},
        "stored_uploads": len(rows), "expected_uploads": 2 * len(files) + 2,
        "good_hashes_stored_twice": all(
            sum(r["file_hash"].split(":")[-1] == d for r in good_rows) == 2 for d in sent),
        "uploads_under_wrong_department": len(wrong_dept),
        "login_page_during_burst": {"n": len(probe.seconds), "failures": probe.failures,
                                    "p50_s": round(statistics.median(probe.seconds), 3),
                                    "max_s": round(max(probe.seconds), 3)},
        "server_peak_rss_mb": round(hwm / MB, 1),
        "server_with_workers_peak_rss_mb": round(peak / MB, 1),
    }
    fig["lost"] = fig["expected_uploads"] - fig["stored_uploads"]
    p1, p2 = fig["phase1"], fig["phase2_good"]
    print(f"{fig['files']} uploads by {fig['users']} users at once: {p1['answered']}/{p1['n']} "
          f"answered; p50 {p1['p50_s']:.2f} s, p95 {p1['p95_s']:.2f} s, max {p1['max_s']:.2f} s "
          f"(all done in {p1['wall_s']:.1f} s)")
    print(f"again with 2 hostile files among them: {p2['answered']}/{p2['n']} good answered; "
          f"p50 {p2['p50_s']:.2f} s, p95 {p2['p95_s']:.2f} s, max {p2['max_s']:.2f} s "
          f"(max {p2['max_s'] - p1['max_s']:+.2f} s against a {args.timeout:g} s limit)")
    for name, h_ in fig["phase2_hostile"].items():
        print(f"  {name}: {h_['verdict']} after {h_['seconds']:.2f} s — {h_['reason']}")
    print(f"stored {fig['stored_uploads']} of {fig['expected_uploads']} uploads (lost "
          f"{fig['lost']}); each good file twice: {fig['good_hashes_stored_twice']}; "
          f"under a wrong department: {fig['uploads_under_wrong_department']}")
    lp = fig["login_page_during_burst"]
    print(f"meanwhile the sign-in page: {lp['n']} loads, {lp['failures']} failed, "
          f"p50 {lp['p50_s'] * 1000:.0f} ms, max {lp['max_s'] * 1000:.0f} ms")
    print(f"server peak RSS {fig['server_peak_rss_mb']} MB; with its workers (sampled) "
          f"{fig['server_with_workers_peak_rss_mb']} MB")
    if args.json:
        print(json.dumps(fig, ensure_ascii=False))


if __name__ == "__main__":
    main()
