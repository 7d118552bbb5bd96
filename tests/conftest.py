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
