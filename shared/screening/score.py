"""Score two analysed names: weighted token alignment, then the rules that adjust it.

score = sum(similarity x pair weight) / (sum(pair weight) + unmatched weight, scaled per side)

A token's weight is its prior (generic words, places, particles and initials weigh less) times
its rarity in the loaded lists, when there are lists. An unmatched token costs less for persons
(a middle name left out) than for organisations (`CRYSTALORD SYSTEMS` is not `CRYSTALORD`). When
both sides keep unmatched tokens, one name part stands where another should: that substitution
costs extra (`Saddam Hussein al-Tikriti` is not `Saddam Hussein al-Dulaimi`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from shared.screening.align import Alignment, align
from shared.screening.tokens import WEIGHT_GENERIC, WEIGHT_NAME, WEIGHT_PLACE, NameForm, Token

Weigh = Callable[[Token], float]


@dataclass(frozen=True, slots=True)
class Costs:
    query_extra: float
    candidate_extra: float
    substitution: float
    extra_floor: float
    """Least weight of an unmatched token that is more than a particle."""


PERSON_COSTS = Costs(query_extra=0.35, candidate_extra=0.35, substitution=2.0, extra_floor=0.0)
ORG_COSTS = Costs(query_extra=1.0, candidate_extra=0.7, substitution=1.0, extra_floor=0.6)

NUMBER_CONFLICT = 0.8
"""Factor when both names carry numbers that disagree: `Fund VIII` is not `Fund IX`."""
QUERY_PLACE_FACTOR = 0.4
"""What a place costs that only the query names, relative to its weight."""
NUMBER_ALONE = 0.85
"""Factor when only one organisation or vessel name carries a number."""
LEGAL_CONFLICT = 0.93
"""Factor when both names carry legal forms of different classes: `AG` (JSC) vs `GmbH` (LLC)."""
PATRONYM_CONFLICT = 0.6
"""Factor when `X bin Y` meets `Y bin X`: the father's name is not the given name."""
WHOLE_NAME_MIN_LENGTH = 8
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class NameScore:
    score: float
    alignment: Alignment
    rules: tuple[str, ...]


def prior_weight(token: Token) -> float:
    return token.weight


def score_names(query: NameForm, candidate: NameForm, weigh: Weigh = prior_weight) -> NameScore:
    if query.is_empty or candidate.is_empty:
        return NameScore(0.0, Alignment((), (), ()), ("empty name",))
    alignment = align(query, candidate)
    if not alignment.pairs:
        return NameScore(0.0, alignment, ("no token in common",))
    costs = PERSON_COSTS if candidate.name_class == "person" else ORG_COSTS
    score = _weighted_ratio(query.tokens, candidate.tokens, alignment, costs, weigh)
    rules: list[str] = []
    whole = _whole_name_similarity(query, candidate)
    if whole > score:
        score = whole
        rules.append("whole name within one or two typos")
    for factor, rule in _conflicts(query, candidate, alignment):
        score *= factor
        rules.append(rule)
    return NameScore(min(1.0, max(0.0, score)), alignment, tuple(rules))


def _whole_name_similarity(query: NameForm, candidate: NameForm) -> float:
    """The names spelt out without spaces, a typo or two apart (`SiemensAG`, `S7` / `S 7`),
    with and without their legal forms; numbers must be the same."""
    if candidate.name_class == "person":
        return 0.0  # person names are handled token by token: one letter can be an initial
    if _numbers(query) != _numbers(candidate):
        return 0.0  # `Fund II` / `Fund III` are two funds, however close the spelling
    core = "".join(t.text for t in query.tokens), "".join(t.text for t in candidate.tokens)
    return max(_spelling_similarity(query.full, candidate.full), _spelling_similarity(*core))


def _numbers(form: NameForm) -> set[str]:
    """Numbers as tokens (`II`, `forty four`) and as digits anywhere (`S7`)."""
    found = {str(t.number) for t in form.tokens if t.number is not None}
    return found | {digits.lstrip("0") or "0" for digits in _DIGITS.findall(form.full)}


def _spelling_similarity(left: str, right: str) -> float:
    shorter = min(len(left), len(right))
    if shorter < WHOLE_NAME_MIN_LENGTH:
        return 0.0
    budget = 1 if shorter < 20 else 2
    distance = OSA.distance(left, right, score_cutoff=budget)
    if distance > budget:
        return 0.0
    return 1.0 - distance / max(len(left), len(right))


def _weighted_ratio(
    query: tuple[Token, ...],
    candidate: tuple[Token, ...],
    alignment: Alignment,
    costs: Costs,
    weigh: Weigh,
) -> float:
    matched = 0.0
    total = 0.0
    for pair in alignment.pairs:
        weight = (
            sum(weigh(query[i]) for i in pair.query)
            + sum(weigh(candidate[j]) for j in pair.candidate)
        ) / 2
        matched += pair.similarity * weight
        total += weight
    last = max(i for pair in alignment.pairs for i in pair.query)
    query_extra = sum(
        _extra_weight(query[i], weigh, costs, trailing=i > last) for i in alignment.query_extra
    )
    candidate_extra = sum(
        _extra_weight(candidate[j], weigh, costs, listed=True) for j in alignment.candidate_extra
    )
    total += costs.query_extra * query_extra + costs.candidate_extra * candidate_extra
    total += costs.substitution * min(query_extra, candidate_extra)
    return matched / total if total > 0 else 0.0


def _extra_weight(
    token: Token, weigh: Weigh, costs: Costs, listed: bool = False, trailing: bool = False
) -> float:
    """A generic word left over still makes another entity (`CRYSTALORD SYSTEMS`), and a place
    only the listed name has a regional one (`Banco Santander Chile`). A place the query adds
    at the end is often just where the party is (`AURUS LLC, RUSSIA`); at the start it is part
    of the name (`SHARJAH INSTRUMENTS`)."""
    weight = weigh(token)
    if costs.extra_floor > 0.0 and token.weight == WEIGHT_PLACE:
        if listed:
            return max(weight, WEIGHT_NAME)
        if trailing:
            return weight * QUERY_PLACE_FACTOR
    if token.weight >= WEIGHT_GENERIC and costs.extra_floor > weight:
        return costs.extra_floor
    return weight


def _conflicts(
    query: NameForm, candidate: NameForm, alignment: Alignment
) -> list[tuple[float, str]]:
    found: list[tuple[float, str]] = []
    q_numbers = {query.tokens[i].number for i in alignment.query_extra} - {None}
    c_numbers = {candidate.tokens[j].number for j in alignment.candidate_extra} - {None}
    if q_numbers and c_numbers:
        found.append((NUMBER_CONFLICT, "numbers disagree"))
    elif (q_numbers or c_numbers) and candidate.name_class != "person":
        # `Bowne Global Solutions II` is the second of a series, not the first.
        found.append((NUMBER_ALONE, "a number on one side only"))
    if query.legal and candidate.legal and query.legal.isdisjoint(candidate.legal):
        legal = f"{'/'.join(sorted(query.legal))} vs {'/'.join(sorted(candidate.legal))}"
        found.append((LEGAL_CONFLICT, f"legal forms differ: {legal}"))
    if candidate.name_class == "person" and _patronym_swapped(query, candidate, alignment):
        found.append((PATRONYM_CONFLICT, "given and father's names swapped"))
    return found


def _patronym_swapped(query: NameForm, candidate: NameForm, alignment: Alignment) -> bool:
    """`SALMAN BIN MUHAMMAD` vs `MUHAMMAD BIN SALMAN`: after `bin` on one side, not the other."""
    to_candidate = {i: pair.candidate[0] for pair in alignment.pairs for i in pair.query}
    for i, token in enumerate(query.tokens[:-1]):
        if not token.particle or i + 1 not in to_candidate:
            continue
        j = to_candidate[i + 1]
        after_particle = j > 0 and candidate.tokens[j - 1].particle
        if not after_particle and any(t.particle for t in candidate.tokens[:-1]):
            return True
    return False
