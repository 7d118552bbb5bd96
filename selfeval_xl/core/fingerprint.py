"""A fingerprint of the officer's data, stored with the report so that the finance bureau
can tell whether the data changed after the report was generated.

It is an unkeyed SHA-256 that anyone can recompute: it shows accidental edits (data changed,
report not generated again), never deliberate ones — whoever edits the data can store the
new fingerprint too. Proof that a file is the one received needs the bureau's signed
receipt (:mod:`selfeval_xl.bureau.receipt`)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from selfeval_xl.core.model import Evaluation


# Field names per dataclass type (the bureau fingerprints every file it collects; looking
# them up once per class instead of once per object halves the cost).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _canonical(obj: object) -> object:
    """Plain JSON data; a number is written one way only (3.50, 3.5 → "3.5"; 100 → "100").

    The same value typed as 3.50 in a data file reads back from a workbook cell as 3.5:
    equal data must give an equal fingerprint, however it was spelled.
    """
    kind = type(obj)
    if kind is str or kind is int or obj is None:  # most values: nothing to do
        return obj
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(obj):
        if isinstance(obj, type):  # a dataclass itself, not an instance: never cached
            return {f.name: _canonical(getattr(obj, f.name)) for f in fields(obj)}
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(obj))
    if names is not None:
        return {name: _canonical(getattr(obj, name)) for name in names}
    if isinstance(obj, Decimal):
        return format(obj.normalize(), "f") if obj.is_finite() else str(obj)
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, (list, tuple)):
        return [_canonical(x) for x in obj]
    return obj


# The last evaluation's parts (basics, expenditure, the tuples of items) and their
# canonical forms. The bureau fingerprints each file twice: the data, and the data with
# who filled it in left out (core.deviations.content_digest), a copy that shares every
# part but basics. The model is frozen all the way down (frozen dataclasses, tuples), so
# a part that is the very same object has the same canonical form; holding the objects
# here keeps their ids from being reused.
_last_parts: dict[str, tuple[object, object]] = {}


def _canonical_parts(ev: Evaluation) -> dict:
    """``_canonical(ev)``, reusing the canonical form of every part shared with the last
    evaluation fingerprinted."""
    global _last_parts
    names = _FIELD_NAMES.get(type(ev))
    if names is None:
        names = _FIELD_NAMES[type(ev)] = tuple(f.name for f in fields(ev))
    data, parts = {}, {}
    for name in names:
        value = getattr(ev, name)
        last = _last_parts.get(name)
        canonical = last[1] if last is not None and last[0] is value else _canonical(value)
        data[name] = canonical
        parts[name] = (value, canonical)
    _last_parts = parts
    return data


_RECORDED = re.compile(r"sha256:[0-9a-f]{64}")


def recorded(value: object) -> str | None:
    """A fingerprint as stored with a report, when it is one: "sha256:" and 64 hex digits.

    Anything else — blank, 0, a number, text of another shape — means no report was
    recorded: it can never stand for "unchanged".
    """
    if isinstance(value, str) and _RECORDED.fullmatch(value.strip()):
        return value.strip()
    return None


def fingerprint(ev: Evaluation) -> str:
    """"sha256:<hex>" of the officer's inputs in canonical JSON (sorted keys, no spaces).

    Only the officer's inputs enter it: formatting, formulas, scores and status cells
    do not, so re-saving a workbook or pressing 计算得分 leaves it unchanged.
    """
    data = _canonical_parts(ev)
    if not data.get("extra_sections"):  # added later: a workbook without any keeps its print
        data.pop("extra_sections", None)
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True,
                           separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
