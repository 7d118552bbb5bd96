"""Backups before a write-back: timestamped, never overwritten, the last few kept."""

from __future__ import annotations

from datetime import datetime

from selfeval_xl.write import backups


def test_names_are_timestamped_and_a_second_write_never_overwrites(tmp_path):
    book = tmp_path / "自评.xlsm"
    book.write_bytes(b"v1")
    now = datetime(2024, 3, 28, 10, 15, 2)
    first = backups.write_backup(book, b"v1", now=now)
    second = backups.write_backup(book, b"v2", now=now)  # same second
    assert (first.name, second.name) == ("自评.bak-20240328-101502.xlsm",
                                         "自评.bak-20240328-101502-2.xlsm")
    assert (first.read_bytes(), second.read_bytes()) == (b"v1", b"v2")
    assert backups.backups_of(book) == [first, second]


def test_only_the_last_few_are_kept(tmp_path):
    book = tmp_path / "b.xlsm"
    book.write_bytes(b"x")
    other = tmp_path / "b2.bak-20200101-000000.xlsm"  # another workbook's backup: untouched
    other.write_bytes(b"o")
    made = [backups.write_backup(book, str(i).encode(), now=datetime(2024, 1, 1, 0, 0, i))
            for i in range(8)]
    kept = backups.backups_of(book)
    assert kept == made[-backups.KEEP:] and backups.KEEP == 5
    assert [p.read_bytes() for p in kept] == [b"3", b"4", b"5", b"6", b"7"]
    assert other.exists()


def test_check_write_twice_keeps_both_backups(tmp_path):
    from click.testing import CliRunner

    from selfeval_xl import datafile
    from selfeval_xl.build.builder import build_workbook
    from selfeval_xl.cli import main

    book = tmp_path / "ex.xlsm"
    build_workbook(book, datafile.example())
    CliRunner().invoke(main, ["check", str(book), "--write"])
    CliRunner().invoke(main, ["score", str(book), "--write"])
    assert len(backups.backups_of(book)) == 2
