"""A report being written: each figure is put into words and, when the warehouse can judge it,
recorded with the status the warehouse should give it.

Figures are written as county offices write them: counts in Arabic digits (small ones sometimes in
Chinese), money in 万元 with as many decimals as it takes to be exact, or in 元 with separators,
and totals as "X万余元". A deliberate error is a figure moved away from the model's value: by
about 7 % (a mismatch) or about 0.5 % (inside the 1 % tolerance).
"""

from __future__ import annotations

import numpy as np

from sample_data.report_figures import CountyFigures, Period, Township, judge, period_text, step_of

_UNITS = {"户": "household", "人": "person", "名": "person", "个": "village"}
_CHINESE_DIGITS = "零一二三四五六七八九"


def chinese(n: int) -> str:
    """2 → 两, 12 → 十二, 35 → 三十五; 1 and anything above 99 stay in digits (一 reads as an article)."""
    if n == 2:
        return "两"
    if n < 2 or n > 99:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CHINESE_DIGITS[tens] + "十")
    return head + (_CHINESE_DIGITS[ones] if ones else "")


def wan(yuan: int) -> str:
    """Exact 万元: 12345678 → 1234.5678万元, 23860000 → 2386万元."""
    whole, rest = divmod(int(yuan), 10_000)
    decimals = f"{rest:04d}".rstrip("0")
    return f"{whole}.{decimals}万元" if decimals else f"{whole}万元"


def skewed(value: int, share: float) -> int:
    """``value`` moved up by ``share`` of itself, and by at least one unit."""
    return value + max(1, int(round(value * share)))


class Draft:
    def __init__(self, figures: CountyFigures, rng: np.random.Generator):
        self.figures, self.rng = figures, rng
        self.claims: list[dict] = []

    def _record(
        self,
        metric: str,
        value: int,
        unit: str,
        period: Period,
        written: str,
        warehouse: int | None,
        region_code: str | None,
        qualifier: str | None = None,
        step: float = 1.0,
        context_code: str | None = None,
    ) -> None:
        claim = {
            "metric": metric,
            "value": value,
            "unit": unit,
            "period": period_text(period),
            "region_code": region_code,
            "approx": qualifier is not None,
            "expected_status": judge(value, warehouse, qualifier, step),
            "warehouse_value": warehouse,
            "written": written,
        }
        # A township's claim also names the county the report is read in, where its code is found.
        self.claims.append(claim if context_code is None else {**claim, "context_code": context_code})

    def count(self, metric: str, period: Period, word: str = "户", skew: float = 0.0, at_least: int = 0, in_chinese: bool = False) -> str:
        """A county count (households, persons or villages); ``skew`` moves it off the model's value."""
        truth = self.figures.value(metric, period)
        value = max(skewed(truth, skew) if skew else truth, at_least)
        written = f"{chinese(value) if in_chinese else value}{word}"
        self._record(metric, value, _UNITS[word], period, written, truth, self.figures.code)
        return written

    def township(self, place: Township, period: tuple[int, int], word: str, skew: float = 0.0) -> str:
        """A township's exits, which the warehouse answers from its township rows once it finds the
        township by name in the report's county; ``skew`` moves the figure off the model's value."""
        households, persons = (sum(place.exited.get(y, (0, 0))[i] for y in range(period[0], period[1] + 1)) for i in (0, 1))
        truth = households if word == "户" else persons
        value = skewed(truth, skew) if skew else truth
        metric = "households_exited" if word == "户" else "persons_exited"
        written = f"{value}{word}"
        self._record(metric, value, _UNITS[word], period, written, truth, place.code, context_code=self.figures.code)
        return written

    def employed(self, low: float, high: float, word: str = "名") -> str:
        """People placed in work, as a share of the registered persons: no mart holds them."""
        value = self.share("registered_poor_persons", low, high)
        written = f"{value}{word}"
        self._record("persons_employed", value, "person", None, written, None, self.figures.code)
        return written

    def money(self, period: Period, form: str = "wan", skew: float = 0.0) -> str:
        """Money put in: exact 万元 or 元 with separators; with ``skew``, rounded to 百元 as a clerk would."""
        truth = self.figures.value("investment_amount", period)
        value = int(round(skewed(truth, skew), -2)) if skew else truth
        written = f"{value:,}元" if form == "yuan" else wan(value)
        self._record("investment_amount", value, "yuan", period, written, truth, self.figures.code)
        return written

    def money_more(self, period: Period) -> str:
        """ "X万余元": X is the whole 万 the amount reaches."""
        truth = self.figures.value("investment_amount", period)
        value = truth // 10_000 * 10_000
        written = f"{value // 10_000}万余元"
        self._record("investment_amount", value, "yuan", period, written, truth, self.figures.code, "more_than", step_of(value, 10_000))
        return written

    def monitoring(self, metric: str, column: str, year: int, word: str, skew: float = 0.0) -> str:
        """A figure of the county's monitoring against a return to poverty: ``column`` of its
        mart_monitoring row for ``year``, the one the sentence's words quote (累计 → cumulative_*,
        新纳入 → newly_taken_in_*, 当年消除 → eliminated_*, a plain count → *_at_end)."""
        truth = int(self.figures.monitoring[year][column])
        value = skewed(truth, skew) if skew else truth
        written = f"{value}{word}"
        self._record(metric, value, _UNITS[word], (year, year), written, truth, self.figures.code)
        self.claims[-1]["mart_column"] = column  # which of mart_monitoring's figures the words quote
        return written

    def unjudged(self, metric: str, unit: str, period: Period, low: float, high: float, suffix: str) -> str:
        """A figure the reconciliation reads but cannot judge (income per person, growth rates):
        a whole number when ``low`` is at least 1000, else one decimal."""
        number = self.pick(int(low), int(high)) if low >= 1000 else float(self.decimal(low, high))
        written = f"{number}{suffix}"
        self._record(metric, number, unit, period, written, None, self.figures.code)
        return written

    def pick(self, low: int, high: int) -> int:
        """A figure the warehouse does not hold (kilometres, mu, square metres …)."""
        return int(self.rng.integers(low, high + 1))

    def share(self, metric: str, low: float, high: float) -> int:
        """A figure the warehouse does not hold, in proportion to the county's size."""
        return max(1, int(round((self.figures.value(metric, None) or 0) * self.rng.uniform(low, high))))

    def decimal(self, low: float, high: float) -> str:
        return f"{self.rng.uniform(low, high):.1f}".removesuffix(".0")
