"""Enrichment handler throughput, in process, without Kafka: `python -m bench.enrichment`.

Loads a whole list (the OFAC SDN list of 2024-05-03 by default) into the watchlist index, makes
synthetic shipments of N parties each (mostly ordinary trade counterparties, a few listed names
written differently), encodes them as `shipments.ingested.v1` records and runs the service's batch
handler over them: decode, screen every party, risk flags, encode. Two runs:

- distinct: every party is new (no help from the per-party cache): the worst case;
- repeating: parties drawn from a population of counterparties with a Zipf-like frequency, as
  trade documents name the same shippers and consignees again and again.

Each prints shipments/s by the wall clock and per CPU second of this process: the second is the
figure for one idle core, which a busy shared machine cannot give by the wall clock.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from services.enrichment.app import freeze_heap, warm_up_matcher
from services.enrichment.chpl import load_chpl
from services.enrichment.country_risk import load_country_risk
from services.enrichment.handler import HandlerConfig, ShipmentScreener, make_handler
from services.enrichment.index import Change, WatchlistIndex
from services.enrichment.metrics import PARTY_CACHE_HITS
from shared.config import load_settings
from shared.kafka.loop import BatchHandler
from shared.kafka.records import Record
from shared.schemas import ScreenedShipment, Shipment, WatchlistEntry
from shared.screening.screener import Screener
from shared.watchlists.sources import read_entries

# Words of ordinary trade counterparty names (none of them a listed name on its own).
WORDS = (  # noqa: SIM905
    "GLOBAL TRADING HANSEO ORION DAEJIN PACIFIC NORTHERN STAR MERIDIAN ALPINE KOREA STEEL "
    "ELECTRONICS LOGISTICS SHIPPING MARINE AUTO PARTS PRECISION MACHINERY TECH SYSTEMS "
    "INDUSTRIAL CHEMICAL GREEN VALLEY SILK ROAD EURASIA BALTIC ADRIATIC LOMBARDA MILANO "
    "ISTANBUL ANKARA DUBAI GULF HORIZON UNITED GENERAL SUPPLY COMPONENTS DYNAMICS "
    "SOLUTIONS HOLDINGS ENTERPRISE VENTURES EXPRESS CARGO FREIGHT OCEAN BRIDGE SUMMIT "
    "PIONEER ATLAS NOVA TERRA SIGMA DELTA OMEGA VECTOR ZENITH APEX CRYSTAL EMERALD "
    "SAPPHIRE TIGER DRAGON PHOENIX LOTUS JADE BAMBOO MAPLE CEDAR HANA SEOUL BUSAN INCHEON "
    "SHENZHEN NINGBO ALMATY"
).split()
LEGAL_FORMS = ("CO LTD", "LLC", "GMBH", "SRL", "SPA", "AS", "LIMITED", "INC", "JSC", "OOO", "FZE")
ROLES = ("shipper", "consignee", "notify", "forwarder", "manufacturer", "buyer")
COUNTRIES = ("KR", "IT", "HK", "CN", "IN", "TR", "DE", "AE", "KZ", "RU", "US", "JP")
HS_CODES = ("870830", "854231", "848210", "940190", "732690", "850440", "392690", "903020")


def ordinary_name(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.choice((2, 2, 3)))
    return f"{' '.join(words)} {rng.choice(LEGAL_FORMS)}"


def listed_name(rng: random.Random, entries: Sequence[WatchlistEntry]) -> str:
    entry = rng.choice(entries)
    name = entry.name.replace("LIMITED LIABILITY COMPANY", "LLC").replace(",", "")
    return name.title() if rng.random() < 0.5 else name


def make_party(
    rng: random.Random, entries: Sequence[WatchlistEntry], listed: float
) -> dict[str, Any]:
    name = listed_name(rng, entries) if rng.random() < listed else ordinary_name(rng)
    party: dict[str, Any] = {"name": name}
    if rng.random() < 0.7:
        party["country"] = rng.choice(COUNTRIES)
    if rng.random() < 0.3:
        party["identifiers"] = {"tax_id": str(rng.randrange(10**9, 10**10))}
    return party


def make_shipment(i: int, rng: random.Random, parties: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "shipment_id": f"B-{i:07d}",
        "source": "bench",
        "declared_at": "2024-02-21T09:30:00Z",
        "origin_country": rng.choice(COUNTRIES),
        "destination_country": rng.choice(COUNTRIES),
        "parties": [{"role": ROLES[p % len(ROLES)], **party} for p, party in enumerate(parties)],
        "goods": [{"hs_code": rng.choice(HS_CODES), "description": "parts"}],
    }


def make_records(
    count: int,
    entries: Sequence[WatchlistEntry],
    parties: int,
    listed: float,
    seed: int,
    population: int = 0,
) -> list[Record]:
    """`population` 0: every party new; otherwise drawn from that many counterparties, the one
    of rank r with weight 1/r."""
    rng = random.Random(seed)
    organisations = [e for e in entries if e.kind == "organization"] or list(entries)
    pool = [make_party(rng, organisations, listed) for _ in range(population)]
    weights = [1 / rank for rank in range(1, population + 1)]
    ingested_at = datetime.now(UTC).isoformat().encode()
    records = []
    for i in range(count):
        if pool:
            chosen = rng.choices(pool, weights, k=parties)
        else:
            chosen = [make_party(rng, organisations, listed) for _ in range(parties)]
        records.append(
            Record(
                topic="shipments.ingested.v1",
                partition=0,
                offset=i,
                key=f"bench:B-{i:07d}".encode(),
                value=orjson.dumps(make_shipment(i, rng, chosen)),
                headers=[("tw.ingested_at", ingested_at)],
            )
        )
    return records


def now() -> datetime:
    return datetime.now(UTC)


def build_index(entries: Sequence[WatchlistEntry]) -> WatchlistIndex:
    """As the service builds it: matcher warmed up first, the heap frozen once it is built."""
    warm_up_matcher()
    index = WatchlistIndex(Screener([]))
    index.apply(Change(e.list_id, e.entry_id, e) for e in entries)
    freeze_heap()
    return index


def run(
    label: str, records: Sequence[Record], handler: BatchHandler, args: argparse.Namespace
) -> None:
    hits_before = PARTY_CACHE_HITS._value.get()
    batch_s: list[float] = []
    started = time.perf_counter()
    cpu_started = time.process_time()
    for start in range(0, len(records), args.batch):
        batch_started = time.process_time()
        result = handler(records[start : start + args.batch])
        batch_s.append(time.process_time() - batch_started)
        if result.rejected or len(result.outputs) != len(records[start : start + args.batch]):
            raise SystemExit(f"unexpected: {len(result.rejected)} rejected")
    elapsed = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_started
    parties = len(records) * args.parties
    hits = PARTY_CACHE_HITS._value.get() - hits_before
    second_half = batch_s[len(batch_s) // 2 :]
    print(
        f"{label}: {len(records)} shipments x {args.parties} parties, cache hits "
        f"{hits / parties:.0%}: {len(records) / elapsed:,.0f} shipments/s wall clock "
        f"({parties / elapsed:,.0f} parties/s); per CPU second {len(records) / cpu_s:,.0f} "
        f"shipments, second half {len(second_half) * args.batch / sum(second_half):,.0f}"
    )


def breakdown(records: Sequence[Record], index: WatchlistIndex, screener: ShipmentScreener) -> None:
    """CPU time per shipment (all parties new): decode, match, risk flags and assembly, encode."""
    index.clear_cache()
    sample = records[: min(len(records), 1000)]
    started = time.process_time()
    shipments = [Shipment.model_validate(orjson.loads(r.value or b"")) for r in sample]
    decode_s = time.process_time() - started
    started = time.process_time()
    for shipment in shipments:
        index.screen(shipment.parties)
    match_s = time.process_time() - started
    started = time.process_time()
    screenings = [screener.screen(shipment) for shipment in shipments]  # matches now cached
    rest_s = time.process_time() - started
    started = time.process_time()
    for shipment, screening in zip(shipments, screenings, strict=True):
        ScreenedShipment(shipment=shipment, screening=screening).model_dump_json()
    encode_s = time.process_time() - started
    n = len(sample)
    print(
        f"per shipment: decode {decode_s / n * 1e6:.0f} us, match parties {match_s / n * 1e6:.0f}"
        f" us, risk flags and assembly {rest_s / n * 1e6:.0f} us,"
        f" encode {encode_s / n * 1e6:.0f} us"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    settings = load_settings()
    default_source = f"ofac-sdn:{settings.sanctions_data_dir / 'sanctions/ofac/sdn-2024-05-03'}"
    parser = argparse.ArgumentParser(prog="python -m bench.enrichment", description=__doc__)
    parser.add_argument("--source", default=default_source, help="FORMAT:PATH of the list")
    parser.add_argument("--shipments", type=int, default=10_000)
    parser.add_argument("--parties", type=int, default=4, help="parties per shipment")
    parser.add_argument("--listed", type=float, default=0.02, help="share of listed names")
    parser.add_argument(
        "--population", type=int, default=20_000, help="counterparties of the repeating run"
    )
    parser.add_argument("--batch", type=int, default=500, help="records per handler call")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    entries = read_entries(args.source)
    print(
        f"list: {len(entries)} entries from {args.source} in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    index = build_index(entries)
    print(f"index: {len(index)} entries built in {time.perf_counter() - started:.1f} s")
    config = HandlerConfig(output_topic="shipments.screened.v1")
    screener = ShipmentScreener(index, load_chpl(), load_country_risk(), config, now)
    handler = make_handler(screener, lambda: None)

    distinct = make_records(args.shipments, entries, args.parties, args.listed, args.seed)
    handler(distinct[:100])  # warm-up: lazy imports, first-call caches
    index.clear_cache()
    run("distinct", distinct, handler, args)
    repeating = make_records(
        args.shipments, entries, args.parties, args.listed, args.seed + 1, args.population
    )
    index.clear_cache()
    run(f"repeating (population {args.population:,})", repeating, handler, args)
    breakdown(distinct, index, screener)
    return 0


if __name__ == "__main__":
    sys.exit(main())
