"""What one file may cost: the limits preflight applies to its bytes and the sandbox to
its reading.

A module of its own (it imports only dataclasses), so a command that reads one file bounded
(``pipeline.evaluate_path_bounded``) takes its limits without preflight's imports.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one collected file may cost.

    Attributes:
        max_file_bytes: size on disk.
        max_part_bytes: declared uncompressed size of any one zip member.
        max_total_bytes: declared uncompressed size of all members together.
        max_ratio: uncompressed ÷ compressed for members above 1 MB (zip bombs reach 1000+;
            real sheets stay far below).
        max_members: number of zip members.
        prolog_bytes: how far into an XML part a DTD is looked for (a DTD can only stand
            before the root element).
        timeout: seconds one file may take in the worker (read, check, score).
        memory_bytes: address space a worker may grow by while reading one file.
    """

    max_file_bytes: int = 64 * MB
    max_part_bytes: int = 48 * MB
    max_total_bytes: int = 96 * MB
    max_ratio: float = 200.0
    max_members: int = 2000
    prolog_bytes: int = 16 * 1024
    timeout: float = 60.0
    memory_bytes: int = 768 * MB
