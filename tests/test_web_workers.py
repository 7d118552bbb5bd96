"""How the service starts its upload workers (selfeval_xl/web/workers.py).

The service runs threads (uvicorn's, the route thread pool), so its workers must not be
forked from it: each is started by a single-threaded fork server that has the worker's
modules loaded. These tests upload through the running service (TestClient and a live
uvicorn) with a job that notes which process started its worker, check the fork warning
Python 3.12 gives, and that hostile files end exactly as they do with forked workers.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import warnings
from pathlib import Path

import httpx
import pytest

import hostile_files as h
import worker_probe
from selfeval_xl.bureau.preflight import MB, Limits
from selfeval_xl.bureau.sandbox import run_bounded
from selfeval_xl.web import analysis
from selfeval_xl.web.workers import WORKER_MODULES, service_context
from web_helpers import DEPT, PASSWORD, LiveServer, csrf, login, make_app, signed_in

XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
FORK_SERVER = "from multiprocessing.forkserver import main"
FORK_WARNING = "This process is multi-threaded, use of fork() may lead to deadlocks in the child."
EXAMPLE_ERRORS = [("FIELD_REQUIRED", "支出情况", "C4"), ("EXP_PARTS_MISMATCH", "支出情况", "C5")]


def _upload(client, path: Path) -> dict:
    r = client.post("/upload", files={"file": (path.name, path.read_bytes(), XLSM)},
                    data={"csrf_token": csrf(client, "/")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return client.get("/api" + r.headers["location"]).json()


def _notes(app) -> list[dict]:
    """The notes analyse_and_tell left beside each examined file."""
    tmp = app.state.storage.data_dir / "tmp"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(tmp.glob("*.worker.json"))]


def _assert_started_by_the_fork_server(note: dict, server_pid: int) -> None:
    parent = note["parent"]
    assert parent["pid"] != server_pid, "the worker was forked from the server itself"
    assert FORK_SERVER in parent["cmdline"], parent["cmdline"]
    assert parent["threads"] == 1, "the process the worker was forked from ran other threads"
    # Everything the job needs was already loaded in the fork server.
    assert [m for m in note["imported"] if m.startswith("selfeval_xl")] == []


@pytest.fixture
def told(monkeypatch):
    """Uploads are examined by analyse_job plus a note of where its worker ran."""
    monkeypatch.setattr(analysis, "analyse_job", worker_probe.analyse_and_tell)


def test_an_upload_through_the_app_runs_in_a_worker_of_the_fork_server(tmp_path, built_example,
                                                                        told):
    app = make_app(tmp_path, accounts=((DEPT, DEPT, "dept"),))
    client = signed_in(app, DEPT)
    data = _upload(client, built_example)
    assert [(f["code"], f["sheet"], f["cell"]) for f in data["findings"]
            if f["severity"] == "error"] == EXAMPLE_ERRORS
    (note,) = _notes(app)
    _assert_started_by_the_fork_server(note, os.getpid())


def _fork_warnings(monkeypatch) -> None:
    """Python 3.12+ warns in os.fork() when the process runs other threads. Python 3.11
    has no such check, so there the same check (the process's thread count, which 3.12
    reads from /proc/self/stat too) wraps os.fork, warning in the parent after the fork as
    3.12 does. Nothing changes on 3.12+: its own check runs."""
    if sys.version_info >= (3, 12):
        return
    real_fork = os.fork

    def fork():
        pid = real_fork()
        if pid and len(os.listdir("/proc/self/task")) > 1:
            warnings.warn(FORK_WARNING, DeprecationWarning, stacklevel=2)
        return pid

    monkeypatch.setattr(os, "fork", fork)


def _fork_warnings_seen(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)
            and "fork()" in str(w.message)]


def test_the_fork_check_catches_a_worker_forked_from_a_threaded_process(monkeypatch):
    """The check the next test relies on does fire: the sandbox's default (fork, the CLI's
    single-threaded fast path) called while another thread runs is warned about."""
    _fork_warnings(monkeypatch)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DeprecationWarning)
            assert [o.value for o in run_bounded(["a"], worker_probe.task, workers=1)] == ["A"]
    finally:
        stop.set()
        other.join()
    assert _fork_warnings_seen(caught) == [FORK_WARNING]


def test_a_live_server_never_forks_itself_for_an_upload(tmp_path, built_example, told,
                                                        monkeypatch):
    _fork_warnings(monkeypatch)
    app = make_app(tmp_path, accounts=((DEPT, DEPT, "dept"),))
    signed_in(app, DEPT).close()  # the one-time password changed through the pages
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeprecationWarning)
        with LiveServer(app) as url, httpx.Client(base_url=url, timeout=60) as client:
            assert login(client, DEPT, PASSWORD).status_code == 303
            server_threads = worker_probe.where(os.getpid())["threads"]
            data = _upload(client, built_example)
            sheet = client.get("/api/uploads/" + data["id"] + "/download/workbook")
    assert server_threads > 1  # the case this is about: a server running threads
    assert data["verdict"] == "errors"
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"  # render_job's worker too
    assert _fork_warnings_seen(caught) == []
    (note,) = _notes(app)
    _assert_started_by_the_fork_server(note, os.getpid())


def test_the_fork_server_is_started_once_with_the_workers_modules():
    first, again = service_context(), service_context()
    assert first.get_start_method() == again.get_start_method() == "forkserver"
    assert [o.value for o in run_bounded(["x"], worker_probe.task, context=first)] == ["X"]
    assert "selfeval_xl.web.analysis" in WORKER_MODULES


def test_the_sandbox_outcomes_are_the_same_from_the_fork_server():
    """tests/test_collect_hostile.py's sandbox cases, workers started by the fork server:
    time limit, memory limit (RLIMIT_AS in the worker), crash and exception."""
    items = worker_probe.POOL_ITEMS
    outcomes = {o.index: o for o in run_bounded(items, worker_probe.task, workers=2,
                                                 timeout=1.0, memory_bytes=256 * MB,
                                                 context=service_context())}
    got = [(outcomes[i].failure, outcomes[i].value, outcomes[i].message)
           for i in range(len(items))]
    assert got == worker_probe.POOL_ENDINGS  # as forked workers end (test_collect_hostile)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, built_example) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("hostile")
    return {"bomb": h.zip_bomb_declared(d / "bomb.xlsm"),
            "renamed": h.not_a_workbook(d / "renamed.xlsm"),
            "heavy": h.huge_rows(d / "heavy.xlsm", built_example, megabytes=40)}


RELAXED = dict(max_file_bytes=256 * MB, max_part_bytes=256 * MB, max_total_bytes=512 * MB)


@pytest.mark.parametrize("limits, name, verdict, reason", [
    (Limits(), "bomb", "rejected",
     "疑似压缩炸弹：部件 xl/worksheets/sheet1.xml 压缩比 120000000:1（上限 200:1），未读取"),
    (Limits(), "renamed", "unreadable",
     "不是 Excel 工作簿：文件内容不是 .xlsx/.xlsm 的压缩包格式（可能是改了扩展名的其他文件）"),
    (Limits(**RELAXED, timeout=0.5), "heavy", "rejected", "读取超过 0.5 秒时限，已中止"),
    (Limits(**RELAXED, memory_bytes=150 * MB), "heavy", "rejected", "读取时内存超出上限，已中止"),
], ids=["zip-bomb", "renamed", "time-limit", "memory-limit"])
def test_a_hostile_upload_ends_as_with_forked_workers(tmp_path, hostile, limits, name, verdict,
                                                      reason):
    """Through the service (its fork server) and through a forked worker, the same record."""
    app = make_app(tmp_path, accounts=((DEPT, DEPT, "dept"),), limits=limits,
                   max_upload_bytes=256 * MB)
    data = _upload(signed_in(app, DEPT), hostile[name])
    assert (data["verdict"], data["verdict_reason"]) == (verdict, reason)
    forked = analysis.Analyser(limits, 1).analyse(hostile[name])["record"]
    assert (forked["verdict"], forked["verdict_reason"]) == (verdict, reason)
