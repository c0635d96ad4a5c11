"""Rank the listed entries for one party: identifiers first, then candidate names from the index,
each scored, adjusted for weak aliases and countries, and explained."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.schemas.screened import Match
from shared.screening.entries import EntryIndex, IndexedEntry
from shared.screening.explain import explain_names
from shared.screening.identifiers import types_compatible
from shared.screening.index import IndexedName, NameIndex, is_bounded
from shared.screening.query import Query
from shared.screening.score import ORG_COSTS, PERSON_COSTS, NameScore, score_names
from shared.screening.tokens import NameClass, NameForm, Token

CANDIDATE_LIMIT = 20
"""Names fully scored per query form, the best by shared rare evidence."""
WEAK_ALIAS_FACTOR = 0.9
"""OFAC's weak a.k.a.s are short or generic; a match on one is worth less."""
COUNTRY_AGREES = 0.02
COUNTRY_CONFLICTS = 0.05
PRUNE_MARGIN = 0.1
"""Candidates whose upper bound falls this far below the cutoff are not scored."""
PERSON_AS_COMPANY_FACTOR = 0.9
"""A company named like a listed person (`Nicolás Maduro LLC`) is worth review, not certainty."""
HULL_NUMBER_CONFLICT_FACTOR = 0.6
"""A vessel whose IMO number is not the listed vessel's is another hull (the number belongs to one
ship for life, whatever it is renamed), so a name match alone falls below the default threshold:
ship names repeat. A listed ship that changed its name keeps its number, and that is decisive."""
HULL_NUMBER_TYPES = frozenset({"imo"})
BRACKETS_DROPPED_FACTOR = 0.95
BRACKETS_MIN_SCORE = 0.9
"""Leaving the bracketed words out is a concession: the rest must then match nearly exactly."""
_BRACKETS = re.compile(r"[(\[{]")
"""Matching once the bracketed words are left out (a place, an address, a former name)."""


@dataclass(slots=True)
class ScoredEntry:
    indexed: IndexedEntry
    matched_name: str
    score: float
    reason: object
    """What `str()` turns into the explanation: built lazily, most entries are never reported."""
    identifier_match: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        return "; ".join([str(self.reason), *self.notes])

    def to_match(self) -> Match:
        entry = self.indexed.entry
        return Match(
            list_id=entry.list_id,
            entry_id=entry.entry_id,
            entry_name=entry.name,
            matched_name=self.matched_name,
            score=round(self.score, 4),
            programs=list(entry.programs),
            explanation=self.explanation,
            identifier_match=self.identifier_match,
        )


def rank_entries(
    query: Query, names: NameIndex, entries: EntryIndex, cutoff: float
) -> list[ScoredEntry]:
    best: dict[str, ScoredEntry] = {}
    for scored in _identifier_matches(query, entries):
        best[scored.indexed.key] = scored
    for scored in _name_matches(query, names, entries, cutoff):
        current = best.get(scored.indexed.key)
        if current is None:
            best[scored.indexed.key] = scored
        elif current.identifier_match and current.matched_name == "":
            current.matched_name = scored.matched_name
            current.notes.append(str(scored.reason))
    for scored in best.values():
        if not scored.identifier_match:
            _adjust_for_country(scored, query.country)
            _adjust_for_hull_numbers(scored, query.identifiers)
    found = [scored for scored in best.values() if scored.score >= cutoff]
    found.sort(key=lambda scored: (-scored.score, scored.indexed.key))
    return found


def _identifier_matches(query: Query, entries: EntryIndex) -> list[ScoredEntry]:
    found: list[ScoredEntry] = []
    for query_type, value in query.identifiers:
        for key in sorted(entries.with_identifier(value)):
            indexed = entries.get(key)
            if indexed is None:
                continue
            for list_type, list_value in indexed.identifiers:
                if list_value == value and types_compatible(query_type, list_type):
                    why = f"identifier {list_type} {value} agrees exactly (decisive)"
                    found.append(ScoredEntry(indexed, "", 1.0, why, identifier_match=True))
                    break
    return found


def _name_matches(
    query: Query, names: NameIndex, entries: EntryIndex, cutoff: float
) -> list[ScoredEntry]:
    def weigh(token: Token) -> float:
        return token.weight * names.rarity(token.text)

    best: dict[str, ScoredEntry] = {}
    tokens = query.retrieval_tokens()
    # The query weight to share is the same whatever the candidate when the query's class is
    # unknown (its retrieval tokens), or the one class it is.
    query_mass = _query_mass(query, query.name_class or "org", tokens, weigh)
    target = cutoff - PRUNE_MARGIN
    floor = _least_shared(query, query_mass, cutoff)
    for candidate in names.candidates(tokens, CANDIDATE_LIMIT, floor):
        listed = names.name(candidate.name_id)
        name_class = listed.form.name_class
        if query.name_class is not None and query.name_class != name_class:
            continue
        own_mass = names.mass(candidate.name_id)
        if upper_bound(candidate.matched, query_mass, own_mass, name_class) < target:
            continue
        indexed = entries.get(listed.key)
        if indexed is None:
            continue
        query_form, scored, factor = best_reading(query, listed, weigh)
        entry_score = _adjusted(query, listed, scored) * factor
        current = best.get(listed.key)
        if entry_score > 0.0 and (current is None or entry_score > current.score):
            why = _NameExplanation(query, query_form, listed, scored, factor < 1.0)
            best[listed.key] = ScoredEntry(indexed, listed.text, entry_score, why)
    return list(best.values())


def best_reading(
    query: Query, listed: IndexedName, weigh: Callable[[Token], float]
) -> tuple[NameForm, NameScore, float]:
    """Score the query's reading for the listed name's class, and its reading without bracketed
    words (a little lower) if that matches nearly exactly, and keep the better. When the listed
    name has brackets too, both qualify the name (`Bank of China (Hong Kong)` / `(Singapore)`)
    and stay."""
    name_class = listed.form.name_class
    form = query.form(name_class)
    scored = score_names(form, listed.form, weigh)
    bare = query.bare_form(name_class)
    if bare is None or bare.is_empty or scored.score >= 1.0 or _BRACKETS.search(listed.text):
        return form, scored, 1.0
    without = score_names(bare, listed.form, weigh)
    if (
        without.score >= BRACKETS_MIN_SCORE
        and without.score * BRACKETS_DROPPED_FACTOR > scored.score
    ):
        return bare, without, BRACKETS_DROPPED_FACTOR
    return form, scored, 1.0


def _query_mass(
    query: Query, name_class: NameClass, tokens: list[Token], weigh: Callable[[Token], float]
) -> float:
    """The query weight the score bound charges for: of its bracket-free reading if it has one
    (bracketed words may be left out), else of its class's reading or its retrieval tokens."""
    bare = query.bare_form(name_class if query.name_class else "org")
    if bare is not None:
        return sum(weigh(t) for t in bare.tokens if is_bounded(t))
    retrieved = query.form(name_class).tokens if query.name_class else tokens
    return sum(weigh(t) for t in retrieved if is_bounded(t))


def _least_shared(query: Query, query_mass: float, cutoff: float) -> float:
    """The query weight a candidate must share for `upper_bound` to reach the cutoff."""
    target = cutoff - PRUNE_MARGIN
    if target <= 0.0 or target >= 1.0:
        return 0.0
    lenient = ORG_COSTS if query.name_class not in (None, "person") else PERSON_COSTS
    extra = lenient.query_extra
    # matched / (matched + extra * (mass - matched)) >= target, solved for matched:
    return target * extra * query_mass / (1.0 - target + target * extra)


def upper_bound(matched: float, query_mass: float, own_mass: float, name_class: NameClass) -> float:
    """About the best score a candidate can reach: what either name has beyond the shared
    evidence still costs. The candidate's side is estimated (its shared weight taken as the
    query's), hence the margin the caller leaves."""
    if matched <= 0.0:
        return 0.0
    costs = PERSON_COSTS if name_class == "person" else ORG_COSTS
    query_extra = max(0.0, query_mass - matched)
    own_extra = max(0.0, own_mass - matched)
    missing = costs.query_extra * query_extra + costs.candidate_extra * own_extra
    missing += costs.substitution * min(query_extra, own_extra)
    return matched / (matched + missing)


def _adjusted(query: Query, listed: IndexedName, scored: NameScore) -> float:
    score = scored.score
    if listed.weak:
        score *= WEAK_ALIAS_FACTOR
    if listed.form.name_class == "person" and query.named_like_company():
        score *= PERSON_AS_COMPANY_FACTOR
    return score


@dataclass(frozen=True, slots=True)
class _NameExplanation:
    """Built into words only for the entries that are reported."""

    query: Query
    query_form: NameForm
    listed: IndexedName
    scored: NameScore
    without_brackets: bool = False

    def __str__(self) -> str:
        listed, scored = self.listed, self.scored
        text = f"name {scored.score:.2f} against {listed.text!r}: "
        text += explain_names(self.query_form, listed.form, scored)
        if self.without_brackets:
            text += f"; bracketed words left out (x{BRACKETS_DROPPED_FACTOR})"
        if listed.weak:
            text += f"; weak alias (x{WEAK_ALIAS_FACTOR})"
        if listed.form.name_class == "person" and self.query.named_like_company():
            text += f"; a company named like a listed person (x{PERSON_AS_COMPANY_FACTOR})"
        return text


def _adjust_for_hull_numbers(scored: ScoredEntry, identifiers: tuple[tuple[str, str], ...]) -> None:
    for kind, value in identifiers:
        if kind not in HULL_NUMBER_TYPES:
            continue
        listed = sorted(v for t, v in scored.indexed.identifiers if t == kind)
        if listed and value not in listed:
            scored.score *= HULL_NUMBER_CONFLICT_FACTOR
            scored.notes.append(
                f"{kind} {value} is not the listed {'/'.join(listed)}"
                f" (x{HULL_NUMBER_CONFLICT_FACTOR})"
            )
            return


def _adjust_for_country(scored: ScoredEntry, country: str | None) -> None:
    if country is None:
        return
    entry = scored.indexed.entry
    listed = set(entry.countries) | {a.country for a in entry.addresses if a.country}
    if not listed:
        return
    if country in listed:
        scored.score = min(1.0, scored.score + COUNTRY_AGREES)
        scored.notes.append(f"country {country} agrees (+{COUNTRY_AGREES})")
    else:
        scored.score = max(0.0, scored.score - COUNTRY_CONFLICTS)
        others = "/".join(sorted(listed))
        scored.notes.append(f"country {country} not the listed {others} (-{COUNTRY_CONFLICTS})")
