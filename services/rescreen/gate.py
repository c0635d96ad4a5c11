"""Which counterparties a delta can match at all, decided without rigour's name analysis.

Screening a counterparty starts with analysing its name (rigour's tagger, about 50 µs) and goes
on to candidates from the delta's index. Against a delta of a few hundred entries most
counterparties get no candidate that could reach the cutoff, yet each paid the analysis. The gate
answers the same question from the raw words, in about 20 µs, and errs only towards screening:

1. The words. An ASCII name's words are those rigour reads an organisation's name into:
   case-folded, legal forms rewritten (`replace_org_types_compare`), tokenised, split where
   `latin_parts` splits. rigour's tokens are a subsequence of them: the legal forms, prefixes
   and numbers it drops or merges are only extra words here. A name in another script is not
   gated (transliteration is part of the analysis).
2. What each word reaches: the delta's names holding it, a typo away or sounding alike
   (`NameIndex.names_of_word`, the very lookups retrieval makes); the names whose tokens, or
   whole joined name, a run of words joins into (retrieval joins adjacent tokens, and the whole
   query: `aur us` finds `AURUS`, `proheli` finds `PRO HELI`); the whole joined name a single
   word may be.
3. What it can weigh: a word never weighs more in a name than alone (`trading` is generic, 0.3,
   wherever it stands: context only adds the tagger's classes), times its rarity in the delta,
   as retrieval weighs it. A run of joined words is charged the heaviest token per word.
4. The bound: ranking scores a candidate only if `upper_bound(matched, query mass, own mass)`
   reaches the cutoff less the pruning margin. That bound rises with `matched` and is highest
   when the query has nothing beyond what it shares, so a counterparty passes if, for some delta
   name, the most its words can share reaches the least shared weight that name needs.

An identifier that agrees with a delta entry's always passes. Numbers: a word such as `fourth`,
`91st` or `IV` becomes a token `4`, `91` that may join another into a key, so when a delta name
has a digit in a token, a name with a word that may be a number is not gated.

Org readings of Latin names carry no given-name symbols (`N:`, `K:`), so the symbol lookups
retrieval makes for a person's name never apply here. `tests/unit/rescreen/test_rescreen_gate.py`
holds these assumptions to rigour's behaviour, and checks the gate against full screening on the
real list files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from rigour._core import ordinals_dict
from rigour.names import tokenize_name
from rigour.names.org_types import replace_org_types_compare

from shared.schemas import WatchlistEntry
from shared.screening.entries import EntryIndex, IndexedEntry
from shared.screening.identifiers import normalise_identifier
from shared.screening.index import NameIndex, is_retrievable
from shared.screening.normalise import analyse_name
from shared.screening.rank import PRUNE_MARGIN, upper_bound
from shared.screening.tokens import (
    WEIGHT_DOMAIN,
    WEIGHT_GENERIC,
    WEIGHT_INITIAL,
    WEIGHT_NAME,
    WEIGHT_NUMBER,
    WEIGHT_PARTICLE,
    WEIGHT_PLACE,
)

WEIGHT_MAX = max(
    WEIGHT_NAME,
    WEIGHT_GENERIC,
    WEIGHT_DOMAIN,
    WEIGHT_PLACE,
    WEIGHT_NUMBER,
    WEIGHT_INITIAL,
    WEIGHT_PARTICLE,
)
MAX_CACHED_WORDS = 200_000
BISECTION_SLACK = 1e-9

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ROMAN_LIKE = re.compile(r"^[ivxlcdm]+$")
_DIGIT = re.compile(r"\d")

Reach = tuple[tuple[int, float], ...]
"""(delta name id, the most this word can add to that name's shared weight)"""


class DeltaGate:
    """Built from the delta's entries, as the delta's `Screener` indexes them."""

    def __init__(self, entries: Iterable[WatchlistEntry], cutoff: float) -> None:
        self._names = NameIndex()
        index = EntryIndex(self._names)
        latest = {built.key: built for built in map(IndexedEntry.build, entries)}
        for built in latest.values():
            index.upsert(built)
        self._identifiers = frozenset(
            value for built in latest.values() for _, value in built.identifiers
        )
        self._joins = _Joins(self._names)
        target = cutoff - PRUNE_MARGIN
        self._needed = [
            _least_shared(self._names, name_id, target) for name_id in range(len(self._names))
        ]
        self._words: dict[str, Reach] = {}

    def passes(self, name: str, identifiers: Mapping[str, str]) -> bool:
        """False only when the counterparty cannot match any delta entry."""
        if any(normalise_identifier(v) in self._identifiers for v in identifiers.values()):
            return True
        if not name.isascii():
            return True
        words = name_words(name)
        if self._joins.has_digits and any(may_be_number(word) for word in words):
            return True
        shared: dict[int, float] = {}
        for word in words:
            for name_id, weight in self._reach(word):
                shared[name_id] = shared.get(name_id, 0.0) + weight
        self._joins.add_joined(words, shared)
        needed = self._needed
        return any(weight >= needed[name_id] for name_id, weight in shared.items())

    def _reach(self, word: str) -> Reach:
        found = self._words.get(word)
        if found is None:
            if len(self._words) >= MAX_CACHED_WORDS:
                self._words.clear()
            found = self._words[word] = self._compute_reach(word)
        return found

    def _compute_reach(self, word: str) -> Reach:
        reach = dict.fromkeys(self._joins.wholes.get(word, ()), WEIGHT_MAX)
        names = self._names.names_of_word(word) if len(word) > 1 else set()
        if names:
            weight = weight_bound(word) * self._names.rarity(word)
            for name_id in names:
                reach[name_id] = reach.get(name_id, 0.0) + weight
        return tuple(reach.items())


class _Joins:
    """The delta's names by what a run of query words may join into: one of their tokens, or
    all their tokens joined. Retrieval looks up adjacent tokens joined (`aur us` finds `aurus`)
    and the whole name joined (`aurus` finds `AUR US`): runs of tokens, which are runs of words
    with the words rigour drops left out."""

    def __init__(self, names: NameIndex) -> None:
        self.tokens: dict[str, set[int]] = {}
        self.wholes: dict[str, set[int]] = {}
        for name_id in range(len(names)):
            texts = [token.text for token in names.name(name_id).form.tokens]
            for text in texts:
                self.tokens.setdefault(text, set()).add(name_id)
            self.wholes.setdefault("".join(texts), set()).add(name_id)
        self.prefixes = frozenset(
            target[:end] for target in [*self.tokens, *self.wholes] for end in range(1, len(target))
        )
        self.has_digits = any(_DIGIT.search(text) for text in self.tokens)

    def add_joined(self, words: list[str], shared: dict[int, float]) -> None:
        """Add to `shared` what each run of two or more words joined can weigh (at most the
        heaviest token per word, once as a token key and once as a whole name)."""
        for start, word in enumerate(words):
            if word in self.prefixes:
                self._extend(words, start, word, 1, shared)

    def _extend(
        self, words: list[str], last: int, text: str, count: int, shared: dict[int, float]
    ) -> None:
        for following in range(last + 1, len(words)):
            joined = text + words[following]
            weight = WEIGHT_MAX * (count + 1)
            for found in (self.tokens.get(joined, ()), self.wholes.get(joined, ())):
                for name_id in found:
                    shared[name_id] = shared.get(name_id, 0.0) + weight
            if joined in self.prefixes:
                self._extend(words, following, joined, count + 1, shared)


def _least_shared(names: NameIndex, name_id: int, target: float) -> float:
    """The least shared weight with which ranking's score bound can reach `target` for this
    name, taken a little low. The bound rises with the shared weight and is 1 once it covers
    the name's own mass."""
    own = names.mass(name_id)
    name_class = names.name(name_id).form.name_class
    low, high = 0.0, own
    for _ in range(50):
        middle = (low + high) / 2
        if upper_bound(middle, middle, own, name_class) >= target:
            high = middle
        else:
            low = middle
    return low - BISECTION_SLACK


def name_words(name: str) -> list[str]:
    """The words of an ASCII name, as rigour reads an organisation's (see the module doc)."""
    text = replace_org_types_compare(name.casefold())
    return [word for token in tokenize_name(text) for word in _NON_ALNUM.split(token) if word]


@lru_cache(maxsize=65536)
def weight_bound(word: str) -> float:
    """The most `word` can weigh in an organisation's name: its weight alone. A word that is
    no retrievable token alone (a particle, a stopword) weighs nothing retrieval counts."""
    tokens = analyse_name(word, "org").tokens
    if len(tokens) != 1 or tokens[0].text != word:
        return WEIGHT_MAX
    return tokens[0].weight if is_retrievable(tokens[0]) else 0.0


def may_be_number(word: str) -> bool:
    """Whether rigour may read `word` as a number (`4`, `91st`, `iv`, `fourth`, `ninety`)."""
    return bool(_DIGIT.search(word)) or bool(_ROMAN_LIKE.match(word)) or word in _ordinal_words()


@lru_cache(maxsize=1)
def _ordinal_words() -> frozenset[str]:
    return frozenset(
        word
        for aliases in ordinals_dict().values()
        for alias in aliases
        if alias.isascii()
        for word in name_words(alias)
        if not word.isdigit()
    )
