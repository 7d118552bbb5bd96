"""Look at a file's bytes before any workbook library parses it.

Workbooks arrive by e-mail and may be broken or hostile. Everything here works on the
file's bytes, read once and bounded by the size limit: the zip directory, and each XML part
inflated whole when small (every part of a real workbook; bounded per part and per file)
or up to a bounded prefix otherwise, so it costs milliseconds whatever the file holds.
The reader goes on from the same zip and inflated parts. It refuses what no
self-evaluation workbook ever contains: encryption, a DTD (the only way to expand XML
entities), parts or totals far beyond any real workbook, and absurd compression ratios
(zip bombs). External links are reported, never followed.

The limits are generous for a real template (a filled workbook is well under 1 MB
uncompressed) and tight enough that a hostile file is turned away before it costs time or
memory; the worker sandbox (:mod:`selfeval_xl.bureau.sandbox`) bounds whatever gets past.
"""

from __future__ import annotations

import hashlib
import io
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from selfeval_xl.bureau.limits import MB, Limits
from selfeval_xl.core.findings import Finding, Severity

# Parts up to this size are inflated whole while vetted and handed to the reader, up to
# this much in all per file (a real workbook's XML is well under 1 MB; a hostile one with
# thousands of parts gets only their prologs read past the budget, as before).
WHOLE_PART_BYTES = 1024 * 1024
WHOLE_PARTS_BUDGET = 16 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: encrypted OOXML or .xls


@dataclass
class Preflight:
    """What the bytes say.

    Attributes:
        file_hash: "sha256:<hex>" of the whole file (the database key).
        size: bytes on disk.
        verdict: None when the file may be read; else "unreadable" or "rejected".
        reason: Chinese reason when refused.
        findings: warnings about a readable file (external links).
        zip: the file's zip, opened on its bytes (read once), when it may be read; the
            reader goes on from it instead of reading and indexing the file again.
        parts: XML parts that were inflated whole (and CRC-checked) while their prolog
            was vetted, by name: the reader parses these bytes instead of inflating again.
    """

    file_hash: str = ""
    size: int = 0
    verdict: str | None = None
    reason: str = ""
    findings: list[Finding] = field(default_factory=list)
    zip: zipfile.ZipFile | None = field(default=None, repr=False, compare=False)
    parts: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)


def file_hash(path: Path, max_bytes: int | None = None) -> str:
    """"sha256:<hex>" of the file, read in 1 MB blocks (bounded memory whatever the size).

    A file larger than ``max_bytes`` is not read whole (it is refused anyway): its key is
    "sha256-head:<hex of the first MB>:<size>", still content-based and stable.
    """
    size = path.stat().st_size
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        if max_bytes is not None and size > max_bytes:
            return _head_hash(fh.read(MB), size)
        for block in iter(lambda: fh.read(MB), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()


def _read_bounded(fh, expected: int, limit: int) -> bytes:
    """The file's bytes, at most ``limit + 1`` of them (so an over-limit file shows as
    one). ``read(n)`` allocates n bytes up front, which the worker's memory limit counts:
    ask for the size the file had, and only for more in 1 MB blocks if it grew since."""
    data = fh.read(min(expected, limit) + 1)
    if len(data) <= expected:
        return data
    chunks, total = [data], len(data)
    while total <= limit:
        block = fh.read(min(MB, limit + 1 - total))
        if not block:
            break
        chunks.append(block)
        total += len(block)
    return b"".join(chunks)


def _head_hash(head: bytes, size: int) -> str:
    """The key of a file too large to be read whole: its first MB and its size."""
    return f"sha256-head:{hashlib.sha256(head[:MB]).hexdigest()}:{size}"


def inspect(path: str | Path, limits: Limits = Limits()) -> Preflight:
    """Decide from the bytes alone whether ``path`` may be handed to a workbook reader."""
    path = Path(path)
    pf = Preflight()
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            # A FIFO or device would block or never end: never open one.
            return _refuse(pf, "unreadable", "不是普通文件（可能是管道、设备或目录），未读取")
        # The file is read once, bounded by the limit: the hash, the magic bytes, the zip
        # directory and every part come from these bytes (and the reader goes on from them).
        with open(path, "rb") as fh:
            if st.st_size > limits.max_file_bytes:
                data, pf.size = fh.read(MB), st.st_size
            else:
                data = _read_bounded(fh, st.st_size, limits.max_file_bytes)
                pf.size = len(data)  # what was read: the file may have changed since stat
    except OSError as exc:
        return _refuse(pf, "unreadable", f"无法打开文件：{exc.strerror or exc}")
    if pf.size > limits.max_file_bytes:
        pf.file_hash = _head_hash(data, pf.size)
        return _refuse(pf, "rejected", f"文件 {pf.size / MB:.1f} MB，超过上限 "
                       f"{limits.max_file_bytes / MB:.0f} MB，未读取")
    pf.file_hash = "sha256:" + hashlib.sha256(data).hexdigest()
    if pf.size == 0:
        return _refuse(pf, "unreadable", "空文件（0 字节），不是 Excel 工作簿")
    if data.startswith(CFB_MAGIC):
        return _refuse(pf, "unreadable", _describe_cfb(data))
    if not data.startswith(ZIP_MAGIC):
        return _refuse(pf, "unreadable",
                       "不是 Excel 工作簿：文件内容不是 .xlsx/.xlsm 的压缩包格式"
                       "（可能是改了扩展名的其他文件）")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        _inspect_zip(zf, pf, limits, data)
        if pf.verdict is None:
            pf.zip = zf
        return pf
    except zipfile.BadZipFile as exc:
        return _refuse(pf, "unreadable", f"文件已损坏或不完整（可能在传输中被截断）：{exc}")
    except (OSError, EOFError, ValueError, NotImplementedError, RuntimeError,
            zlib.error) as exc:  # zlib.error: deflated bytes damaged in transit
        return _refuse(pf, "unreadable", f"压缩包无法读取：{type(exc).__name__}: {exc}")


def _inspect_zip(zf: zipfile.ZipFile, pf: Preflight, limits: Limits, data: bytes) -> Preflight:
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        return _refuse(pf, "rejected", f"压缩包含 {len(infos)} 个部件，超过上限 "
                       f"{limits.max_members}，未读取")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        return _refuse(pf, "unreadable", "压缩包中没有 Excel 工作簿部件（xl/workbook.xml），"
                       "不是 .xlsx/.xlsm 文件")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            return _refuse(pf, "unreadable", f"部件 {info.filename} 已加密，无法读取")
        total += info.file_size
        if (info.file_size > MB and info.compress_size
                and info.file_size / info.compress_size > limits.max_ratio):
            ratio = info.file_size / info.compress_size
            return _refuse(pf, "rejected", f"疑似压缩炸弹：部件 {info.filename} 压缩比 "
                           f"{ratio:.0f}:1（上限 {limits.max_ratio:.0f}:1），未读取")
        if info.file_size > limits.max_part_bytes:
            return _refuse(pf, "rejected", _too_big(info, limits))
    if total > limits.max_total_bytes:
        return _refuse(pf, "rejected", f"解压后共 {total / MB:.1f} MB，超过上限 "
                       f"{limits.max_total_bytes / MB:.0f} MB，未读取")
    kept = 0
    for info in infos:
        if _is_xml(info.filename):
            whole = info.file_size <= WHOLE_PART_BYTES and (
                kept + info.file_size <= WHOLE_PARTS_BUDGET)
            kept += info.file_size if whole else 0
            problem = _dtd_problem(zf, info, limits.prolog_bytes, pf.parts if whole else None,
                                   data)
            if problem:
                return _refuse(pf, "rejected", problem)
    links = sorted(n for n in names if n.startswith("xl/externalLinks/") and n.endswith(".xml"))
    if links:
        pf.findings.append(Finding(
            "BUREAU_EXTERNAL_LINKS", Severity.WARNING, "", "", "",
            f"工作簿含 {len(links)} 个外部链接（{', '.join(links)}），已忽略，未打开链接的文件；"
            "引用外部文件的数值以工作簿中保存的值为准"))
    return pf


def _too_big(info: zipfile.ZipInfo, limits: Limits) -> str:
    what = "工作表数据" if info.filename.startswith("xl/worksheets/") else "部件"
    return (f"{what}过大：{info.filename} 解压后 {info.file_size / MB:.1f} MB，超过上限 "
            f"{limits.max_part_bytes / MB:.0f} MB（自评工作簿通常不足 1 MB），未读取")


def _is_xml(name: str) -> bool:
    return name.endswith((".xml", ".rels", ".vml"))


_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT = re.compile(rb"<[A-Za-z_]")


def _inflate_plain(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """The member's bytes straight from the file's bytes, or None to leave it to zipfile.

    ``zipfile.open`` costs ≈ 10 µs a member before inflating a byte (seek, local header,
    a file object, a decompressor object, CRC bookkeeping), and a workbook has 30–40
    members. A member stored or deflated as every workbook writer does — local header
    naming the same file, compressed bytes all present, inflating to exactly the declared
    size with the declared CRC — is inflated here directly. For anything else (another
    method, a mismatched header, damage of any kind) the answer is None and zipfile reads
    the member as before, raising what it always raised: the outcome of a damaged file
    does not depend on this shortcut.
    """
    off = info.header_offset
    head = data[off:off + 30]
    if len(head) < 30 or head[:4] != b"PK\x03\x04" or info.flag_bits & 0x61:
        return None  # 0x1 encrypted, 0x20 patched data, 0x40 strong encryption
    if (head[7] << 8 | head[6]) & 0x800 != info.flag_bits & 0x800:
        return None  # the local header names the file in another encoding
    name_len = head[26] | head[27] << 8
    extra_len = head[28] | head[29] << 8
    start = off + 30 + name_len
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    try:
        if data[off + 30:start] != info.orig_filename.encode(encoding):
            return None
    except UnicodeEncodeError:
        return None
    start += extra_len
    raw = data[start:start + info.compress_size]
    if len(raw) != info.compress_size:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        out = raw
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        try:
            out = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
        except zlib.error:
            return None
    else:
        return None
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        return None
    return out


def _dtd_problem(zf: zipfile.ZipFile, info: zipfile.ZipInfo, prolog_bytes: int,
                 whole: dict[str, bytes] | None, raw: bytes = b"") -> str:
    """Chinese reason when the part's prolog declares a DTD or entities, else "".

    With ``whole`` (a part within :data:`WHOLE_PART_BYTES` and the file's
    :data:`WHOLE_PARTS_BUDGET`: every part of a real self-evaluation workbook), the part
    is inflated whole, to its end, which is where zipfile checks the CRC, and kept in
    ``whole``: the reader parses it from there instead of inflating it again. Otherwise
    only its first ``prolog_bytes`` are looked at.
    """
    plain = _inflate_plain(raw, info) if whole is not None and raw else None
    if plain is not None:
        whole[info.filename] = plain
        head = plain[:prolog_bytes]
    else:
        head = _read_member(zf, info, prolog_bytes, whole)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 (legal XML, never written by Excel): look at it as UTF-8 bytes.
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    root = _ROOT.search(head)
    prolog = head[: root.start()] if root else head
    if _DTD.search(prolog):
        return (f"部件 {info.filename} 含 DTD/实体声明（可用于 XML 实体扩展攻击，"
                "Excel 从不写入），未读取")
    if root is None and len(head) >= prolog_bytes:
        return f"部件 {info.filename} 的 XML 开头异常（{prolog_bytes} 字节内没有根元素），未读取"
    return ""


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, prolog_bytes: int,
                 whole: dict[str, bytes] | None) -> bytes:
    """The member's prolog through zipfile; with ``whole``, the member read to its end
    (where zipfile checks the CRC) and kept there."""
    with zf.open(info) as fh:
        if whole is None:
            return fh.read(prolog_bytes)
        # zipfile never inflates past the declared size, so this is bounded too.
        data = fh.read(info.file_size + 1)
        if len(data) == info.file_size:
            whole[info.filename] = data
        return data[:prolog_bytes]


def _describe_cfb(data: bytes) -> str:
    """An OLE compound file is either an encrypted OOXML workbook or a legacy .xls.

    The directory entry names are UTF-16LE in the file, so the ``EncryptionInfo`` stream
    is found without an OLE parser (the size limit has been applied already).
    """
    if any(name.encode("utf-16-le") in data for name in ("EncryptionInfo", "EncryptedPackage")):
        return "工作簿已加密（设置了打开密码），无法读取；请部门去掉密码后重新报送"
    return "旧版 Excel 97-2003（.xls）或其他 OLE 格式文件，不是自评模板（.xlsm/.xlsx）"


def _refuse(pf: Preflight, verdict: str, reason: str) -> Preflight:
    pf.verdict = verdict
    pf.reason = reason
    return pf
