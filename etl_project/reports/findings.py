"""Figures of one report that cannot all be true.

- exits_exceed_registered: for one place, households (or persons) reported as exiting, summed over
  periods that do not overlap, exceed the largest registered count. The sum never adds a period
  twice ("2014-2016" and "2016" overlap: only the larger of the two choices counts).
- parts_exceed_total: the parts listed after 其中 exceed the total stated just before, in the same unit.
- percent_over_100: a share above 100 %; growth rates (增长, 同比 …) may exceed 100 and are left alone.
"""

from __future__ import annotations

import re

from etl_project.core.amounts import number_text, yuan_text

_TOTAL = re.compile("共|合计|总计|累计|总")
_CHANGE = re.compile("增长|增加|提高|提升|增幅|上升|下降|减少|降低|同比|环比|比上年|翻")
_COUNTS = (
    ("registered_poor_households", "households_exited", "贫困户", "户", "households"),
    ("registered_poor_persons", "persons_exited", "贫困人口", "人", "persons"),
)


def _years(period: str) -> tuple[int, int]:
    first, _, last = period.partition("-")
    return int(first), int(last or first)


def _disjoint_sum(exits: list[tuple[int, dict]]) -> tuple[float, list[int]]:
    dated = sorted((e for e in exits if e[1]["period"]), key=lambda e: _years(e[1]["period"]))
    chosen, last_year = [], None
    for index, claim in dated:
        first, last = _years(claim["period"])
        if last_year is None or first > last_year:
            chosen.append(index)
            last_year = last
    total = sum(claim["value"] for index, claim in exits if index in chosen)
    largest_index, largest = max(exits, key=lambda e: e[1]["value"])
    if largest["value"] >= total:
        return largest["value"], [largest_index]
    return total, chosen


def _place(claim: dict) -> str | None:
    return claim["region_code"] or claim["region"]


def exits_exceed_registered(claims: list[dict]) -> list[dict]:
    findings = []
    for registered_metric, exit_metric, zh_noun, zh_unit, en_unit in _COUNTS:
        for place in dict.fromkeys(_place(c) for c in claims if c["metric"] == registered_metric):
            registered = [(i, c) for i, c in enumerate(claims) if c["metric"] == registered_metric and _place(c) == place]
            exits = [(i, c) for i, c in enumerate(claims) if c["metric"] == exit_metric and _place(c) == place]
            if not exits:
                continue
            reg_index, reg = max(registered, key=lambda e: e[1]["value"])
            total, used = _disjoint_sum(exits)
            if total <= reg["value"]:
                continue
            parts_zh = "、".join(
                f"{claims[i]['period']}年{claims[i]['value']}{zh_unit}"
                if claims[i]["period"]
                else f"{claims[i]['value']}{zh_unit}（时期不明）"
                for i in used
            )
            parts_en = ", ".join(f"{claims[i]['value']} in {claims[i]['period'] or 'an unstated period'}" for i in used)
            findings.append(
                {
                    "rule": "exits_exceed_registered",
                    "message_zh": f"{reg['region'] or '本地'}建档立卡{zh_noun}{reg['value']}{zh_unit}，"
                    f"报告的脱贫数合计{total}{zh_unit}（{parts_zh}），超过建档立卡数{total - reg['value']}{zh_unit}",
                    "message_en": f"{reg['region'] or 'the report place'}: {total} {en_unit} exited ({parts_en}) "
                    f"but only {reg['value']} were registered as poor ({total - reg['value']} too many)",
                    "claims": [reg_index, *used],
                }
            )
    return findings


def parts_exceed_total(claims: list[dict], body: str, sentence_of) -> list[dict]:
    findings, parts_of = [], {}
    for j, part in enumerate(claims):
        sentence_start, _ = sentence_of(part["start"])
        marker = body.rfind("其中", sentence_start, part["start"])
        if marker < 0:
            continue
        previous_start, _ = sentence_of(max(sentence_start - 1, 0))
        totals = [
            i
            for i, c in enumerate(claims)
            if c["unit"] == part["unit"]
            and previous_start <= c["start"]
            and c["end"] <= marker
            and _TOTAL.search(body[sentence_of(c["start"])[0] : c["start"]])
        ]
        if totals:
            parts_of.setdefault(totals[-1], []).append(j)
    for total_index, part_indices in parts_of.items():
        total = claims[total_index]
        summed = sum(claims[j]["value"] for j in part_indices)
        if summed > total["value"]:
            if total["unit"] == "yuan":
                parts, whole, unit_zh, unit_en = yuan_text(summed), yuan_text(total["value"]), "", ""
            else:
                parts, whole = number_text(summed), number_text(total["value"])
                unit_zh, unit_en = f"（单位：{total['unit']}）", f" ({total['unit']})"
            findings.append(
                {
                    "rule": "parts_exceed_total",
                    "message_zh": f"“其中”所列各项合计{parts}，超过总数{whole}{unit_zh}",
                    "message_en": f"the parts listed after 其中 add up to {parts}, more than the stated total {whole}{unit_en}",
                    "claims": [total_index, *part_indices],
                }
            )
    return findings


def percent_over_100(claims: list[dict], clause_before: list[str]) -> list[dict]:
    return [
        {
            "rule": "percent_over_100",
            "message_zh": f"比例{claim['value']}%超过100%",
            "message_en": f"a share of {claim['value']}% is above 100%",
            "claims": [i],
        }
        for i, claim in enumerate(claims)
        if claim["unit"] == "percent" and claim["value"] > 100 and not _CHANGE.search(clause_before[i])
    ]


def find_inconsistencies(claims: list[dict], body: str, sentence_of, clause_before: list[str]) -> list[dict]:
    return [*exits_exceed_registered(claims), *parts_exceed_total(claims, body, sentence_of), *percent_over_100(claims, clause_before)]
