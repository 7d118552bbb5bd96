"""Shared fixtures: built workbooks (built once per test session) and the LibreOffice gate."""

from __future__ import annotations

import os

import pytest

from selfeval_xl import datafile
from selfeval_xl.build.builder import build_workbook


@pytest.fixture(scope="session")
def built_template(tmp_path_factory):
    """Path of a freshly built blank template (.xlsm)."""
    path = tmp_path_factory.mktemp("built") / "template.xlsm"
    build_workbook(path)
    return path


@pytest.fixture(scope="session")
def built_example(tmp_path_factory):
    """Path of a workbook built from the built-in example (datafile.example())."""
    path = tmp_path_factory.mktemp("built") / "example.xlsm"
    build_workbook(path, datafile.example())
    return path


@pytest.fixture(scope="session")
def soffice():
    """The soffice executable. Skips locally when LibreOffice is missing, but FAILS in CI
    (CI=true), where .ci/run installs it: a required check must never be skipped there."""
    from selfeval_xl.render.libreoffice import find_soffice

    found = find_soffice()
    if found is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("LibreOffice (soffice) is required in CI but was not found")
        pytest.skip("LibreOffice (soffice) not installed")
    return found


CHROMIUM = "/usr/bin/chromium"
# Flags for a headless Debian chromium on a machine without network: no background
# connections (refused here, many at a time), no first-run or component updates.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium (apt ``chromium``, installed by scripts/setup.sh) driven by
    Playwright; never a downloaded browser build. Skips locally when it is missing, FAILS in
    CI (CI=true), like the LibreOffice fixture."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("chromium (/usr/bin/chromium) is required in CI but was not found")
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()
