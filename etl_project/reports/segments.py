"""Sentences, clauses and quoted names of a body, as offset spans.

A figure is read in the light of its clause (the verb that governs it), dated by its sentence,
and ignored inside a book-title mark or a short quoted slogan, which names things rather than
counting them.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_SENTENCE_END = re.compile(r"[。！？!?]+[”’」』)）]*|\n")
# A comma between digits is a thousands separator, not a clause break; nor is a space beside a digit,
# which typesetting puts around Arabic numbers ("监测对象 1 234 户").
_CLAUSE_BREAK = re.compile(r"[，；：;:。！？!?]|(?<!\d),|,(?!\d{3})|\s*\n\s*|(?<!\d)[^\S\n]+(?!\d)")
_TITLE_MARKS = re.compile(r"《[^《》\n]*》|〈[^〈〉\n]*〉")
_QUOTES = re.compile(r"“[^“”\n]*”|「[^「」\n]*」|『[^『』\n]*』|\"[^\"\n]*\"")
_SENTENCE_PUNCTUATION = re.compile(r"[，。,；;！？!?]")
SLOGAN_MAX_CHARS = 12


def _spans(text: str, breaks: re.Pattern) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in breaks.finditer(text):
        if match.end() > start:
            spans.append((start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


class Segments:
    def __init__(self, text: str):
        self.text = text
        self.sentences = _spans(text, _SENTENCE_END)
        self.clauses = _spans(text, _CLAUSE_BREAK)
        self._sentence_starts = [s for s, _ in self.sentences]
        self._clause_starts = [s for s, _ in self.clauses]
        self.protected = [m.span() for m in _TITLE_MARKS.finditer(text)]
        for quote in _QUOTES.finditer(text):
            inner = quote.group()[1:-1]
            if len(inner) <= SLOGAN_MAX_CHARS and not _SENTENCE_PUNCTUATION.search(inner):
                self.protected.append(quote.span())

    def sentence_at(self, pos: int) -> tuple[int, int]:
        return self.sentences[max(bisect_right(self._sentence_starts, pos) - 1, 0)]

    def clause_at(self, pos: int) -> tuple[int, int]:
        return self.clauses[max(bisect_right(self._clause_starts, pos) - 1, 0)]

    def is_protected(self, pos: int) -> bool:
        return any(start < pos < end for start, end in self.protected)

    def sentence_text(self, pos: int) -> str:
        start, end = self.sentence_at(pos)
        return self.text[start:end].strip()
