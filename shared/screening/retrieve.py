"""Rank candidate names by the rare evidence they share with a query.

A query token looks up several keys (itself, typo neighbours, sound-alikes, given-name symbols):
one `KeyGroup`. Each group counts once per name, through its best key. Keys in few names seed
the candidates; keys in many (`trading`, `company`, `mohammad`) only add to names already found,
unless nothing rarer matched at all. A name that cannot share `min_matched` of the query's
weight is dropped before ranking.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

Posting = set[int]


@dataclass(frozen=True, slots=True)
class Candidate:
    name_id: int
    evidence: float
    """Summed inverse document frequency of the keys shared: ranks candidates."""
    matched: float
    """Query weight the shared keys stand for, however similar (an overestimate): bounds the
    final score."""


@dataclass(slots=True)
class KeyGroup:
    """The keys one query token (or two joined) looked up, and the query weight it carries."""

    mass: float
    seeds: list[tuple[Posting, float]] = field(default_factory=list)
    frequent: list[tuple[Posting, float]] = field(default_factory=list)
    exact: Posting | None = None
    """The posting of the token itself, when it is a frequent key."""

    def seeded(self, name_id: int) -> bool:
        return any(name_id in posting for posting, _ in self.seeds)


def find_candidates(
    groups: list[KeyGroup], limit: int, min_matched: float, size: Callable[[int], float]
) -> list[Candidate]:
    """The `limit` names with the most evidence; among equals, the shortest (by `size`), which
    have the least left over against the query."""
    evidence: dict[int, float] = {}
    matched: dict[int, float] = {}
    for group in groups:
        _seed(group, evidence, matched)
    frequent = [group for group in groups if group.frequent]
    if frequent:
        most = sum(group.mass for group in frequent)
        if not evidence:
            if most < min_matched:
                return []  # common words alone cannot carry this query to the cutoff
            rarest = _rarest_posting(frequent)
            evidence, matched = dict.fromkeys(rarest, 0.0), dict.fromkeys(rarest, 0.0)
        elif min_matched > 0.0:
            for name_id in [i for i, m in matched.items() if m + most < min_matched]:
                del evidence[name_id]
        for group in frequent:
            _boost(group, evidence, matched)
    if min_matched > 0.0:
        evidence = {i: e for i, e in evidence.items() if matched[i] >= min_matched}
    ranked = heapq.nlargest(limit, evidence.items(), key=lambda item: (item[1], -size(item[0])))
    return [Candidate(name_id, score, matched[name_id]) for name_id, score in ranked]


def _rarest_posting(frequent: list[KeyGroup]) -> Posting:
    """The smallest posting of a key a query token matched exactly (`muhammad` itself, not a
    given-name symbol that only some of its spellings carry), else the smallest of all."""
    exact = [group.exact for group in frequent if group.exact is not None]
    return min(exact or [p for g in frequent for p, _ in g.frequent], key=len)


def _seed(group: KeyGroup, evidence: dict[int, float], matched: dict[int, float]) -> None:
    mass = group.mass
    if len(group.seeds) == 1:
        posting, weight = group.seeds[0]
        for name_id in posting:
            evidence[name_id] = evidence.get(name_id, 0.0) + weight
            matched[name_id] = matched.get(name_id, 0.0) + mass
        return
    best: dict[int, float] = {}
    for posting, weight in group.seeds:
        for name_id in posting:
            if best.get(name_id, 0.0) < weight:
                best[name_id] = weight
    for name_id, weight in best.items():
        evidence[name_id] = evidence.get(name_id, 0.0) + weight
        matched[name_id] = matched.get(name_id, 0.0) + mass


def _boost(group: KeyGroup, evidence: dict[int, float], matched: dict[int, float]) -> None:
    for name_id in evidence:
        if group.seeded(name_id):
            continue
        weight = max((w for posting, w in group.frequent if name_id in posting), default=0.0)
        if weight > 0.0:
            evidence[name_id] += weight
            matched[name_id] += group.mass
