"""Every command that reads one file is bounded as collect bounds each file (issue 13):
only regular files are read, a FIFO or /dev/zero never hangs or exhausts memory, a file
that costs too much ends with collect's own Chinese reason, and ``report`` refuses a
workbook whose tables run past the contract."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import hostile_files as h
from selfeval_xl import pipeline
from selfeval_xl.build.builder import build_workbook
from selfeval_xl.bureau.preflight import MB, Limits
from selfeval_xl.cli import main
from selfeval_xl.datafile import example

READ_COMMANDS = (["check"], ["score"], ["export-data"], ["report", "--format", "md"])


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="selfeval-xl")


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("limits") / "good.xlsm"
    build_workbook(path, example())
    return path


@pytest.fixture(scope="module")
def heavy(tmp_path_factory, good) -> Path:
    """40 MB of rows in 基本情况: inside every size limit, yet costly to parse."""
    return h.huge_rows(tmp_path_factory.mktemp("heavy") / "heavy.xlsm", good, megabytes=40)


def _args(cmd: list[str], path: Path, tmp_path: Path) -> list[str]:
    return [*cmd, str(path)] + (["-o", str(tmp_path / "out")] if cmd[0] == "report" else [])


@pytest.mark.parametrize("cmd", READ_COMMANDS)
def test_named_pipe_never_hangs(cmd, tmp_path):
    fifo = tmp_path / "pipe.xlsm"
    os.mkfifo(fifo)
    res = run(*_args(cmd, fifo, tmp_path))
    assert res.exit_code == 2, res.output
    assert f"“{fifo}”不是普通文件（可能是命名管道或设备），不予读取。" in res.output


@pytest.mark.parametrize("cmd", READ_COMMANDS)
def test_symlink_to_dev_zero(cmd, tmp_path):
    link = tmp_path / "zero.xlsm"
    link.symlink_to("/dev/zero")
    res = run(*_args(cmd, link, tmp_path))
    assert res.exit_code == 2, res.output
    assert "不是普通文件（可能是命名管道或设备），不予读取。" in res.output


@pytest.mark.parametrize("cmd", READ_COMMANDS)
def test_memory_limit_gives_collects_verdict(cmd, heavy, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "DEFAULT_LIMITS", Limits(memory_bytes=150 * MB))
    res = run(*_args(cmd, heavy, tmp_path))
    assert res.exit_code == 2, res.output
    assert "读取时内存超出上限，已中止" in res.output
    if cmd[0] == "check":
        assert "READ_LIMIT_EXCEEDED" in res.output


def test_time_limit_gives_collects_verdict(heavy, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "DEFAULT_LIMITS", Limits(timeout=0.2))
    res = run("check", "--json", str(heavy))
    assert res.exit_code == 2, res.output
    assert json.loads(res.output)["findings"] == [{
        "code": "READ_LIMIT_EXCEEDED", "severity": "error", "sheet": "", "cell": "",
        "name": "", "message": "读取超过 0.2 秒时限，已中止"}]


def test_bounded_read_gives_the_same_outcome(good):
    plain, bounded = pipeline.evaluate_path(good), pipeline.evaluate_path_bounded(good)
    assert bounded.findings == plain.findings and bounded.evaluation == plain.evaluation
    assert bounded.scorecard == plain.scorecard


def test_report_refuses_a_table_past_the_contract(good, tmp_path):
    """A 100,000-row task table ran `report` past 10 minutes; now it is refused at once."""
    path = h.stretched_table(tmp_path / "stretched.xlsm", good, 100_004)
    res = run("report", str(path), "-o", str(tmp_path / "out"), "--format", "md")
    assert res.exit_code == 2, res.output
    assert (f"错误：工作簿 {path} 超出模板允许的范围，未生成报告：表格 tbl_tasks（年度总体工作和重点工作"
            "任务）的范围 B4:XFD100008 有 100004 行、16383 列，超过上限") in res.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
