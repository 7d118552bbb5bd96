"""The collect benchmark still runs end to end (on a handful of files: figures, not speed).

No timing is asserted anywhere: the benchmark prints figures and ratios; this only keeps
the script from rotting (it is run by hand and by ``make bench``, not by the suite).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_collect_prints_every_figure_on_a_small_inbox(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from make_inbox import make_inbox
    finally:
        sys.path.remove(str(ROOT / "bench"))
    make_inbox(tmp_path / "inbox", 4, bases=2)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_collect.py"), "--inbox",
         str(tmp_path / "inbox"), "--workers", "2", "--phases", "3", "--json"],
        capture_output=True, text=True, check=True, timeout=600)
    fig = json.loads(proc.stdout.strip().splitlines()[-1])
    assert fig["files"] == 4 and fig["baseline_files_read"] == 4
    assert sum(fig["collect_verdicts"].values()) == 4
    assert fig["phase_files"] == 3
    phases = fig["phase_cpu_ms_per_file"]
    assert set(phases) == {"preflight", "xml_floor", "read", "checks_score", "fingerprint",
                           "examine"}
    assert all(v > 0 for v in phases.values())
    # the pool and the tail are the two parts of the run (no timing compared otherwise)
    assert fig["collect_pool_wall_s"] + fig["collect_summary_and_db_wall_s"] <= (
        fig["collect_wall_s"] + 0.1)
    assert fig["budget_5x_cpu_ms_per_file"] > 0 and fig["speedup_wall"] > 0
    # every ratio with its target; the CPU split into its three parts
    assert {k: (v["target"], v["met"] == (v["value"] >= 5 if k.startswith("speedup")
                                          else v["value"] <= 300))
            for k, v in fig["targets"].items()} == {
        "speedup_wall": (">= 5", True), "speedup_cpu": (">= 5", True),
        "collect_peak_rss_parent_mb": ("<= 300", True)}
    # every fast path against its reference, on the same small inbox
    levers = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_levers.py"), "--inbox",
         str(tmp_path / "inbox"), "-n", "4", "--rounds", "1"],
        capture_output=True, text=True, check=True, timeout=600).stdout.splitlines()
    assert [line.split()[0] for line in levers[:5]] == [
        "inflate", "fingerprint", "number", "loop", "inflate+fingerprint+number+loop"]
    assert all(" off " in line and " saves " in line for line in levers[:5])
    split = fig["collect_cpu_ms_per_file_split"]
    assert set(split) == {"workers", "parent_during_pool", "summary_and_database"}
    assert all(v > 0 for v in split.values())
    assert sum(split.values()) <= fig["collect_cpu_ms_per_file"] + 0.1


def test_bench_server_prints_both_figures_and_the_ratio():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_server.py"),
                           "--repeat", "1", "--json"],
                          capture_output=True, text=True, check=True, timeout=600)
    fig = json.loads(proc.stdout.strip().splitlines()[-1])
    assert fig["repeat"] == 1 and fig["target_ratio"] == 2.0
    assert fig["upload_result_median_s"] > 0 and fig["check_median_s"] > 0
    assert "ratio" in proc.stdout.splitlines()[2]


def test_bench_cached_values_prints_both_cases():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_cached_values.py"),
                           "--repeat", "1"], capture_output=True, text=True, check=True,
                          timeout=600)
    lines = proc.stdout.strip().splitlines()
    assert lines[0].split() == ["case", "without", "(s)", "with", "(s)", "ratio"]
    assert [line.split()[0] for line in lines[1:]] == ["build", "write-back"]


def test_bench_text_numbers_prints_both_cases():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_text_numbers.py"),
                           "--repeat", "1"], capture_output=True, text=True, check=True,
                          timeout=600)
    lines = proc.stdout.strip().splitlines()
    assert lines[0].split() == ["case", "seconds", "ratio"]
    assert [line.split()[0] for line in lines[1:]] == ["plain", "replaced"]
    assert lines[1].split()[2] == "1.00"


def test_bench_desk_prints_every_figure_on_a_small_service():
    proc = subprocess.run(
        [sys.executable, "-W", "ignore", str(ROOT / "bench" / "bench_desk.py"), "-n", "12",
         "--repeat", "1", "--json"], capture_output=True, text=True, check=True, timeout=600)
    fig = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (fig["departments"], fig["submissions"], fig["rows_on_page"]) == (12, 24, 12)
    assert sum(fig["status_counts"].values()) == 12
    assert fig["status_counts"]["returned"] == 1 and fig["status_counts"]["accepted"] == 1
    for key in ("first_request_s", "page_median_s", "sorted_median_s", "api_median_s",
                "floor_median_s"):
        assert fig[key] > 0, key


def test_bench_startup_prints_every_case_and_target():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_startup.py"),
                           "--repeat", "1"], capture_output=True, text=True, check=True,
                          timeout=600, cwd=ROOT)
    out = proc.stdout
    for case in ("python -c pass", "openpyxl open", "report", "check", "--help",
                 "button imports", "open (numpy present)", "button (pandas present)"):
        assert f"  {case} " in out, case
    for target in ("report / openpyxl open (numpy present)",
                   "check / openpyxl open (numpy present)", "--help − python -c pass",
                   "button imports − python -c pass",
                   "button process loads pandas/numpy: neither"):
        assert target in out, target


def test_bench_com_calls_prints_the_counts_and_checks_the_workbook():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_com_calls.py"),
                           "--cases", "example"], capture_output=True, text=True, check=True,
                          timeout=600)
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "example: COM calls of a 生成报告 press (writes and note probes)"
    assert lines[1].split() == ["kind", "before", "after"]
    assert lines[-2].split()[0] == "total" and lines[-1] == "same workbook after both: True"
