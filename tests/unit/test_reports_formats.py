"""Reading reports from every format, and stripping the page around the body."""

from __future__ import annotations

import time

import pytest

from etl_project.reports import UnreadableReport, extract_report
from etl_project.reports.furniture import clean

BODY = [
    "望谟县产业帮扶见成效",
    "今年以来，望谟县新建茶园1200亩，带动贫困户320户增收。",
    "全县累计投入产业资金2,600万元，实施项目18个。",
]


def figures(report: dict) -> list[tuple[str, object, str]]:
    body = report["body"]
    return [(body[c["start"] : c["end"]], c["value"], c["unit"]) for c in report["claims"]]


EXPECTED = [("1200亩", 1200, "mu"), ("320户", 320, "household"), ("2,600万元", 26000000, "yuan"), ("18个", 18, "project")]


def web_page_text(date_line: str) -> str:
    return "\n".join(
        [
            "首页 > 扶贫动态 > 正文",
            "",
            BODY[0],
            "来源：县融媒体中心",
            date_line,
            "热度：",
            "",
            *BODY[1:],
            "责任编辑：王五",
            "分享到：微信 微博 QQ空间",
            "相关阅读",
            "邻县投入资金999万元",
            "另一县带动888户脱贫",
            "版权所有 © 2021",
        ]
    )


def test_txt_in_gb18030(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(web_page_text("时间：2019-11-20 09:30:00").encode("gb18030"))
    report = extract_report(path)
    assert report["file"] == str(path)
    assert report["report_date"] == "2019-11-20"
    assert report["title"] == BODY[0]
    assert report["body"] == "\n".join(BODY)
    assert figures(report) == EXPECTED
    assert report["claims"][0]["period"] == "2019"  # 今年 of the report date


def test_txt_in_utf8_with_bom(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes("\ufeff".encode() + web_page_text("发布时间：2020年5月28日").encode("utf-8"))
    report = extract_report(path)
    assert report["report_date"] == "2020-05-28"
    assert report["body"] == "\n".join(BODY)
    assert figures(report) == EXPECTED


def test_markdown_with_front_matter(tmp_path):
    path = tmp_path / "report.md"
    path.write_text(
        "---\ntitle: 望谟县产业帮扶见成效\ndate: 2021-03-02\n---\n\n# 望谟县产业帮扶见成效\n\n"
        "今年以来，**望谟县**新建茶园1200亩，带动[贫困户](https://example.org/a)320户增收。\n\n"
        "1. 全县累计投入产业资金2,600万元，实施项目18个。\n2. 下一步工作安排\n",
        encoding="utf-8",
    )
    report = extract_report(path)
    assert (report["title"], report["report_date"]) == ("望谟县产业帮扶见成效", "2021-03-02")
    assert "**" not in report["body"] and "https" not in report["body"]
    assert figures(report) == EXPECTED
    assert report["claims"][0]["period"] == "2021"


HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>望谟县产业帮扶见成效_某某新闻网</title>
<meta name="publishdate" content="2021-03-02T08:00:00+08:00">
<script>var views = 12345;</script><style>.a{width:300px}</style></head>
<body>
<div class="top-nav"><a href="/">首页</a> | <a>新闻</a> | <a>政务</a> | <a>图片</a> | <a>视频</a></div>
<div class="breadcrumb">首页 &gt; 地方新闻 &gt; 正文</div>
<p>当前位置：首页 &gt; 扶贫动态</p>
<nav><ul><li>县市区</li><li>经济</li><li>社会</li></ul></nav>
<h1>望谟县产业帮扶见成效</h1>
<div class="info">发布时间：2021年3月2日 来源：县融媒体中心 热度：128</div>
<div class="content">
<p>今年以来，望谟县新建茶园1200亩，带动贫困户320户增收。</p>
<p>全县累计投入产业资金2,600万元，实施项目18个。</p>
</div>
<p>分享到： 微信 微博 QQ空间</p>
<div class="share-box"><a>微信</a><a>微博</a></div>
<p>相关链接</p>
<ul><li>邻县投入资金999万元</li><li>另一县带动888户</li></ul>
<div id="footer">Copyright © 2021 某某新闻网 版权所有 电话：0859-1234567</div>
</body></html>
"""


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_html_without_navigation_share_buttons_and_related_links(tmp_path, suffix):
    path = tmp_path / f"report{suffix}"
    path.write_text(HTML, encoding="utf-8")
    report = extract_report(path)
    assert report["title"] == "望谟县产业帮扶见成效"
    assert report["report_date"] == "2021-03-02"
    assert report["body"] == "\n".join(BODY)
    assert figures(report) == EXPECTED


def test_html_in_gbk_and_without_a_date_on_the_page(tmp_path):
    path = tmp_path / "report.html"
    page = HTML.replace('<meta name="publishdate" content="2021-03-02T08:00:00+08:00">', "").replace(
        '<div class="info">发布时间：2021年3月2日 来源：县融媒体中心 热度：128</div>', ""
    )
    path.write_bytes(page.replace("utf-8", "gbk").encode("gb18030"))
    report = extract_report(path)
    assert report["report_date"] is None
    assert report["claims"][0]["period"] is None  # 今年 with no date to count from
    assert figures(report) == EXPECTED


def test_docx(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading(BODY[0], level=1)
    document.add_paragraph("发布时间：2022年1月5日")
    for line in BODY[1:]:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "新修道路"
    table.cell(0, 1).text = "12公里"
    path = tmp_path / "report.docx"
    document.save(path)
    report = extract_report(path)
    assert (report["title"], report["report_date"]) == (BODY[0], "2022-01-05")
    assert figures(report) == [*EXPECTED, ("12公里", 12, "km")]


def _pdf(path, lines):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(path))
    page.setFont("STSong-Light", 11)
    for number, line in enumerate(lines):
        page.drawString(40, 800 - 16 * number, line)
    page.drawString(280, 40, "- 1 -")
    page.showPage()
    page.save()


def test_pdf_text_layer_gives_back_the_chinese_text(tmp_path):
    path = tmp_path / "report.pdf"
    # The third and fourth lines are one sentence the page broke inside a figure.
    _pdf(path, [*BODY, "另据统计，全县各易地扶贫搬迁集中安置点今年共新建安置住房2", "400套，安置群众9600人。"])
    report = extract_report(path)
    assert report["title"] == BODY[0]
    assert "望谟县新建茶园1200亩" in report["body"]
    assert "- 1 -" not in report["body"]
    assert figures(report) == [*EXPECTED, ("2400套", 2400, "count"), ("9600人", 9600, "person")]


def test_pdf_without_text_layer_is_refused_with_a_reason(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    blank = canvas.Canvas(str(path))
    blank.showPage()
    blank.save()
    with pytest.raises(UnreadableReport, match="no text layer"):
        extract_report(path)


def test_other_files_are_refused_with_the_formats_that_are_read(tmp_path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(UnreadableReport, match=r"\.txt"):
        extract_report(path)
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(UnreadableReport, match="docx"):
        extract_report(broken)


@pytest.mark.parametrize(
    "furniture",
    [
        "首页 > 行业资讯",
        "当前位置：首页 > 正文",
        "来源：县扶贫办",
        "热度：",
        "作者：李四 编辑：王五",
        "（责任编辑：赵六）",
        "分享到：",
        "微信 微博 QQ空间",
        "【打印】【关闭】",
        "Copyright © 2020 版权所有",
        "黔ICP备12345678号",
        "第 2 页 共 5 页",
        "返回首页 返回频道首页",
        "首页 要闻 政务 社会 图片 视频",
    ],
)
def test_each_kind_of_furniture_line_is_dropped(furniture):
    cleaned = clean(f"{BODY[0]}\n{furniture}\n{BODY[1]}")
    assert cleaned.body == f"{BODY[0]}\n{BODY[1]}"


def test_related_links_end_the_body_but_not_before_it_starts():
    cleaned = clean(f"推荐阅读\n{BODY[0]}\n{BODY[1]}\n推荐阅读\n{BODY[2]}")
    assert cleaned.body == f"{BODY[0]}\n{BODY[1]}"


def test_channel_menus_go_and_short_headings_stay():
    menu = "\n".join(["• 县市区", "• 要闻", "• 政务", "• 社会", "• 视频"])
    cleaned = clean(f"{BODY[0]}\n{BODY[1]}\n加强组织领导\n凝聚工作合力\n{BODY[2]}\n{menu}")
    assert cleaned.body == f"{BODY[0]}\n{BODY[1]}\n加强组织领导\n凝聚工作合力\n{BODY[2]}"


def test_a_teaser_repeating_the_articles_start_is_dropped():
    teaser = f"{BODY[0]}  {BODY[1][:20]}"
    cleaned = clean(f"{BODY[0]}\n{teaser}\n{BODY[1]}")
    assert cleaned.body == f"{BODY[0]}\n{BODY[1]}"


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("时间:2020-05-28 08:16:55", "2020-05-28"),
        ("发布时间：2020年5月28日", "2020-05-28"),
        ("2017-11-20", "2017-11-20"),
        ("2019/3/7 来源：县政府网", "2019-03-07"),
        ("日期：２０１８．０６．０１", "2018-06-01"),
    ],
)
def test_report_date(line, iso):
    assert clean(f"{BODY[0]}\n{line}\n{BODY[1]}").report_date == iso


def test_extraction_is_fast_and_deterministic(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("\n".join([BODY[0], *BODY[1:] * 100]), encoding="utf-8")
    extract_report(path)  # the reference vocabulary loads once per process
    started = time.perf_counter()
    first = extract_report(path)
    elapsed = time.perf_counter() - started
    assert len(first["claims"]) == 400
    assert elapsed < 1.0
    assert extract_report(path) == first
