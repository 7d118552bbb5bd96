"""Build the report Document from the evaluation, its scores and the check findings.

Text the officer wrote is used as written (placeholders such as ``{受理业务}`` filled from
the data); sentences the tool writes from figures (the expenditure paragraph, the score
sentence, header values) are generated here so they always agree with the data. Which
sections appear, in what order, and the wording of generated sentences come from the
template (:mod:`selfeval_xl.core.report.config`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Callable, Iterable

from selfeval_xl.core import placeholders
from selfeval_xl.core.findings import Finding, Severity
from selfeval_xl.core.model import Evaluation
from selfeval_xl.core.money import fmt_plain, fmt_wan
from selfeval_xl.core.report import config as config_mod
from selfeval_xl.core.report.document import (
    Align,
    Block,
    Document,
    HeaderLine,
    Heading,
    Notice,
    NumberedPoint,
    Paragraph,
    Table,
    Title,
    cn_number,
    numbering,
)

# Same syntax as core/placeholders.py: {name}, with {{ and }} for literal braces.
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]{1,40})\}")


class _Ctx:
    """What every content function needs; collects placeholders that could not be filled."""

    def __init__(self, ev: Evaluation, scorecard: Any, cfg: config_mod.ReportConfig):
        self.ev = ev
        self.scorecard = scorecard
        self.cfg = cfg
        self.wording = cfg.wording
        self.missing: list[str] = []
        self.placed: set[str] = set()  # extra sections the template gave a place
        self._values = placeholders.values(ev)

    def fill(self, text: str) -> str:
        """Officer text with its placeholders replaced (unknown ones left visible)."""
        out, missing = placeholders.fill(text, self.ev)
        self.missing.extend(m for m in missing if m not in self.missing)
        return out

    def fmt(self, template: str, **values: str) -> str:
        """A wording template filled in one pass: our fields ({amount}, {text} …), then the
        data placeholders ({评价年度} …). One pass, so text inserted here (already filled
        officer text) is never scanned for placeholders a second time."""

        def sub(m: re.Match) -> str:
            token = m.group(0)
            if token in ("{{", "}}"):
                return token[0]
            name = m.group(1).strip()
            if name in values:
                return values[name]
            value = self._values.get(name, "")
            if value == "":
                if name not in self.missing:
                    self.missing.append(name)
                return token
            return value

        return _PLACEHOLDER.sub(sub, template)


# --- content kinds -------------------------------------------------------------------------

def _dept_functions(c: _Ctx) -> list[Block]:
    text = c.ev.basics.dept_functions.strip()
    return [Paragraph(c.fill(text))] if text else []


def _points(c: _Ctx, texts: list[str]) -> str:
    """Texts run into one paragraph as 一是…二是… (the seed's task points); a single one is
    not numbered: "一是" needs a "二是"."""
    texts = [c.fill(t.strip()) for t in texts if t.strip()]
    if len(texts) == 1:
        return texts[0]
    return "".join(c.fmt(c.wording["task_point"], ordinal=cn_number(j), text=t)
                   for j, t in enumerate(texts, start=1))


def _numbered(style: str, texts: list[str], leads: list[str] | None = None) -> list[Block]:
    """One paragraph per item, numbered in the template's style; one item alone is a plain
    paragraph (a list of one is not a list)."""
    leads = leads or [""] * len(texts)
    if len(texts) == 1:
        return [Paragraph(leads[0] + texts[0])]
    return [NumberedPoint(config_mod.item_number(style, i), text, lead=lead)
            for i, (text, lead) in enumerate(zip(texts, leads), start=1)]


def _tasks(c: _Ctx) -> list[Block]:
    # The seed runs a task's points into its paragraph: "1.标题。正文一是…。二是…。"
    texts = [c.fill(t.body.strip()) + _points(c, list(t.points)) for t in c.ev.tasks]
    leads = [c.fill(t.title.strip()) for t in c.ev.tasks]
    return _numbered(c.cfg.numbering["tasks"], texts, leads)


def _goals(c: _Ctx) -> list[Block]:
    goals = [g.text for g in c.ev.goals if g.text.strip()]
    layout = c.cfg.numbering["goals"]
    if not goals:
        return []
    if layout == "points":
        return [Paragraph(_points(c, goals))]
    if layout == "paragraph":
        return [Paragraph("".join(c.fill(g.strip()) for g in goals))]
    return _numbered(c.cfg.numbering["goal_items"], [c.fill(g.strip()) for g in goals])


def _present(value: Decimal | None) -> bool:
    # A zero or blank source is left out of the sentence rather than printed as 0.00万元.
    return value is not None and value != 0


def _expenditure(c: _Ctx) -> list[Block]:
    w = c.wording["expenditure"]
    e = c.ev.expenditure
    items: list[str] = []
    for src in w["sources"]:
        value = getattr(e, src["field"], None)
        if _present(value):
            items.append(c.fmt(src["text"], amount=fmt_wan(value)))
    economic: list[str] = []
    parts = [c.fmt(p["text"], amount=fmt_wan(getattr(e, p["field"])))
             for p in w["basic_parts"] if _present(getattr(e, p["field"], None))]
    if _present(e.exp_basic):
        basic = c.fmt(w["basic"], amount=fmt_wan(e.exp_basic))
        if parts:
            basic += w["basic_parts_lead"] + w["basic_parts_separator"].join(parts)
        economic.append(basic)
    elif parts:  # 基本支出 left blank: still state the parts given, never invent their sum
        economic.append(w["basic_parts_separator"].join(parts))
    if _present(e.exp_project):
        economic.append(c.fmt(w["project"], amount=fmt_wan(e.exp_project)))
    if economic:
        items.append(w["basic_project_separator"].join(economic))
    if e.exp_total is None and not items:
        return []
    total = fmt_wan(e.exp_total) if e.exp_total is not None else "{exp_total}"
    if not items:
        return [Paragraph(c.fmt(w["lead_alone"], total=total))]
    out: list[Block] = [Paragraph(c.fmt(w["lead"], total=total))]
    last, style = len(items), c.cfg.numbering["expenditure"]
    for i, item in enumerate(items, start=1):
        end = w["item_end"] if i == last else w["item_separator"]
        out.append(NumberedPoint(config_mod.item_number(style, i), item + end))
    return out


def _conclusions(c: _Ctx) -> list[Block]:
    points = [c.fill(p.strip()) for p in c.ev.conclusions if p.strip()]
    return _numbered(c.cfg.numbering["conclusions"], points) if points else []


def _score_sentence(c: _Ctx) -> list[Block]:
    from selfeval_xl.core.scoring import score_sentence  # helper CHECK's module

    sentence = score_sentence(c.scorecard, c.ev) if c.scorecard is not None else ""
    return [Paragraph(sentence)] if sentence else []


def _analysis(c: _Ctx) -> list[Block]:
    # Consecutive paragraphs with the same heading and level continue one item: only the
    # first carries the number and the run-in heading (the seed's 2.预算执行情况 has three).
    out: list[Block] = []
    n1 = n2 = 0
    previous: tuple[str, int] | None = None
    for para in c.ev.analysis:
        text = c.fill(para.text.strip())
        heading = para.heading.strip()
        key = (heading, para.level)
        if not heading or key == previous:
            if text:
                out.append(Paragraph(text))
        elif para.level == 1:
            n1, n2 = n1 + 1, 0
            lead = c.fmt(c.wording["analysis_lead_1"], heading=heading)
            out.append(NumberedPoint(f"{n1}.", text, lead=lead))
        else:
            n2 += 1
            lead = c.fmt(c.wording["analysis_lead_2"], heading=heading)
            out.append(NumberedPoint(f"（{n2}）", text, lead=lead))
        previous = key
    return out


def _other_notes(c: _Ctx) -> list[Block]:
    text = c.ev.basics.other_notes.strip()
    return [Paragraph(c.fill(text))] if text else []


def _outputs_table(c: _Ctx) -> list[Block]:
    w = c.wording["outputs_table"]
    rows = []
    for o in c.ev.outputs:
        fmt = fmt_wan if o.unit == "万元" else fmt_plain
        rows.append((o.category, o.name, o.unit, fmt(o.target), fmt(o.actual), o.note))
    if not rows:
        return []
    align = (Align.CENTER, Align.LEFT, Align.CENTER, Align.RIGHT, Align.RIGHT, Align.LEFT)
    return [Table(w["caption"], tuple(w["headers"]), tuple(rows), align)]


def _scores_table(c: _Ctx) -> list[Block]:
    w = c.wording["scores_table"]
    if c.scorecard is None or not c.ev.indicators:
        return []
    scores = {r.code: r.score for r in c.scorecard.rows}
    rows = [(i.level1, i.level2, i.level3, fmt_plain(i.weight), fmt_plain(scores.get(i.code)))
            for i in c.ev.indicators]
    rows.append((w["total"], "", "", fmt_plain(c.scorecard.weight_total),
                 fmt_plain(c.scorecard.total)))
    align = (Align.LEFT, Align.LEFT, Align.LEFT, Align.RIGHT, Align.RIGHT)
    return [Table(w["caption"], tuple(w["headers"]), tuple(rows), align)]


CONTENT: dict[str, Callable[[_Ctx], list[Block]]] = {
    "dept_functions": _dept_functions,
    "tasks": _tasks,
    "goals": _goals,
    "expenditure": _expenditure,
    "conclusions": _conclusions,
    "score_sentence": _score_sentence,
    "analysis": _analysis,
    "other_notes": _other_notes,
    "outputs_table": _outputs_table,
    "scores_table": _scores_table,
}
assert set(CONTENT) == set(config_mod.CONTENT_KINDS)


# --- header, notice, sections --------------------------------------------------------------

def _header_value(c: _Ctx, field: str) -> str:
    b = c.ev.basics
    value = getattr(b, field)
    if value is None:
        return ""
    if field == "sub_unit_count":
        return c.cfg.zero_count if value == 0 else str(value)
    if field == "fill_date":
        return c.cfg.date_format.format(year=value.year, month=value.month, day=value.day,
                                        mm=f"{value.month:02d}", dd=f"{value.day:02d}")
    return str(value)


def notice_for(findings: Iterable[Finding], wording: dict) -> Notice | None:
    """The first-page notice listing unresolved errors, or None when there are none."""
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if not errors:
        return None
    items = []
    for f in errors:
        where = f"{f.sheet}!{f.cell}：" if f.sheet and f.cell else (f"{f.sheet}：" if f.sheet else "")
        items.append(_replace(wording["notice_item"], where=where, message=f.message,
                              code=f.code))
    return Notice(_replace(wording["notice_title"], count=str(len(errors))), tuple(items))


def _replace(template: str, **values: str) -> str:
    # Plain replacement: a finding's message may itself contain braces.
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def _extra(c: _Ctx, title: str) -> list[Block]:
    """The officer's extra section with this title (one paragraph per line of its text)."""
    c.placed.add(title.strip())
    out: list[Block] = []
    for x in c.ev.extra_sections:
        if x.title.strip() == title.strip():
            out.extend(Paragraph(c.fill(line.strip())) for line in x.text.splitlines()
                       if line.strip())
    return out


def _sections(c: _Ctx, sections: Iterable[config_mod.Section], level: int) -> list[Block]:
    out: list[Block] = []
    for n, sec in enumerate(sections, start=1):
        out.append(Heading(level, numbering(level, n), c.fill(sec.title)))
        body: list[Block] = []
        for item in sec.content:
            if isinstance(item, str):
                body.extend(CONTENT[item](c))
            elif "extra" in item:
                body.extend(_extra(c, item["extra"]))
            elif item["text"].strip():
                body.append(Paragraph(c.fill(item["text"].strip())))
        if sec.content and not body:
            body.append(Paragraph(c.wording["blank"]))  # an empty section says 无。
        out.extend(body)
        out.extend(_sections(c, sec.sections, level + 1))
    return out


def build_document(ev: Evaluation, scorecard: Any, findings: Iterable[Finding] = (), *,
                   config: config_mod.ReportConfig | None = None,
                   override: bool = False) -> Document:
    """The report for an evaluation.

    Args:
        ev: the officer's data.
        scorecard: ``scoring.score(ev)``; None leaves the score sentence out.
        findings: check findings; errors among them put a Notice on the first page.
        config: the template; the packaged default when None.
        override: the officer chose to produce the report without the notice.

    Returns:
        The Document; ``meta["missing_placeholders"]`` lists names that could not be filled,
        ``meta["unresolved_errors"]`` the number of errors (whether or not noticed).
    """
    cfg = config or config_mod.default()
    c = _Ctx(ev, scorecard, cfg)
    findings = list(findings)
    blocks: list[Block] = [Title(cfg.title)]
    notice = notice_for(findings, cfg.wording)
    if notice is not None and not override:
        blocks.append(notice)
    for spec in cfg.header_lines:
        blocks.append(HeaderLine(spec.label, _header_value(c, spec.field), cfg.header_separator))
    blocks.extend(_sections(c, cfg.sections, 1))
    meta = {
        "missing_placeholders": list(c.missing),
        # Extra sections the officer filled in but the template gives no place: the CLI
        # says so rather than dropping them silently.
        "unplaced_extra_sections": [x.title for x in ev.extra_sections
                                    if x.title.strip() and x.title.strip() not in c.placed],
        "unresolved_errors": sum(f.severity is Severity.ERROR for f in findings),
        "overridden": bool(override and notice is not None),
    }
    return Document(tuple(blocks), title=cfg.title, author=ev.basics.preparer,
                    date=ev.basics.fill_date, meta=meta)
