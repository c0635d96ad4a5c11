"""In-memory candidate index over the analysed list names.

Postings map a key to the ids of the names that carry it: each core token (`aurus`), each
given-name symbol (`N:Q5837762`: Mohammed = Muhammad = محمد) and each name's tokens joined
(`=vladimirputin`). A typo index maps every token with one letter deleted to the tokens it came
from (symmetric deletion), so one typo, one missing or extra letter, or two swapped letters still
finds the name without scanning the vocabulary. The number of names a key occurs in gives its
rarity: `trading`, `international`, `group` weigh little both when retrieving and when scoring.

Names are added and removed one entry at a time while serving; nothing is rebuilt. The index is
not locked here: the `Screener` serialises writers against readers.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from shared.screening.similarity import SIM_SYMBOL, fuzzy_similarity
from shared.screening.tokens import WEIGHT_PARTICLE, NameForm, Token

MIN_TYPO_KEY_LENGTH = 4
MAX_COMMON_POSTING = 1000
"""A key in more names than this only retrieves when the query has nothing rarer."""
RARE_DF = 10
"""A token in this many names or fewer counts as fully rare."""
RARITY_FLOOR = 0.5
"""The commonest token still weighs half its prior when scoring."""


@dataclass(frozen=True, slots=True)
class Candidate:
    name_id: int
    evidence: float
    """Summed inverse document frequency of the keys shared: ranks candidates."""
    matched: float
    """Query weight the shared keys stand for (an overestimate): bounds the final score."""


@dataclass(frozen=True, slots=True)
class IndexedName:
    key: str
    """The entry key, `list:entry_id`."""
    text: str
    """The name as listed."""
    form: NameForm
    weak: bool


class NameIndex:
    def __init__(self) -> None:
        self._names: list[IndexedName | None] = []
        self._free: list[int] = []
        self._keys_of: dict[int, tuple[str, ...]] = {}
        self._postings: dict[str, set[int]] = {}
        self._typos: dict[str, set[str]] = {}
        self._count = 0
        self._rarity: dict[str, float] = {}

    def __len__(self) -> int:
        return self._count

    def name(self, name_id: int) -> IndexedName:
        found = self._names[name_id]
        if found is None:
            raise KeyError(name_id)
        return found

    def add(self, name: IndexedName) -> int:
        name_id = self._free.pop() if self._free else len(self._names)
        if name_id == len(self._names):
            self._names.append(name)
        else:
            self._names[name_id] = name
        keys = tuple(_name_keys(name.form))
        self._keys_of[name_id] = keys
        for key in keys:
            posting = self._postings.get(key)
            if posting is None:
                posting = self._postings[key] = set()
                self._add_typo_keys(key)
            posting.add(name_id)
        self._count += 1
        self._rarity.clear()
        return name_id

    def remove(self, name_id: int) -> None:
        if self._names[name_id] is None:
            return
        for key in self._keys_of.pop(name_id):
            posting = self._postings[key]
            posting.discard(name_id)
            if not posting:
                del self._postings[key]
                self._remove_typo_keys(key)
        self._names[name_id] = None
        self._free.append(name_id)
        self._count -= 1
        self._rarity.clear()

    def rarity(self, text: str) -> float:
        """1.0 for a rare token (or one no list has), down to `RARITY_FLOOR` for the commonest."""
        found = self._rarity.get(text)
        if found is None:
            found = self._rarity[text] = self._compute_rarity(text)
        return found

    def _compute_rarity(self, text: str) -> float:
        posting = self._postings.get(text)
        if not posting or self._count <= RARE_DF:
            return 1.0
        scale = math.log1p(self._count / RARE_DF)
        rarity = min(1.0, math.log1p(self._count / len(posting)) / scale)
        return RARITY_FLOOR + (1.0 - RARITY_FLOOR) * rarity

    def candidates(self, tokens: Sequence[Token], limit: int) -> list[Candidate]:
        """Names sharing evidence with the query tokens, the `limit` best by summed rarity."""
        evidence: dict[int, float] = {}
        matched: dict[int, float] = {}
        common: list[tuple[set[int], float, float]] = []
        for lookups, mass in self._lookups(tokens):
            for key, similarity in lookups:
                posting = self._postings[key]
                weight = similarity * math.log1p(self._count / len(posting))
                share = similarity * mass
                if len(posting) > MAX_COMMON_POSTING:
                    common.append((posting, weight, share))
                    continue
                for name_id in posting:
                    evidence[name_id] = evidence.get(name_id, 0.0) + weight
                    matched[name_id] = matched.get(name_id, 0.0) + share
        if not evidence and common:
            posting, weight, share = common.pop(0)
            evidence = dict.fromkeys(posting, weight)
            matched = dict.fromkeys(posting, share)
        for posting, weight, share in common:
            for name_id in evidence.keys() & posting:
                evidence[name_id] += weight
                matched[name_id] += share
        ranked = heapq.nlargest(limit, evidence.items(), key=lambda item: item[1])
        return [Candidate(name_id, score, matched[name_id]) for name_id, score in ranked]

    def _lookups(self, tokens: Sequence[Token]) -> Iterator[tuple[list[tuple[str, float]], float]]:
        """(keys with their similarity, query weight they stand for), token by token."""
        for token in tokens:
            if token.weight > WEIGHT_PARTICLE and token.number is None and len(token.text) > 1:
                yield self._lookup(token), token.weight * self.rarity(token.text)
        for left, right in itertools.pairwise(tokens):
            joined = left.text + right.text
            mass = left.weight + right.weight
            for key in (joined, "=" + joined):
                if key in self._postings:
                    yield [(key, 1.0)], mass
        if len(tokens) == 1 and "=" + tokens[0].text in self._postings:
            yield [("=" + tokens[0].text, 1.0)], tokens[0].weight

    def _lookup(self, token: Token) -> list[tuple[str, float]]:
        text = token.text
        found: dict[str, float] = {}
        if text in self._postings:
            found[text] = 1.0
        if len(text) >= MIN_TYPO_KEY_LENGTH - 1:
            for key in _deletions(text):
                for word in self._typos.get(key, ()):
                    if word not in found:
                        similarity = fuzzy_similarity(text, word)
                        if similarity > 0:
                            found[word] = similarity
        for symbol in token.symbols:
            if symbol[0] in "NK" and symbol in self._postings:
                found[symbol] = max(found.get(symbol, 0.0), SIM_SYMBOL)
        return list(found.items())

    def _add_typo_keys(self, key: str) -> None:
        if _is_word(key):
            for deleted in _deletions(key):
                self._typos.setdefault(deleted, set()).add(key)

    def _remove_typo_keys(self, key: str) -> None:
        if _is_word(key):
            for deleted in _deletions(key):
                words = self._typos.get(deleted)
                if words is not None:
                    words.discard(key)
                    if not words:
                        del self._typos[deleted]


def _is_word(key: str) -> bool:
    return len(key) >= MIN_TYPO_KEY_LENGTH and key[0] not in "=:" and key[1] != ":"


def _deletions(text: str) -> set[str]:
    variants = {text[:i] + text[i + 1 :] for i in range(len(text))}
    variants.add(text)
    return variants


def _name_keys(form: NameForm) -> Iterable[str]:
    keys: set[str] = set()
    for token in form.tokens:
        if token.number is None and len(token.text) > 1:
            keys.add(token.text)
        keys.update(symbol for symbol in token.symbols if symbol[0] in "NK")
    if len(form.tokens) > 1:
        keys.add("=" + "".join(token.text for token in form.tokens))
    return keys
