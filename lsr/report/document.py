"""A small document model rendered to Markdown and to one self-contained HTML page.

Summaries and the portfolio are built once as a ``Doc`` (headings, paragraphs, lists, tables, figures,
references) and rendered to both formats, so the Markdown and the HTML always say the same thing. Each
element renders itself (``md()`` and ``html()``), so there is one walk over a document, not a chain of
type checks per format. The HTML carries its CSS and SVG inline (no external files, fonts or scripts),
sets ``lang``, adapts to phone widths and has print rules.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from lsr.report.style import CSS

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def _md_text(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def _h(text: str) -> str:
    return html.escape(text, quote=True)


@dataclass
class Link:
    text: str
    href: str

    def md(self) -> str:
        return f"[{_md_text(self.text)}](<{self.href}>)"

    def html(self) -> str:
        return f'<a href="{_h(self.href)}">{_h(self.text)}</a>'


@dataclass
class Strong:
    text: str

    def md(self) -> str:
        return f"**{_md_text(self.text)}**"

    def html(self) -> str:
        return f"<strong>{_h(self.text)}</strong>"


@dataclass
class Code:
    text: str

    def md(self) -> str:
        return f"`{self.text.replace('`', '')}`"

    def html(self) -> str:
        return f"<code>{_h(self.text)}</code>"


@dataclass
class Badge:
    text: str

    def md(self) -> str:
        return f"**{_md_text(self.text.upper())}** "

    def html(self) -> str:
        return f'<span class="badge">{_h(self.text)}</span>'


Inline = str | Link | Strong | Code | Badge
Parts = list[Inline]


def _md_inline(parts: Inline | Parts) -> str:
    return "".join(_md_text(p) if isinstance(p, str) else p.md() for p in _as_list(parts))


def _html_inline(parts: Inline | Parts) -> str:
    return "".join(_h(p) if isinstance(p, str) else p.html() for p in _as_list(parts))


def _as_list(parts: Inline | Parts) -> Parts:
    return parts if isinstance(parts, list) else [parts]


def _cls(cls: str | None) -> str:
    return f' class="{cls}"' if cls else ""


@dataclass
class H:
    level: int
    text: str

    def md(self) -> list[str]:
        return [f"{'#' * self.level} {_md_text(self.text)}"]

    def html(self) -> str:
        return f"<h{self.level}>{_h(self.text)}</h{self.level}>"


@dataclass
class P:
    parts: Parts
    cls: str | None = None

    def md(self) -> list[str]:
        return [_md_inline(self.parts)]

    def html(self) -> str:
        return f"<p{_cls(self.cls)}>{_html_inline(self.parts)}</p>"


@dataclass
class UL:
    items: list[Parts]
    cls: str | None = None

    def md(self) -> list[str]:
        return [f"- {_md_inline(item)}" for item in self.items]

    def html(self) -> str:
        return f"<ul{_cls(self.cls)}>" + "".join(f"<li>{_html_inline(i)}</li>" for i in self.items) + "</ul>"


@dataclass
class Ref:
    parts: Parts
    notes: list[Parts] = field(default_factory=list)


@dataclass
class RefList:
    items: list[Ref]

    def md(self) -> list[str]:
        lines = []
        for i, ref in enumerate(self.items, 1):
            lines.append(f"{i}. {_md_inline(ref.parts)}")
            lines += [f"   - {_md_inline(n)}" for n in ref.notes]
        return lines

    def html(self) -> str:
        items = []
        for ref in self.items:
            notes = "".join(f'<p class="note">{_html_inline(n)}</p>' for n in ref.notes)
            items.append(f"<li>{_html_inline(ref.parts)}{notes}</li>")
        return '<ol class="refs">' + "".join(items) + "</ol>"


@dataclass
class Table:
    header: list[str]
    rows: list[list[Inline | Parts]]
    numeric: set[int] = field(default_factory=set)
    total_last: bool = False
    nowrap: set[int] = field(default_factory=set)
    stack: bool = False  # HTML on phones: one block per row, each cell under its column name
    wrap: set[int] = field(default_factory=set)  # columns whose long words (queries, file names) break anywhere

    def md(self) -> list[str]:
        if not self.header:  # a key-value table: a list reads better in Markdown
            return [f"- **{_md_inline(row[0])}:** {_md_inline(row[1:])}" for row in self.rows]
        lines = ["| " + " | ".join(_md_text(h) for h in self.header) + " |",
                 "|" + "|".join("---:" if i in self.numeric else "---" for i in range(len(self.header))) + "|"]
        return lines + ["| " + " | ".join(_md_inline(c) for c in row) + " |" for row in self.rows]

    def _cell(self, tag: str, i: int, content: str) -> str:
        classes = " ".join(c for c, cols in (("num", self.numeric), ("nowrap", self.nowrap), ("wrap", self.wrap))
                           if i in cols)
        return f'<{tag} class="{classes}">{content}</{tag}>' if classes else f"<{tag}>{content}</{tag}>"

    def html(self) -> str:
        cell = self._cell
        head = (
            "<thead><tr>" + "".join(cell("th", i, _h(h)) for i, h in enumerate(self.header)) + "</tr></thead>"
            if self.header
            else ""
        )
        rows = []
        for n, row in enumerate(self.rows):
            cls = ' class="total"' if self.total_last and n == len(self.rows) - 1 else ""
            if self.header and self.stack:
                cells = "".join(
                    cell("td", i, _html_inline(c)).replace("<td", f'<td data-label="{_h(self.header[i])}"', 1)
                    for i, c in enumerate(row))
            elif self.header:
                cells = "".join(cell("td", i, _html_inline(c)) for i, c in enumerate(row))
            else:  # a key-value table: the key is a row header
                cells = f'<th scope="row">{_html_inline(row[0])}</th>' + "".join(
                    cell("td", i, _html_inline(c)) for i, c in enumerate(row) if i
                )
            rows.append(f"<tr{cls}>{cells}</tr>")
        kv = (' class="stack"' if self.stack else "") if self.header else ' class="kv"'
        return f'<div class="table-wrap"><table{kv}>{head}<tbody>{"".join(rows)}</tbody></table></div>'


@dataclass
class Pre:
    text: str

    def md(self) -> list[str]:
        return ["```text", self.text, "```"]

    def html(self) -> str:
        return f"<pre>{_h(self.text)}</pre>"


@dataclass
class Figure:
    svg: str
    caption: str
    file: str | None = None  # for Markdown: the SVG file beside the summary
    cls: str = ""
    narrow_svg: str | None = None  # HTML: a phone layout shown instead of ``svg`` on narrow screens

    def md(self) -> list[str]:
        image = [f"![{_md_text(self.caption)}]({self.file})"] if self.file else []
        return image + [f"*{_md_text(self.caption)}*"]

    def html(self) -> str:
        inner = (
            f'<div class="figure-scroll wide">{self.svg}</div><div class="figure-scroll '
            f'narrow">{self.narrow_svg}</div>'
            if self.narrow_svg
            else f'<div class="figure-scroll">{self.svg}</div>'
        )
        return f'<figure class="{self.cls}">{inner}<figcaption>{_h(self.caption)}</figcaption></figure>'


Block = H | P | UL | RefList | Table | Pre | Figure


@dataclass
class Doc:
    title: str
    lang: str
    subtitle: str = ""
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


def to_markdown(doc: Doc) -> str:
    """Render a document as CommonMark with pipe tables."""
    lines = [f"# {_md_text(doc.title)}", ""]
    if doc.subtitle:
        lines += [f"*{_md_text(doc.subtitle)}*", ""]
    for b in doc.blocks:
        lines += [*b.md(), ""]
    return "\n".join(lines).rstrip() + "\n"


def to_html(doc: Doc, generator: str = "lsr") -> str:
    """Render a document as one self-contained HTML page (inline CSS and SVG)."""
    body = "\n".join(b.html() for b in doc.blocks)
    subtitle = f'<p class="subtitle">{_h(doc.subtitle)}</p>' if doc.subtitle else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{doc.lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{_h(generator)}">\n<title>{_h(doc.title)}</title>\n'
        f"<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{_h(doc.title)}</h1>\n{subtitle}\n{body}\n</main>\n</body>\n</html>\n"
    )
