"""A small document model and its two renderers: Markdown and one self-contained HTML page.

Summaries and the portfolio are built once as a ``Doc`` (headings, paragraphs, lists, tables, figures,
references) and rendered to both formats, so the Markdown and the HTML always say the same thing. The
HTML carries its CSS and SVG inline (no external files, fonts or scripts), sets ``lang``, adapts to phone
widths and has print rules.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from lsr.report.style import CSS


@dataclass
class Link:
    text: str
    href: str


@dataclass
class Strong:
    text: str


@dataclass
class Code:
    text: str


@dataclass
class Badge:
    text: str


Inline = str | Link | Strong | Code | Badge
Parts = list[Inline]


@dataclass
class H:
    level: int
    text: str


@dataclass
class P:
    parts: Parts
    cls: str | None = None


@dataclass
class UL:
    items: list[Parts]
    cls: str | None = None


@dataclass
class Ref:
    parts: Parts
    notes: list[Parts] = field(default_factory=list)


@dataclass
class RefList:
    items: list[Ref]


@dataclass
class Table:
    header: list[str]
    rows: list[list[Inline | Parts]]
    numeric: set[int] = field(default_factory=set)
    total_last: bool = False
    nowrap: set[int] = field(default_factory=set)
    stack: bool = False  # HTML on phones: one block per row, each cell under its column name


@dataclass
class Pre:
    text: str


@dataclass
class Figure:
    svg: str
    caption: str
    file: str | None = None  # for Markdown: the SVG file beside the summary
    cls: str = ""
    narrow_svg: str | None = None  # HTML: a phone layout shown instead of ``svg`` on narrow screens


Block = H | P | UL | RefList | Table | Pre | Figure


@dataclass
class Doc:
    title: str
    lang: str
    subtitle: str = ""
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def _md_text(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def _md_inline(parts: Inline | Parts) -> str:
    out = []
    for p in parts if isinstance(parts, list) else [parts]:
        if isinstance(p, Link):
            out.append(f"[{_md_text(p.text)}](<{p.href}>)")
        elif isinstance(p, Strong):
            out.append(f"**{_md_text(p.text)}**")
        elif isinstance(p, Code):
            out.append(f"`{p.text.replace('`', '')}`")
        elif isinstance(p, Badge):
            out.append(f"**{_md_text(p.text.upper())}** ")
        else:
            out.append(_md_text(p))
    return "".join(out)


def to_markdown(doc: Doc) -> str:
    """Render a document as CommonMark with pipe tables."""
    lines = [f"# {_md_text(doc.title)}", ""]
    if doc.subtitle:
        lines += [f"*{_md_text(doc.subtitle)}*", ""]
    for b in doc.blocks:
        if isinstance(b, H):
            lines.append(f"{'#' * b.level} {_md_text(b.text)}")
        elif isinstance(b, P):
            lines.append(_md_inline(b.parts))
        elif isinstance(b, UL):
            lines += [f"- {_md_inline(item)}" for item in b.items]
        elif isinstance(b, RefList):
            for i, ref in enumerate(b.items, 1):
                lines.append(f"{i}. {_md_inline(ref.parts)}")
                lines += [f"   - {_md_inline(n)}" for n in ref.notes]
        elif isinstance(b, Table) and not b.header:  # a key-value table: a list reads better in Markdown
            lines += [f"- **{_md_inline(row[0])}:** {_md_inline(row[1:])}" for row in b.rows]
        elif isinstance(b, Table):
            if b.header:
                lines.append("| " + " | ".join(_md_text(h) for h in b.header) + " |")
                lines.append(
                    "|" + "|".join("---:" if i in b.numeric else "---" for i in range(len(b.header))) + "|"
                )
            for row in b.rows:
                lines.append("| " + " | ".join(_md_inline(c) for c in row) + " |")
        elif isinstance(b, Pre):
            lines += ["```text", b.text, "```"]
        elif isinstance(b, Figure):
            if b.file:
                lines.append(f"![{_md_text(b.caption)}]({b.file})")
            lines.append(f"*{_md_text(b.caption)}*")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _html_inline(parts: Inline | Parts) -> str:
    out = []
    for p in parts if isinstance(parts, list) else [parts]:
        if isinstance(p, Link):
            out.append(f'<a href="{_h(p.href)}">{_h(p.text)}</a>')
        elif isinstance(p, Strong):
            out.append(f"<strong>{_h(p.text)}</strong>")
        elif isinstance(p, Code):
            out.append(f"<code>{_h(p.text)}</code>")
        elif isinstance(p, Badge):
            out.append(f'<span class="badge">{_h(p.text)}</span>')
        else:
            out.append(_h(p))
    return "".join(out)


def _html_block(b: Block) -> str:
    if isinstance(b, H):
        return f"<h{b.level}>{_h(b.text)}</h{b.level}>"
    if isinstance(b, P):
        cls = f' class="{b.cls}"' if b.cls else ""
        return f"<p{cls}>{_html_inline(b.parts)}</p>"
    if isinstance(b, UL):
        cls = f' class="{b.cls}"' if b.cls else ""
        return f"<ul{cls}>" + "".join(f"<li>{_html_inline(i)}</li>" for i in b.items) + "</ul>"
    if isinstance(b, RefList):
        items = []
        for ref in b.items:
            notes = "".join(f'<p class="note">{_html_inline(n)}</p>' for n in ref.notes)
            items.append(f"<li>{_html_inline(ref.parts)}{notes}</li>")
        return '<ol class="refs">' + "".join(items) + "</ol>"
    if isinstance(b, Table):

        def cell(tag: str, i: int, content: str) -> str:
            classes = " ".join(c for c, cols in (("num", b.numeric), ("nowrap", b.nowrap)) if i in cols)
            return f'<{tag} class="{classes}">{content}</{tag}>' if classes else f"<{tag}>{content}</{tag}>"

        head = (
            "<thead><tr>" + "".join(cell("th", i, _h(h)) for i, h in enumerate(b.header)) + "</tr></thead>"
            if b.header
            else ""
        )
        rows = []
        for n, row in enumerate(b.rows):
            cls = ' class="total"' if b.total_last and n == len(b.rows) - 1 else ""
            if b.header and b.stack:
                cells = "".join(cell("td", i, _html_inline(c)).replace("<td", f'<td data-label="{_h(b.header[i])}"', 1)
                                for i, c in enumerate(row))
            elif b.header:
                cells = "".join(cell("td", i, _html_inline(c)) for i, c in enumerate(row))
            else:  # a key-value table: the key is a row header
                cells = f'<th scope="row">{_html_inline(row[0])}</th>' + "".join(
                    cell("td", i, _html_inline(c)) for i, c in enumerate(row) if i
                )
            rows.append(f"<tr{cls}>{cells}</tr>")
        kv = (' class="stack"' if b.stack else "") if b.header else ' class="kv"'
        return f'<div class="table-wrap"><table{kv}>{head}<tbody>{"".join(rows)}</tbody></table></div>'
    if isinstance(b, Pre):
        return f"<pre>{_h(b.text)}</pre>"
    if isinstance(b, Figure):
        inner = (
            f'<div class="figure-scroll wide">{b.svg}</div><div class="figure-scroll '
            f'narrow">{b.narrow_svg}</div>'
            if b.narrow_svg
            else f'<div class="figure-scroll">{b.svg}</div>'
        )
        return f'<figure class="{b.cls}">{inner}<figcaption>{_h(b.caption)}</figcaption></figure>'
    raise TypeError(type(b))


def to_html(doc: Doc, generator: str = "lsr") -> str:
    """Render a document as one self-contained HTML page (inline CSS and SVG)."""
    body = "\n".join(_html_block(b) for b in doc.blocks)
    subtitle = f'<p class="subtitle">{_h(doc.subtitle)}</p>' if doc.subtitle else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{doc.lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{_h(generator)}">\n<title>{_h(doc.title)}</title>\n'
        f"<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{_h(doc.title)}</h1>\n{subtitle}\n{body}\n</main>\n</body>\n</html>\n"
    )
