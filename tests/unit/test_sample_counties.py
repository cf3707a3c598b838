"""Which counties a sample holds: the national sample is every poverty county the generator can tell
apart by name, the per-person exports among them rather than beyond them."""

import pytest

from sample_data.counties import available_counties, plan


def test_a_small_sample_adds_its_per_person_counties_beyond_those_asked_for():
    specs = plan(28, "csv", per_person=1)
    assert len(specs) == 29
    assert sum(s.per_person for s in specs) == 1
    assert len({s.code for s in specs}) == 29


@pytest.mark.parametrize("per_person", [1, 3])
def test_the_national_sample_holds_every_county_once_with_the_per_person_ones_among_them(per_person):
    national = available_counties("csv")
    specs = plan(national, "csv", per_person=per_person)
    assert len(specs) == national
    assert len({s.code for s in specs}) == national
    assert sum(s.per_person for s in specs) == per_person


def test_more_counties_than_there_are_is_refused_with_the_count():
    with pytest.raises(ValueError, match="counties are available"):
        plan(available_counties("csv") + 1, "csv", per_person=0)
