"""Counterparty identity: the same party written the same way on many documents is one row.

Pure: no SQL, no clock. The id is stable across processes and releases, so other components
(rescreen, search) can rely on it; change `_VERSION` only with a data migration.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

_VERSION = "cp1"
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise_name(name: str) -> str:
    """NFKC, case-folded, punctuation to spaces, single spaces: 'Aurus, L.L.C.' -> 'aurus l l c'."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).replace("_", " ").split())


def normalise_identifier_type(kind: str) -> str:
    return "_".join(normalise_name(kind).split())


def normalise_identifier_value(value: str) -> str:
    """Upper case, letters and digits only: 'RU 7743-237-789' -> 'RU7743237789'."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", value).upper() if ch.isalnum())


def normalise_identifiers(identifiers: Mapping[str, str]) -> dict[str, str]:
    normalised: dict[str, str] = {}
    for kind, value in identifiers.items():
        norm_kind, norm_value = normalise_identifier_type(kind), normalise_identifier_value(value)
        if norm_kind and norm_value:
            normalised[norm_kind] = norm_value
    return dict(sorted(normalised.items()))


def counterparty_id(name: str, country: str | None, identifiers: Mapping[str, str]) -> str:
    """32 hex chars of SHA-256 over the normalised name, country and identifiers."""
    return identity(name, country, tuple(identifiers.items())).counterparty_id


@dataclass(frozen=True)
class Identity:
    counterparty_id: str
    name_norm: str
    identifiers: tuple[tuple[str, str], ...]


@lru_cache(maxsize=65536)
def identity(name: str, country: str | None, identifiers: tuple[tuple[str, str], ...]) -> Identity:
    """The counterparty's id and normalised parts; cached, since most parties recur."""
    name_norm = normalise_name(name)
    norm_identifiers = normalise_identifiers(dict(identifiers))
    material = json.dumps(
        [_VERSION, name_norm, (country or "").upper(), norm_identifiers],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(material.encode()).hexdigest()[:32]
    return Identity(digest, name_norm, tuple(norm_identifiers.items()))
