"""How alike two name tokens are: exact, the same symbol, an initial, or a few typos apart."""

from __future__ import annotations

from rapidfuzz.distance import OSA

from shared.screening.scripts import is_syllabic
from shared.screening.tokens import Token

SIM_SYMBOL = 0.95
"""Given-name equivalence or nickname (Mohammed ~ محمد, Ted ~ Theodore), generic-word class
(Corp ~ Corporation)."""
SIM_INITIAL = 0.9
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


def token_similarity(left: Token, right: Token) -> tuple[float, str]:
    """Similarity in 0..1 and the rule that gave it: exact, number, symbol, initial, typo."""
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
    if left.symbols and right.symbols and not left.symbols.isdisjoint(right.symbols):
        return max(SIM_SYMBOL, fuzzy), "symbol"
    return fuzzy, "typo"


def _native_similarity(left: str, right: str) -> tuple[float, str]:
    if left == right:
        return 1.0, "exact"
    if is_syllabic(left) or is_syllabic(right):
        return 0.0, "typo"
    return fuzzy_similarity(left, right), "typo"
