"""The visible text of an HTML page, one block per line, without the page's own furniture.

Elements that are furniture by their tag (nav, aside, script …) or by their class or id
(breadcrumb, share, footer, related …) are left out whole; the rest goes on to the same
line-level cleaning as every other format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_SKIPPED_TAGS = {"script", "style", "noscript", "nav", "aside", "footer", "form", "button", "select", "iframe", "template", "svg", "head"}
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "header",
    "dd",
    "dt",
    "dl",
    "blockquote",
    "pre",
    "hr",
    "title",
    "figcaption",
    "center",
}
_VOID_TAGS = {"br", "img", "meta", "link", "input", "hr", "area", "base", "col", "embed", "source", "wbr"}
_FURNITURE_WORDS = {
    "nav",
    "navbar",
    "menu",
    "breadcrumb",
    "breadcrumbs",
    "crumb",
    "crumbs",
    "bread",
    "share",
    "social",
    "footer",
    "foot",
    "copyright",
    "related",
    "recommend",
    "sidebar",
    "comment",
    "comments",
    "ad",
    "ads",
    "advert",
    "toolbar",
    "weizhi",
    "topbar",
    "pager",
    "pagination",
}
_DATE_META = {"pubdate", "publishdate", "publish_date", "article:published_time", "date", "dc.date", "firstpublishedtime", "publishtime"}
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||-|–|—)\s*")


@dataclass(frozen=True)
class PageText:
    text: str
    title: str | None
    date: str | None


def _is_furniture(tag: str, attrs: dict[str, str | None]) -> bool:
    if tag in _SKIPPED_TAGS:
        return True
    words = re.split(r"[\s_\-]+", f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower())
    return any(word in _FURNITURE_WORDS for word in words)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.h1: list[str] = []
        self.page_title: list[str] = []
        self.date: str | None = None

    @property
    def skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def _inside(self, tag: str) -> bool:
        return any(name == tag for name, _ in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = (attrs.get("name") or attrs.get("property") or "").lower()
            if key in _DATE_META and attrs.get("content") and self.date is None:
                self.date = attrs["content"]
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag in _VOID_TAGS:
            return
        # "head" is skipped as text, but its <title> is read on its own.
        self.stack.append((tag, _is_furniture(tag, attrs) and tag != "title"))

    def handle_endtag(self, tag):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if not self._inside(tag):
            return
        while self.stack:
            name, _ = self.stack.pop()
            if name == tag:
                break

    def handle_data(self, data):
        if self._inside("title"):
            self.page_title.append(data)
            return
        if self.skipping:
            return
        if self._inside("h1"):
            self.h1.append(data)
        self.parts.append(data)


def page_text(markup: str) -> PageText:
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    h1 = " ".join("".join(collector.h1).split())
    page_title = _TITLE_SEPARATORS.split(" ".join("".join(collector.page_title).split()))[0]
    text = "".join(collector.parts).replace("\xa0", " ")
    return PageText(text, h1 or page_title or None, collector.date)
