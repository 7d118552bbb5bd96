"""The vendored ECharts build is the version and bytes scripts/vendor_echarts.sh names,
with its licence beside it (the service serves it from the package: no internet)."""

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "selfeval_xl" / "web" / "static"


def test_echarts_is_the_pinned_build_with_its_licence():
    script = (ROOT / "scripts" / "vendor_echarts.sh").read_text(encoding="utf-8")
    version = re.search(r"^VERSION=(\S+)$", script, re.M).group(1)
    sha = re.search(r"^SHA256=([0-9a-f]{64})$", script, re.M).group(1)
    data = (STATIC / "echarts.min.js").read_bytes()
    assert hashlib.sha256(data).hexdigest() == sha
    assert f'version="{version}"'.encode() in data
    assert b"Licensed to the Apache Software Foundation" in data[:400]
    assert "Apache License" in (STATIC / "echarts.LICENSE.txt").read_text(encoding="utf-8")
    assert "Apache ECharts" in (STATIC / "echarts.NOTICE.txt").read_text(encoding="utf-8")
