"""Records out of an XML export (EndNote XML, PubMed XML), each with the line and column where it starts.

Owns the XML side of the XML readers. The document is parsed with the standard library's expat, streamed:
every element named as a record becomes an ``xml.etree.ElementTree.Element`` on its own, with the position
of its start tag. Nothing is fetched: expat does not load external DTDs or entities, and an entity XML
does not define itself (``&nbsp;``) is an error. A document that is not well-formed is refused naming the
line and column expat stopped at, so a broken file is refused whole like any other import.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.parsers import expat

from lsr.errors import LsrError


@dataclass
class XmlRecord:
    """One record element of an XML export and where its start tag is."""

    line: int
    column: int
    element: ET.Element

    @property
    def key(self) -> str:
        """``line:column``: records of one file may share a line (EndNote writes a whole library on one)."""
        return f"{self.line}:{self.column}"


def xml_records(text: str, name: str, record_tags: str | set[str]) -> tuple[str | None, list[XmlRecord]]:
    """The root element's name and every element named in ``record_tags`` (outermost only), in file order.

    Raises:
        LsrError: the document is not well-formed XML (line and column named).
    """
    wanted = {record_tags} if isinstance(record_tags, str) else set(record_tags)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    records: list[XmlRecord] = []
    root: list[str] = []
    builder: ET.TreeBuilder | None = None
    depth = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal builder, depth
        if not root:
            root.append(tag)
        if builder is None and tag in wanted:
            builder = ET.TreeBuilder()
            records.append(XmlRecord(parser.CurrentLineNumber, parser.CurrentColumnNumber + 1, ET.Element(tag)))
        if builder is not None:
            depth += 1
            builder.start(tag, attrs)

    def end(tag: str) -> None:
        nonlocal builder, depth
        if builder is not None:
            builder.end(tag)
            depth -= 1
            if depth == 0:
                records[-1].element = builder.close()
                builder = None

    def data(chunk: str) -> None:
        if builder is not None:
            builder.data(chunk)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, data
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise LsrError(f"{name}: line {exc.lineno}, column {exc.offset + 1}: not well-formed XML: "
                       f"{expat.ErrorString(exc.code)}") from None
    return (root[0] if root else None), records


def element_text(element: ET.Element | None) -> str:
    """All text inside an element (EndNote splits a field into ``<style>`` runs), whitespace squashed."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())
