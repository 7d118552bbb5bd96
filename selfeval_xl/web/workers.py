"""How the service starts its upload workers: from a fork server, never by forking itself.

The sandbox (:mod:`selfeval_xl.bureau.sandbox`) forks its workers by default: right for
``collect`` and ``check``, whose only other thread is a progress display (each child takes
stream objects of its own: ``bounded.own_streams``), and the fastest start there is. The service
is different: uvicorn runs the routes in a pool of threads, and forking a process while
other threads hold locks (logging's, SQLite's, the allocator's, OpenSSL's) copies those
locks into the worker locked, with no thread left to release them; the worker can then
hang until its time limit, or deadlock. Python 3.12 warns about exactly this ("This
process is multi-threaded, use of fork() may lead to deadlocks in the child").

So the service asks for a "forkserver" context before it starts any thread: a small
single-threaded server process, started once by fork-and-exec (safe from any process),
imports the modules a worker needs (:data:`WORKER_MODULES`) and forks each worker from
itself. A worker still starts in milliseconds with everything imported, and its parent
is a process with one thread. Limits and outcomes are the sandbox's, unchanged; only the
worker's starting point differs (its memory budget is counted from the fork server's
size, not the service's). The fork server runs with the environment and the resource
limits the service had when it started it.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing import forkserver

# What an upload's worker imports (analysis.analyse_job, analysis.render_job), loaded once
# in the fork server so that no worker imports them again. selfeval_xl.cli is the main
# module's import when the service runs as the `selfeval-xl` script: each worker runs
# that script's top (under another name) before it starts.
WORKER_MODULES = (
    "selfeval_xl.web.analysis",
    "selfeval_xl.core.checks",
    "selfeval_xl.core.report.build",  # the package names its parts lazily: load them
    "selfeval_xl.datafile",
    "selfeval_xl.render.render_html",
    "selfeval_xl.render.render_markdown",
    "selfeval_xl.render.render_docx",
    "selfeval_xl.write.workbook_writer",
    "selfeval_xl.core.fingerprint",
    "selfeval_xl.cli",
)


def service_context() -> mp.context.BaseContext | None:
    """A "forkserver" context with its server already running and :data:`WORKER_MODULES`
    loaded in it; None where there is no fork server (Windows: the sandbox spawns).

    Call it before the service starts threads (``create_app`` does, before uvicorn runs):
    the first upload then finds the server ready instead of waiting for it to import.
    The fork server is one per process; calling this again reuses it.
    """
    if "forkserver" not in mp.get_all_start_methods():
        return None
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(list(WORKER_MODULES))
    forkserver.ensure_running()
    return ctx
