"""Rescreen at scale: `python -m bench.rescreen [--shipments N] [--counterparties N] [--delta N]`.

Builds a dedicated database (`tradewatch_bench`, dropped and created anew, migrated) holding
1,000,000 stored shipments whose 2,000,000 parties are 200,000 distinct counterparties, dated over
the last 120 days, exactly as the alerting service stores them (`shipments`, `counterparties`,
`shipment_parties`), bulk-loaded with COPY. A synthetic list is loaded as v1 (5,000 entries), then
v2 adds 500 entries, of which 100 name existing counterparties (some by tax ID only). The rescreen
of that delta runs as `tradewatch lists load` runs it, in a fresh process that pays the
matcher's one-time start-up (rigour's name tables), publishing to a real Kafka topic; twice, to
show the spread. It prints how many of the planted hits were found: all of them, or a warning.

Prints the generation time apart from the rescreen time. The target: within 60 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import orjson
import psycopg
from sqlalchemy.engine import make_url

from services.alerting.counterparties import counterparty_id, normalise_identifiers, normalise_name
from services.rescreen import RescreenReport, load_delta, rescreen_delta
from services.rescreen.job import PARALLEL_MIN_ENTRIES
from shared.config import load_settings
from shared.db.engine import make_engine, make_sessions, migrate
from shared.kafka.adapter import KafkaAdmin, KafkaProducerAdapter
from shared.kafka.memory import MemoryBroker, MemoryProducer
from shared.schemas.registry import SHIPMENTS_SCREENED
from shared.watchlists.load import load_list

DATABASE = "tradewatch_bench"
LIST_ID = "bench-list"
SYLLABLES = (
    "ka",
    "ro",
    "len",
    "mi",
    "sa",
    "to",
    "vi",
    "na",
    "del",
    "ar",
    "bo",
    "chen",
    "han",
    "su",
    "ri",
    "gu",
    "lo",
    "zen",
    "ta",
    "mar",
    "kor",
    "in",
    "ex",
    "ul",
    "pra",
    "vo",
    "tek",
    "lin",
    "dor",
    "sel",
    "am",
    "ber",
    "cas",
    "no",
    "fu",
    "jin",
    "wa",
    "ko",
    "ste",
    "el",
    "ra",
    "dy",
    "on",
    "ix",
    "ve",
)
GENERIC = ("TRADING", "INDUSTRIAL", "LOGISTICS", "INTERNATIONAL", "GROUP", "SHIPPING", "MOTORS")
LEGAL = ("CO., LTD.", "LLC", "GMBH", "S.R.L.", "JSC", "OOO", "INC", "LIMITED", "A.S.", "FZE")
COUNTRIES = ("KR", "IT", "HK", "CN", "IN", "TR", "DE", "AE", "KZ", "RU", "US", "JP")
ROLES = ("shipper", "consignee")
SPAN_DAYS = 120
COPY_BATCH_ROWS = 20_000
SHIPMENT_COLUMNS = (
    "shipment_key, source, shipment_id, declared_at, direction, origin_country, "
    "destination_country, shipment, screening, list_versions, ingested_at, first_seen_at, "
    "last_screened_at"
)
PARTY_COLUMNS = (
    "shipment_key, party_index, role, name, name_norm, country, identifiers, counterparty_id, "
    "declared_at"
)
COUNTERPARTY_COLUMNS = (
    "counterparty_id, name, name_norm, country, identifiers, first_seen_at, last_seen_at, "
    "last_declared_at"
)


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3, 3, 4)))).upper()


def company(rng: random.Random) -> str:
    parts = [word(rng) for _ in range(rng.choice((1, 2, 2, 3)))]
    if rng.random() < 0.5:
        parts.append(rng.choice(GENERIC))
    return f"{' '.join(parts)} {rng.choice(LEGAL)}"


class Party:
    __slots__ = ("country", "cp_id", "identifiers", "ids_json", "name", "name_norm")

    def __init__(self, name: str, country: str, identifiers: dict[str, str]) -> None:
        self.name, self.country, self.identifiers = name, country, identifiers
        self.cp_id = counterparty_id(name, country, identifiers)
        self.name_norm = normalise_name(name)
        self.ids_json = orjson.dumps(identifiers).decode()


def make_parties(rng: random.Random, count: int) -> list[Party]:
    parties: dict[str, Party] = {}
    while len(parties) < count:
        ids = {"tax_id": str(rng.randrange(10**9, 10**10))} if rng.random() < 0.3 else {}
        party = Party(company(rng), rng.choice(COUNTRIES), ids)
        parties.setdefault(party.cp_id, party)
    return list(parties.values())


def _copy_text(values: Sequence[object]) -> str:
    cells = []
    for value in values:
        if value is None:
            cells.append("\\N")
        else:
            text = value if isinstance(value, str) else str(value)
            cells.append(text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n"))
    return "\t".join(cells) + "\n"


def shipment_rows(
    rng: random.Random, parties: list[Party], count: int, now: datetime
) -> Iterator[tuple[str, list[str], dict[str, datetime]]]:
    """(shipments row, shipment_parties rows, counterparty id -> date) for each shipment."""
    for n in range(count):
        declared = now - timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))
        stamp = declared.isoformat().replace("+00:00", "Z")
        pair = rng.sample(parties, 2)
        shipment = {
            "shipment_id": f"B{n:08d}",
            "source": "bench",
            "declared_at": stamp,
            "parties": [
                {"role": role, "name": p.name, "country": p.country, "identifiers": p.identifiers}
                for role, p in zip(ROLES, pair, strict=True)
            ],
        }
        screening = {
            "screened_at": stamp,
            "parties": [
                {"party_index": i, "role": role, "name": p.name, "matches": []}
                for i, (role, p) in enumerate(zip(ROLES, pair, strict=True))
            ],
            "risk_flags": [],
            "list_versions": {LIST_ID: "v1"},
            "rescreen": False,
        }
        key = f"bench:B{n:08d}"
        documents = (orjson.dumps(shipment).decode(), orjson.dumps(screening).decode(), "{}")
        row = _copy_text(
            (key, "bench", f"B{n:08d}", stamp, None, None, None, *documents, stamp, stamp, stamp)
        )
        links = [
            _copy_text(
                (
                    key,
                    i,
                    role,
                    p.name,
                    p.name_norm,
                    p.country,
                    p.ids_json,
                    p.cp_id,
                    stamp,
                )
            )
            for i, (role, p) in enumerate(zip(ROLES, pair, strict=True))
        ]
        yield row, links, {p.cp_id: declared for p in pair}


def generate(url: str, shipments: int, counterparties: int, seed: int) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    parties = make_parties(rng, counterparties)
    last: dict[str, datetime] = {}
    conninfo = _conninfo(url)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        restore = _drop_indexes_and_keys(cur, ("shipments", "shipment_parties", "counterparties"))
        with cur.copy(f"COPY shipments ({SHIPMENT_COLUMNS}) FROM STDIN") as ship_copy:
            party_lines: list[str] = []
            rows: list[str] = []
            for row, links, seen in shipment_rows(rng, parties, shipments, now):
                rows.append(row)
                if len(rows) >= COPY_BATCH_ROWS:
                    ship_copy.write("".join(rows))
                    rows.clear()
                party_lines.extend(links)
                for cp, at in seen.items():
                    if at > last.get(cp, at - timedelta(1)):
                        last[cp] = at
            ship_copy.write("".join(rows))
        with cur.copy(f"COPY counterparties ({COUNTERPARTY_COLUMNS}) FROM STDIN") as cp_copy:
            for party in parties:
                if party.cp_id not in last:
                    continue
                dated = last[party.cp_id].isoformat()
                ids = orjson.dumps(normalise_identifiers(party.identifiers)).decode()
                cp_copy.write(
                    _copy_text(
                        (
                            party.cp_id,
                            party.name,
                            party.name_norm,
                            party.country,
                            ids,
                            dated,
                            dated,
                            dated,
                        )
                    )
                )
        with cur.copy(f"COPY shipment_parties ({PARTY_COLUMNS}) FROM STDIN") as sp_copy:
            for start in range(0, len(party_lines), COPY_BATCH_ROWS):
                sp_copy.write("".join(party_lines[start : start + COPY_BATCH_ROWS]))
        for statement in restore:
            cur.execute(statement)
        conn.commit()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("ANALYZE")


def _drop_indexes_and_keys(
    cur: psycopg.Cursor[tuple[object, ...]], tables: tuple[str, ...]
) -> list[str]:
    """Drop the secondary indexes and foreign keys of `tables` (COPY runs several times faster
    without them); return the statements that make them again, as the migrations defined them."""
    cur.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
        (list(tables),),
    )
    keys = cur.fetchall()
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        " AND tablename = ANY(%s) AND indexname NOT IN"
        " (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))",
        (list(tables),),
    )
    indexes = cur.fetchall()
    for table, name, _ in keys:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    return [str(definition) for _, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in keys
    ]


def _conninfo(url: str) -> str:
    parsed = make_url(url)
    return (
        f"host={parsed.host} port={parsed.port or 5432} user={parsed.username} "
        f"password={parsed.password} dbname={parsed.database}"
    )


def bench_url(admin_url: str) -> str:
    return str(make_url(admin_url).set(database=DATABASE).render_as_string(hide_password=False))


def fresh_database(admin_url: str) -> str:
    with psycopg.connect(_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    url = bench_url(admin_url)
    migrate(url)
    return url


def person(rng: random.Random) -> str:
    return f"{word(rng)} {word(rng)}".title()


def list_entry(
    entry_id: str, name: str, tax_id: str | None = None, kind: str = "organization"
) -> bytes:
    entry: dict[str, object] = {
        "list": LIST_ID,
        "entry_id": entry_id,
        "kind": kind,
        "name": name,
        "programs": ["BENCH"],
    }
    if tax_id is not None:
        entry["identifiers"] = [{"type": "tax_id", "value": tax_id}]
    return orjson.dumps(entry) + b"\n"


Planted = list[tuple[str, str, str | None]]
"""(counterparty id, name, tax id) of the counterparties the delta names."""


def planted_counterparties(url: str, hits: int) -> Planted:
    """The counterparties v2's planted entries name: the first `hits` by id (ids are hashes, so
    this is a fixed pseudo-random pick that a reused database gives again)."""
    with psycopg.connect(_conninfo(url)) as conn:
        rows = conn.execute(
            "SELECT counterparty_id, name, identifiers->>'tax_id' FROM counterparties"
            " ORDER BY counterparty_id LIMIT %s",
            (hits,),
        ).fetchall()
    return [(str(cp), str(name), tax_id) for cp, name, tax_id in rows]


def by_tax_id(n: int, tax_id: str | None) -> bool:
    """Whether the planted entry `n` names its counterparty by tax ID only."""
    return bool(tax_id) and n % 3 == 0


def planted_hits(known: Planted, base: int, delta: int, hits: int) -> dict[tuple[str, str], str]:
    """(counterparty id, entry id) -> how the entry names it (`name` or `tax ID`)."""
    return {
        (cp, f"{base + n}"): "tax ID" if by_tax_id(n, tax_id) else "name"
        for n, (cp, _, tax_id) in enumerate(known, start=delta - hits + 1)
    }


def load_lists(url: str, base: int, delta: int, hits: int, seed: int, known: Planted) -> None:
    """v1: `base` unrelated entries; v2: v1 plus `delta` new ones, `hits` of which name the
    `known` counterparties (a third of those by tax ID only, under another name). A tenth of the
    other new entries are people, as in OFAC's own updates (59 of 561 on 2024-02-23)."""
    rng = random.Random(seed + 1)
    v1 = [list_entry(f"{n}", company(rng)) for n in range(1, base + 1)]
    new = [
        list_entry(f"{base + n}", person(rng), kind="person")
        if n % 10 == 0
        else list_entry(f"{base + n}", company(rng))
        for n in range(1, delta - hits + 1)
    ]
    for n, (_, name, tax_id) in enumerate(known, start=delta - hits + 1):
        if by_tax_id(n, tax_id):
            new.append(list_entry(f"{base + n}", company(rng), tax_id))
        else:
            new.append(list_entry(f"{base + n}", name.title()))
    engine = make_engine(url)
    producer = MemoryProducer(MemoryBroker())  # the list topic is not what is measured here
    with TemporaryDirectory() as folder:
        for version, lines in (("v1", v1), ("v2", v1 + new)):
            path = Path(folder) / f"{version}.jsonl"
            path.write_bytes(b"".join(lines))
            load_list(
                f"tradewatch-jsonl:{path}",
                LIST_ID,
                make_sessions(engine),
                producer,
                "watchlist.entries.v1",
                progress=False,
            )
    engine.dispose()


def planted_found(report: RescreenReport, expected: dict[tuple[str, str], str]) -> str:
    """How many of the planted (counterparty, entry) hits the rescreen found, by how planted."""
    counts = []
    for how in ("name", "tax ID"):
        pairs = {pair for pair, kind in expected.items() if kind == how}
        counts.append(f"{len(pairs & report.matched)} of {len(pairs)} by {how}")
    missed = sorted(set(expected) - report.matched)
    text = f"planted hits found: {', '.join(counts)}"
    return text + (f"; MISSED (counterparty, entry): {missed[:5]}" if missed else "")


def rescreen_once(
    url: str, bootstrap: str, topic: str, lookback_days: int, workers: int
) -> RescreenReport:
    engine = make_engine(url)
    sessions = make_sessions(engine)
    producer = KafkaProducerAdapter(bootstrap, "tradewatch-bench-rescreen")
    try:
        with sessions() as session:
            delta = load_delta(session, LIST_ID)
        return rescreen_delta(
            sessions,
            producer,
            topic,
            delta,
            lookback_days=lookback_days,
            now=datetime.now(UTC),
            progress=False,
            workers=workers,
        )
    finally:
        producer.close(30.0)
        engine.dispose()


def rescreen_in_new_process(
    url: str, bootstrap: str, topic: str, lookback_days: int, workers: int
) -> RescreenReport:
    """`rescreen_once` in a fresh interpreter, as `tradewatch lists load` runs it: imports and
    rigour's start-up included. Its CPU time is counted once the process has ended."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(rescreen_once, url, bootstrap, topic, lookback_days, workers).result()


def _cpu_seconds() -> float:
    """User and system time of this process and of its finished children (the rescreen and
    any workers it started)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shipments", type=int, default=1_000_000)
    parser.add_argument("--counterparties", type=int, default=200_000)
    parser.add_argument("--delta", type=int, default=500)
    parser.add_argument("--hits", type=int, default=100, help="delta entries naming counterparties")
    parser.add_argument("--base-entries", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help=f"as `tradewatch rescreen --workers`: used only for a delta of "
        f"{PARALLEL_MIN_ENTRIES:,} entries or more",
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="rescreen the database a --keep run left, without generating it again (the same "
        "--hits, --delta and --base-entries)",
    )
    args = parser.parse_args()
    settings = load_settings()
    admin_url = settings.database_url.get_secret_value()

    if args.reuse:
        url = bench_url(admin_url)
        known = planted_counterparties(url, args.hits)
        print(f"reusing the {DATABASE} database a --keep run left")
    else:
        started = time.perf_counter()
        url = fresh_database(admin_url)
        generate(url, args.shipments, args.counterparties, args.seed)
        known = planted_counterparties(url, args.hits)
        load_lists(url, args.base_entries, args.delta, args.hits, args.seed, known)
        generated = time.perf_counter() - started
        print(
            f"generated {args.shipments:,} shipments, {args.counterparties:,} counterparties, "
            f"lists v1 ({args.base_entries:,} entries) and v2 (+{args.delta}) in {generated:.1f} s"
        )
    expected = planted_hits(known, args.base_entries, args.delta, args.hits)

    prefix = f"bench-rescreen-{uuid.uuid4().hex[:8]}-"
    topic = prefix + SHIPMENTS_SCREENED.name
    admin = KafkaAdmin(settings.kafka_bootstrap_servers, client_id="tradewatch-bench")
    admin.create_topics([SHIPMENTS_SCREENED], prefix=prefix)
    try:
        for label in ("run 1", "run 2"):
            began = time.perf_counter()
            cpu_before = _cpu_seconds()
            report = rescreen_in_new_process(
                url, settings.kafka_bootstrap_servers, topic, settings.lookback_days, args.workers
            )
            took = time.perf_counter() - began
            cpu = _cpu_seconds() - cpu_before
            rate = report.counterparties / report.screen_seconds if report.screen_seconds else 0.0
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(
                f"rescreen {label}: {took:.1f} s in all (target 60 s), process and matcher start-up"
                f" included, {report.workers} process(es) screening, {os.cpu_count()} CPUs, load"
                f" average {load}"
            )
            print(f"  {report.summary()}")
            print(f"  {rate:,.0f} counterparties/s through query and matching")
            print(f"  {planted_found(report, expected)}")
            print(
                f"  CPU {cpu:.1f} s in all (the rescreen's processes; with one process screening,"
                f" about its wall time on an idle machine)"
            )
    finally:
        admin.delete_topics([topic])
        admin.close()
        if not (args.keep or args.reuse):
            with psycopg.connect(_conninfo(admin_url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    main()
