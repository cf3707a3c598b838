"""Writing a batch of households as the cells of one layout.

xlsx cells keep numbers as numbers where the layout writes them plainly; CSV cells are all text.
"""

from __future__ import annotations

import numpy as np

from sample_data import idnumbers
from sample_data.geography import Geography
from sample_data.households import Batch
from sample_data.layouts import Layout
from sample_data.vocab import ATTRIBUTES, CAUSES, STATUSES

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_VOCABULARIES = {"attribute": ATTRIBUTES, "cause": CAUSES, "status": STATUSES}
_WRITTEN = {
    (field, form): np.array([pair[0 if form == "code" else 1] for pair in pairs], dtype=object)
    for field, pairs in _VOCABULARIES.items()
    for form in ("code", "name")
}


def full_width(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def _vocabulary(field: str, form: str, positions: np.ndarray) -> list[str]:
    return _WRITTEN[field, form][positions].tolist()


def _years(layout: Layout, years: np.ndarray, wide: np.ndarray, as_text: bool) -> list:
    empty = "" if as_text else None
    if layout.year_suffix:
        return [(full_width(f"{y}年") if w else f"{y}年") if y else empty for y, w in zip(years.tolist(), wide.tolist())]
    if as_text:
        return [str(y) if y else "" for y in years.tolist()]
    return [y if y else None for y in years.tolist()]


def _plain_amount(value: float, whole: bool) -> str:
    return str(int(value)) if whole else f"{value:.2f}"


def _incomes(layout: Layout, income: np.ndarray, whole: np.ndarray, wide: np.ndarray, as_text: bool) -> list:
    values, wholes = income.tolist(), whole.tolist()
    if layout.income_style == "thousands":
        return [f"{int(v):,}" if w else f"{v:,.2f}" for v, w in zip(values, wholes)]
    texts = [_plain_amount(v, w) for v, w in zip(values, wholes)]
    plain = texts if as_text else [int(v) if w else v for v, w in zip(values, wholes)]
    if layout.income_style == "mixed":
        return [full_width(t) if f else p for t, p, f in zip(texts, plain, wide.tolist())]
    return plain


def _sizes(layout: Layout, size: np.ndarray, wide: np.ndarray, as_text: bool) -> list:
    values = [str(s) for s in size.tolist()] if as_text else size.tolist()
    if layout.fullwidth_share:
        return [full_width(str(v)) if w else v for v, w in zip(values, wide.tolist())]
    return values


def cells(
    layout: Layout,
    batch: Batch,
    geo: Geography,
    county_code: str,
    county_name: str,
    rng: np.random.Generator,
    as_text: bool,
) -> list[list]:
    """The batch as nineteen column lists, in layout column order."""
    n = len(batch)
    wide = rng.random((3, n)) < layout.fullwidth_share
    townships = np.array(geo.township_names, dtype=object)[geo.village_township[batch.village]]
    return [
        [county_name] * n,
        townships.tolist(),
        geo.village_names[batch.village].tolist(),
        [f"{county_code}{x:010d}" for x in batch.number.tolist()],
        batch.head,
        idnumbers.render(
            county_code, batch.birth_year, batch.birth_month, batch.birth_day, batch.sequence, batch.old_id, batch.check_shift
        ),
        _sizes(layout, batch.size, wide[0], as_text),
        _vocabulary("attribute", layout.attribute_as, batch.attribute),
        _vocabulary("cause", layout.cause_as, batch.cause),
        _years(layout, batch.identified, wide[1], as_text),
        _years(layout, batch.exited, wide[1], as_text),
        _vocabulary("status", layout.status_as, batch.status),
        _years(layout, batch.returned, wide[1], as_text),
        _incomes(layout, batch.income, batch.income_whole, wide[2], as_text),
        *(np.where(flags, "是", "否").tolist() for flags in batch.secure),
        [f"1{p}" for p in batch.phone.tolist()],
    ]
