"""Turn a raw name into a `NameForm`: Latin core tokens, legal forms set apart, symbols attached.

rigour does the language work: Unicode normalisation and case folding, tokenising, honorific and
article removal, legal forms in every language it knows (OOO = ООО = LLC = Limited Liability
Company = Obshchestvo s ogranichennoy otvetstvennostyu all become the class `LLC`), transliteration
of Cyrillic, Greek, Armenian, Georgian and Hangul, and symbols: given-name equivalences across
scripts and nicknames (`NAME`/`NICK`), numbers written out (`forty four` = `44`), generic
organisation words (`SYMBOL`, `DOMAIN`) and places (`LOC`). What rigour leaves in another script
(Arabic, Han, Hebrew, ...) goes through its `ascii_text` fallback. This module only arranges the
result for fast matching: one `Token` per name part with a prior weight.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

from rigour.names import NamePart, NamePartTag, NameTypeTag, analyze_names
from rigour.names.name import Name

from shared.screening.scripts import latin_parts
from shared.screening.symbols import PartSymbols, collect_symbols
from shared.screening.tokens import (
    WEIGHT_DOMAIN,
    WEIGHT_GENERIC,
    WEIGHT_INITIAL,
    WEIGHT_NAME,
    WEIGHT_NUMBER,
    WEIGHT_PARTICLE,
    WEIGHT_PLACE,
    NameClass,
    NameForm,
    Span,
    Token,
)

MAX_TOKENS = 16
"""Longer inputs are usually an address pasted into the name field; the tail is noise."""

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ROMAN = re.compile(r"^(x{0,3})(ix|iv|v?i{0,3})$")
"""Series numbers up to 39 (`Fund VIII`); `MM` or `CD` in a name are more likely initials."""
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
_PATRONYMIC = re.compile(r"(ovich|evich|ovych|evych|ovna|evna|ivna|ogly|oglu|kyzy)$")
_PATRONYMIC_PARTICLES = frozenset({"bin", "ibn", "ben", "bint", "binti", "ould", "walad"})
_PERSON_PARTICLES = _PATRONYMIC_PARTICLES | {
    # Articles and prepositions of family names; rigour's stopwords are too broad for persons
    # ("un" in "Kim Jong Un").
    *("al", "el", "ul", "da", "das", "de", "del", "della", "der", "den", "di", "do", "dos"),
    *("du", "la", "le", "van", "von", "y", "zu"),
}
_PERSON_TITLES = frozenset(
    # rigour's SYMBOL classes that are titles or particles inside a person's name; ABDUL and
    # ABU are not among them: they are name parts (Abu Bakr is not Umar).
    f"S:{symbol}"
    for symbol in ("SHEIKH", "HAJI", "DR", "JR", "BIN", "OULD", "VAN")
)
_CLASS_WEIGHTS = {"S:": WEIGHT_GENERIC, "D:": WEIGHT_DOMAIN, "L:": WEIGHT_PLACE}
_TYPE_TAGS = {"person": NameTypeTag.PER, "org": NameTypeTag.ORG, "object": NameTypeTag.OBJ}


def name_class_of(kind: str | None) -> NameClass | None:
    """Map a watchlist entity kind (or a nomenklatura schema) to how its names are read."""
    if kind is None:
        return None
    lowered = kind.lower()
    if lowered == "person":
        return "person"
    if lowered in {"vessel", "aircraft", "object"}:
        return "object"
    return "org"


def has_legal_form(text: str) -> bool:
    """Whether rigour finds a legal form in `text`: then an unknown party is an organisation."""
    name = _analyse(_prepare(text, "org"), "org")
    return name is not None and any(part.tag == NamePartTag.LEGAL for part in name.parts)


def analyse_name(text: str, name_class: NameClass) -> NameForm:
    """Analyse one name. Not cached: a party's name is analysed once per screening, and its
    result is what callers cache (enrichment keeps each party's matches). A cache of forms here
    was half a million objects for the garbage collector to scan in every full collection, a
    pause of up to 800 ms, and saved almost nothing (docs/benchmarks.md)."""
    name = _analyse(_prepare(text, name_class), name_class)
    if name is None:
        return NameForm(text, name_class, (), frozenset(), ())
    return _build_form(text, name, name_class)


@lru_cache(maxsize=65536)
def analyse_listed_name(text: str, name_class: NameClass) -> NameForm:
    """`analyse_name` for a list's names, cached: an entry updated, or loaded again with the
    next version of its list, keeps its names, and the index holds these forms anyway."""
    return analyse_name(text, name_class)


def _prepare(text: str, name_class: NameClass) -> str:
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    if name_class == "person" and text.count(",") == 1:
        # "PUTIN, Vladimir" is the family-name-first convention of sanctions lists.
        family, given = (piece.strip() for piece in text.split(","))
        if family and given:
            text = f"{given} {family}"
    return text


def _analyse(text: str, name_class: NameClass) -> Name | None:
    if not text:
        return None
    names = analyze_names(
        _TYPE_TAGS[name_class], [text], consolidate=False, infer_initials=False, phonetics=False
    )
    return next(iter(names)) if names else None


def _build_form(original: str, name: Name, name_class: NameClass) -> NameForm:
    found = collect_symbols(name, name_class)
    tokens: list[Token] = []
    first_token: dict[int, int] = {}
    legal: set[str] = set()
    legal_text: list[str] = []
    skip: set[int] = set()
    last = len(name.parts) - 1
    for position, part in enumerate(name.parts):
        first_token[position] = len(tokens)
        if position in skip:
            continue
        merged = found.numbers.get(position)
        if merged is not None:
            value, width = merged
            skip.update(range(position + 1, position + width))
            tokens.append(_number_token(str(value), value))
            continue
        own = _shared(frozenset(found.single.get(position, ())))
        if part.tag == NamePartTag.LEGAL and _roman(part.comparable, position == last) is None:
            legal.update(symbol[2:] for symbol in own if symbol.startswith("O:"))
            legal_text.append(part.comparable)
            continue
        classes = found.classes.get(position, frozenset()) | own
        roman_ok = position == last and position > 0
        tokens.extend(_part_tokens(part, name_class, own, classes, roman_ok))
    first_token[len(name.parts)] = len(tokens)
    return NameForm(
        original,
        name_class,
        tuple(tokens[:MAX_TOKENS]),
        frozenset(legal),
        tuple(legal_text),
        _spans(found, first_token, min(len(tokens), MAX_TOKENS)),
        "".join(_NON_ALNUM.split(" ".join(part.comparable for part in name.parts))),
    )


_SYMBOL_SETS: dict[frozenset[str], frozenset[str]] = {}


def _shared(symbols: frozenset[str]) -> frozenset[str]:
    """One object per distinct symbol set: the same given name carries the same set in
    thousands of list names."""
    return _SYMBOL_SETS.setdefault(symbols, symbols) if symbols else _NO_SYMBOLS


_NO_SYMBOLS: frozenset[str] = frozenset()


def _spans(found: PartSymbols, first_token: dict[int, int], limit: int) -> tuple[Span, ...]:
    spans: list[Span] = []
    for start, end, symbol in found.multi:
        begin, stop = first_token[start], first_token[end]
        if stop - begin >= 2 and stop <= limit:
            spans.append(Span(begin, stop, symbol))
    return tuple(spans)


def _number_token(text: str, value: int) -> Token:
    return Token(text, WEIGHT_NUMBER, frozenset({f"#:{value}"}), value)


def _part_tokens(
    part: NamePart,
    name_class: NameClass,
    own: frozenset[str],
    classes: frozenset[str],
    roman_ok: bool,
) -> list[Token]:
    pieces = latin_parts(part.form, part.comparable, name_class == "person")
    if len(pieces) != 1:
        own, classes = frozenset(), frozenset()
    tokens: list[Token] = []
    for text, native in pieces:
        roman = _roman(text, roman_ok) if name_class != "person" else None
        if text.isdigit() or roman is not None:
            tokens.append(_number_token(text, int(text) if roman is None else roman))
            continue
        weight = _prior_weight(text, part.tag, name_class, classes)
        initial = name_class == "person" and len(text) == 1
        particle = name_class == "person" and text in _PATRONYMIC_PARTICLES
        tokens.append(Token(sys.intern(text), weight, own, None, initial, particle, native))
    return tokens


def _prior_weight(
    text: str, tag: NamePartTag, name_class: NameClass, classes: frozenset[str]
) -> float:
    if len(text) == 1:
        return WEIGHT_INITIAL
    if name_class == "person":
        if text in _PERSON_PARTICLES or not classes.isdisjoint(_PERSON_TITLES):
            return WEIGHT_PARTICLE
        return WEIGHT_INITIAL if _PATRONYMIC.search(text) else WEIGHT_NAME
    if tag == NamePartTag.STOP:
        return WEIGHT_PARTICLE
    if len(text) == 2:
        return WEIGHT_INITIAL  # `IK` (investment company), `MC`: abbreviations weigh less
    weight = WEIGHT_NAME
    for symbol in classes:
        weight = min(weight, _CLASS_WEIGHTS.get(symbol[:2], WEIGHT_NAME))
    return weight


def _roman(text: str, single_ok: bool) -> int | None:
    """Roman numerals in organisation and vessel names: `Fund VIII`; `Trust I` only at the end."""
    if not text or len(text) > 8 or not _ROMAN.match(text):
        return None
    if len(text) == 1 and not (single_ok and text in "ivx"):
        return None
    total, previous = 0, 0
    for ch in reversed(text):
        value = _ROMAN_VALUES[ch]
        total = total - value if value < previous else total + value
        previous = max(previous, value)
    return total
