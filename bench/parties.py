"""Party names for the screening benchmarks, generated with a fixed seed.

- `supplier_names`: ordinary trade counterparties (words of real supplier names, places, legal
  forms), plus the suppliers named in the AURUS reporting. None is meant to be listed; a few may
  happen to resemble a listed name.
- `person_names`: ordinary given and family names from several regions.
- `renderings`: how a customs record might write a listed entry: another legal form (English,
  Russian, transliterated), Cyrillic, a typo, the words reordered, different case and
  punctuation, or only the tax id.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from shared.schemas import WatchlistEntry
from shared.screening.normalise import analyse_name
from shared.screening.tokens import NameClass

NAMED_SUPPLIERS = (
    "KYUNGKI INDUSTRIAL CO., LTD.",
    "BYT Co Ltd",
    "Enertech International Inc",
    "Kyungki Industrial Co",
    "BYT CO., LTD",
    "ENERTECH INTERNATIONAL INC.",
)
PLACES = (  # noqa: SIM905
    "Kyungki Daehan Hanil Seoul Busan Incheon Ulsan Daegu Gwangju Changwon Shenzhen Ningbo "
    "Zhejiang Guangzhou Xiamen Jiangsu Qingdao Suzhou Anadolu Ege Marmara Bursa Izmir Lombarda "
    "Veneta Torino Brescia Bergamo Emilia Pune Chennai Gujarat Haryana Rhein Bayern Schwaben "
    "Hokuriku Kansai Osaka Nagoya Almaty Tashkent Baku Tbilisi Yerevan Dubai Sharjah"
).split()
BRANDS = (  # noqa: SIM905
    "Atlas Delta Orion Summit Pacific Golden Hanseo Daejin Meridian Alpine Apex Vector Zenith "
    "Nova Terra Sigma Crystal Emerald Sapphire Lotus Jade Maple Cedar Phoenix Pioneer Horizon "
    "Enertech Kortek Mextron Inotek Samhwa Dongil Sungwoo Hyosan Wonil Taeyang Jinsung Kumsan "
    "Haitong Jinlong Xinda Huamei Tianli Yuxing Ozkan Yildiz Demir Celik Akar Rossi Bianchi "
    "Ferrari Galli Moretti Kumar Sharma Patel Mehta Weber Krause Tanaka Suzuki"
).split()
INDUSTRIES = (  # noqa: SIM905
    "Industrial|Precision|Machinery|Electronics|Auto Parts|Logistics|Textiles|Chemicals|Steel|"
    "Components|Engineering|Plastics|Metal|Hydraulics|Bearings|Electric|Motors|Tools|Packaging|"
    "Polymers|Optics|Instruments|Cables|Trading|Global|International|Tech|Systems"
).split("|")
LEGAL_FORMS = (  # noqa: SIM905
    "Co., Ltd.|Co Ltd|Inc.|LLC|GmbH|S.p.A.|S.r.l.|A.S.|Sanayi ve Ticaret A.S.|Pvt. Ltd.|"
    "Limited|Ltd|S.A.|Corp.|Corporation|KG|FZE|Pte. Ltd.|JSC"
).split("|")
GIVEN = (  # noqa: SIM905
    "Min-jun Seo-yeon Ji-ho Wei Fang Li Jing Mehmet Ayse Mustafa Giulia Marco Luca Priya Rahul "
    "Anil Klaus Anna Stefan Hiroshi Yuki Aigerim Nurlan Dilnoza Rustam Giorgi Nino Omar Layla"
).split()
FAMILY = (  # noqa: SIM905
    "Park Choi Jung Kang Yoon Wang Zhang Liu Chen Yilmaz Kaya Demir Sahin Conti Romano Esposito "
    "Gupta Singh Reddy Schmidt Fischer Wagner Yamamoto Nakamura Abenov Karimov Beridze Haddad"
).split()

_CYRILLIC = (
    ("shch", "щ"), ("kh", "х"), ("zh", "ж"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("ya", "я"),
    ("yu", "ю"), ("yo", "ё"), ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"),
    ("e", "е"), ("z", "з"), ("i", "и"), ("y", "ы"), ("k", "к"), ("l", "л"), ("m", "м"),
    ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
    ("f", "ф"), ("c", "к"), ("w", "в"), ("x", "кс"), ("q", "к"), ("h", "х"), ("j", "дж"),
)  # fmt: skip
_LEGAL_RENDERINGS = {
    "LLC": (
        "{} LLC", "OOO {}", "ООО «{}»", "Limited Liability Company {}", "{} Ltd",
        "Obshchestvo s ogranichennoy otvetstvennostyu {}",
        "Общество с ограниченной ответственностью {}",
    ),
    "JSC": (
        "{} JSC", "AO {}", "АО «{}»", "Joint Stock Company {}", "OAO {}", "PJSC {}",
        "Aktsionernoe Obshchestvo {}", "Акционерное общество «{}»",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Rendering:
    name: str
    expected_key: str
    how: str
    identifiers: dict[str, str] = field(default_factory=dict)
    country: str | None = None


def supplier_names(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    names = list(NAMED_SUPPLIERS)
    while len(names) < count:
        head = rng.choice(PLACES if rng.random() < 0.4 else BRANDS)
        words = [head, *rng.sample(INDUSTRIES, rng.choice((1, 1, 2)))]
        name = " ".join(words) + " " + rng.choice(LEGAL_FORMS)
        names.append(name.upper() if rng.random() < 0.5 else name)
    return names[:count]


def person_names(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        found.append(f"{family.upper()}, {given}" if rng.random() < 0.3 else f"{given} {family}")
    return found


def renderings(entries: list[WatchlistEntry], count: int, seed: int = 13) -> list[Rendering]:
    """`count` renderings of listed organisations and persons, several ways each."""
    rng = random.Random(seed)
    pool = [e for e in entries if e.kind in ("organization", "person") and _renderable(e)]
    found: list[Rendering] = []
    while len(found) < count:
        entry = rng.choice(pool)
        found.extend(_render(entry, rng))
    return found[:count]


def _renderable(entry: WatchlistEntry) -> bool:
    form = analyse_name(entry.name, "person" if entry.kind == "person" else "org")
    core = [t for t in form.tokens if len(t.text) > 1]
    return len(core) >= 1 and sum(len(t.text) for t in core) >= 5


def _core_words(entry: WatchlistEntry) -> tuple[list[str], str | None]:
    name_class: NameClass = "person" if entry.kind == "person" else "org"
    form = analyse_name(entry.name, name_class)
    legal = next(iter(sorted(form.legal)), None)
    return [t.text.upper() for t in form.tokens], legal


def _render(entry: WatchlistEntry, rng: random.Random) -> list[Rendering]:
    words, legal = _core_words(entry)
    core = " ".join(words)
    key, country = entry.key, (entry.countries[0] if entry.countries else None)
    found = [_first_rendering(entry, words, legal, rng)]
    if country in ("RU", "BY", "UA", "KZ"):
        found.append(Rendering(_to_cyrillic(core), key, "Cyrillic"))
    found.append(Rendering(_typo(words, rng), key, "typo"))
    if len(words) > 1:
        found.append(Rendering(" ".join([*words[1:], words[0]]), key, "word order"))
    found.append(Rendering(core.lower().replace(" ", " - ", 1), key, "case and punctuation"))
    tax = next((i.value for i in entry.identifiers if i.type == "tax_id"), None)
    if tax is not None:
        noisy = _noisy_tax_id(tax, country)
        found.append(Rendering("", key, "tax id alone", {"tax_id": noisy}, country))
    return found


def _first_rendering(
    entry: WatchlistEntry, words: list[str], legal: str | None, rng: random.Random
) -> Rendering:
    core = " ".join(words)
    if entry.kind == "person":
        family, _, given = entry.name.partition(",")
        natural = f"{given.strip()} {family.strip()}" if given else entry.name
        return Rendering(natural, entry.key, "given name first")
    template = rng.choice(_LEGAL_RENDERINGS.get(legal or "", ("{}", "{} LLC", "{} Co., Ltd.")))
    if any(ch in template for ch in "«ОоАа") and not template.isascii():
        return Rendering(template.format(_to_cyrillic(core)), entry.key, "legal form, Cyrillic")
    return Rendering(template.format(core), entry.key, "legal form")


def _to_cyrillic(text: str) -> str:
    out, rest = [], text.lower()
    while rest:
        for latin, cyrillic in _CYRILLIC:
            if rest.startswith(latin):
                out.append(cyrillic)
                rest = rest[len(latin) :]
                break
        else:
            out.append(rest[0])
            rest = rest[1:]
    return "".join(out).upper()


def _typo(words: list[str], rng: random.Random) -> str:
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) < 5:
        return " ".join(words)
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap":
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    elif kind == "drop":
        word = word[:at] + word[at + 1 :]
    elif kind == "double":
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[:at] + rng.choice("AEIOUKRSTN") + word[at + 1 :]
    return " ".join([*words[:longest], word, *words[longest + 1 :]])


def _noisy_tax_id(tax: str, country: str | None) -> str:
    """How a customs record may write a tax id: grouped, and a numeric one country-prefixed."""
    grouped = f"{tax[:3]}-{tax[3:6]}-{tax[6:]}" if len(tax) > 6 else tax
    return f"{country} {grouped}" if country and tax.isdigit() else grouped
