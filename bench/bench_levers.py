"""Each of collect's fast paths measured against its reference path, in one process, in turn.

A fast path (see tests/test_fast_paths.py, which proves each gives exactly what its
reference gives) is switched off and on around the same files, round after round, so
that a change in the shared machine's load falls on both alike. Printed: the median CPU
time of one file's whole examination (``verify.examine``) with the lever off and on, what
it saves, and the paired differences of the rounds.

- ``inflate``: preflight inflates members from the file's bytes (off: through zipfile);
- ``fingerprint``: the content digest reuses the fingerprint's canonical parts (off:
  computed afresh);
- ``number``: stored numbers in range skip the general parse (off: ``as_number``);
- ``loop``: the sheet loop (off: the plain reference loop of tests/reference_paths.py,
  every cell through the general decoding — slower than any loop that ever shipped, so
  this one says what the loop's shortcuts are worth together, not what the last change
  saved).

Usage:
    python bench/bench_levers.py --inbox INBOX [-n 150] [--rounds 6] [LEVER ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from reference_paths import ReferenceSource, reference_fingerprint_parts  # noqa: E402
from selfeval_xl.bureau import preflight, verify  # noqa: E402
from selfeval_xl.core import fingerprint as fp  # noqa: E402
from selfeval_xl.read import cell_parse as cp  # noqa: E402
from selfeval_xl.read.ooxml_source import OoxmlSource  # noqa: E402

FAST = {"inflate": (preflight, "_inflate_plain", preflight._inflate_plain),
        "fingerprint": (fp, "_canonical_parts", fp._canonical_parts),
        "number": (cp, "plain_number", cp.plain_number),
        "loop": (verify, "OoxmlSource", OoxmlSource)}
SLOW = {"inflate": lambda data, info: None, "fingerprint": reference_fingerprint_parts,
        "number": lambda raw: None, "loop": ReferenceSource}


def _switch(names: list[str], on: bool) -> None:
    for name in names:
        module, attr, fast = FAST[name]
        setattr(module, attr, fast if on else SLOW[name])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inbox", type=Path, required=True)
    ap.add_argument("-n", type=int, default=150, help="files examined per measurement")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("levers", nargs="*", help="any of " + ", ".join(FAST) + " (default: each, then all)")
    args = ap.parse_args(argv)
    paths = sorted(args.inbox.glob("*.xlsm"))[: args.n]
    today = date(2026, 11, 29)
    levers = args.levers or list(FAST)
    unknown = set(levers) - set(FAST)
    if unknown:
        ap.error(f"unknown levers: {', '.join(sorted(unknown))}")
    groups = [[name] for name in levers] + ([levers] if len(levers) > 1 else [])
    for p in paths[:30]:  # warm imports and caches
        verify.examine(p, today=today)
    results = {tuple(g): ([], []) for g in groups}
    for _ in range(args.rounds):
        for group in groups:
            for on in (False, True):
                _switch(group, on)
                t = time.process_time()
                for p in paths:
                    verify.examine(p, today=today)
                results[tuple(group)][on].append((time.process_time() - t) / len(paths) * 1000)
                _switch(group, True)
    for group, (off, on) in results.items():
        b, a = statistics.median(off), statistics.median(on)
        print(f"{'+'.join(group):34s} off {b:.2f}  on {a:.2f}  saves {b - a:.2f} ms CPU a file "
              f"(rounds: {', '.join(f'{x - y:+.2f}' for x, y in zip(off, on))})")
    print(f"{len(paths)} files, {args.rounds} rounds; load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
