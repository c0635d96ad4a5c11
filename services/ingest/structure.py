"""Checks on a decoded record's shape before any field is looked at.

JSON lets a sender write things no topic consumer should ever meet: NaN and Infinity (not JSON,
but Python's decoder takes them), lone UTF-16 surrogates ("\\ud800", which cannot be encoded as
UTF-8 again), and nesting deep enough to exhaust a recursive encoder. One iterative walk finds
them all, with the location of each.
"""

from __future__ import annotations

import math
import re

from services.ingest.errors import FieldError, Loc

MAX_DEPTH = 32
MAX_ERRORS = 20
_SURROGATE = re.compile("[\ud800-\udfff]")


def structural_errors(raw: object, max_depth: int = MAX_DEPTH) -> list[FieldError]:
    """Where `raw` holds a non-finite number, a lone surrogate, or nests deeper than max_depth."""
    errors: list[FieldError] = []
    stack: list[tuple[object, Loc]] = [(raw, ())]
    while stack and len(errors) < MAX_ERRORS:
        value, loc = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            errors.append(FieldError(loc, "NaN and Infinity are not numbers", "non_finite_number"))
        elif isinstance(value, str) and _SURROGATE.search(value):
            errors.append(FieldError(loc, "text holds a lone surrogate", "invalid_unicode"))
        elif isinstance(value, dict | list):
            if len(loc) >= max_depth:
                errors.append(
                    FieldError(loc, f"nested deeper than {max_depth} levels", "too_deeply_nested")
                )
                continue
            stack.extend(_children(value, loc, errors))
    return sorted(errors, key=lambda error: [str(part) for part in error.loc])


def _children(
    value: dict[object, object] | list[object], loc: Loc, errors: list[FieldError]
) -> list[tuple[object, Loc]]:
    if isinstance(value, list):
        return [(item, (*loc, index)) for index, item in enumerate(value)]
    children: list[tuple[object, Loc]] = []
    for key, item in value.items():
        name = str(key)
        if _SURROGATE.search(name):
            errors.append(FieldError(loc, "a field name holds a lone surrogate", "invalid_unicode"))
            continue
        children.append((item, (*loc, name)))
    return children
