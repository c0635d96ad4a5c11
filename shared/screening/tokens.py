"""The analysed form of a name: weighted Latin tokens, legal forms apart, multi-token symbols."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NameClass = Literal["person", "org", "object"]

# Prior weights: how much a token says about identity before any list statistics.
WEIGHT_NAME = 1.0
WEIGHT_GENERIC = 0.3  # rigour SYMBOL: company, group, trading, international, holding
WEIGHT_DOMAIN = 0.5  # rigour DOMAIN: bank, oil, shipping, construction
WEIGHT_PLACE = 0.6  # rigour LOC: china, hong kong, mexico
WEIGHT_NUMBER = 0.8
WEIGHT_INITIAL = 0.5  # a single letter: an initial, or `L & H`
WEIGHT_PARTICLE = 0.2  # al, bin, de, van, of, the, sheikh


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    """ASCII comparable form: `аурус` -> `aurus`."""
    weight: float
    symbols: frozenset[str]
    """`N:Q123` given-name equivalence, `K:TED` nickname, `S:INTL` generic word, `L:cn` place,
    `#:44` number."""
    number: int | None = None
    initial: bool = False
    particle: bool = False
    """A patronymic particle (bin, ibn, ben): the next token names the father."""
    native: str | None = None
    """The token in its own script when that is not Latin (Arabic, Han, Hangul, ...)."""


@dataclass(frozen=True, slots=True)
class Span:
    """A symbol that covers several adjacent tokens: `united states` = `us`, `jong un`."""

    start: int
    end: int
    """Exclusive."""
    symbol: str


@dataclass(frozen=True, slots=True)
class NameForm:
    original: str
    name_class: NameClass
    tokens: tuple[Token, ...]
    legal: frozenset[str]
    """Legal-form classes found in the name (`LLC`, `JSC`, `LLP`, ...), set apart from tokens."""
    legal_text: tuple[str, ...]
    """The legal forms in rigour's compare form (`ooo`, `llc`, `ag`), for explanations."""
    spans: tuple[Span, ...] = ()
    full: str = ""
    """Every part, legal forms included, joined without spaces: catches a typo inside a legal
    form (`JOYNT STOCK COMPANY`) or a glued one (`SiemensAG`)."""

    @property
    def is_empty(self) -> bool:
        return not self.tokens

    @property
    def numbers(self) -> frozenset[int]:
        return frozenset(t.number for t in self.tokens if t.number is not None)
