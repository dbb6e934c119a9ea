"""A page's tags read with the standard library's HTMLParser (no HTML library in the suite):
each start tag with its attributes, the text under each element with an id, and the tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Tag:
    name: str
    attrs: dict
    text: str = ""
    children: list[str] = field(default_factory=list)  # names of the tags directly inside


class Page(HTMLParser):
    def __init__(self, body: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[Tag] = []
        self._open: list[Tag] = []
        self.feed(body)

    def handle_starttag(self, tag, attrs):
        node = Tag(tag, {k: (v if v is not None else "") for k, v in attrs})
        if self._open:
            self._open[-1].children.append(tag)
        self.tags.append(node)
        if tag not in VOID:
            self._open.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].name == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for node in self._open:
            node.text += data

    def by_id(self, id_: str) -> Tag | None:
        return next((t for t in self.tags if t.attrs.get("id") == id_), None)

    def field(self, name: str) -> Tag | None:
        """The form control named `name` (not a hidden input)."""
        return next(
            (
                t
                for t in self.tags
                if t.name in ("input", "select", "textarea")
                and t.attrs.get("name") == name
                and t.attrs.get("type") != "hidden"
            ),
            None,
        )

    def invalid_fields(self) -> list[Tag]:
        return [t for t in self.tags if t.attrs.get("aria-invalid") == "true"]

    def tables(self) -> list[Tag]:
        return [t for t in self.tags if t.name == "table"]
