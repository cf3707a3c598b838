"""A report in each of the forms offices publish: a GB18030 text file, Markdown, a web page with its
site around it, a Word document and a PDF with a text layer.

Every writer gives the same bytes for the same report: the Word package is repacked with fixed
member times and the PDF is written in ReportLab's invariant mode.
"""

from __future__ import annotations

import html
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from sample_data.report_stories import Story

INDENT = "\u3000\u3000"
PDF_FONT = "STSong-Light"
PDF_CHARS_PER_LINE = 36
# A PDF line ending in one of these is read as a finished line, so a wrapped line must not end so;
# sentence ends may, since the reader breaks the sentence there anyway.
_NO_LINE_END = "：；”」』)）:;"
# Punctuation that hangs at the end of a line rather than start the next (避头).
_HANGING = "，、。！？"
_NUMBER = set("0123456789.,")


def _lines(story: Story) -> list[str]:
    return [text if kind == "h" else INDENT + text for kind, text in story.blocks]


def write_txt(path: Path, story: Story, date: str, office: str) -> None:
    lines = [story.title, f"来源：{office}\u3000\u3000发布时间：{date}", "", *_lines(story), "", f"（{office}供稿）"]
    path.write_bytes("\r\n".join(lines).encode("gb18030") + b"\r\n")


def write_md(path: Path, story: Story, date: str, office: str) -> None:
    parts = [f"# {story.title}", f"发布时间：{date}\u3000来源：{office}"]
    parts += [f"## {text}" if kind == "h" else text for kind, text in story.blocks]
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8", newline="\n")


def write_html(path: Path, story: Story, date: str, office: str, site: str, related: list[str]) -> None:
    e = html.escape
    body = "\n".join(f"<h3>{e(text)}</h3>" if kind == "h" else f"<p>{e(INDENT + text)}</p>" for kind, text in story.blocks)
    links = "\n".join(f'<li><a href="/xwzx/{i + 101}.html">{e(title)}</a></li>' for i, title in enumerate(related))
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="pubdate" content="{date}">
<title>{e(story.title)}_{e(site)}</title>
</head>
<body>
<div class="top-links">首页 政务公开 新闻中心 办事服务 互动交流 专题专栏</div>
<nav class="main-nav"><ul><li><a href="/">首页</a></li><li><a href="/xwzx/">新闻中心</a></li><li><a href="/zwgk/">政务公开</a></li></ul></nav>
<div class="position">首页 &gt; 新闻中心 &gt; 工作动态</div>
<div class="article">
<h1>{e(story.title)}</h1>
<div class="info">发布时间：{date}　来源：{e(office)}</div>
<div class="content">
{body}
</div>
<div class="tools">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
<div class="links-box">
<h4>相关链接</h4>
<ul>
{links}
</ul>
</div>
</div>
<div class="bottom">主办单位：{e(site)}　版权所有</div>
</body>
</html>
"""
    path.write_text(page, encoding="utf-8", newline="\n")


def write_docx(path: Path, story: Story, date: str, office: str) -> None:
    from docx import Document
    from docx.oxml.ns import qn

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "宋体"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    moment = datetime.fromisoformat(date).replace(hour=9, tzinfo=UTC)
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = story.title, office, office
    properties.created = properties.modified = moment
    properties.revision = 1
    document.add_heading(story.title, 0)
    document.add_paragraph(f"发布时间：{date}\u3000来源：{office}")
    for kind, text in story.blocks:
        if kind == "h":
            document.add_heading(text, 2)
        else:
            document.add_paragraph(INDENT + text)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_fixed_zip(buffer.getvalue()))


def _fixed_zip(data: bytes) -> bytes:
    """The same package with every member dated 1980-01-01, so the bytes do not depend on the clock."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            member = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(item.filename))
    return out.getvalue()


def _wrap(text: str) -> list[str]:
    """Lines of a fixed number of characters, as a typesetter fills a CJK line, except that a number
    is never cut in two, a comma or full stop hangs at the end of the line, and a colon, semicolon
    or closing quote does not end a line the sentence goes on after."""
    lines, rest = [], text
    while len(rest) > PDF_CHARS_PER_LINE:
        cut = PDF_CHARS_PER_LINE
        while cut < len(rest) and rest[cut] in _NUMBER and rest[cut - 1] in _NUMBER:
            cut += 1
        if cut < len(rest) and rest[cut] in _HANGING:
            cut += 1
        while rest[cut - 1] in _NO_LINE_END and cut > PDF_CHARS_PER_LINE - 4:
            cut -= 1
        lines.append(rest[:cut])
        rest = rest[cut:]
    return lines + [rest] if rest else lines


def write_pdf(path: Path, story: Story, date: str, office: str) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    width, height = A4
    margin, leading, size = 72, 22, 12
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.setTitle(story.title)
    pdf.setAuthor(office)
    blocks = [("title", story.title), ("meta", f"发布时间：{date}"), ("meta", f"来源：{office}"), *story.blocks]
    page, y = 0, 0.0

    def new_page() -> float:
        nonlocal page
        if page:
            pdf.showPage()
        page += 1
        # The folio is drawn first so that the text layer lists it before the body, on its own line.
        pdf.setFont(PDF_FONT, 10)
        pdf.drawCentredString(width / 2, margin / 2, f"- {page} -")
        return height - margin

    y = new_page()
    for kind, text in blocks:
        lines = [text] if kind in ("title", "meta", "h") else _wrap(INDENT + text)
        if y - leading * len(lines) < margin:
            y = new_page()
        for line in lines:
            if kind == "title":
                pdf.setFont(PDF_FONT, 16)
                pdf.drawCentredString(width / 2, y, line)
            else:
                pdf.setFont(PDF_FONT, size)
                pdf.drawString(margin, y, line)
            y -= leading
    pdf.showPage()
    pdf.save()
