"""Render a report Document as an HTML fragment, for the service's report page.

The same blocks the Word and Markdown renderers print, in the same order and words:
the title ``<h1>``, headings ``<h2>``…``<h5>`` by level (一、 （一） 1. （1））, the
unresolved-errors notice as an ``<aside>`` right under the title, tables with amount
columns right-aligned. Every text is escaped: a department's words never become markup.
The fragment uses class names only (``report-…``), so the page's style sheet decides how
it looks and the page's Content-Security-Policy needs no inline style.
"""

from __future__ import annotations

from html import escape

from selfeval_xl.core.report.document import (
    Align,
    Document,
    HeaderLine,
    Heading,
    Notice,
    NumberedPoint,
    Paragraph,
    Table,
    Title,
)

_ALIGN_CLASS = {Align.LEFT: "left", Align.CENTER: "center", Align.RIGHT: "right"}


def _text(text: str) -> str:
    """Escaped text; a line break inside a paragraph stays a line break."""
    return escape(text, quote=True).replace("\n", "<br>")


def _table(t: Table) -> str:
    out = ['<table class="report-table">']
    if t.caption:
        out.append(f"<caption>{_text(t.caption)}</caption>")
    out.append("<thead><tr>" + "".join(
        f'<th class="{_ALIGN_CLASS[t.alignment(i)]}">{_text(h)}</th>'
        for i, h in enumerate(t.headers)) + "</tr></thead><tbody>")
    for row in t.rows:
        out.append("<tr>" + "".join(
            f'<td class="{_ALIGN_CLASS[t.alignment(i)]}">{_text(c)}</td>'
            for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _block(b) -> str:
    if isinstance(b, Title):
        return f'<h1 class="report-title">{_text(b.text)}</h1>'
    if isinstance(b, Heading):
        tag = f"h{b.level + 1}"
        return f'<{tag} class="report-heading">{_text(b.plain)}</{tag}>'
    if isinstance(b, Notice):
        items = "".join(f"<li>{_text(i)}</li>" for i in b.items)
        return (f'<aside class="report-notice" role="note"><p><strong>{_text(b.title)}'
                f"</strong></p><ul>{items}</ul></aside>")
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, HeaderLine):
        return f'<p class="report-header">{_text(b.plain)}</p>'
    if isinstance(b, NumberedPoint):
        lead = f"<strong>{_text(b.lead)}</strong>" if b.lead else ""
        return f'<p class="report-body">{_text(b.number)}{lead}{_text(b.text)}</p>'
    if isinstance(b, Paragraph):
        return f'<p class="report-body">{_text(b.text)}</p>'
    raise TypeError(f"no HTML for {type(b).__name__}")


def render(doc: Document) -> str:
    """The whole document as an HTML fragment (an ``<article>``), one block per line."""
    body = "\n".join(_block(b) for b in doc.blocks)
    return f'<article class="report">\n{body}\n</article>\n'
