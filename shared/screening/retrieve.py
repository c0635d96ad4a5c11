"""Rank candidate names by the rare evidence they share with a query.

A query token looks up several keys (itself, typo neighbours, sound-alikes, given-name symbols):
one `KeyGroup`. Each group counts once per name, through its best key. Keys in few names seed
the candidates; keys in many (`trading`, `company`, `mohammad`) only add to names already found,
unless nothing rarer matched at all. A name that cannot share `min_matched` of the query's
weight is dropped before ranking.

Set operations and `Counter.update` do the per-name work in C: names hit by one group only (most
of them) are never visited one by one unless they may rank, and a group whose weight alone falls
short of `min_matched` contributes no such names at all.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter

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
    union: Posting | None = None
    """The names of all seeds, once computed (a cached group shares it between queries)."""

    def names(self) -> Posting:
        if len(self.seeds) == 1:
            return self.seeds[0][0]
        if self.union is None:
            self.union = set().union(*(posting for posting, _ in self.seeds))
        return self.union

    def weight_of(self, name_id: int) -> float:
        """The best weight of this group's keys that hold `name_id` (0 when none does)."""
        best = 0.0
        for posting, weight in self.seeds:
            if weight > best and name_id in posting:
                best = weight
        for posting, weight in self.frequent:
            if weight > best and name_id in posting:
                best = weight
        return best


def find_candidates(
    groups: list[KeyGroup], limit: int, min_matched: float, size: Callable[[int], float]
) -> list[Candidate]:
    """The `limit` names with the most evidence; among equals, the shortest (by `size`), which
    have the least left over against the query."""
    seeded = [(group, group.names()) for group in groups if group.seeds]
    if not seeded:
        return _from_common_words(groups, limit, min_matched, size)
    pool: Posting = set().union(*(names for _, names in seeded))
    hits: Counter[int] = Counter()
    for _, names in seeded:
        hits.update(names)
    for group in groups:
        for posting, _ in group.frequent:
            hits.update(pool & posting)
    ranked = _several_groups(groups, hits, min_matched)
    for group, _ in seeded:
        if group.mass >= min_matched:
            ranked.extend(_one_group(group, hits, limit, size))
    # Among equal evidence the shortest names first: which of many equals make the cut must not
    # depend on the order the names were loaded in.
    top = heapq.nlargest(limit, ranked, key=lambda found: (found[1], -size(found[0])))
    return [Candidate(name_id, evidence, matched) for name_id, evidence, matched in top]


def _several_groups(
    groups: list[KeyGroup], hits: Counter[int], min_matched: float
) -> list[tuple[int, float, float]]:
    """Names that more than one key hit: their evidence summed group by group."""
    found: list[tuple[int, float, float]] = []
    for name_id, count in hits.items():
        if count < 2:
            continue
        evidence, matched = _evidence(groups, name_id)
        if matched >= min_matched:
            found.append((name_id, evidence, matched))
    return found


def _evidence(groups: list[KeyGroup], name_id: int) -> tuple[float, float]:
    """The evidence a name shares with the query (each group's best key that holds it), and
    the query weight those groups carry."""
    evidence = matched = 0.0
    for group in groups:
        weight = group.weight_of(name_id)
        if weight > 0.0:
            evidence += weight
            matched += group.mass
    return evidence, matched


def _one_group(
    group: KeyGroup, hits: Counter[int], limit: int, size: Callable[[int], float]
) -> list[tuple[int, float, float]]:
    """Up to `limit` names this group alone hit, from its best keys down; when a key holds more
    than fit, the shortest of them."""
    found: dict[int, float] = {}
    for posting, weight in sorted(group.seeds, key=itemgetter(1), reverse=True):
        if len(found) >= limit:
            break
        for name_id in posting:
            if hits[name_id] == 1 and name_id not in found:
                found[name_id] = weight
    if len(found) > limit:
        kept = heapq.nlargest(limit, found.items(), key=lambda item: (item[1], -size(item[0])))
        return [(name_id, weight, group.mass) for name_id, weight in kept]
    return [(name_id, weight, group.mass) for name_id, weight in found.items()]


def _from_common_words(
    groups: list[KeyGroup], limit: int, min_matched: float, size: Callable[[int], float]
) -> list[Candidate]:
    """Only frequent keys matched: the names of the rarest exact one are the candidates, the
    shortest first among equals (`AL-MUHAMMAD, Muhammad`)."""
    frequent = [group for group in groups if group.frequent]
    if not frequent or sum(group.mass for group in frequent) < min_matched:
        return []  # common words alone cannot carry this query to the cutoff
    exact = [group.exact for group in frequent if group.exact is not None]
    pool = min(exact or [p for g in frequent for p, _ in g.frequent], key=len)
    scored: list[tuple[float, float, int, float]] = []
    for name_id in pool:
        evidence, matched = _evidence(frequent, name_id)
        if matched >= min_matched:
            scored.append((evidence, -size(name_id), name_id, matched))
    top = heapq.nlargest(limit, scored)
    return [Candidate(name_id, evidence, matched) for evidence, _, name_id, matched in top]
