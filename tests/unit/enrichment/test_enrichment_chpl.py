"""The CHPL data file and lookup by HS prefix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.enrichment.chpl import DEFAULT_CHPL_PATH, load_chpl


def test_the_data_file_notes_its_source_and_date_and_has_50_codes() -> None:
    data = json.loads(DEFAULT_CHPL_PATH.read_text())
    assert data["version"] == "2024-02-23"
    assert "bis.gov" in data["source"] and data["note"]
    table = load_chpl()
    assert len(table.codes) == 50
    assert len({code.hs6 for code in table.codes}) == 50
    assert {code.tier for code in table.codes} == {"1", "2", "3.A", "3.B", "4.A", "4.B"}
    assert [c.hs6 for c in table.codes if c.tier == "1"] == [
        "854231",
        "854232",
        "854233",
        "854239",
    ]


@pytest.mark.parametrize(
    ("declared", "hs6", "tier"),
    [("854231", "854231", "1"), ("8542.31.00", "854231", "1"), ("8482100000", "848210", "3.B")],
)
def test_lookup_by_the_first_six_digits(declared: str, hs6: str, tier: str) -> None:
    hit = load_chpl().lookup(declared)
    assert hit is not None and hit.exact
    assert (hit.codes[0].hs6, hit.best_tier) == (hs6, tier)


@pytest.mark.parametrize("declared", [None, "", "870830", "85", "8708"])
def test_no_hit(declared: str | None) -> None:
    assert load_chpl().lookup(declared) is None


def test_a_heading_lists_every_subheading_under_it() -> None:
    hit = load_chpl().lookup("8541")
    assert hit is not None and not hit.exact
    assert [c.hs6 for c in hit.codes] == [
        "854110",
        "854121",
        "854129",
        "854130",
        "854149",
        "854151",
        "854159",
        "854160",
    ]
    assert hit.best_tier == "3.A"


def test_a_malformed_data_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "chpl.json"
    path.write_text(
        json.dumps({"version": "x", "codes": [{"hs": "8542", "tier": "1", "description": "d"}]})
    )
    with pytest.raises(ValueError, match="not six digits"):
        load_chpl(path)
