"""A real `selfeval-xl serve` process for the benchmarks: accounts, sign-in, memory.

Used by bench_server.py (upload → result page against `selfeval-xl check`) and
load_server.py (concurrent uploads). The server runs as its own process on a free
loopback port, so its memory is measured apart from the client's.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

PASSWORD = "bench password 1"
# `selfeval-xl serve` as it was before its workers came from a fork server: each upload's
# worker forked from the threaded server itself (the sandbox's default). A baseline for
# the benchmarks only; the service never runs so.
FORKED_WORKERS = """
import sys
import selfeval_xl.web.workers as workers
workers.service_context = lambda: None
from selfeval_xl.cli import main
main(args=sys.argv[1:], prog_name="selfeval-xl")
"""
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_accounts(data: Path, departments: list[str]) -> None:
    """A bureau account and one department account per name, passwords already changed."""
    from selfeval_xl.web import auth
    from selfeval_xl.web.storage import Storage

    storage = Storage(data)
    digest = auth.hash_password(PASSWORD)
    storage.add_user("财政局", "财政局", "bureau", digest, must_change=False)
    for name in departments:
        storage.add_user(name, name, "dept", digest, must_change=False)


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (the sandbox's workers)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in open(f"/proc/{p}/status", encoding="ascii"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


class Server:
    """``with Server(data, ["部门"]) as s: s.client("部门")`` — a running service
    (``forked_workers``: the baseline whose workers are forked from the server)."""

    def __init__(self, data: Path, departments: list[str], *extra: str,
                 forked_workers: bool = False) -> None:
        self.data = Path(data)
        make_accounts(self.data, departments)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        start = ["-c", FORKED_WORKERS] if forked_workers else ["-m", "selfeval_xl"]
        self.argv = [sys.executable, *start, "serve", "--data", str(self.data),
                     "--port", str(self.port), *extra]
        self.peak_tree_rss = 0
        self._stop = threading.Event()

    def __enter__(self) -> "Server":
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(self.url + "/login", timeout=2)
                break
            except httpx.HTTPError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("server did not start: "
                                     + self.proc.stderr.read().decode()[-800:])
                time.sleep(0.2)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_tree_rss = max(self.peak_tree_rss, _tree_rss(self.proc.pid))
            time.sleep(0.05)

    def server_hwm(self) -> int:
        """The server process's own peak resident size (VmHWM), without its workers."""
        for line in open(f"/proc/{self.proc.pid}/status", encoding="ascii"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return 0

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def client(self, username: str) -> httpx.Client:
        c = httpx.Client(base_url=self.url, timeout=300)
        token = _CSRF.search(c.get("/login").text).group(1)
        r = c.post("/login", data={"username": username, "password": PASSWORD,
                                   "csrf_token": token})
        if r.status_code != 303:
            raise SystemExit(f"sign-in failed for {username}: {r.status_code}")
        c.csrf = _CSRF.search(c.get("/").text).group(1)
        return c


def upload_and_view(client: httpx.Client, path: Path) -> tuple[float, str, int]:
    """Upload ``path``, then load its result page: (seconds, result URL, page status)."""
    start = time.perf_counter()
    r = client.post("/upload", data={"csrf_token": client.csrf},
                    files={"file": (path.name, path.read_bytes(),
                                    "application/vnd.ms-excel.sheet.macroEnabled.12")})
    if r.status_code != 303:
        return time.perf_counter() - start, "", r.status_code
    page = client.get(r.headers["location"])
    return time.perf_counter() - start, r.headers["location"], page.status_code
