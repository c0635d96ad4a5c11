"""Screen one party: identifiers first, then candidate names from the index, scored, explained."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from shared.schemas.screened import Match
from shared.screening.entries import EntryIndex, IndexedEntry
from shared.screening.explain import explain_names
from shared.screening.identifiers import types_compatible
from shared.screening.index import IndexedName, NameIndex, is_bounded
from shared.screening.normalise import analyse_name
from shared.screening.score import ORG_COSTS, PERSON_COSTS, NameScore, score_names
from shared.screening.tokens import NameClass, NameForm, Token

CANDIDATE_LIMIT = 40
"""Names fully scored per query form, the best by shared rare evidence."""
WEAK_ALIAS_FACTOR = 0.9
"""OFAC's weak a.k.a.s are short or generic; a match on one is worth less."""
COUNTRY_AGREES = 0.02
COUNTRY_CONFLICTS = 0.05
PRUNE_MARGIN = 0.1
"""Candidates whose upper bound falls this far below the cutoff are not scored."""
PERSON_AS_COMPANY_FACTOR = 0.9
"""A company named like a listed person (`Nicolás Maduro LLC`) is worth review, not certainty."""


@dataclass(slots=True)
class Query:
    name: str
    country: str | None
    identifiers: tuple[tuple[str, str], ...]
    name_class: NameClass | None
    _forms: dict[NameClass, NameForm] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        name: str,
        country: str | None,
        identifiers: tuple[tuple[str, str], ...],
        name_class: NameClass | None,
    ) -> Query:
        return cls(name, country.upper() if country else None, identifiers, name_class)

    def form(self, name_class: NameClass) -> NameForm:
        found = self._forms.get(name_class)
        if found is None:
            found = self._forms[name_class] = self._analyse(name_class)
        return found

    def retrieval_tokens(self) -> list[Token]:
        """The tokens to look up: of the query's own class or, when that is unknown, of its
        reading as an organisation (legal forms apart). A name in another script also takes
        the given-name symbols of its reading as a person (محمد ~ Mohammed); a Latin one finds
        its spelling variants through typo and sound-alike keys, and is read as a person only
        when a person candidate is worth scoring."""
        if self.name_class is not None:
            return list(self.form(self.name_class).tokens)
        org = self.form("org")
        if self.named_like_company() or all(t.native is None for t in org.tokens):
            return list(org.tokens)
        symbols = {token.text: token.symbols for token in self.form("person").tokens}
        found: list[Token] = []
        for token in self.form("org").tokens:
            extra = symbols.get(token.text, frozenset())
            found.append(replace(token, symbols=token.symbols | extra) if extra else token)
        return found

    def named_like_company(self) -> bool:
        return self.name_class is None and bool(self.form("org").legal)

    def _analyse(self, name_class: NameClass) -> NameForm:
        return analyse_name(self.name, name_class)


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

    masses: dict[NameClass, float] = {}
    best: dict[str, ScoredEntry] = {}
    tokens = query.retrieval_tokens()
    floor = _least_shared(query, sum(weigh(t) for t in tokens if is_bounded(t)), cutoff)
    for candidate in names.candidates(tokens, CANDIDATE_LIMIT, floor):
        listed = names.name(candidate.name_id)
        name_class = listed.form.name_class
        if query.name_class is not None and query.name_class != name_class:
            continue
        if name_class not in masses:
            retrieved = query.form(name_class).tokens if query.name_class else tokens
            masses[name_class] = sum(weigh(t) for t in retrieved if is_bounded(t))
        own_mass = names.mass(candidate.name_id)
        bound = _upper_bound(candidate.matched, masses[name_class], own_mass, name_class)
        if bound < cutoff - PRUNE_MARGIN:
            continue
        indexed = entries.get(listed.key)
        if indexed is None:
            continue
        query_form = query.form(name_class)
        scored = score_names(query_form, listed.form, weigh)
        entry_score = _adjusted(query, listed, scored)
        current = best.get(listed.key)
        if entry_score > 0.0 and (current is None or entry_score > current.score):
            why = _NameExplanation(query, query_form, listed, scored)
            best[listed.key] = ScoredEntry(indexed, listed.text, entry_score, why)
    return list(best.values())


def _least_shared(query: Query, query_mass: float, cutoff: float) -> float:
    """The query weight a candidate must share for `_upper_bound` to reach the cutoff."""
    target = cutoff - PRUNE_MARGIN
    if target <= 0.0 or target >= 1.0:
        return 0.0
    lenient = ORG_COSTS if query.name_class not in (None, "person") else PERSON_COSTS
    extra = lenient.query_extra
    # matched / (matched + extra * (mass - matched)) >= target, solved for matched:
    return target * extra * query_mass / (1.0 - target + target * extra)


def _upper_bound(
    matched: float, query_mass: float, own_mass: float, name_class: NameClass
) -> float:
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

    def __str__(self) -> str:
        listed, scored = self.listed, self.scored
        text = f"name {scored.score:.2f} against {listed.text!r}: "
        text += explain_names(self.query_form, listed.form, scored)
        if listed.weak:
            text += f"; weak alias (x{WEAK_ALIAS_FACTOR})"
        if listed.form.name_class == "person" and self.query.named_like_company():
            text += f"; a company named like a listed person (x{PERSON_AS_COMPANY_FACTOR})"
        return text


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
