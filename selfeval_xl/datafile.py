"""The data file: an Evaluation as JSON (format ``selfeval-xl/data/1``, docs/data-file.md).

Amounts and numbers are JSON strings ("921.52") so no float ever touches money; dates
are ISO ("2023-04-11"); blanks are null. ``build --data`` fills a workbook from such a
file and ``export-data`` writes one back; the round trip gives the same data.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import fields
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from selfeval_xl.core.money import STORED_LIMIT, in_range, parse_number
from selfeval_xl.core.text import unsavable
from selfeval_xl.core.model import (
    DEFAULT_GRADES,
    AnalysisParagraph,
    Band,
    Basics,
    Closed,
    Evaluation,
    Expenditure,
    ExtraSection,
    Goal,
    GradeBand,
    Indicator,
    KeyTask,
    Method,
    OutputIndicator,
)

FORMAT = "selfeval-xl/data/1"


class DataFileError(ValueError):
    """The data file is not valid JSON of the documented format (message in Chinese)."""


def _dec(v: Any, where: str = "") -> Decimal | None:
    """A number from the file; ``where`` names the field in the error ("expenditure.exp_total")."""
    if v is None or v == "":
        return None
    label = f"{where}: " if where else ""
    if isinstance(v, float):
        raise DataFileError(f"{label}数值 {v!r} 应写成字符串（如 \"921.52\"），避免浮点误差")
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise DataFileError(f"{label}{v!r} 不是数字")
    # The same spellings the workbook reader understands: "3,215.46", "921.52万元",
    # "1234.5万", full-width digits, surrounding spaces.
    try:
        plain = Decimal(str(v).strip())
    except ArithmeticError:
        plain = None
    if plain is not None and not plain.is_finite():
        raise DataFileError(f"{label}{v!r} 不是有限的数字")
    parsed = parse_number(v, unit="万元")
    if parsed.blank:
        return None
    if not parsed.ok or parsed.value is None:
        why = "；".join(n for n in parsed.notes if n != "不是数字")
        raise DataFileError(f"{label}{v!r} 不是数字" + (f"（{why}）" if why else ""))
    value = parsed.value
    if not value.is_finite():
        raise DataFileError(f"{label}{v!r} 不是有限的数字")
    if not in_range(value):
        raise DataFileError(f"{label}{str(v)[:40]!r} 超出合理范围（须为 0，或绝对值在 10^-6 与 10^15 之间）")
    return value


def _vet(obj: Any, where: str = "") -> None:
    """Refuse, naming the place, what no writer can save: a character no XML can hold,
    or a whole number beyond any figure (the numbers in strings are checked by _dec)."""
    if isinstance(obj, str):
        m = unsavable(obj)
        if m:
            raise DataFileError(f"{where or '数据'}的第 {m.start() + 1} 个字符 U+{ord(m.group()):04X} "
                                "是控制字符或不成对的代理字符，任何工作簿和 Word 文档都无法保存，"
                                "请删除该字符")
    elif isinstance(obj, int) and not isinstance(obj, bool):
        if abs(obj) >= STORED_LIMIT:
            raise DataFileError(f"{where}: {str(obj)[:40]} 超出合理范围（绝对值须小于 10^15）")
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _vet(key, where)
            _vet(value, f"{where}.{key}" if where else str(key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            _vet(value, f"{where}[{i}]")


def _dec_out(v: Decimal | None) -> str | None:
    return None if v is None else format(v, "f")


def _actual(v: Any) -> Decimal | str | None:
    if isinstance(v, str) and v in ("是", "否"):
        return v
    return _dec(v)


# --- to JSON -----------------------------------------------------------------------------

def indicator_to_dict(ind: Indicator) -> dict:
    return {
        "code": ind.code,
        "level1": ind.level1,
        "level2": ind.level2,
        "level3": ind.level3,
        "weight": _dec_out(ind.weight),
        "method": ind.method.value if ind.method else ind.method_text,
        "target": _dec_out(ind.target),
        "actual": ind.actual if isinstance(ind.actual, str) else _dec_out(ind.actual),
        "threshold": _dec_out(ind.threshold),
        "step": _dec_out(ind.step),
        "per_step": _dec_out(ind.per_step),
        "manual_score": _dec_out(ind.manual_score),
        "rule": ind.rule,
        "reason": ind.reason,
        "bands": [
            {"closed": b.closed.value, "lower": _dec_out(b.lower), "upper": _dec_out(b.upper),
             "score": _dec_out(b.score)}
            for b in ind.bands
        ],
    }


def to_dict(ev: Evaluation) -> dict:
    b = ev.basics
    return {
        "format": FORMAT,
        "basics": {
            "dept_name": b.dept_name,
            "dept_self_ref": b.dept_self_ref,
            "sub_unit_count": b.sub_unit_count,
            "preparer": b.preparer,
            "phone": b.phone,
            "fill_date": b.fill_date.isoformat() if b.fill_date else None,
            "eval_year": b.eval_year,
            "dept_functions": b.dept_functions,
            "other_notes": b.other_notes,
        },
        "expenditure": {f.name: _dec_out(getattr(ev.expenditure, f.name))
                        for f in fields(Expenditure)},
        "tasks": [{"no": t.no, "title": t.title, "body": t.body, "points": list(t.points)}
                  for t in ev.tasks],
        "goals": [{"no": g.no, "text": g.text} for g in ev.goals],
        "outputs": [
            {"category": o.category, "name": o.name, "unit": o.unit,
             "target": _dec_out(o.target), "actual": _dec_out(o.actual),
             "parent": o.parent, "note": o.note}
            for o in ev.outputs
        ],
        "indicators": [indicator_to_dict(i) for i in ev.indicators],
        "conclusions": list(ev.conclusions),
        "extra_sections": [{"title": x.title, "text": x.text} for x in ev.extra_sections],
        "analysis": [{"heading": a.heading, "level": a.level, "text": a.text}
                     for a in ev.analysis],
        "grades": [{"grade": g.grade, "min_score": _dec_out(g.min_score), "wording": g.wording}
                   for g in ev.grades],
    }


# --- from JSON ---------------------------------------------------------------------------

def indicator_from_dict(d: dict) -> Indicator:
    method_text = d.get("method") or ""
    return Indicator(
        code=str(d["code"]),
        level1=d.get("level1", ""),
        level2=d.get("level2", ""),
        level3=d.get("level3", ""),
        weight=_dec(d.get("weight")),
        method=Method.from_label(method_text),
        method_text=method_text,
        target=_dec(d.get("target")),
        actual=_actual(d.get("actual")),
        threshold=_dec(d.get("threshold")),
        step=_dec(d.get("step")),
        per_step=_dec(d.get("per_step")),
        manual_score=_dec(d.get("manual_score")),
        rule=d.get("rule", ""),
        reason=d.get("reason", ""),
        bands=tuple(
            Band(lower=_dec(b.get("lower")), upper=_dec(b.get("upper")),
                 score=_dec(b["score"]) or Decimal(0), closed=Closed(b.get("closed", Closed.UPPER.value)))
            for b in d.get("bands", ())
        ),
    )


def from_dict(d: dict) -> Evaluation:
    _vet(d)
    if d.get("format") != FORMAT:
        raise DataFileError(f"数据文件格式应为 {FORMAT}，实际为 {d.get('format')!r}")
    try:
        b = d.get("basics", {})
        fill_date = b.get("fill_date")
        basics = Basics(
            dept_name=b.get("dept_name", ""),
            dept_self_ref=b.get("dept_self_ref", ""),
            sub_unit_count=b.get("sub_unit_count"),
            preparer=b.get("preparer", ""),
            phone=b.get("phone", ""),
            fill_date=date.fromisoformat(fill_date) if fill_date else None,
            eval_year=b.get("eval_year"),
            dept_functions=b.get("dept_functions", ""),
            other_notes=b.get("other_notes", ""),
        )
        e = d.get("expenditure", {})
        expenditure = Expenditure(**{f.name: _dec(e.get(f.name), f"expenditure.{f.name}")
                                     for f in fields(Expenditure)})
        indicators = d.get("indicators")
        grades = d.get("grades")
        return Evaluation(
            basics=basics,
            expenditure=expenditure,
            tasks=tuple(KeyTask(no=t["no"], title=t.get("title", ""), body=t.get("body", ""),
                                points=tuple(t.get("points", ()))) for t in d.get("tasks", ())),
            goals=tuple(Goal(no=g["no"], text=g["text"]) for g in d.get("goals", ())),
            outputs=tuple(
                OutputIndicator(category=o.get("category", ""), name=o["name"],
                                unit=o.get("unit", ""), target=_dec(o.get("target")),
                                actual=_dec(o.get("actual")), parent=o.get("parent", ""),
                                note=o.get("note", ""))
                for o in d.get("outputs", ())
            ),
            indicators=(tuple(indicator_from_dict(i) for i in indicators)
                        if indicators is not None else default_framework()),
            conclusions=tuple(d.get("conclusions", ())),
            extra_sections=tuple(ExtraSection(title=x["title"], text=x.get("text", ""))
                                 for x in d.get("extra_sections", ())),
            analysis=tuple(AnalysisParagraph(heading=a["heading"], level=int(a["level"]),
                                             text=a["text"]) for a in d.get("analysis", ())),
            grades=(tuple(GradeBand(g["grade"], _dec(g["min_score"]) or Decimal(0), g["wording"])
                          for g in grades) if grades else DEFAULT_GRADES),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        if isinstance(exc, DataFileError):
            raise
        raise DataFileError(f"数据文件内容不符合格式：{exc!r}") from exc


def load(path: str | Path) -> Evaluation:
    from selfeval_xl import jsonfile

    try:
        data = jsonfile.read(path, "数据文件")
    except jsonfile.JsonFileError as exc:
        raise DataFileError(str(exc)) from None
    if not isinstance(data, dict):
        raise DataFileError(f"数据文件“{path}”的最外层应为对象（{{…}}）")
    return from_dict(data)


def dumps(ev: Evaluation) -> str:
    return json.dumps(to_dict(ev), ensure_ascii=False, indent=2) + "\n"


def save(ev: Evaluation, path: str | Path) -> None:
    """Write atomically: a temporary file in the same folder, then rename."""
    write_atomic(Path(path), dumps(ev).encode("utf-8"))


def write_atomic(path: Path, data: bytes, like: Path | None = None) -> None:
    """Write ``data`` to ``path`` so a crash never leaves a half-written file: a temporary
    file in the same folder, fsynced, then renamed over ``path``.

    mkstemp creates the temporary file as 0600; the result gets the mode of ``like`` (e.g.
    the workbook a backup is made of), else the mode the file already had, else the usual
    mode for a new file (0666 less the umask), so a report the officer shares is not
    silently private.
    """
    path = Path(path)
    try:
        mode = Path(like if like is not None and Path(like).exists() else path).stat().st_mode
        mode &= 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name, suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- packaged data -----------------------------------------------------------------------

def _package_json(folder: str, name: str) -> dict:
    text = resources.files("selfeval_xl").joinpath(folder, name).read_text(encoding="utf-8")
    return json.loads(text)


def default_framework(name: str = "default.json") -> tuple[Indicator, ...]:
    """The indicator framework shipped in ``selfeval_xl/frameworks`` (no actual values)."""
    return tuple(indicator_from_dict(i) for i in _package_json("frameworks", name)["indicators"])


def example_path() -> Path:
    return Path(str(resources.files("selfeval_xl").joinpath("data", "example_huizhou_2022.json")))


def example() -> Evaluation:
    """The built-in example: 惠州市政务服务中心, 2022, as published (figures that do not add up)."""
    return load(example_path())
