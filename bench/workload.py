"""Synthetic shipments for the benchmark and the fault suite.

Ordinary counterparties are made of trade words and legal forms; a planted sanctioned party
carries the exact primary name (and country) of a listed organisation, so its shipment must
alert. Shipments are plain dicts, as a client would POST them to ingest; `encode_for_topic` turns
one into the `shipments.ingested.v1` record ingest would produce (same normalisation, same key).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.ingest.ingestor import encode
from services.ingest.prepare import prepare
from shared.schemas import WatchlistEntry, alert_id

WORDS = (  # noqa: SIM905
    "HANSEO ORION DAEJIN PACIFIC NORTHERN MERIDIAN ALPINE STEEL ELECTRONICS LOGISTICS "
    "SHIPPING MARINE AUTO PARTS PRECISION MACHINERY TECH SYSTEMS INDUSTRIAL CHEMICAL GREEN "
    "VALLEY SILK ROAD BALTIC ADRIATIC LOMBARDA MILANO ISTANBUL ANKARA GULF HORIZON UNITED "
    "GENERAL SUPPLY COMPONENTS DYNAMICS SOLUTIONS VENTURES EXPRESS CARGO FREIGHT OCEAN "
    "BRIDGE SUMMIT PIONEER ATLAS NOVA TERRA SIGMA DELTA OMEGA VECTOR ZENITH APEX CRYSTAL "
    "EMERALD SAPPHIRE TIGER LOTUS JADE BAMBOO MAPLE CEDAR HANA SEOUL BUSAN INCHEON "
    "SHENZHEN NINGBO ALMATY"
).split()
LEGAL_FORMS = ("CO LTD", "LLC", "GMBH", "SRL", "SPA", "LIMITED", "INC", "JSC", "FZE", "BV")
ROLES = ("shipper", "consignee", "notify", "manufacturer", "forwarder", "buyer")
COUNTRIES = ("KR", "IT", "HK", "CN", "IN", "TR", "DE", "AE", "KZ", "US", "JP", "NL")
HS_CODES = ("870830", "854231", "848210", "940190", "732690", "850440", "392690", "903020")
SOURCE = "bench"


@dataclass(frozen=True)
class Planted:
    """The listed organisation a shipment names, hence the alert it must raise."""

    list_id: str
    entry_id: str
    name: str
    country: str | None


@dataclass(frozen=True)
class Shipment:
    shipment_id: str
    body: dict[str, Any]
    planted: Planted | None

    @property
    def key(self) -> str:
        return f"{self.body['source']}:{self.shipment_id}"

    @property
    def expected_alert_id(self) -> str | None:
        if self.planted is None:
            return None
        return alert_id(self.key, self.planted.list_id, self.planted.entry_id)


def plantable(entries: Sequence[WatchlistEntry]) -> list[Planted]:
    """Organisations of a list, as parties a shipment can name exactly."""
    organisations = [e for e in entries if e.kind == "organization"] or list(entries)
    return [
        Planted(e.list_id, e.entry_id, e.name, e.countries[0] if e.countries else None)
        for e in organisations
    ]


class ShipmentFactory:
    """Shipments of `parties` parties each, a share `planted_share` naming a listed party.

    Counterparties recur like real trade: each party is drawn from a pool of `pool_size`
    ordinary organisations (the same pool for every factory with the same `pool_seed`, so that
    one phase of a benchmark warms the caches for the next), except a share `new_party_share`
    made up afresh, with a word in its name never used before: new to every cache. With
    `new_marker`, that word is left for the caller to fill in (`unique_word`), for shipments
    encoded once and reused.
    """

    def __init__(
        self,
        listed: Sequence[Planted],
        *,
        parties: int = 4,
        planted_share: float = 0.02,
        pool_size: int = 20_000,
        new_party_share: float = 0.0,
        new_marker: str | None = None,
        source: str = SOURCE,
        seed: int = 7,
        pool_seed: int = 11,
    ) -> None:
        if not listed and planted_share > 0:
            raise ValueError("planting sanctioned parties needs a list with organisations")
        self._rng = random.Random(seed)
        self._listed = list(listed)
        self._parties = parties
        self._planted_share = planted_share
        self._new_party_share = new_party_share
        self._new_marker = new_marker
        # Words of this factory's fresh parties: disjoint from other seeds' below 10 million.
        self._new_words = seed * 10_000_000
        self._source = source
        pool_rng = random.Random(pool_seed)
        self._pool = [self._ordinary(pool_rng) for _ in range(pool_size)]
        self._declared_at = datetime.now(UTC).replace(microsecond=0).isoformat()

    def _ordinary(self, rng: random.Random, new_word: str | None = None) -> dict[str, Any]:
        words = rng.sample(WORDS, rng.choice((2, 2, 3)))
        if new_word is not None:
            words.insert(1, new_word)
        party: dict[str, Any] = {
            "name": f"{' '.join(words)} {rng.choice(LEGAL_FORMS)}",
            "country": rng.choice(COUNTRIES),
        }
        if rng.random() < 0.3:
            party["identifiers"] = {"tax_id": str(rng.randrange(10**9, 10**10))}
        return party

    def _new_party(self) -> dict[str, Any]:
        word = self._new_marker
        if word is None:
            word = unique_word(self._new_words)
            self._new_words += 1
        return self._ordinary(self._rng, word)

    def make(self, shipment_id: str, *, plant: bool | None = None) -> Shipment:
        """One shipment; `plant` forces (True) or forbids (False) a listed party."""
        if plant is None:
            plant = self._rng.random() < self._planted_share
        planted = self._rng.choice(self._listed) if plant else None
        parties = [dict(p) for p in self._rng.sample(self._pool, self._parties)]
        for index in range(len(parties)):
            if self._rng.random() < self._new_party_share:
                parties[index] = self._new_party()
        for index, party in enumerate(parties):
            party["role"] = ROLES[index % len(ROLES)]
        if planted is not None:
            at = self._rng.randrange(len(parties))
            parties[at] = {"role": ROLES[at % len(ROLES)], "name": planted.name}
            if planted.country:
                parties[at]["country"] = planted.country
        body = {
            "shipment_id": shipment_id,
            "source": self._source,
            "declared_at": self._declared_at,
            "direction": "import",
            "origin_country": self._rng.choice(COUNTRIES),
            "destination_country": self._rng.choice(COUNTRIES),
            "parties": parties,
            "goods": [{"hs_code": self._rng.choice(HS_CODES), "description": "parts"}],
        }
        return Shipment(shipment_id, body, planted)


SYLLABLES = [c + v for c in "BDGKLMNPRSTVZ" for v in "AEIOU"]


def unique_word(number: int) -> str:
    """A pronounceable word for `number`, different for every number: its base-65 digits as
    syllables, from three on (so never a two-letter legal form such as SA)."""
    number += len(SYLLABLES) ** 2
    syllables = []
    while number:
        number, digit = divmod(number, len(SYLLABLES))
        syllables.append(SYLLABLES[digit])
    return "".join(syllables)


def encode_for_topic(shipment: Shipment) -> tuple[str, bytes]:
    """The key and value ingest would produce to `shipments.ingested.v1` for this shipment."""
    prepared = prepare(shipment.body)
    return prepared.key, encode(prepared)
