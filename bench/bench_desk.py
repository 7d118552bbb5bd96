"""Benchmark: the bureau's dashboard over 1,000 generated submissions.

Builds a service (create_app over a temporary data folder) whose database holds, for
``-n`` departments, the year's list, a 2022 submission each and a 2021 submission each
(last year's text for the narrative rule), generated from one really examined workbook
(the corrected example) with varied names, figures, scores, grades, verdicts, execution
rates, indicator scores and texts; one department in ten has spot-check scores, one in
ten was returned or accepted, a few hand in another's data or last year's text.

Then, through FastAPI's TestClient as the bureau (the whole request: routing, queries,
deviation rules, sorting, the Jinja page with its chart data):

* ``first``   — the first dashboard request (reads every submission's record once into the
  digest cache);
* ``page``    — ``GET /desk?year=2022`` (the HTML page), sorted by code;
* ``sorted``  — ``GET /desk?year=2022&sort=score&desc=true&q=局`` (sort and search);
* ``api``     — ``GET /api/desk/dashboard?year=2022`` (JSON);

each ``--repeat`` times, best and median, and beside them the baseline measured in the
same run: ``floor`` — one ``SELECT`` of the year's submission rows through the same engine,
the least any dashboard must do. Prints the figures and ratios; the target is under 1 s
for the page. Not a test: figures only (tests/test_bench_smoke.py runs it on 20).

    python bench/bench_desk.py [-n 1000] [--repeat 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path


def example_record(tmp: Path) -> dict:
    """The record verify.examine gives for the corrected example workbook."""
    import dataclasses
    from decimal import Decimal

    from selfeval_xl.build.builder import build_workbook
    from selfeval_xl.bureau.verify import examine
    from selfeval_xl.datafile import example

    ev = example()
    ev = dataclasses.replace(ev, expenditure=dataclasses.replace(
        ev.expenditure, budget_total=Decimal("921.52"), exp_project=Decimal("530.79")))
    build_workbook(tmp / "example.xlsm", ev)
    return examine(tmp / "example.xlsm")


def populate(app, n: int, base: dict, seed: int = 7) -> None:
    """n departments on the 2022 list, each with a 2022 and a 2021 submission."""
    from selfeval_xl.bureau.departments import Department
    from selfeval_xl.web import auth

    rnd = random.Random(seed)
    storage, desk = app.state.storage, app.state.desk
    desk.import_departments(2022, [Department(f"第{i:04d}局", f"{1000 + i}", f"联系人{i}")
                                   for i in range(n)])
    user_ids = {}
    password_hash = auth.hash_password("x" * 12)  # one hash for all: argon2 is slow on purpose
    for i in range(n):
        name = f"第{i:04d}局"
        user_ids[name] = storage.add_user(f"u{i}", name, "dept", password_hash, must_change=False)
    for year in (2021, 2022):
        for i in range(n):
            name = f"第{i:04d}局"
            rec = json.loads(json.dumps(base))
            total = round(rnd.uniform(850, 1000), 2)
            budget = round(total / rnd.uniform(0.7, 1.02), 2)
            score = round(rnd.uniform(55, 99), 2)
            grade = "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"
            errors = 2 if i % 10 == 3 else 0
            rec.update(dept_name=name, eval_year=year, score=f"{score:.2f}", grade=grade,
                       exp_total=f"{total:.2f}", budget_total=f"{budget:.2f}",
                       exec_rate=total / budget, errors=errors, warnings=i % 3,
                       verdict="errors" if errors else "stale" if i % 25 == 7 else "ok",
                       file_hash=f"sha256:{year}{i:060d}",
                       # every fifth department repeats last year's text; the 500th and
                       # 501st hand in the same data
                       narrative_digest=f"n{i}" if i % 5 == 0 else f"n{i}-{year}",
                       content_digest=f"c{min(i, 501) if i in (500, 501) else i}-{year}")
            for ind in rec["indicators"]:
                w = float(ind["weight"] or 0)
                ind["score"] = f"{rnd.uniform(0.5, 1) * w:.2f}"
            upload_id = storage.add_upload(
                user_id=user_ids[name], dept_name=name, file_hash=rec["file_hash"],
                file_name=f"{name}.xlsm", file_size=70000, stored_path="files/none",
                verdict=rec["verdict"], record_json=json.dumps(rec, ensure_ascii=False),
                report_html="", report_md="", evaluation_json="")
            sub = storage.add_submission(storage.upload(upload_id), rec,
                                         user_id=user_ids[name], year=year,
                                         errors_confirmed=bool(errors), notice="")
            if year == 2022 and i % 10 == 1:
                desk.set_spot_scores(sub["id"], _spot(rec, rnd), {"id": 1})
            if year == 2022 and i % 10 in (2, 5):
                desk.review(sub, "returned" if i % 10 == 2 else "accepted", "请核对",
                            {"id": 1, "username": "bureau"})


def _spot(rec: dict, rnd: random.Random) -> dict:
    from decimal import Decimal

    return {ind["code"]: Decimal(str(round(float(ind["weight"]) * rnd.uniform(0.5, 1), 1)))
            for ind in rec["indicators"][:5]}


def timed(fn, repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return min(runs), statistics.median(runs)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="departments (submissions per year)")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON last")
    args = ap.parse_args(argv)

    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from selfeval_xl.web import auth
    from selfeval_xl.web.app import Settings, create_app
    from selfeval_xl.web.storage import submissions

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = example_record(tmp)
        app = create_app(Settings(data_dir=tmp / "data"))
        t = time.perf_counter()
        populate(app, args.n, base)
        setup_s = time.perf_counter() - t
        storage = app.state.storage
        bureau = storage.user_by_id(storage.add_user("bureau", "财政局", "bureau",
                                                     auth.hash_password("x" * 12), False))
        client = TestClient(app)
        client.cookies.set(auth.SESSION_COOKIE, app.state.sessions.dump_session(bureau))

        def get(url):
            r = client.get(url)
            assert r.status_code == 200, r.text[:300]
            return r

        t = time.perf_counter()
        first = get("/desk?year=2022")
        first_s = time.perf_counter() - t
        rows = first.text.count("<tr data-dept=")
        page = timed(lambda: get("/desk?year=2022"), args.repeat)
        sorted_ = timed(lambda: get("/desk?year=2022&sort=score&desc=true&q=%E5%B1%80"),
                        args.repeat)
        api = timed(lambda: get("/api/desk/dashboard?year=2022"), args.repeat)

        def floor():
            with storage.engine.connect() as con:
                con.execute(select(submissions).where(submissions.c.eval_year == 2022)).all()

        base_s = timed(floor, args.repeat)
        counts = get("/api/desk/dashboard?year=2022").json()["counts"]

    fig = {"departments": args.n, "submissions": 2 * args.n, "rows_on_page": rows,
           "setup_s": round(setup_s, 2), "first_request_s": round(first_s, 4),
           "page_best_s": round(page[0], 4), "page_median_s": round(page[1], 4),
           "sorted_best_s": round(sorted_[0], 4), "sorted_median_s": round(sorted_[1], 4),
           "api_best_s": round(api[0], 4), "api_median_s": round(api[1], 4),
           "floor_best_s": round(base_s[0], 4), "floor_median_s": round(base_s[1], 4),
           "page_vs_floor": round(page[1] / base_s[1], 1) if base_s[1] else None,
           "status_counts": counts, "load_average": round(os.getloadavg()[0], 2)}
    print(f"dashboard over {args.n} departments ({2 * args.n} submissions, 2021 and 2022; "
          f"generated in {setup_s:.1f} s), {args.repeat} runs each, best / median:")
    print(f"  first request (fills the digest cache): {first_s * 1000:.0f} ms")
    print(f"  GET /desk?year=2022 (HTML, {rows} rows + charts): "
          f"{page[0] * 1000:.0f} / {page[1] * 1000:.0f} ms")
    print(f"  sorted by score, searched:               "
          f"{sorted_[0] * 1000:.0f} / {sorted_[1] * 1000:.0f} ms")
    print(f"  GET /api/desk/dashboard (JSON):          {api[0] * 1000:.0f} / {api[1] * 1000:.0f} ms")
    print(f"  baseline: one SELECT of the year's rows: {base_s[0] * 1000:.1f} / "
          f"{base_s[1] * 1000:.1f} ms; page ÷ baseline (medians) {fig['page_vs_floor']}x")
    print(f"  target: the page under 1 s: {'met' if page[1] < 1 else 'NOT met'} "
          f"(median {page[1]:.3f} s; load average {fig['load_average']})")
    print(f"  statuses: {counts}")
    if args.json:
        print(json.dumps(fig, ensure_ascii=False))
    return fig


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
