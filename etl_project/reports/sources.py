"""A report file as plain text: .txt, .md, .html/.htm, .docx and .pdf (its text layer).

Text files may be UTF-8 (with or without BOM) or GB18030/GBK; the bytes decide.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from etl_project.core.encoding import UndecodableText, decode_bytes
from etl_project.reports.html_text import page_text

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf")
_WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_LINE_END = re.compile(r"[。！？：；”」』)）!?:;]$")


class UnreadableReport(Exception):
    pass


@dataclass(frozen=True)
class Source:
    text: str
    title: str | None = None
    date: str | None = None


def _decode(path: Path) -> str:
    try:
        return decode_bytes(path.read_bytes(), path.name)[0]
    except UndecodableText as exc:
        raise UnreadableReport(f"{path.name}: the text is neither UTF-8 nor GB18030; save it again in one of them") from exc


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_MD_INLINE = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__|\*|`)"), ""),
    (re.compile(r"^\s{0,3}(?:#{1,6}\s*|>\s?|[-*+]\s+)", re.M), ""),
    (re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$", re.M), ""),
)


def _markdown(text: str) -> Source:
    text = text.replace("\r\n", "\n")
    fields = {}
    front = _FRONT_MATTER.match(text)
    if front:
        for line in front.group(1).splitlines():
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip().strip("\"'")
        text = text[front.end() :]
    heading = re.search(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", text, re.M)
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    title = fields.get("title") or (heading.group(1).strip() if heading else None)
    return Source(text, title, fields.get("date"))


def _docx(path: Path) -> Source:
    try:
        with zipfile.ZipFile(path) as archive:
            root = ElementTree.fromstring(archive.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise UnreadableReport(f"{path.name}: not a readable .docx document ({exc})") from exc
    lines, title = [], None
    for paragraph in root.iter(f"{_WORD}p"):
        pieces = []
        for node in paragraph.iter():
            if node.tag == f"{_WORD}t":
                pieces.append(node.text or "")
            elif node.tag == f"{_WORD}tab":
                pieces.append("\t")
            elif node.tag in (f"{_WORD}br", f"{_WORD}cr"):
                pieces.append("\n")
        line = "".join(pieces)
        style = paragraph.find(f"{_WORD}pPr/{_WORD}pStyle")
        if title is None and line.strip() and style is not None and style.get(f"{_WORD}val") in ("Title", "Heading1"):
            title = line.strip()
        lines.append(line)
    return Source("\n".join(lines), title)


def _pdf(path: Path) -> Source:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, OSError) as exc:
        raise UnreadableReport(f"{path.name}: not a readable PDF ({exc})") from exc
    if not any(page.strip() for page in pages):
        raise UnreadableReport(f"{path.name}: the PDF has no text layer (a scan); it needs OCR first")
    return Source("\n".join(_rejoin(page) for page in pages))


def _rejoin(page: str) -> str:
    """PDF text breaks lines where the page did; a full-width line that does not end a sentence
    goes on in the next line, so figures and sentences are not cut in two."""
    lines = [line.rstrip() for line in page.splitlines()]
    width = max((len(line) for line in lines), default=0)
    out: list[str] = []
    for line in lines:
        if out and out[-1] and line.strip() and len(out[-1]) >= 0.8 * width and not _LINE_END.search(out[-1]):
            out[-1] += line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def read_source(path: Path) -> Source:
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return Source(_decode(path))
    if suffix in (".md", ".markdown"):
        return _markdown(_decode(path))
    if suffix in (".html", ".htm"):
        page = page_text(_decode(path))
        return Source(page.text, page.title, page.date)
    if suffix == ".docx":
        return _docx(path)
    if suffix == ".pdf":
        return _pdf(path)
    raise UnreadableReport(f"{path.name}: reports are read from {', '.join(SUFFIXES)} files, not {suffix or 'files without a suffix'}")
