"""Verify one workbook as the finance bureau receives it: what it is, and can it be trusted.

:func:`examine` runs in a sandbox worker (see :mod:`selfeval_xl.bureau.sandbox`) and turns
one file into one plain record (a dict of str/int/float/list, picklable, JSON-ready):

1. preflight on the bytes (:mod:`~selfeval_xl.bureau.preflight`): not a workbook,
   truncated, encrypted, zip bomb, DTD/entities → ``unreadable`` / ``rejected``;
2. read through the reader (its safe zip/XML source); no contract names →
   ``not-selfeval``; a ``template_version`` other than ours → ``wrong-version`` (still
   read: the names are the contract, so the figures usually come through);
3. run the checks, recompute the score and the data fingerprint; the report-state checks
   compare them with what the workbook stores: the native ``self_score`` cached value, the cached
   indicator scores, the ``report_score`` and ``report_fingerprint`` written when the
   report was generated.

Verdicts, most serious first (the first that applies wins): see :data:`VERDICTS`.
"""

from __future__ import annotations

import math
import stat
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

# Imported here, not lazily: workers are forked from the parent, so everything a worker
# needs is loaded once, and the worker's memory limit is not spent on imports.
from selfeval_xl import TEMPLATE_VERSION
from selfeval_xl.read import reader
from selfeval_xl.read.ooxml_source import BookError, OoxmlSource
from selfeval_xl.bureau.preflight import Limits, Preflight, file_hash, inspect
from selfeval_xl import pipeline
from selfeval_xl.core import deviations
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.fingerprint import fingerprint, recorded
from selfeval_xl.core.money import stored_number
from selfeval_xl.core.scoring import fmt_score

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Verdict:
    """One verdict: its stable key, Chinese label, CLI exit code, and what it means."""

    key: str
    label: str
    exit_code: int
    meaning: str


# Most serious first: examine() reports the first that applies.
VERDICTS: tuple[Verdict, ...] = (
    Verdict("unreadable", "无法读取", 2, "不是工作簿、文件损坏（截断）或已加密"),
    Verdict("rejected", "拒绝读取", 3,
            "可疑或超限文件：压缩炸弹、XML 实体声明、体积超限、读取超时或内存超限"),
    Verdict("not-selfeval", "不是自评工作簿", 4, "工作簿中没有自评模板的定义名称"),
    Verdict("wrong-version", "模板版本不符", 5, f"模板版本不是 {TEMPLATE_VERSION}"),
    Verdict("score-mismatch", "得分与重算不符", 6,
            "工作簿保存的得分（自评得分、指标得分、报告得分或报告工作表写的得分）与按数据重算的不一致"),
    Verdict("stale", "报告生成后数据被修改", 7, "报告所依据数据的指纹与当前数据不一致"),
    Verdict("errors", "校验有错误", 1, "校验发现错误级问题"),
    Verdict("ok-with-warnings", "通过（有警告）", 0, "没有错误，但有警告"),
    Verdict("ok", "通过", 0, "没有错误和警告，得分与数据一致"),
)
VERDICTS_BY_KEY: dict[str, Verdict] = {v.key: v for v in VERDICTS}

# Reader codes (docs/reading.md) that mean "refused as hostile or oversized", not "broken".
REJECTING_READ_CODES = ("READ_TOO_LARGE", "READ_XML_UNSAFE")


def _cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


def _text(value: object) -> str:
    """A value for the record: Decimal as exact text, dates ISO, None as ""."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _printable(name: str) -> str:
    """A file name as text every writer accepts: bytes that were not UTF-8 (kept by the OS
    as lone surrogates) become U+FFFD, instead of failing the summary or the database."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def empty_record(path: Path) -> dict:
    """A record with every key present (so tables have fixed columns)."""
    rec: dict = {
        "file_path": _printable(str(path)), "file_name": _printable(path.name), "file_hash": "", "file_size": 0,
        "verdict": "", "verdict_label": "", "verdict_reason": "", "details": [],
        "template_version": "", "dept_name": "", "eval_year": 0, "preparer": "",
        "phone": "", "fill_date": "", "exec_rate": None, "score": "", "grade": "",
        "stored_score": "", "report_score": "", "report_at": "", "fingerprint": "",
        "report_fingerprint": "", "errors": 0, "warnings": 0, "findings": [],
        "indicators": [], "seconds": 0.0, "narrative_digest": "", "content_digest": "",
        "deviations": [],
    }
    for name in EXPENDITURE_FIELDS:
        rec[name] = ""
    return rec


EXPENDITURE_FIELDS = ("budget_total", "exp_total", "exp_general_budget", "exp_gov_fund",
                      "exp_other", "exp_basic", "exp_personnel", "exp_public", "exp_project")


def finish(rec: dict, verdict: str, reason: str = "") -> dict:
    """Set the verdict, its label and reason (the label when no reason is given)."""
    v = VERDICTS_BY_KEY[verdict]
    rec["verdict"] = v.key
    rec["verdict_label"] = v.label
    rec["verdict_reason"] = reason or v.meaning
    return rec


def examine(path: str | Path, limits: Limits = Limits(), today: date | None = None) -> dict:
    """Everything the bureau wants to know about one file, as a plain record. Never raises
    for anything in the file (a bug in this code does raise; the sandbox reports it).

    Args:
        path: the file.
        limits: preflight limits (time and memory are the sandbox's).
        today: the date the date checks compare with (default: today).
    """
    return examine_outcome(path, limits, today)[0]


def examine_outcome(path: str | Path, limits: Limits = Limits(),
                    today: date | None = None) -> tuple[dict, object | None, list[Finding]]:
    """:func:`examine`, plus what the service needs to write the report: the pipeline's
    Outcome (None when the file was not read) and every finding as a Finding, file-level
    ones first (the record holds the same findings as JSON)."""
    started = time.monotonic()
    path = Path(path)
    rec = empty_record(path)
    pf = inspect(path, limits)
    rec["file_hash"], rec["file_size"] = pf.file_hash, pf.size
    outcome, findings = None, []
    if pf.verdict:
        finish(rec, pf.verdict, pf.reason)
    else:
        outcome, findings = _examine_workbook(pf, rec, today or date.today())
    rec["seconds"] = round(time.monotonic() - started, 4)
    return rec, outcome, findings


def _examine_workbook(pf: Preflight, rec: dict, today: date) -> tuple[object | None, list]:
    try:
        # The reader goes on from the bytes preflight read, vetted and partly inflated.
        result = reader.read_source(OoxmlSource.from_zip(pf.zip, pf.parts))
    except BookError as exc:
        _refused(rec, [Finding(exc.code, Severity.ERROR, "", "", "", exc.message)])
        return None, []
    # A MemoryError (the worker's memory limit) is passed on by the reader: the sandbox
    # reports it and replaces the worker, whose heap may be in any state.
    if not result.meta.get("readable", True):
        _refused(rec, list(result.findings))
        return None, []
    return _judge(rec, result, pf.findings, today)


def _refused(rec: dict, findings: list[Finding]) -> None:
    """Verdict for a file the reader could not read at all (its one READ_* finding says why)."""
    code = findings[0].code if findings else ""
    verdict = ("not-selfeval" if code == "READ_NOT_SELFEVAL"
               else "rejected" if code in REJECTING_READ_CODES else "unreadable")
    rec["findings"] = [f.to_json() for f in findings]
    rec["errors"] = sum(f.severity is Severity.ERROR for f in findings)
    finish(rec, verdict, findings[0].message if findings else "")


# Check codes (docs/findings.md) behind the score-mismatch and stale verdicts.
MISMATCH_CODES = ("SELF_SCORE_MISMATCH", "SELF_GRADE_MISMATCH", "REPORT_SCORE_MISMATCH",
                  "INDICATOR_SCORE_MISMATCH", "REPORT_SHEET_SCORE_MISMATCH")
STALE_CODES = ("REPORT_STALE", "REPORT_SHEET_STALE")


def _judge(rec: dict, result, extra: list[Finding], today: date) -> tuple[object, list]:
    """Fill ``rec`` from a ReadResult: figures, checks, score comparisons, verdict.

    Checking and scoring go through :func:`selfeval_xl.pipeline.evaluate`, as for every
    front end, so the bureau sees the findings and score the officer saw.
    """
    ev, meta = result.evaluation, dict(result.meta or {})
    b, x = ev.basics, ev.expenditure
    rec.update(dept_name=b.dept_name, eval_year=b.eval_year or 0, preparer=b.preparer,
               phone=b.phone, fill_date=_text(b.fill_date))
    for name in EXPENDITURE_FIELDS:
        rec[name] = _text(getattr(x, name))
    if x.exp_total is not None and x.budget_total:
        rate = float(x.exp_total / x.budget_total)
        # a budget of 1E-300 万元 makes the rate overflow a float: no rate, not a crash
        rec["exec_rate"] = rate if math.isfinite(rate) else None
    version = _text(meta.get("template_version")).strip()
    rec["template_version"] = version

    outcome = pipeline.evaluate(result, today=today)
    findings = list(extra) + list(outcome.findings)  # file-level (external links) first
    card = outcome.scorecard
    fp = fingerprint(ev)
    rec.update(score=_text(card.total), grade=card.grade, fingerprint=fp)
    # Deviation warnings (docs/bureau.md) sit beside the findings: they ask the reviewer to
    # look twice but never change the verdict. The digests let collect compare files.
    rec.update(narrative_digest=deviations.narrative_digest(ev),
               content_digest=deviations.content_digest(ev), deviations=[
                   f.to_json() for f in deviations.check_submission(ev, card, result.locator)])
    stored = stored_number(meta.get("self_score"))
    report_score = stored_number(meta.get("report_score"))
    report_fp = _text(meta.get("report_fingerprint")).strip()
    rec.update(stored_score=_text(_cents(stored)), report_score=_text(_cents(report_score)),
               report_fingerprint=report_fp, report_at=_text(meta.get("status_report_at")))

    rows = []
    for ind, sc in zip(ev.indicators, card.rows):
        cached = (meta.get("indicator_cached_scores") or {}).get(ind.code)
        rows.append({
            "code": ind.code, "level1": ind.level1, "level2": ind.level2, "level3": ind.level3,
            "weight": _text(ind.weight),
            "method": ind.method.value if ind.method else ind.method_text,
            "actual": _text(ind.actual), "score": _text(sc.score),
            "stored_score": _text(_cents(stored_number(cached))), "reason": ind.reason})
    rec["indicators"] = rows
    # The checks (core.checks.report_state) compare the stored scores and fingerprint with
    # the data; the verdict is read off their codes so both always say the same.
    mismatches = [f.message for f in findings if f.code in MISMATCH_CODES]
    stale = any(f.code in STALE_CODES for f in findings)

    rec["findings"] = [f.to_json() for f in findings]
    rec["errors"] = sum(f.severity is Severity.ERROR for f in findings)
    rec["warnings"] = sum(f.severity is Severity.WARNING for f in findings)
    details = [f"模板版本：{version or '（无）'}",
               f"得分：按数据重算 {fmt_score(card.total)}（{card.grade or '无等级'}）；"
               + (f"工作簿中 {fmt_score(stored)}" if stored is not None else "工作簿中无缓存值")
               + "；" + (f"报告中 {fmt_score(report_score)}" if report_score is not None
                        else "报告中无得分")]
    # Only a well-formed fingerprint records a report (0, blank or junk records none), and
    # a matching one shows no accidental edit, nothing more: it is unkeyed, anyone can
    # store the fingerprint of edited data. A signed receipt (verify --receipt) proves more.
    if stale:
        details.append(f"报告：生成于 {rec['report_at'] or '（时间未知）'}，之后数据被修改")
    elif recorded(report_fp) is None:
        details.append("报告：没有记录有效的数据指纹（视为未生成报告），无法判断报告生成后数据是否改动")
    else:
        details.append(f"报告：生成于 {rec['report_at'] or '（时间未知）'}，当前数据与报告时记录的"
                       "数据指纹一致（指纹不带密钥，只能发现无意的改动，不能证明未被有意改动）")
    details.append(f"校验：{rec['errors']} 个错误，{rec['warnings']} 个警告")
    rec["details"] = details

    if version != TEMPLATE_VERSION:
        finish(rec, "wrong-version", f"模板版本为“{version or '（无）'}”，本程序读取的是 "
               f"{TEMPLATE_VERSION}；数据按定义名称读出，仅供参考")
    elif mismatches:
        finish(rec, "score-mismatch", "；".join(mismatches))
    elif stale:
        finish(rec, "stale", f"报告生成（{rec['report_at'] or '时间未知'}）后数据被修改，"
               "报告所依据数据的指纹与当前数据不一致")
    elif rec["errors"]:
        finish(rec, "errors", f"校验发现 {rec['errors']} 个错误、{rec['warnings']} 个警告")
    elif rec["warnings"]:
        finish(rec, "ok-with-warnings", f"没有错误，{rec['warnings']} 个警告")
    else:
        finish(rec, "ok", "没有错误和警告，得分与数据一致")
    return outcome, findings


def sandbox_failure(path: Path, failure: str, message: str) -> dict:
    """The record of a file whose worker timed out, ran out of memory or crashed."""
    rec = empty_record(path)
    try:
        if stat.S_ISREG(path.stat().st_mode):  # never open a FIFO or device here
            rec["file_hash"] = file_hash(path, Limits.max_file_bytes)
            rec["file_size"] = path.stat().st_size
    except OSError:
        pass
    verdict = "rejected" if failure in ("timeout", "memory", "crash") else "unreadable"
    return finish(rec, verdict, message if failure != "exception" else f"读取出错：{message}")

