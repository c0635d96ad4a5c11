"""How alike two name tokens are: exact, the same symbol, an initial, or a few typos apart."""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import OSA

from shared.screening.scripts import is_syllabic
from shared.screening.tokens import Token

SIM_SYMBOL = 0.95
"""Given-name equivalence or nickname (Mohammed ~ محمد, Ted ~ Theodore), generic-word class
(Corp ~ Corporation)."""
SIM_INITIAL = 0.9
MIN_NAME_SYMBOL_LENGTH = 4
SIM_SOUND = 0.75
MIN_SOUND_LENGTH = 5
MIN_SOUND_CONSONANTS = 4
"""`V` for `Vladimir`; the initial itself weighs half a name token."""


def edit_budget(length: int) -> int:
    """Typos tolerated in a token of `length` characters (the shorter of the two)."""
    if length <= 2:
        return 0
    if length <= 4:
        return 1
    return 2


def fuzzy_similarity(left: str, right: str) -> float:
    """1 - edits/length when the edits (with transpositions) fit the budget, else 0."""
    if left == right:
        return 1.0
    budget = edit_budget(min(len(left), len(right)))
    if budget == 0 or abs(len(left) - len(right)) > budget:
        return 0.0
    distance = OSA.distance(left, right, score_cutoff=budget)
    if distance > budget:
        return 0.0
    return 1.0 - distance / max(len(left), len(right))


_SOUND_RULES = (("dzh", "j"), ("zh", "j"), ("dj", "j"), ("ph", "f"), ("x", "ks"), ("q", "k"))
_SOUND_TABLE = str.maketrans(
    {"c": "k", "w": "v", "z": "s", "h": None, "y": None} | dict.fromkeys("aeiou")
)


_FIRST_SOUND = str.maketrans({"c": "k", "q": "k", "w": "v", "z": "s", "x": "k"})


@lru_cache(maxsize=65536)
def consonant_skeleton(text: str) -> str:
    """The consonants as they sound, vowels and `h` dropped, doubles collapsed: `concern`,
    `konkern` (back from Cyrillic) and `kontsern` all give `knkrn`-like keys close enough to
    retrieve one from the other."""
    for spelling, sound in _SOUND_RULES:
        text = text.replace(spelling, sound)
    text = text.translate(_SOUND_TABLE)
    return "".join(ch for i, ch in enumerate(text) if i == 0 or ch != text[i - 1])


def token_similarity(left: Token, right: Token, sounds: bool = False) -> tuple[float, str]:
    """Similarity in 0..1 and the rule that gave it: exact, number, symbol, initial, typo,
    sound. With `sounds`, words spelt apart but sounding alike count (`kompleks` ~ `complex`,
    spelt back from Cyrillic); not for persons, whose names share consonants without being the
    same (Mahmoud, Mohammed)."""
    if left.native is not None and right.native is not None:
        return _native_similarity(left.native, right.native)
    if left.text == right.text:
        return 1.0, "exact"
    if left.number is not None or right.number is not None:
        if left.number is not None and left.number == right.number:
            return 1.0, "number"
        return 0.0, "number"
    if left.initial or right.initial:
        if left.initial and right.initial:
            return 0.0, "initial"
        short, long = (left, right) if left.initial else (right, left)
        return (SIM_INITIAL, "initial") if long.text.startswith(short.text) else (0.0, "initial")
    fuzzy = fuzzy_similarity(left.text, right.text)
    shares = left.symbols and right.symbols and not left.symbols.isdisjoint(right.symbols)
    if shares and _symbol_counts(left, right):
        return max(SIM_SYMBOL, fuzzy), "symbol"
    if sounds and fuzzy < SIM_SOUND and _sound_alike(left.text, right.text):
        return SIM_SOUND, "sound"
    return fuzzy, "typo"


def _sound_alike(left: str, right: str) -> bool:
    """Same consonants, enough of them (`kmplks`), and the same first sound."""
    if min(len(left), len(right)) < MIN_SOUND_LENGTH or abs(len(left) - len(right)) > 2:
        return False
    skeleton = consonant_skeleton(left)
    if len(skeleton) < MIN_SOUND_CONSONANTS or skeleton != consonant_skeleton(right):
        return False
    return left[0].translate(_FIRST_SOUND) == right[0].translate(_FIRST_SOUND)


def _symbol_counts(left: Token, right: Token) -> bool:
    """Whether a shared symbol makes two tokens the same name.

    Nicknames, generic words, places and numbers always do. A given-name equivalence between two
    Latin spellings only for names of some length that start alike (Mohamed ~ Muhammad): rigour
    also links short romanisations of different characters (Ho ~ He, Li ~ Ri, Zhang ~ Teo),
    which in trade documents are common names of different people. Across scripts (محمد ~
    Mohamed) the symbol is the only evidence there is, and it counts.
    """
    shared = left.symbols & right.symbols
    if any(not symbol.startswith("N:") for symbol in shared):
        return True
    if left.native is not None or right.native is not None:
        return True
    shorter = min(len(left.text), len(right.text))
    return shorter >= MIN_NAME_SYMBOL_LENGTH and left.text[0] == right.text[0]


def _native_similarity(left: str, right: str) -> tuple[float, str]:
    if left == right:
        return 1.0, "exact"
    if is_syllabic(left) or is_syllabic(right):
        return 0.0, "typo"
    return fuzzy_similarity(left, right), "typo"
