"""The one-process demo: the services' own code on the in-memory bus and SQLite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tradewatch_cli.demo.bus import MemoryBus
from tradewatch_cli.demo.pipeline import run_pipeline
from tradewatch_cli.demo.sample import AURUS_SUPPLIERS, sample_shipments


def test_pipeline_alerts_on_aurus_and_not_on_its_suppliers(tmp_path: Path) -> None:
    shipments = sample_shipments(80)
    result = run_pipeline(MemoryBus(), f"sqlite:///{tmp_path}/demo.db", shipments, lambda s: None)

    assert result.accepted == len(shipments)
    assert len(result.screened) == len(shipments)
    raised = [a for a in result.alerts if a.event == "raised"]
    aurus_shipments = {
        s["shipment_id"] for s in shipments if str(s["shipment_id"]).startswith("AUR")
    }
    alerted = {a.shipment_id for a in raised if any(m.entry_id == "47956" for m in a.matches)}
    assert aurus_shipments and alerted == aurus_shipments
    suppliers = {name for name, _ in AURUS_SUPPLIERS}
    flagged_parties = {m.party_name for a in raised for m in a.matches}
    assert not flagged_parties & suppliers
    # The shipment on a listed vessel (GRACEFUL, by its IMO number) alerts for the vessel.
    matched = {(a.shipment_id, m.party_name, m.entry_id) for a in raised for m in a.matches}
    assert ("GEN-90003", "GRACE FULL", "37444") in matched
    assert {m.party_role for a in raised for m in a.matches if m.entry_id == "37444"} == {"vessel"}
    # One alert per shipment, list and entry: ids never repeat among raised events.
    assert len({a.alert_id for a in raised}) == len(raised)


def test_demo_command_prints_the_aurus_alert_and_writes_a_report(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tradewatch_cli.main",
            "demo",
            "--shipments",
            "40",
            "--report",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "us-ofac-sdn 47956 LIMITED LIABILITY COMPANY" in done.stdout
    assert "alerts raised" in done.stdout
    assert "47956" in report.read_text(encoding="utf-8")
