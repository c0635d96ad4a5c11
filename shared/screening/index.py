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

import itertools
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shared.screening.retrieve import Candidate, KeyGroup, find_candidates
from shared.screening.similarity import SIM_SYMBOL, consonant_skeleton, fuzzy_similarity
from shared.screening.tokens import WEIGHT_PARTICLE, NameForm, Token

MIN_TYPO_KEY_LENGTH = 3
SHORT_TOKEN_LENGTH = 3
MAX_SEED_POSTING = 100
"""A key in more names than this only adds to names found otherwise (unless nothing else is)."""
MAX_CACHED_LOOKUPS = 50_000
MIN_SKELETON_LENGTH = 3
SIM_SOUND = 0.5
"""Retrieval credit for a token that only sounds like a listed one: enough to be scored."""
RARE_DF = 10
"""A token in this many names or fewer counts as fully rare."""
RARITY_FLOOR = 0.5
"""The commonest token still weighs half its prior when scoring."""

Lookups = tuple[tuple[str, float], ...]
"""The listed words a word looks up, with their similarity to it: a tuple of strings and
numbers, which the garbage collector stops tracking, since thousands are cached."""
_NO_KEYS = KeyGroup(0.0)


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
        # Lists, not sets: most hold one or two words, and a list is a third of a set's size.
        self._typos: dict[str, list[str]] = {}
        self._sounds: dict[str, list[str]] = {}
        self._count = 0
        self._rarity: dict[str, float] = {}
        self._words: dict[str, Lookups] = {}
        self._word_groups: dict[str, KeyGroup] = {}
        self._masses: dict[int, float] = {}

    def __len__(self) -> int:
        return self._count

    def key_count(self) -> int:
        """Retrieval keys, typo keys and sound keys held: zero once every name is removed."""
        return len(self._postings) + len(self._typos) + len(self._sounds)

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
        self._word_groups.clear()
        self._masses.clear()

    def mass(self, name_id: int) -> float:
        """The rarity-weighted weight of a name's tokens that enter the score bound."""
        found = self._masses.get(name_id)
        if found is None:
            tokens = self.name(name_id).form.tokens
            found = sum(t.weight * self.rarity(t.text) for t in tokens if is_bounded(t))
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
        """Names sharing evidence with the query tokens: see `shared.screening.retrieve`."""
        return find_candidates(self._groups(tokens), limit, min_matched, self.mass)

    def names_of_word(self, text: str) -> set[int]:
        """The names a query word reaches through the words `candidates` looks it up by (itself,
        a typo away, sounding alike); symbols and joined keys apart. For a prefilter that must
        find whatever `candidates` could."""
        found: set[int] = set()
        for word, _ in self._words_of(text):
            found |= self._postings[word]
        return found

    # services/rescreen/gate.py bounds what these lookups can find without analysing a name:
    # a new kind of lookup here needs its counterpart there (tests/unit/rescreen checks).
    def _groups(self, tokens: Sequence[Token]) -> list[KeyGroup]:
        groups: list[KeyGroup] = []
        for token in tokens:
            if is_retrievable(token):
                mass = token.weight * self.rarity(token.text)
                symbols = [s for s in token.symbols if s in self._postings]
                if symbols:
                    lookups = [*self._words_of(token.text), *((s, SIM_SYMBOL) for s in symbols)]
                    groups.append(self._group(token.text, lookups, mass))
                else:
                    groups.append(self._cached_group(token.text, mass))
        for left, right in itertools.pairwise(tokens):
            joined = left.text + right.text
            for key in (joined, "=" + joined):
                if key in self._postings:
                    groups.append(self._group(key, [(key, 1.0)], left.weight + right.weight))
        whole = "=" + "".join(token.text for token in tokens)
        if len(tokens) != 2 and whole in self._postings:
            # The whole name as listed: a name of short or common words only (`A A TRADING
            # FZCO`, `BY TRADE OU`) has no rare token to be found by.
            groups.append(self._group(whole, [(whole, 1.0)], sum(t.weight for t in tokens)))
        return groups

    def _cached_group(self, text: str, mass: float) -> KeyGroup:
        """The keys of a word, sorted into seeds and frequent ones, are the same for every query
        until the lists change: kept per word."""
        found = self._word_groups.get(text)
        if found is None:
            if len(self._word_groups) >= MAX_CACHED_LOOKUPS:
                self._word_groups.clear()
            words = self._words_of(text)
            # A word no listed word resembles (most new counterparties' words) shares one
            # empty group: caching it adds nothing for the garbage collector to scan.
            found = self._group(text, words, 0.0) if words else _NO_KEYS
            self._word_groups[text] = found
            found.names()
        return KeyGroup(mass, found.seeds, found.frequent, found.exact, found.union)

    def _group(self, text: str, lookups: Sequence[tuple[str, float]], mass: float) -> KeyGroup:
        group = KeyGroup(mass)
        common = len(text) <= SHORT_TOKEN_LENGTH  # kim: kin, jim, him... too many neighbours
        for key, similarity in lookups:
            posting = self._postings[key]
            # Similarity squared: a rare near miss must not outrank the word itself.
            weight = similarity * similarity * math.log1p(self._count / len(posting))
            exact = key == text
            # Neighbours of a frequent word (muhammad: muhamad, muhammed) are no rarer evidence
            # than the word itself: like it, they only add to names found otherwise.
            boost_only = len(posting) > MAX_SEED_POSTING or (common and not exact)
            (group.frequent if boost_only else group.seeds).append((posting, weight))
            if exact and len(posting) > MAX_SEED_POSTING:
                group.exact, common = posting, True
        return group

    def _words_of(self, text: str) -> Lookups:
        words = self._words.get(text)
        if words is None:
            if len(self._words) >= MAX_CACHED_LOOKUPS:
                self._words.clear()
            words = self._words[text] = self._lookup_words(text)
        return words

    def _lookup_words(self, text: str) -> Lookups:
        """Listed words equal to `text`, a typo away, or sounding alike; cached per text until
        the lists change, since counterparties and their words recur."""
        found: dict[str, float] = {}
        if text in self._postings:
            found[text] = 1.0
        if len(text) >= MIN_TYPO_KEY_LENGTH:
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
        return tuple(found.items())

    def _add_typo_keys(self, key: str) -> None:
        if _is_word(key):
            for deleted in _deletions(key):
                _append(self._typos, deleted, key)
            sound = consonant_skeleton(key)
            if len(sound) >= MIN_SKELETON_LENGTH:
                _append(self._sounds, sound, key)

    def _remove_typo_keys(self, key: str) -> None:
        if _is_word(key):
            for deleted in _deletions(key):
                _discard(self._typos, deleted, key)
            _discard(self._sounds, consonant_skeleton(key), key)


def is_bounded(token: Token) -> bool:
    """Whether a token's weight enters the score bound: every token retrieval looks up, since
    the typo index covers every token that the scorer lets a typo match (three letters up)."""
    return is_retrievable(token)


def is_retrievable(token: Token) -> bool:
    """Whether a query token is looked up. Particles, numbers and initials are not: they only
    count once a candidate is scored, so a score bound must not charge for them either."""
    return token.weight > WEIGHT_PARTICLE and token.number is None and len(token.text) > 1


def _append(index: dict[str, list[str]], key: str, word: str) -> None:
    words = index.get(key)
    if words is None:
        index[sys.intern(key)] = [word]
    elif word not in words:
        words.append(word)


def _discard(index: dict[str, list[str]], key: str, word: str) -> None:
    words = index.get(key)
    if words is not None and word in words:
        words.remove(word)
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
