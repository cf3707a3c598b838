"""Which place a claim belongs to.

In order:
1. a place in the figure's own clause, before it (else after it); when the clause names several
   villages or townships that are not one list, none of them is the figure's place; a county
   written right before a township (紫云县四大寨乡) is where the township lies, not the place;
2. for assistance (money put in, households or persons benefited, projects) the place the sentence
   names as receiving it ("投入帮扶资金2386万余元……带动紫云县" → 紫云县);
3. a county or larger place named earlier in the sentence (a village named in another clause is
   an item of a list, not the sentence's topic);
4. for assistance in a pairing report, the report's recipient: the helper's money and projects
   belong to the place helped;
5. the report's subject.
In a pairing report the subject is the helper, so in steps 1-3 it never receives assistance.
"""

from __future__ import annotations

from etl_project.reports.places import Place, after_recipient_marker, recipient_of, subject_of
from etl_project.reports.regions import ZONE_FORMS, RegionLookup
from etl_project.reports.segments import Segments

ASSISTANCE = {"investment_amount", "households_benefited", "persons_benefited", "projects_count"}


class Attribution:
    def __init__(self, text: str, places: list[Place], segments: Segments, lookup: RegionLookup, title_end: int, first_paragraph_end: int):
        self.text, self.places, self.segments, self.lookup = text, places, segments, lookup
        self.subject = subject_of(places, title_end, first_paragraph_end)
        self._subject_code = lookup.resolve(self.subject.name) if self.subject else None
        self.recipient = recipient_of(text, places, self.is_subject) if self.subject else None

    def is_subject(self, place: Place) -> bool:
        if self.subject is None:
            return False
        if place.level == "alias":
            return self.subject.name.endswith(place.name) or self.subject.name.endswith(ZONE_FORMS.get(place.name, place.name))
        if place.name == self.subject.name:
            return True
        return place.large and self._subject_code is not None and self.lookup.resolve(place.name) == self._subject_code

    def _usable(self, place: Place, assistance: bool) -> bool:
        if place.level == "alias" and not self.is_subject(place):
            return False
        return not (assistance and self.recipient is not None and self.is_subject(place))

    def _pick(self, candidates: list[Place]) -> Place | None:
        if not candidates:
            return None
        # A county written right before a township (紫云县四大寨乡) only says where the township lies.
        starts = {p.start for p in candidates if p.level == "township"}
        candidates = [p for p in candidates if not (p.large and p.end in starts)]
        large = [p for p in candidates if p.large or p.level == "alias"]
        if large:
            return large[0]
        if len({p.name for p in candidates}) == 1:
            return candidates[0]
        return None

    def place_of(self, start: int, end: int, metric: str) -> Place | None:
        assistance = metric in ASSISTANCE
        usable = [p for p in self.places if self._usable(p, assistance)]
        clause_start, clause_end = self.segments.clause_at(start)
        before = [p for p in usable if clause_start <= p.start and p.end <= start]
        after = [p for p in usable if end <= p.start and p.end <= clause_end]
        picked = self._pick(before or after)
        if picked:
            return picked
        sentence_start, sentence_end = self.segments.sentence_at(start)
        in_sentence = [p for p in usable if sentence_start <= p.start and p.end <= sentence_end]
        if assistance:
            received = [p for p in in_sentence if after_recipient_marker(self.text, p) and not self.is_subject(p)]
            if received:
                return received[0]
        earlier = [p for p in in_sentence if p.end <= start and (p.large or p.level == "alias")]
        if earlier:
            return earlier[0]
        if assistance and self.recipient is not None:
            return self.recipient
        return self.subject

    def _code(self, place: Place) -> str | None:
        if place.level == "alias" or self.is_subject(place):
            return self._subject_code
        return self.lookup.resolve(place.name)

    def context_of(self, township: Place) -> str | None:
        """The code of the county (or larger place) a township lies in, as the report puts it: the
        place written right before it (紫云县四大寨乡), else the last county-or-larger place named
        earlier in its sentence, else the pairing's recipient, else the report's subject. In a
        pairing report the helper is passed over: the townships it speaks of are the recipient's."""
        sentence_start, _ = self.segments.sentence_at(township.start)
        earlier = [
            p
            for p in self.places
            if (p.large or p.level == "alias")
            and sentence_start <= p.start
            and p.end <= township.start
            and not (self.recipient is not None and self._code(p) == self._subject_code)
        ]
        glued = [p for p in earlier if p.end == township.start]
        for place in (*glued, *reversed(earlier)):
            code = self._code(place)
            if code is not None:
                return code
        if self.recipient is not None:
            return self.lookup.resolve(self.recipient.name)
        return self._subject_code

    def region_of(self, start: int, end: int, metric: str) -> tuple[str | None, str | None, str | None]:
        """The claim's place as written, its code when the reference resolves it (counties and
        above), and for a township the code of the place it lies in (context_of)."""
        place = self.place_of(start, end, metric)
        if place is None:
            return None, None, None
        if place.level == "alias" or self.is_subject(place):
            place = self.subject
        code = self.lookup.resolve(place.name) if place.large else None
        context = self.context_of(place) if place.level == "township" else None
        return place.name, code, context
