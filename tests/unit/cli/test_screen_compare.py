"""`tradewatch screen` and `tradewatch compare`: the interfaces users and scripts rely on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradewatch_cli.demo.pipeline import DEMO_LIST
from tradewatch_cli.main import main

SOURCE = f"tradewatch-jsonl:{DEMO_LIST}"
MATCH_KEYS = ["list", "entry_id", "entry_name", "matched_name", "score", "programs", "explanation"]


def test_screen_one_name_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["screen", "ООО «АУРУС»", "--source", SOURCE, "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    (best, *_) = out["matches"]
    assert list(best) == MATCH_KEYS
    assert (best["list"], best["entry_id"]) == ("us-ofac-sdn", "47956")
    assert best["score"] >= 0.7


def test_screen_table_says_when_nothing_matches(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", "KYUNGKI INDUSTRIAL CO., LTD.", "--source", SOURCE]) == 0
    assert "no match among 12 entries" in capsys.readouterr().out


def test_screen_jsonl_answers_every_line_in_order_and_names_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        {"id": "p1", "name": "AURUS LLC", "country": "RU"},
        {"id": "p2", "name": "BYT Co Ltd", "country": "KR", "role": "shipper"},
        {"id": "p3", "name": "Acme Trading", "identifiers": {"tax_id": "7743237789"}},
    ]
    path = tmp_path / "parties.jsonl"
    text = [json.dumps(line) for line in lines]
    text.insert(2, "{broken")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")

    code = main(["screen", "--input", str(path), "--format", "jsonl", "--source", SOURCE])
    captured = capsys.readouterr()
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert code == 1
    assert [o["id"] for o in out] == ["p1", "p2", None, "p3"]
    assert [m["entry_id"] for m in out[0]["matches"]] == ["47956"]
    assert out[1]["matches"] == []
    assert out[2]["line"] == 3 and "not JSON" in out[2]["error"]
    assert out[3]["matches"][0]["entry_id"] == "47956"  # the tax id alone is decisive
    assert "line 3" in captured.err


def test_screen_needs_a_name_or_an_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", "--source", SOURCE]) == 2
    assert "give either a NAME or --input" in capsys.readouterr().err


def test_compare_keeps_rows_and_order_and_adds_score_and_is_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text(
        "name1,name2,schema\n"
        "OOO AURUS,LIMITED LIABILITY COMPANY AURUS,Company\n"
        "KYUNGKI INDUSTRIAL CO LTD,LIMITED LIABILITY COMPANY AURUS,Company\n"
        ",missing,Person\n",
        encoding="utf-8",
    )
    code = main(["compare", "--input", str(path)])
    captured = capsys.readouterr()
    rows = [line.split(",") for line in captured.out.splitlines()]
    assert code == 1
    assert rows[0] == ["name1", "name2", "schema", "score", "is_match"]
    assert rows[1][:3] == ["OOO AURUS", "LIMITED LIABILITY COMPANY AURUS", "Company"]
    assert rows[1][4] == "true" and float(rows[1][3]) >= 0.7
    assert rows[2][4] == "false"
    assert rows[3][3:] == ["", ""]
    assert "line 4" in captured.err
