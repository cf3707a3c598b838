"""Numbers as reports write them: Arabic or Chinese, full-width, traditional, with separators.

Matching runs on a folded copy of the body in which every character maps to exactly one
character, so an offset in the folded text is the same offset in the body the caller keeps.
"""

from __future__ import annotations

import re
from decimal import Decimal

_FULL_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)}
_FULL_WIDTH.update({chr(0xFF21 + i): chr(0x41 + i) for i in range(26)})
_FULL_WIDTH.update({chr(0xFF41 + i): chr(0x61 + i) for i in range(26)})
# The Chinese comma stays Chinese: folding it would turn "100，200户" into a thousands separator.
_FULL_WIDTH.update({"％": "%", "．": ".", "－": "-", "～": "~", "：": ":", "（": "(", "）": ")", "／": "/", "\u3000": " "})

# Traditional forms of the characters figures, units, the words that classify them and common
# place names are written with; each has a single simplified form.
_VARIANTS = dict(
    zip(
        "萬億戶兩餘個約點畝項處條輛噸頃間張隻臺來〇"
        "帶動貧資縣脫檔區鄉鎮計劃實產業員價稅營銷勞務僱傭蓋輻幫簽訂結聯識別冊納現總發撥贈籌補貼獎貸經費專職幹黨醫"
        "師記學農數們為與這對從於後給讓進開達過將設場機關單門廠車會議預導雲陽東貴廣灣寧慶龍鳳華興長陝漢蘭遼晉豐"
        "橋嶺濟義樂邊風黃劉陳開園區術屬圍內寶蘇鐵錢質戰參擴領選級組繼續標準",
        "万亿户两余个约点亩项处条辆吨顷间张只台来零"
        "带动贫资县脱档区乡镇计划实产业员价税营销劳务雇佣盖辐帮签订结联识别册纳现总发拨赠筹补贴奖贷经费专职干党医"
        "师记学农数们为与这对从于后给让进开达过将设场机关单门厂车会议预导云阳东贵广湾宁庆龙凤华兴长陕汉兰辽晋丰"
        "桥岭济义乐边风黄刘陈开园区术属围内宝苏铁钱质战参扩领选级组继续标准",
    )
)
_SIMPLE = str.maketrans({**_FULL_WIDTH, **_VARIANTS})

# Financial numerals (大写) are folded only in runs of two or more: single 伍, 陆 and 拾 are
# everyday characters (队伍, 陆续, 收拾) and must not turn into digits.
_CAPITALS = str.maketrans(dict(zip("壹贰貳叁參肆伍陆陸柒捌玖拾佰仟", "一二二三三四五六六七八九十百千")))
_CAPITAL_RUN = re.compile("[壹贰貳叁參肆伍陆陸柒捌玖拾佰仟]{2,}")
# Between full-width digits, a full-width comma followed by three digits groups thousands (１，２００).
_FULL_WIDTH_GROUPING = re.compile("(?<=[０-９])，(?=[０-９]{3}(?![０-９]))")


def fold(text: str) -> str:
    """Same length as ``text``; full-width and traditional characters replaced by their plain forms."""
    simple = _FULL_WIDTH_GROUPING.sub(",", text).translate(_SIMPLE)
    return _CAPITAL_RUN.sub(lambda run: run.group().translate(_CAPITALS), simple)


DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_LARGE_UNITS = {"万": 10_000, "亿": 100_000_000}
CHINESE_NUMERAL_CHARS = "".join(DIGITS) + "".join(_SMALL_UNITS) + "".join(_LARGE_UNITS) + "点"


def chinese_to_decimal(text: str) -> Decimal | None:
    """一百二十 → 120, 两千 → 2000, 三点五 → 3.5, 二零一七 → 2017; None when the text holds no digit."""
    if not any(ch in DIGITS or ch == "十" for ch in text):
        return None
    whole, _, fraction = text.partition("点")
    value = _chinese_integer(whole)
    if value is None:
        return None
    if fraction:
        if not all(ch in DIGITS for ch in fraction):
            return None
        value += Decimal("0." + "".join(str(DIGITS[ch]) for ch in fraction))
    return value


def _chinese_integer(text: str) -> Decimal | None:
    if not text:
        return Decimal(0)
    if all(ch in DIGITS for ch in text):
        # Digit by digit (二〇一七) once there is more than one; a single digit is itself.
        return Decimal("".join(str(DIGITS[ch]) for ch in text))
    total = section = number = 0
    for ch in text:
        if ch in DIGITS:
            number = DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (number or 1) * _SMALL_UNITS[ch]
            number = 0
        elif ch == "万":
            total += (section + number) * 10_000
            section = number = 0
        elif ch == "亿":
            total = (total + section + number) * 100_000_000
            section = number = 0
        else:
            return None
    return Decimal(total + section + number)


THOUSANDS_SPACES = " \u2009\u202f"  # "1 234", as statistical tables group digits


def arabic_to_decimal(text: str) -> Decimal:
    return Decimal(re.sub(f"[,{THOUSANDS_SPACES}]", "", text))


def plain_number(value: Decimal) -> int | float:
    """An int when the value is whole (counts, yuan), else a float as written (31.7)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value.normalize())
