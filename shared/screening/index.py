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

from shared.screening.similarity import SIM_SYMBOL, consonant_skeleton, fuzzy_similarity
from shared.screening.tokens import WEIGHT_PARTICLE, NameForm, Token

MIN_TYPO_KEY_LENGTH = 4
MAX_SEED_POSTING = 100
"""A key in more names than this only adds to names found otherwise (unless nothing else is)."""
_NOTHING = (0.0, 0.0)
MAX_CACHED_LOOKUPS = 50_000
MIN_SKELETON_LENGTH = 3
SIM_SOUND = 0.5
"""Retrieval credit for a token that only sounds like a listed one: enough to be scored."""
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
    """Query weight the shared keys stand for, however similar (an overestimate): bounds the
    final score."""


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
        self._sounds: dict[str, set[str]] = {}
        self._count = 0
        self._rarity: dict[str, float] = {}
        self._words: dict[str, list[tuple[str, float]]] = {}
        self._masses: dict[int, float] = {}

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
        self._changed()
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
        self._changed()

    def _changed(self) -> None:
        self._rarity.clear()
        self._words.clear()
        self._masses.clear()

    def mass(self, name_id: int) -> float:
        """The rarity-weighted weight of a name's retrievable tokens."""
        found = self._masses.get(name_id)
        if found is None:
            tokens = self.name(name_id).form.tokens
            found = sum(t.weight * self.rarity(t.text) for t in tokens if is_retrievable(t))
            self._masses[name_id] = found
        return found

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

    def candidates(
        self, tokens: Sequence[Token], limit: int, min_matched: float = 0.0
    ) -> list[Candidate]:
        """Names sharing evidence with the query tokens, the `limit` best by summed rarity.

        Each query token counts once per name, through its best key (the token itself, a typo
        neighbour, a given-name symbol). Keys in many names (`trading`, `company`) do not bring
        in candidates of their own, unless nothing rarer matched: they only add to the evidence
        of names already found. Names sharing less than `min_matched` of the query's weight
        cannot reach the caller's cutoff and are dropped.
        """
        evidence: dict[int, float] = {}
        matched: dict[int, float] = {}
        frequent: list[tuple[set[int], float, float]] = []
        for lookups, mass in self._lookups(tokens):
            if len(lookups) == 1:
                self._add_key(lookups[0], mass, evidence, matched, frequent)
                continue
            best: dict[int, tuple[float, float]] = {}
            for key, similarity in lookups:
                posting = self._postings[key]
                weight = similarity * math.log1p(self._count / len(posting))
                if len(posting) > MAX_SEED_POSTING:
                    frequent.append((posting, weight, mass))
                    continue
                pair = (weight, mass)
                for name_id in posting:
                    if best.get(name_id, _NOTHING)[0] < weight:
                        best[name_id] = pair
            for name_id, (weight, share) in best.items():
                evidence[name_id] = evidence.get(name_id, 0.0) + weight
                matched[name_id] = matched.get(name_id, 0.0) + share
        if frequent:
            self._add_frequent(frequent, evidence, matched, min_matched)
        if min_matched > 0.0:
            evidence = {i: e for i, e in evidence.items() if matched[i] >= min_matched}
        ranked = heapq.nlargest(limit, evidence.items(), key=lambda item: item[1])
        return [Candidate(name_id, score, matched[name_id]) for name_id, score in ranked]

    def _add_key(
        self,
        lookup: tuple[str, float],
        mass: float,
        evidence: dict[int, float],
        matched: dict[int, float],
        frequent: list[tuple[set[int], float, float]],
    ) -> None:
        key, similarity = lookup
        posting = self._postings[key]
        weight = similarity * math.log1p(self._count / len(posting))
        share = mass
        if len(posting) > MAX_SEED_POSTING:
            frequent.append((posting, weight, share))
            return
        get = evidence.get
        for name_id in posting:
            evidence[name_id] = get(name_id, 0.0) + weight
            matched[name_id] = matched.get(name_id, 0.0) + share

    def _add_frequent(
        self,
        frequent: list[tuple[set[int], float, float]],
        evidence: dict[int, float],
        matched: dict[int, float],
        min_matched: float,
    ) -> None:
        most = sum(share for _, _, share in frequent)
        if not evidence:
            if most < min_matched:
                return  # common words alone cannot carry this query to the cutoff
            # Only common words matched: the names with the rarest of them are the candidates.
            posting, weight, share = min(frequent, key=lambda item: len(item[0]))
            evidence.update(dict.fromkeys(posting, 0.0))
            matched.update(dict.fromkeys(posting, 0.0))
        elif min_matched > 0.0:
            for name_id in [i for i, m in matched.items() if m + most < min_matched]:
                del evidence[name_id]
        for posting, weight, share in frequent:
            for name_id in evidence:
                if name_id in posting:
                    evidence[name_id] += weight
                    matched[name_id] += share

    def _lookups(self, tokens: Sequence[Token]) -> Iterator[tuple[list[tuple[str, float]], float]]:
        """(keys with their similarity, query weight they stand for), token by token."""
        for token in tokens:
            if is_retrievable(token):
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
        words = self._words.get(token.text)
        if words is None:
            if len(self._words) >= MAX_CACHED_LOOKUPS:
                self._words.clear()
            words = self._words[token.text] = self._lookup_words(token.text)
        found = [(symbol, SIM_SYMBOL) for symbol in token.symbols if symbol in self._postings]
        return words + found if found else words

    def _lookup_words(self, text: str) -> list[tuple[str, float]]:
        """Listed words equal to `text`, a typo away, or sounding alike; cached per text until
        the lists change, since counterparties and their words recur."""
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
            for word in self._sounds.get(consonant_skeleton(text), ()):
                if word not in found:
                    # Spelt differently but sounds alike (`konkern` / `concern`): worth a look.
                    found[word] = max(fuzzy_similarity(text, word), SIM_SOUND)
        return list(found.items())

    def _add_typo_keys(self, key: str) -> None:
        if _is_word(key):
            for deleted in _deletions(key):
                self._typos.setdefault(deleted, set()).add(key)
            sound = consonant_skeleton(key)
            if len(sound) >= MIN_SKELETON_LENGTH:
                self._sounds.setdefault(sound, set()).add(key)

    def _remove_typo_keys(self, key: str) -> None:
        if _is_word(key):
            for deleted in _deletions(key):
                _discard(self._typos, deleted, key)
            _discard(self._sounds, consonant_skeleton(key), key)


def is_retrievable(token: Token) -> bool:
    """Whether a query token is looked up. Particles, numbers and initials are not: they only
    count once a candidate is scored, so a score bound must not charge for them either."""
    return token.weight > WEIGHT_PARTICLE and token.number is None and len(token.text) > 1


def _discard(index: dict[str, set[str]], key: str, word: str) -> None:
    words = index.get(key)
    if words is not None:
        words.discard(word)
        if not words:
            del index[key]


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
