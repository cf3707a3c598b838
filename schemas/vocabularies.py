"""Category vocabularies of the national registry system, with the names files use for them.

Files write a category either by its code ("01", "1") or by its name ("因病", "低保贫困户"); other
systems number the same causes differently, so names are matched first and codes second.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Vocabulary:
    name: str
    codes: dict[str, str]  # code -> canonical Chinese name
    aliases: dict[str, str]  # extra spellings -> code
    code_width: int

    def lookup(self) -> dict[str, str]:
        """Every accepted spelling (code, unpadded code, name, alias) mapped to its code."""
        table: dict[str, str] = {}
        for code, label in self.codes.items():
            table[code] = code
            table[code.lstrip("0") or "0"] = code
            table[label] = code
        table.update(self.aliases)
        return table


HOUSEHOLD_ATTRIBUTE = Vocabulary(
    name="household_attribute",
    codes={
        "01": "一般贫困户",
        "02": "低保贫困户",
        "03": "特困供养贫困户",
        "04": "一般脱贫户",
        "05": "低保脱贫户",
        "06": "特困供养脱贫户",
        "07": "边缘易致贫户",
        "08": "脱贫不稳定户",
    },
    aliases={"一般户": "01", "低保户": "02", "五保户": "03", "五保贫困户": "03", "特困户": "03"},
    code_width=2,
)

POVERTY_CAUSE = Vocabulary(
    name="poverty_cause",
    codes={
        "01": "因病",
        "02": "因残",
        "03": "因学",
        "04": "因灾",
        "05": "缺土地",
        "06": "缺水",
        "07": "缺技术",
        "08": "缺劳力",
        "09": "缺资金",
        "10": "交通条件落后",
        "11": "自身发展动力不足",
        "12": "其他",
        # Causes of returning to poverty only.
        "13": "因婚",
        "14": "产业项目失败",
    },
    aliases={
        "交通落后": "10",
        "交通条件差": "10",
        "缺乏劳动力": "08",
        "缺劳动力": "08",
        "缺乏技术": "07",
        "缺乏资金": "09",
        "因病致贫": "01",
        "因残致贫": "02",
        "因学致贫": "03",
        "因灾致贫": "04",
        "发展动力不足": "11",
        "其它": "12",
    },
    code_width=2,
)

EXIT_STATUS = Vocabulary(
    name="exit_status",
    codes={"0": "未脱贫", "1": "已脱贫（享受政策）", "3": "返贫", "4": "已脱贫（不享受政策）"},
    aliases={
        "已脱贫(享受政策)": "1",
        "已脱贫(不享受政策)": "4",
        "脱贫（享受政策）": "1",
        "脱贫（不享受政策）": "4",
        "脱贫(享受政策)": "1",
        "脱贫(不享受政策)": "4",
        "已脱贫": "1",
        "脱贫": "1",
        "稳定脱贫": "4",
    },
    code_width=1,
)

YES_NO = Vocabulary(
    name="yes_no",
    codes={"1": "是", "0": "否"},
    aliases={"Y": "1", "N": "0", "有": "1", "无": "0", "√": "1", "×": "0", "已保障": "1", "未保障": "0"},
    code_width=1,
)

EXITED_STATUSES = ("1", "3", "4")

VOCABULARIES = {v.name: v for v in (HOUSEHOLD_ATTRIBUTE, POVERTY_CAUSE, EXIT_STATUS, YES_NO)}
