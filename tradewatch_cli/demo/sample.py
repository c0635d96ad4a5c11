"""Sample shipments for the demo: the AURUS supply story among ordinary trade.

Generated from a fixed seed, so every run shows the same shipments. The suppliers named in the
public reporting on AURUS (Kyungki Industrial, BYT, Enertech International) are real and not
listed: they must not alert; their consignee must.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

AURUS_RENDERINGS: tuple[tuple[str, dict[str, str]], ...] = (
    ("AURUS LLC", {"tax_id": "7743237789"}),
    ("OOO AURUS", {}),
    ("ООО «АУРУС»", {"tax_id": "7743237789"}),
    ("LLC AURUS", {}),
    ("LIMITED LIABILITY COMPANY AURUS", {}),
    ("Obshchestvo s ogranichennoy otvetstvennostyu Aurus", {}),
    ("A-Auto Trading (consignee INN)", {"tax_id": "7743237789"}),
)

AURUS_SUPPLIERS: tuple[tuple[str, str], ...] = (
    ("KYUNGKI INDUSTRIAL CO., LTD.", "KR"),
    ("BYT CO., LTD.", "KR"),
    ("ENERTECH INTERNATIONAL INC.", "KR"),
    ("Meccanica Lombarda S.r.l.", "IT"),
    ("Pacific Rim Auto Components Ltd", "HK"),
    ("Ningbo Huayu Precision Parts Co., Ltd.", "CN"),
    ("Pune Forgings Private Limited", "IN"),
    ("Bursa Otomotiv Yan Sanayi A.S.", "TR"),
)

# Goods a limousine plant buys: brake parts, engine parts, wiring, electronics (some CHPL).
AUTO_PARTS: tuple[tuple[str, str], ...] = (
    ("870830", "Brakes and servo-brakes and parts thereof"),
    ("840991", "Parts for spark-ignition engines"),
    ("854430", "Ignition wiring sets for vehicles"),
    ("854231", "Processors and controllers, electronic integrated circuits"),
    ("870840", "Gear boxes and parts thereof"),
    ("848210", "Ball bearings"),
)

ORDINARY_GOODS: tuple[tuple[str, str], ...] = (
    ("610910", "T-shirts of cotton, knitted"),
    ("090111", "Coffee, not roasted"),
    ("940360", "Wooden furniture"),
    ("847130", "Portable computers"),
    ("300490", "Medicaments in measured doses"),
    ("080810", "Apples, fresh"),
    ("392690", "Articles of plastics"),
)

COMPANY_WORDS = (
    "Nordic",
    "Atlas",
    "Sunrise",
    "Harbor",
    "Evergreen",
    "Golden",
    "Pioneer",
    "Blue River",
    "Summit",
    "Orchid",
    "Maple",
    "Coastal",
    "Silverline",
    "Greenfield",
    "Union",
    "Horizon",
)
COMPANY_TRADES = (
    "Textiles",
    "Foods",
    "Logistics",
    "Furniture",
    "Electronics",
    "Pharma",
    "Plastics",
    "Agro",
    "Trading",
    "Imports",
)
COMPANY_FORMS = ("Ltd", "GmbH", "S.A.", "LLC", "Co., Ltd.", "B.V.", "Inc.", "S.p.A.", "AB")
ORDINARY_COUNTRIES = ("DE", "FR", "NL", "US", "GB", "JP", "BR", "VN", "ES", "SE", "PL", "MX")

EPOCH = datetime(2024, 1, 8, 8, 0, tzinfo=UTC)


def _company(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_TRADES)} {rng.choice(COMPANY_FORMS)}"


def _goods(rng: random.Random, catalogue: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    lines = []
    for hs_code, description in rng.sample(catalogue, k=rng.randint(1, 3)):
        quantity = rng.randint(10, 5000)
        lines.append(
            {
                "hs_code": hs_code,
                "description": description,
                "quantity": str(quantity),
                "unit": "pcs",
                "value": f"{quantity * rng.uniform(2, 90):.2f}",
                "currency": "USD",
            }
        )
    return lines


def aurus_shipment(rng: random.Random, number: int) -> dict[str, Any]:
    supplier, country = rng.choice(AURUS_SUPPLIERS)
    name, identifiers = rng.choice(AURUS_RENDERINGS)
    via = rng.choice((None, None, "KZ", "TR", "AE"))
    return {
        "shipment_id": f"AUR-{number:05d}",
        "source": f"{country.lower()}-customs",
        "declared_at": (EPOCH + timedelta(days=rng.randint(0, 170))).isoformat(),
        "direction": "export",
        "origin_country": country,
        "destination_country": "RU",
        "transit_countries": [via] if via else [],
        "parties": [
            {"role": "shipper", "name": supplier, "country": country},
            {"role": "consignee", "name": name, "country": "RU", "identifiers": identifiers},
            {"role": "notify", "name": "Tatavtotrans Forwarding LLC", "country": "RU"},
        ],
        "goods": _goods(rng, AUTO_PARTS),
        "port_of_loading": {"KR": "KRPUS", "IT": "ITGOA", "HK": "HKHKG"}.get(country, "CNSHA"),
        "port_of_discharge": "RUVVO",
    }


def ordinary_shipment(rng: random.Random, number: int) -> dict[str, Any]:
    origin, destination = rng.sample(ORDINARY_COUNTRIES, k=2)
    return {
        "shipment_id": f"GEN-{number:05d}",
        "source": "manifests",
        "declared_at": (EPOCH + timedelta(days=rng.randint(0, 170))).isoformat(),
        "direction": "import",
        "origin_country": origin,
        "destination_country": destination,
        "parties": [
            {"role": "shipper", "name": _company(rng), "country": origin},
            {"role": "consignee", "name": _company(rng), "country": destination},
            {"role": "carrier", "name": rng.choice(("Maersk A/S", "Hapag-Lloyd AG", "CMA CGM"))},
        ],
        "goods": _goods(rng, ORDINARY_GOODS),
    }


def other_listed_shipments() -> list[dict[str, Any]]:
    """A few more true hits: a listed truck maker, a listed airline as carrier, a listed vessel
    (found by its IMO number under another name)."""
    return [
        {
            "shipment_id": "GEN-90001",
            "source": "manifests",
            "declared_at": "2024-03-04T10:00:00+00:00",
            "origin_country": "CN",
            "destination_country": "RU",
            "parties": [
                {"role": "shipper", "name": "Shandong Heavy Axle Co., Ltd.", "country": "CN"},
                {"role": "consignee", "name": "PAO KAMAZ", "country": "RU"},
            ],
            "goods": [{"hs_code": "870850", "description": "Drive axles"}],
        },
        {
            "shipment_id": "GEN-90002",
            "source": "air-waybills",
            "declared_at": "2024-04-11T06:30:00+00:00",
            "origin_country": "AE",
            "destination_country": "IR",
            "parties": [
                {"role": "shipper", "name": "Gulf Star General Trading LLC", "country": "AE"},
                {"role": "consignee", "name": "Kish Aviation Supply", "country": "IR"},
                {"role": "carrier", "name": "Mahan Air", "country": "IR"},
            ],
            "goods": [{"hs_code": "880730", "description": "Aircraft parts"}],
        },
        {
            "shipment_id": "GEN-90003",
            "source": "bills-of-lading",
            "declared_at": "2024-04-20T14:00:00+00:00",
            "origin_country": "KR",
            "destination_country": "RU",
            "parties": [
                {"role": "shipper", "name": "Haeundae Marine Equipment Co., Ltd.", "country": "KR"},
                {"role": "consignee", "name": "Primorsky Port Services", "country": "RU"},
            ],
            "goods": [{"hs_code": "848180", "description": "Valves for ship engines"}],
            "vessel": {"name": "GRACE FULL", "imo": "IMO 1011551"},
        },
    ]


def sample_shipments(
    count: int = 300, aurus_share: float = 0.12, seed: int = 7
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    shipments = []
    for number in range(1, count + 1):
        if rng.random() < aurus_share:
            shipments.append(aurus_shipment(rng, number))
        else:
            shipments.append(ordinary_shipment(rng, number))
    shipments.extend(other_listed_shipments())
    return shipments
