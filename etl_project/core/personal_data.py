"""The personal-data guard: finds ID numbers, phone numbers, bank card numbers and the names of people
in any text, by value, and masks them where they stand.

Every text that leaves staging passes through here (staged rows of every source, file and sheet
names, quarantine values, report sentences, check samples, messages, command-line output), so a
value is judged by what it is, not by the column it happens to sit in: an ID number typed into 户编号,
a phone in a village cell, a file named after a household head.

What is found:
- ID numbers (居民身份证号码) of 18 characters (17 digits and a check digit or X) or 15 digits, in any
  spelling: spaces or dashes between groups, full-width digits, a lower-case x; recognised by their
  birth date or their check digit;
- mobile numbers (1[3-9] and 9 digits, with or without +86) and landlines (0, an area code, 7-8 digits);
- bank card numbers of 15-19 digits that pass the Luhn check;
- names of persons: those known from the registries and ledgers of the run (given as a
  ``NameBook``), and, in a cell that holds nothing else or beside a number found above, a surname
  followed by one or two characters.

What is found is masked in place: ``5204**********2010``, ``139****0101``, ``6222*********1234``, ``夏侯**``;
the rest of the text (a sentence's figures, a file name's county) is kept.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ID_NUMBER, PHONE, BANK_CARD, NAME = "id_number", "phone", "bank_card", "name"
KINDS = (ID_NUMBER, PHONE, BANK_CARD, NAME)

# Full-width digits, letters, dashes, spaces and brackets as their ASCII twins, one character for
# one, so that a position in the translated text is the same position in the original.
_HALF_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "Ｘ": "X",
        "ｘ": "x",
        "－": "-",
        "‐": "-",
        "‑": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
        "\u3000": " ",
        "\u00a0": " ",
        "（": "(",
        "）": ")",
        "＋": "+",
    }
)
# Digits with at most two separators between them (spaces, dashes), possibly ending in X.
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])\+?[0-9](?:[ \-]{0,2}[0-9])*(?:[ \-]?[Xx])?(?![0-9A-Za-z])")
_GROUP = re.compile(r"\+?[0-9]+(?:[Xx])?")
# A landline with its area code in brackets: (0851)1234567, (0851) 8765-4321.
_BRACKETED_LANDLINE = re.compile(r"\((0[1-9][0-9]{1,2})\) ?([0-9]{3,4}[ \-]?[0-9]{4})(?![0-9])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# 百家姓 (the common single surnames and the compound ones), public reference.
SINGLE_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
    "汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤班岑蒙吉伍常温康施文牛樊"
    "葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝"
    "路游辛靳管柴蒲鲍华喻祁房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟"
    "应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 轩辕 端木 独孤 南宫 西门 百里 呼延 澹台 "
    "公冶 宗政 濮阳 太史 申屠 钟离 闻人 赫连 万俟 拓跋 司空 第五".split()
)
# A cell ending in one of these names a place or an organisation, not a person.
_NOT_PERSON_ENDINGS = tuple(
    "村 乡 镇 县 区 市 省 州 盟 旗 组 社 寨 屯 庄 湾 坝 沟 局 委 厅 办 部 处 科 所 站 院 校 队 团 会 行 司 厂 场 店 园 "
    "中心 公司 集团 协会 商会 基金 银行 合作社 医院 学校 企业 单位 政府 小组 支部 工作队".split()
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_CJK_CELL = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff·•]{2,6}$")


def _id_birth_plausible(digits: str) -> bool:
    if len(digits) == 18:
        year, month, day = int(digits[6:10]), int(digits[10:12]), int(digits[12:14])
        return 1880 <= year <= 2030 and 1 <= month <= 12 and 1 <= day <= 31
    month, day = int(digits[8:10]), int(digits[10:12])
    return 1 <= month <= 12 and 1 <= day <= 31


def id_check_digit_valid(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == digits[17].upper()


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def classify_number(digits: str) -> str | None:
    """What a run of digits (separators removed; an ID number may end in X) is, if personal."""
    upper = digits.upper()
    plus = upper.startswith("+")
    upper = upper.lstrip("+")
    shaped_as_id = len(upper) == 18 and upper[:17].isdigit() and (upper[17].isdigit() or upper[17] == "X")
    if shaped_as_id and (_id_birth_plausible(upper) or id_check_digit_valid(upper)):
        return ID_NUMBER
    if not upper.isdigit():
        return None
    if len(upper) == 15 and upper[0] != "0" and _id_birth_plausible(upper):
        return ID_NUMBER
    if len(upper) == 11 and upper[0] == "1" and upper[1] in "3456789":
        return PHONE
    if len(upper) == 13 and upper.startswith("86") and upper[2] == "1" and upper[3] in "3456789":
        return PHONE
    if not plus and 10 <= len(upper) <= 12 and upper[0] == "0" and upper[1] != "0":
        return PHONE  # a landline with its area code: 0851-12345678, 010 12345678
    if 15 <= len(upper) <= 19 and upper[0] != "0" and luhn_valid(upper):
        return BANK_CARD
    return None


def mask_digits(digits: str, kind: str) -> str:
    """A number's mask: enough of it to tell two apart, never enough to use it."""
    plain = digits.lstrip("+")
    prefix = "+" if digits.startswith("+") else ""
    if kind == PHONE:
        if len(plain) == 13:
            return f"{prefix}86 {plain[2:5]}****{plain[-4:]}"
        keep_front = 3 if plain[0] == "1" else min(4, len(plain) - 6)
        return plain[:keep_front] + "*" * (len(plain) - keep_front - 4) + plain[-4:]
    return prefix + plain[:4] + "*" * (len(plain) - 8) + plain[-4:]


def surname_of(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def mask_person_name(name: str) -> str:
    """夏侯某某 → 夏侯**, 张三 → 张*: the surname stays, the given name does not."""
    surname = surname_of(name) if len(name) > 2 or name[:2] not in COMPOUND_SURNAMES else name[:1]
    return surname + "*" * max(len(name) - len(surname), 1)


def looks_like_person_name(text: str) -> bool:
    """A surname and a one- or two-character given name, and not the name of a place or an
    organisation ("王家寨村", "李庄").  Used for cells that hold a name alone (a donor) and for the
    words beside a number found in a text."""
    text = text.strip().replace("·", "").replace("•", "")
    if not _CJK_CELL.match(text) or text.endswith(_NOT_PERSON_ENDINGS):
        return False
    if text[:2] in COMPOUND_SURNAMES:
        return 3 <= len(text) <= 4
    return text[0] in SINGLE_SURNAMES and 2 <= len(text) <= 3


class NameBook:
    """The names of the persons a run knows of (household heads, members, individual donors), held
    only as keyed 64-bit fingerprints: the book itself names no one."""

    LONGEST = 6  # Tibetan and Uyghur names transcribed run to four to six characters

    def __init__(
        self,
        key: bytes,
        fingerprints: Iterable[int] | np.ndarray = (),
        stored: tuple[Callable[[], str], Callable[[], np.ndarray]] | None = None,
    ):
        """``stored``: how to know the version of fingerprints kept elsewhere and how to read them,
        each asked at most once and only when needed: a pass that looks nothing up does not read a
        national table of names."""
        self.key = hashlib.sha256(b"names|" + key).digest()[:32]
        self._added = _sorted_unique(fingerprints)
        self._stored = stored
        self._stored_version: str | None = None
        self._all: np.ndarray | None = None if stored is not None else self._added

    def fingerprint(self, name: str) -> int:
        digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8, key=self.key).digest()
        return int.from_bytes(digest, "little", signed=True)

    def fingerprints(self, names: Iterable[str]) -> np.ndarray:
        unique = {n.strip() for n in names if isinstance(n, str) and len(n.strip()) >= 2}
        return np.unique(np.array([self.fingerprint(n) for n in unique], dtype=np.int64))

    def add(self, fingerprints: np.ndarray) -> None:
        if len(fingerprints):
            self._added = np.union1d(self._added, np.asarray(fingerprints, dtype=np.int64))
            if self._all is not None:
                self._all = np.union1d(self._all, np.asarray(fingerprints, dtype=np.int64))

    @property
    def _known(self) -> np.ndarray:
        if self._all is None:
            self._all = np.union1d(_sorted_unique(self._stored[1]()), self._added)
        return self._all

    def __len__(self) -> int:
        return len(self._known)

    @property
    def version(self) -> str:
        """Changes whenever a name is added: what a step that used the book remembers it by."""
        added = f"{len(self._added)}:{int(self._added.sum()) if len(self._added) else 0}"
        if self._stored is None:
            return added
        if self._stored_version is None:
            self._stored_version = self._stored[0]()
        return f"{self._stored_version}+{added}"

    def known(self) -> np.ndarray:
        return self._known.copy()

    def _knows(self, candidates: list[int]) -> np.ndarray:
        if not len(self._known) or not candidates:
            return np.zeros(len(candidates), dtype=bool)
        # The book is kept sorted (np.unique, np.union1d): a binary search per candidate, where
        # np.isin would sort the whole book again for every text looked at.
        wanted = np.array(candidates, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._known, wanted), len(self._known) - 1)
        return self._known[at] == wanted

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where known names stand in the text, longest first, none overlapping."""
        candidates, places = [], []
        for run in _CJK.finditer(text):
            start, end = run.span()
            for i in range(start, end - 1):
                for length in range(min(self.LONGEST, end - i), 1, -1):
                    candidates.append(self.fingerprint(text[i : i + length]))
                    places.append((i, i + length))
        found = [place for place, known in zip(places, self._knows(candidates)) if known]
        return _without_overlaps(found)


def _sorted_unique(fingerprints: Iterable[int] | np.ndarray) -> np.ndarray:
    return np.unique(np.asarray(list(fingerprints) if not isinstance(fingerprints, np.ndarray) else fingerprints, dtype=np.int64))


def _without_overlaps(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    chosen: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if all(end <= s or start >= e for s, e in chosen):
            chosen.append((start, end))
    return sorted(chosen)


@dataclass
class Masked:
    text: str
    found: Counter = field(default_factory=Counter)


def _number_spans(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, digits) of every personal number in the text."""
    plain = text.translate(_HALF_WIDTH)
    found = []
    for match in _BRACKETED_LANDLINE.finditer(plain):
        digits = match.group(1) + re.sub(r"[ \-]", "", match.group(2))
        if classify_number(digits) == PHONE:
            found.append((match.start(), match.end(), PHONE, digits))
    taken = [(s, e) for s, e, _, _ in found]
    for run in _DIGIT_RUN.finditer(plain):
        if any(run.start() < e and run.end() > s for s, e in taken):
            continue
        groups = [(g.start() + run.start(), g.end() + run.start(), g.group()) for g in _GROUP.finditer(run.group())]
        i = 0
        while i < len(groups):
            # The longest span of whole groups that is a personal number: "139 0000 0101" is one
            # phone, "13900000101 520425196001052010" a phone and an ID number.
            for j in range(len(groups) - 1, i - 1, -1):
                digits = "".join(g[2] for g in groups[i : j + 1])
                kind = classify_number(digits)
                if kind is not None:
                    found.append((groups[i][0], groups[j][1], kind, digits))
                    i = j
                    break
            i += 1
    return sorted(found)


def mask_text(text: str, names: NameBook | None = None) -> Masked:
    """The text with every personal number and name in it masked, and what was found."""
    if not isinstance(text, str) or not text:
        return Masked(text)
    numbers = _number_spans(text) if _has_digits(text) else []
    replacements = [(s, e, k, mask_digits(d, k)) for s, e, k, d in numbers]
    name_spans = names.spans(text) if names is not None and len(names) else []
    if numbers:
        name_spans = name_spans + _names_beside(text, numbers)
    busy = [(s, e) for s, e, _, _ in replacements]
    for start, end in _without_overlaps(name_spans):
        if not any(start < e and end > s for s, e in busy):
            replacements.append((start, end, NAME, mask_person_name(text[start:end])))
            busy.append((start, end))
    if not replacements:
        return Masked(text)
    pieces, position, found = [], 0, Counter()
    for start, end, kind, shown in sorted(replacements):
        pieces.extend([text[position:start], shown])
        position = end
        found[kind] += 1
    pieces.append(text[position:])
    return Masked("".join(pieces), found)


def _has_digits(text: str) -> bool:
    return any(c.isdigit() for c in text)


# Between a name and its number: brackets, punctuation and the words that label a number.
_LABEL = r"(?:身份证号码|身份证号|身份证|公民身份号码|证件号码|证件号|联系电话|电话号码|手机号码|手机号|手机|电话|银行卡号|卡号|账号)"
_GAP_BEFORE = re.compile(r"([\u3400-\u9fff·]{2,12}?)(?:[\s_\-:：(（\[【,，、;；]|" + _LABEL + r")*$")
_GAP_AFTER = re.compile(r"(?:[\s_\-:：)）\]】,，、;；])*([\u3400-\u9fff·]{2,6})")


def _names_beside(text: str, numbers: list[tuple[int, int, str, str]]) -> list[tuple[int, int]]:
    """A person's name right before or after a number found in the text ("户主张三（身份证号…）",
    "张三_520425…"): the name-shaped end of the Han characters before it, or start of those after."""
    found = []
    for start, end, _, _ in numbers:
        before = _GAP_BEFORE.search(text[max(0, start - 24) : start])
        if before:
            word, offset = before.group(1), max(0, start - 24) + before.start(1)
            for length in (4, 3, 2):
                if len(word) >= length and looks_like_person_name(word[-length:]):
                    found.append((offset + len(word) - length, offset + len(word)))
                    break
        after = _GAP_AFTER.match(text[end:])
        if after:
            word = after.group(1)
            for length in (4, 3, 2):
                if len(word) >= length and looks_like_person_name(word[:length]):
                    found.append((end + after.start(1), end + after.start(1) + length))
                    break
    return found


# A value that could hold a personal number (seven digits or more, separators allowed) or a name
# (Han characters); the others (keys, codes, amounts as text) are not looked at one by one.
_MAY_HOLD_NUMBER = r"[0-9０-９][0-9０-９ \-－]{5,}[0-9０-９XxＸｘ]"
MAY_HOLD = re.compile(_MAY_HOLD_NUMBER + r"|[\u3400-\u9fff]")


def holds_personal_number(values: pd.Series) -> pd.Series:
    """True where a value holds an ID, phone or bank card number."""
    text = values.astype("string")
    candidates = text.str.contains(_MAY_HOLD_NUMBER, regex=True, na=False)
    held = pd.Series(False, index=values.index)
    if candidates.any():
        held[candidates] = [bool(_number_spans(v)) for v in text[candidates]]
    return held


def mask_series(values: pd.Series, names: NameBook | None = None) -> tuple[pd.Series, Counter]:
    """Every value masked, each distinct value judged once (a column of a national table holds few
    distinct file names and sheet names), and only those that could hold a number or a name."""
    found: Counter = Counter()
    present = values.dropna()
    if present.empty:
        return values, found
    distinct = pd.unique(present.astype(str).to_numpy())
    changes = {}
    for value in distinct:
        if not MAY_HOLD.search(value):
            continue
        result = mask_text(value, names)
        if result.found:
            changes[value] = (result.text, result.found)
    if not changes:
        return values, found
    copies = present.astype(str).value_counts()
    for value, (_, hits) in changes.items():
        found.update({kind: n * int(copies[value]) for kind, n in hits.items()})
    shown = {value: text for value, (text, _) in changes.items()}
    return values.map(lambda v: shown.get(v, v) if isinstance(v, str) else v).astype(values.dtype), found


# Columns where a known person's name is looked for as well as numbers: those that carry free text
# from a sender (file and sheet names, headers, sentences, donors, rejected values). Place and project
# names are not among them: a name book of millions matches parts of village names ("石林村" holds a
# "石林") far more often than a person is written into one; a number there is still found.
NAME_BEARING_COLUMNS = frozenset(
    "source_file source_sheet source_header value_masked sentence message_zh message_en donor_name donor_parent label note".split()
)


# Text the project makes itself: keyed hashes (*_key) and the region codes it assigns. Vocabulary
# codes (type "code") are parsed into a fixed list. Neither can hold what a sender wrote.
ASSIGNED_CODES = frozenset("county_code township_code village_code region_code parent_code province_code city_code".split())


def sender_text_columns(table) -> list[str]:
    """The text columns of a declared table that can hold what a sender wrote: what the guard reads."""
    return [f.name for f in table.fields if f.type == "string" and not f.name.endswith("_key") and f.name not in ASSIGNED_CODES]


def mask_frame(frame: pd.DataFrame, columns: Iterable[str] | None = None, names: NameBook | None = None) -> tuple[pd.DataFrame, Counter]:
    """The frame with every text column (or those given) masked by value; what was found, by kind."""
    found: Counter = Counter()
    chosen = [c for c in (columns if columns is not None else frame.columns) if c in frame and _is_text(frame[c])]
    masked = frame
    for column in chosen:
        result, hits = mask_series(frame[column], names if column in NAME_BEARING_COLUMNS else None)
        if hits:
            masked = masked.copy() if masked is frame else masked
            masked[column] = result
            found.update(hits)
    return masked, found


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(column) or column.dtype == object


def mask_file_label(relative: str, key: bytes) -> str:
    """How a file is named in the warehouse, the run's partitions and its messages: its path under
    the raw folder with any personal number (and a name beside one) masked. A masked name gets a
    short keyed tag before its suffix, so two files that differ only in what was masked keep two names."""
    masked = mask_text(relative)
    if not masked.found:
        return relative
    tag = hashlib.blake2b(relative.encode("utf-8"), digest_size=4, key=hashlib.sha256(b"files|" + key).digest()).hexdigest()
    tag = tag.translate(str.maketrans("0123456789", "ghjkmnpqrs"))  # letters only: no digits to mistake for a number
    stem, dot, suffix = masked.text.rpartition(".")
    return f"{stem}~{tag}.{suffix}" if dot and "/" not in suffix else f"{masked.text}~{tag}"
