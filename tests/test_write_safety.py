"""Writes never lose an answer (issue 13): one writer at a time, every rewritten part parsed
safely and the result re-opened before it replaces the workbook, symbolic links written
through, read-only workbooks refused, killed writes cleaned up, a full disk or a missing
folder one Chinese sentence."""

from __future__ import annotations

import errno
import os
import stat
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import hostile_files as h
from selfeval_xl import datafile, layout
from selfeval_xl.build.builder import build_workbook
from selfeval_xl.cli import main
from selfeval_xl.core import scoring
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.read import reader
from selfeval_xl.write import safe_write, workbook_writer
from selfeval_xl.write.workbook_writer import WorkbookWriteError, write_results

FINDING = Finding("EXP_PARTS_MISMATCH", Severity.ERROR, "支出情况", "C5", "exp_total", "合计不符")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("safe") / "built.xlsm"
    build_workbook(path, datafile.example())
    return path


@pytest.fixture
def book(built, tmp_path) -> Path:
    path = tmp_path / "book.xlsm"
    path.write_bytes(built.read_bytes())
    return path


def status_of(path: Path) -> dict:
    meta = reader.read(path).meta
    return {k: meta.get(k) for k in ("status_checked_at", "status_scored_at")}


def check_write(path: Path, i: int = 0) -> None:
    write_results(path, findings=[FINDING], status={"status_checked_at": f"2026-01-01 00:00:0{i}"},
                  backup=False)


def score_write(path: Path, i: int = 0) -> None:
    write_results(path, scorecard=scoring.score(datafile.example()),
                  status={"status_scored_at": f"2026-01-02 00:00:0{i}"}, backup=False)


# --- one writer at a time --------------------------------------------------------------------

def test_a_writer_waits_for_the_lock_then_keeps_both_results(book):
    """check --write and score --write at once lost one's results in 2 of 100 runs: the
    second waits for the first's lock, then edits the file the first wrote."""
    with safe_write.workbook_lock(book):
        other = threading.Thread(target=score_write, args=(book,))
        other.start()
        time.sleep(0.5)
        assert other.is_alive()  # waiting for the lock, not writing
        # what the lock holder does meanwhile (it holds the lock already)
        workbook_writer._write_locked(book, report_doc=None, findings=[FINDING], scorecard=None,
                                      status={"status_checked_at": "2026-01-01 00:00:00"},
                                      backup=False, footer=None)
    other.join(30)
    assert not other.is_alive()
    assert status_of(book) == {"status_checked_at": "2026-01-01 00:00:00",
                               "status_scored_at": "2026-01-02 00:00:00"}
    assert sorted(p.name for p in book.parent.iterdir()) == ["book.xlsm"]  # no lock file left


def test_concurrent_processes_never_lose_a_result(book):
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    for i in range(4):
        procs = [ctx.Process(target=check_write, args=(book, i)),
                 ctx.Process(target=score_write, args=(book, i))]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
            assert p.exitcode == 0
        assert status_of(book) == {"status_checked_at": f"2026-01-01 00:00:0{i}",
                                   "status_scored_at": f"2026-01-02 00:00:0{i}"}


def test_lock_wait_has_an_end(book):
    with safe_write.workbook_lock(book):
        with pytest.raises(safe_write.SafeWriteError) as exc:
            with safe_write.workbook_lock(book, timeout=0.2):
                pass
    assert str(exc.value) == "book.xlsm 正由另一个程序写入，等待 0.2 秒后仍未完成，未写入；请稍后重试。"


# --- every rewritten part parsed safely, the result re-opened -----------------------------------

def _report_part(path: Path) -> str:
    return h.sheet_part(path, layout.SHEET_REPORT)


def test_utf16_report_sheet_with_a_doctype_is_refused(book, tmp_path):
    """The byte-level check missed a UTF-16 DOCTYPE; the written file kept &xxe; without
    its DTD and no longer opened, while report said 已生成."""
    xml = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE worksheet [<!ENTITY xxe "x">]>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
           '</sheetData></worksheet>').encode("utf-16")
    hostile = h.rewrite_zip(book, tmp_path / "utf16.xlsm", {_report_part(book): xml})
    before = hostile.read_bytes()
    # the writer itself refuses the part, whatever its encoding
    from selfeval_xl.core.report import build_document

    doc = build_document(datafile.example(), scoring.score(datafile.example()), [])
    with pytest.raises(WorkbookWriteError) as exc:
        write_results(hostile, report_doc=doc)
    assert str(exc.value) == "工作簿中的 XML 部件含有 DTD/实体声明，拒绝处理。"
    assert hostile.read_bytes() == before
    # and report, which reads the 自评报告 sheet first, never gets as far as writing
    res = CliRunner().invoke(main, ["report", str(hostile), "-o", str(tmp_path / "out"),
                                    "--format", "md,sheet"])
    assert res.exit_code == 2
    assert "含有 DTD/实体声明" in res.output and "已生成" not in res.output
    assert hostile.read_bytes() == before


def test_unknown_encoding_in_a_rewritten_part(book, tmp_path):
    xml = (b'<?xml version="1.0" encoding="x-nonsense"?><worksheet xmlns="http://schemas.'
           b'openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
    hostile = h.rewrite_zip(book, tmp_path / "enc.xlsm", {_report_part(book): xml})
    from selfeval_xl.core.report import build_document

    doc = build_document(datafile.example(), scoring.score(datafile.example()), [])
    with pytest.raises(WorkbookWriteError, match="工作簿中的 XML 部件无法解析"):
        write_results(hostile, report_doc=doc)


def test_a_result_that_would_not_open_is_never_written(book, monkeypatch):
    before = book.read_bytes()
    real = workbook_writer.serialize
    monkeypatch.setattr(workbook_writer, "serialize",
                        lambda root: real(root).replace(b"</worksheet>", b""))
    with pytest.raises(WorkbookWriteError) as exc:
        check_write(book)
    assert str(exc.value).startswith("写入后的工作簿无法再次打开（")
    assert str(exc.value).endswith("），未写入；原文件未改动。")
    assert book.read_bytes() == before
    assert sorted(p.name for p in book.parent.iterdir()) == ["book.xlsm"]


# --- links, permissions, leftovers ---------------------------------------------------------------

def test_symlinked_workbook_is_written_through(book, tmp_path):
    link = tmp_path / "link.xlsm"
    link.symlink_to(book)
    saved = write_results(link, findings=[FINDING], status={"status_checked_at": "x"})
    assert link.is_symlink() and link.resolve() == book
    assert saved.parent == book.parent and saved.name.startswith("book.bak-")  # beside the target
    assert status_of(book)["status_checked_at"] == "x"


def test_read_only_workbook_is_refused_unless_forced(book):
    os.chmod(book, 0o444)
    before = book.read_bytes()
    with pytest.raises(WorkbookWriteError) as exc:
        check_write(book)
    assert str(exc.value) == "book.xlsm 是只读文件，未写入；如确需写入，请先取消只读属性，或加 --force。"
    assert book.read_bytes() == before
    res = CliRunner().invoke(main, ["score", "--write", str(book)])
    assert res.exit_code == 2 and "未能写入工作簿：book.xlsm 是只读文件" in res.output
    res = CliRunner().invoke(main, ["score", "--write", "--force", str(book)])
    assert res.exit_code == 0, res.output
    assert book.read_bytes() != before
    assert stat.S_IMODE(book.stat().st_mode) == 0o444  # still read-only


def test_stale_temporaries_of_killed_writes_are_removed(book):
    stale = [book.with_name(".book.xlsmab_12xyz.tmp"), book.with_name(".book.xlsm0a1b2c3d.tmp")]
    kept = [book.with_name(".book.xlsm.notes.tmp"), book.with_name(".other.xlsmab_12xyz.tmp")]
    for p in stale + kept:
        p.write_bytes(b"x" * 1000)
    check_write(book)
    assert [p.exists() for p in stale] == [False, False]
    assert [p.exists() for p in kept] == [True, True]


# --- a full disk, a missing folder -------------------------------------------------------------

@pytest.mark.parametrize("cmd", ["check", "score"])
def test_disk_full_is_one_sentence_and_nothing_half_written(book, monkeypatch, cmd):
    before = book.read_bytes()
    real = os.replace

    def full(src, dst):
        if Path(dst) == book:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(src, dst)

    monkeypatch.setattr(datafile.os, "replace", full)
    res = CliRunner().invoke(main, [cmd, "--write", str(book)])
    assert res.exit_code == 2
    assert res.output.strip().splitlines()[-1] == (
        f"未能写入工作簿：无法写入 {book}（No space left on device）；工作簿未改动。")
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert book.read_bytes() == before
    assert not [p for p in book.parent.iterdir() if p.name.endswith(".tmp")]


def test_export_to_a_missing_folder(book, tmp_path):
    res = CliRunner().invoke(main, ["export-data", str(book), "-o", "/nonexistent/x.json"])
    assert res.exit_code == 2
    assert res.output.strip().splitlines()[-1] == (
        "无法写入 /nonexistent/x.json（No such file or directory），未导出。")
    assert isinstance(res.exception, SystemExit)
