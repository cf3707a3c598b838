"""Separating a report's body from the web page or document around it.

Lines are dropped when they are navigation (首页 > 行业资讯, 当前位置), page metadata (来源, 时间,
热度, 责任编辑 …), share buttons (分享到 微信 微博), copyright and licence lines, page numbers, channel
menus (a run of short lines, or a line of short items), or a teaser that repeats the start of the
article. A heading such as 相关链接 / 相关阅读 / 推荐阅读 ends the body: what follows belongs to
other articles. The report date is the first date on a metadata line, else on a line of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from etl_project.reports.dates import first_date, leading_date
from etl_project.reports.numerals import fold

_END_OF_BODY = re.compile(
    r"^[【\[（(\s•·>]*(?:相关链接|相关阅读|推荐阅读|相关新闻|相关文章|延伸阅读|相关报道|阅读下一篇|上一篇|下一篇|"
    r"猜你喜欢|热点推荐|精彩推荐|频道精选|热门文章|更多阅读|热门推荐|为您推荐)"
)
_META = re.compile(
    r"^[【\[(（]?\s*(?:来源于?|稿源|信息来源|文章来源|作者|编辑|责任编辑|责编|编审|审核|校对|热度|浏览(?:次数|量)?|"
    r"阅读(?:量|数|次数)?|点击(?:数|量|率)?|字号|字体|发布(?:时间|日期)|发表(?:时间|日期)|更新(?:时间|日期)|时间|日期|"
    r"供稿|摄影|通讯员|published|date|source|author)\s*[:：]",
    re.IGNORECASE,
)
_DATE_LABEL = re.compile("时间|日期|published|date", re.IGNORECASE)
_WHERE = re.compile(r"^(?:当前位置|您的位置|你的位置|您现在的位置|你现在的位置|所在位置|当前的位置)")
_CRUMB_SEPARATORS = re.compile(r"\s*[>＞»›]\s*")
_SENTENCE_PUNCTUATION = re.compile(r"[。，,；;！？!?、]")
_SHARE = re.compile(r"分享到|分享至|一键分享|^分享\s*[:：]?")
_SHARE_WORDS = {
    "微信",
    "微博",
    "新浪微博",
    "腾讯微博",
    "QQ",
    "QQ空间",
    "朋友圈",
    "豆瓣",
    "人人网",
    "复制链接",
    "扫一扫",
    "二维码",
    "打印",
    "关闭",
    "收藏",
    "点赞",
    "评论",
    "大",
    "中",
    "小",
    "字号",
    "打印本页",
    "关闭窗口",
    "返回顶部",
    "回到顶部",
    "【",
    "】",
    "[",
    "]",
}
_COPYRIGHT = re.compile(
    r"版权所有|copyright|©|ICP备|ICP证|备案号|公网安备|all rights reserved|未经授权|违法和不良信息举报|"
    r"技术支持\s*[:：]|主办单位\s*[:：]|承办单位\s*[:：]|责任编辑",
    re.IGNORECASE,
)
_PAGE_NUMBER = re.compile(r"^(?:[-—–\s]*\d+[-—–\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$")
_ITEM_SPLIT = re.compile(r"[\s|丨│【】\[\]]+")
_BULLET = re.compile(r"^[•·●○▪■□\-*]\s*")
MENU_ITEM_CHARS = 8
MENU_RUN = 4
TITLE_MAX_CHARS = 50
SUBSTANTIVE_CHARS = 30
META_MAX_CHARS = 80


@dataclass(frozen=True)
class Cleaned:
    body: str
    title: str | None
    report_date: str | None


def _is_breadcrumb(line: str) -> bool:
    if _WHERE.match(line) or re.fullmatch(r"(?:网站)?首页", line):
        return True
    parts = _CRUMB_SEPARATORS.split(line)
    return len(parts) > 1 and all(len(p) <= 15 for p in parts) and not _SENTENCE_PUNCTUATION.search(line)


def _items(line: str) -> list[str]:
    return [item for item in _ITEM_SPLIT.split(line) if item]


def _is_share_or_tools(line: str) -> bool:
    if _SHARE.search(line):
        return True
    items = [re.sub(r"[【】\[\]]", "", item) for item in _items(line)]
    items = [item for item in items if item]
    return bool(items) and all(item in _SHARE_WORDS or item.startswith("返回") for item in items)


def _is_menu_line(line: str) -> bool:
    items = _items(line)
    return len(items) >= MENU_RUN and all(len(i) <= 6 for i in items) and not _SENTENCE_PUNCTUATION.search(line)


def _is_short_item(line: str) -> bool:
    item = _BULLET.sub("", line)
    return len(item) <= MENU_ITEM_CHARS and not _SENTENCE_PUNCTUATION.search(item) and not re.search(r"[:：]", item)


def _drop_menu_runs(lines: list[str]) -> list[str]:
    kept, run = [], []
    for line in [*lines, None]:
        if line is not None and _is_short_item(line):
            run.append(line)
            continue
        if len(run) < MENU_RUN:
            kept.extend(run)
        run = []
        if line is not None:
            kept.append(line)
    return kept


def _drop_teasers(lines: list[str], title: str | None) -> list[str]:
    """A summary line that repeats the article's start (often after the title) is page furniture."""

    def opening(line: str) -> str:
        if title and line.startswith(title):
            line = line[len(title) :]
        return line.strip()

    kept = []
    for index, line in enumerate(lines):
        start = opening(line).rstrip("…. ")
        repeats = len(start) >= 15 and any(other != line and other.startswith(start) for other in lines[index + 1 :])
        if not repeats:
            kept.append(line)
    return kept


def _title_from(lines: list[str]) -> str | None:
    if lines and len(lines[0]) <= TITLE_MAX_CHARS and not re.search(r"[。；，,;]$", lines[0]):
        return lines[0]
    return None


def clean(text: str, title_hint: str | None = None, date_hint: str | None = None) -> Cleaned:
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    kept: list[str] = []
    report_date = None
    for line in filter(None, lines):
        folded = fold(line)
        if _END_OF_BODY.match(folded) and len(line) <= 30:
            if any(len(k) >= SUBSTANTIVE_CHARS or "。" in k for k in kept):
                break
            continue
        line_date = leading_date(line)
        if (_META.match(folded) and len(line) <= META_MAX_CHARS) or (line_date and len(line) <= 60 and "。" not in line):
            if report_date is None and (line_date or _DATE_LABEL.search(folded)):
                report_date = line_date or first_date(line)
            continue
        if (
            _is_breadcrumb(folded)
            or _is_share_or_tools(folded)
            or _COPYRIGHT.search(folded)
            or _PAGE_NUMBER.match(folded)
            or _is_menu_line(folded)
        ):
            continue
        kept.append(line)
    kept = _drop_menu_runs(kept)
    title = title_hint or _title_from(kept)
    kept = _drop_teasers(kept, title)
    return Cleaned("\n".join(kept), title, report_date or date_hint)
