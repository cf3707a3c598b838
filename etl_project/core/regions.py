"""Regions: the reference division codes, county names as files write them, and local codes.

Files name counties by full name (紫云苗族布依族自治县), short name (紫云县), or a name retired
since (那曲县, now 色尼区): all resolve to the 2023 county code. Townships and villages have no
public codes here, so they get local codes derived from their names, stable across runs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"

# The 55 minority nationalities as they appear in autonomous county names (facts, public).
_NATIONALITIES = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 "
    "景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 "
    "保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_AUTONOMY = re.compile("^(.+?)(?:(?:" + "|".join(sorted(_NATIONALITIES, key=len, reverse=True)) + ")族|各族)+自治(县|旗)$")


def short_name(name: str) -> str | None:
    """紫云苗族布依族自治县 → 紫云县; None when the name has no shorter usual form."""
    match = _AUTONOMY.match(name)
    return f"{match.group(1)}{match.group(2)}" if match else None


def local_code(parent_code: str, *names: str) -> str:
    """Code of a township or village under its county: the parent code and six hex digits of
    SHA-1 over "county/township[/village]". Documented in the README, so anyone can recompute it."""
    county = parent_code.split("-")[0]
    digest = hashlib.sha1("/".join((county, *names)).encode("utf-8")).hexdigest()[:6]
    return f"{parent_code}-{digest}"


def province_code(code: str) -> str:
    return code[:2] + "0000"


def city_code(code: str) -> str:
    return code[:4] + "00"


@dataclass(frozen=True)
class Resolution:
    code: str | None
    problem: str | None = None


class RegionIndex:
    def __init__(self, reference_dir: Path = REFERENCE_DIR):
        self.regions = pd.read_csv(reference_dir / "regions_2023.csv", dtype=str)
        self.history = pd.read_csv(reference_dir / "county_code_history.csv", dtype=str).fillna("")
        self.poverty = pd.read_csv(reference_dir / "poverty_counties_832.csv", dtype={"region_code": str, "listed_code": str})
        counties = self.regions[self.regions["region_level"] == "county"]
        self.names = dict(zip(self.regions["region_code"], self.regions["region_name"]))
        self._current: dict[str, set[str]] = {}
        for code, name in zip(counties["region_code"], counties["region_name"]):
            for spelling in filter(None, (name, short_name(name), code)):
                self._current.setdefault(spelling, set()).add(code)
        self._retired: dict[str, set[str]] = {}
        for name, current in zip(self.history["name"], self.history["current_code"]):
            if current:
                for spelling in filter(None, (name, short_name(name))):
                    self._retired.setdefault(spelling, set()).add(current)

    @cache  # noqa: B019 (one index per process, from default_index(): what it keeps alive lives anyway)
    def resolve_county(self, written: str) -> Resolution:
        name = re.sub(r"\s+", "", written or "")
        for table in (self._current, self._retired):
            codes = table.get(name)
            if codes and len(codes) == 1:
                return Resolution(next(iter(codes)))
            if codes:
                places = "、".join(sorted(f"{c} {self.names.get(city_code(c), '')}" for c in codes))
                return Resolution(None, f"county name {written!r} is ambiguous ({places}); write the full name or the code")
        return Resolution(None, f"county {written!r} is not in the 2023 division codes or their history")

    @cache  # noqa: B019 (as above)
    def counties_in(self, text: str) -> tuple[tuple[str, str], ...]:
        """The counties a text names ("紫云县2019年帮扶资金台账" → 紫云县), as (name, code), left to
        right: at each 县/区/旗/市, the longest name ending there that is one county's."""
        text = re.sub(r"\s+", "", text or "")
        found = []
        for end, char in enumerate(text):
            if char not in "县区旗市":
                continue
            for start in range(max(0, end - 16), end):
                resolution = self.resolve_county(text[start : end + 1])
                if resolution.code is not None:
                    found.append((text[start : end + 1], resolution.code))
                    break
        return tuple(found)

    def __hash__(self) -> int:  # lets functools.cache key on the instance
        return id(self)


@cache
def default_index() -> RegionIndex:
    return RegionIndex()
