"""Place and person names, built from syllables so that no real person is ever named."""

from __future__ import annotations

import numpy as np

_PLACE_FIRST = (
    "猫板水大小白黑石龙马牛松新高长平青红黄火宗格四五三双沙花金银铜鸡羊鹿凉云桐梅竹茶岩洞麻打边乐昂者纳罗达秧宁安和兴太坪冷甘桃柳杉枫鱼凤狮"
)
_PLACE_SECOND = "营当塘河坪坝岩山湾沟田寨口桥溪场关江林洞井堡冲屯阳水头岭窝坡滩铺庄嘴家洋"
# Tibetan place names come through Chinese transcription syllables rather than Han stems.
_TIBETAN_SYLLABLES = "那曲达香茂油恰古露色雄尼玛罗孔拉嘎措扎仁多巴桑琼雪热贡日卡觉堆布"

SURNAMES = np.array(
    list(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
        "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾"
        "毛龚邵万严覃武莫向汤班岑蒙吉伍"
    ),
    dtype=object,
)
_MALE_CHARS = "明国华建文德志永成金光学正春海军平林福贵富顺发云洪先昌忠勇强兵刚伟开祥荣寿安"
_FEMALE_CHARS = "秀英兰芳玉桂红梅琴凤霞珍花翠莲丽美艳燕娟芬菊香群淑慧巧"
_TIBETAN_GIVEN = (
    "扎西 次仁 卓玛 达瓦 格桑 央金 多吉 尼玛 拉姆 平措 旺堆 普布 边巴 巴桑 索朗 德吉 次旦 白玛 "
    "洛桑 顿珠 贡布 嘎玛 强巴 群培 曲珍 仁增 桑珠 益西 央宗 加措"
).split()


def _given(chars: str) -> np.ndarray:
    singles = list(chars)
    doubles = [a + b for a in chars for b in chars if a != b]
    # One-character given names are about a fifth of rural heads' names.
    return np.array(singles * (len(doubles) // (4 * len(singles)) or 1) + doubles, dtype=object)


MALE_GIVEN = _given(_MALE_CHARS)
FEMALE_GIVEN = _given(_FEMALE_CHARS)
TIBETAN_NAMES = np.array([a + b for a in _TIBETAN_GIVEN for b in _TIBETAN_GIVEN if a != b], dtype=object)


def _stem(rng: np.random.Generator, tibetan: bool) -> str:
    if tibetan:
        count = int(rng.integers(2, 4))
        picks = rng.choice(len(_TIBETAN_SYLLABLES), size=count, replace=False)
        return "".join(_TIBETAN_SYLLABLES[i] for i in picks)
    while True:
        first = _PLACE_FIRST[rng.integers(len(_PLACE_FIRST))]
        second = _PLACE_SECOND[rng.integers(len(_PLACE_SECOND))]
        if first != second:
            return first + second


def unique_names(
    rng: np.random.Generator, count: int, suffixes: tuple[str, ...], weights: tuple[float, ...], tibetan: bool = False
) -> list[str]:
    """``count`` distinct names such as 猫营镇 or 大河村; the suffix is drawn with ``weights``."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = _stem(rng, tibetan) + suffixes[rng.choice(len(suffixes), p=weights)]
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def head_names(rng: np.random.Generator, male: np.ndarray, tibetan: bool) -> list[str]:
    """A name for each household head; ``male`` follows the sex digit of the ID number."""
    n = len(male)
    if tibetan:
        return TIBETAN_NAMES[rng.integers(len(TIBETAN_NAMES), size=n)].tolist()
    surname = SURNAMES[rng.integers(len(SURNAMES), size=n)]
    given = np.where(
        male,
        MALE_GIVEN[rng.integers(len(MALE_GIVEN), size=n)],
        FEMALE_GIVEN[rng.integers(len(FEMALE_GIVEN), size=n)],
    )
    return (surname + given).tolist()
