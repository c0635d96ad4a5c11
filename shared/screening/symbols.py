"""Collect rigour's symbols per name part: what to match on, what to weigh by, numbers to merge."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from rigour.names import SymbolCategory
from rigour.names.name import Name

from shared.screening.tokens import NameClass

_SYMBOL_PREFIX = {
    SymbolCategory.NAME: "N:",
    SymbolCategory.NICK: "K:",
    SymbolCategory.SYMBOL: "S:",
    SymbolCategory.DOMAIN: "D:",
    SymbolCategory.LOCATION: "L:",
    SymbolCategory.ORG_CLASS: "O:",
}


@dataclass(slots=True)
class PartSymbols:
    single: dict[int, set[str]]
    """Part position -> symbols of spans of that one part: matched token to token."""
    classes: dict[int, frozenset[str]]
    """Part position -> symbols of every span covering it (`hong kong`): used to weigh."""
    multi: list[tuple[int, int, str]]
    """(start, end exclusive, symbol) of spans over several parts: matched against one token."""
    numbers: dict[int, tuple[int, int]]
    """Start position -> (value, width) of numbers written in words (`forty four`)."""


def collect_symbols(name: Name, name_class: NameClass) -> PartSymbols:
    found = PartSymbols({}, {}, [], {})
    for span in name.spans:
        category = span.symbol.category
        positions = [part.index for part in span.parts]
        if category == SymbolCategory.NUMERIC:
            if name_class == "person" and not any(p.numeric for p in span.parts):
                continue  # "V. Putin": an initial, not the Roman five
            start, width = positions[0], len(positions)
            if span.symbol.id.isdigit() and width >= found.numbers.get(start, (0, 0))[1]:
                found.numbers[start] = (int(span.symbol.id), width)
            continue
        prefix = _SYMBOL_PREFIX.get(category)
        if prefix is None:
            continue
        symbol = sys.intern(prefix + span.symbol.id)
        if len(positions) == 1:
            found.single.setdefault(positions[0], set()).add(symbol)
        elif positions == list(range(positions[0], positions[-1] + 1)):
            found.multi.append((positions[0], positions[-1] + 1, symbol))
        for position in positions:
            found.classes[position] = found.classes.get(position, frozenset()) | {symbol}
    _drop_covered_numbers(found.numbers)
    return found


def _drop_covered_numbers(numbers: dict[int, tuple[int, int]]) -> None:
    """`forty four` is 44, not 40 and 4."""
    wide = [(start, width) for start, (_, width) in numbers.items() if width > 1]
    for start in list(numbers):
        if numbers[start][1] == 1 and any(s < start < s + w for s, w in wide):
            del numbers[start]
