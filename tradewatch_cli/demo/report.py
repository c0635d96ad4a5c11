"""What the demo shows: an alert table for the terminal, a summary, and an HTML report."""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

from shared.schemas import AlertEvent
from tradewatch_cli.demo.pipeline import DemoResult

COLUMNS = ("severity", "shipment", "party", "list entry", "score", "reason")
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def _rows(alerts: list[AlertEvent]) -> list[tuple[str, ...]]:
    raised = [a for a in alerts if a.event == "raised"]
    raised.sort(key=lambda a: (SEVERITY_ORDER.get(a.severity, 9), a.source, a.shipment_id))
    rows: list[tuple[str, ...]] = []
    for alert in raised:
        best = max(alert.matches, key=lambda m: m.score)
        rows.append(
            (
                alert.severity,
                f"{alert.source}:{alert.shipment_id}",
                f"{best.party_role}: {best.party_name}",
                f"{best.list_id} {best.entry_id} {best.entry_name}",
                f"{best.score:.2f}",
                alert.reason,
            )
        )
    return rows


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def alert_table(alerts: list[AlertEvent], max_rows: int = 40) -> str:
    rows = _rows(alerts)
    widths = (8, 22, 44, 46, 5, 15)
    line = "  ".join(f"{c:<{w}}" for c, w in zip(COLUMNS, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in rows[:max_rows]:
        out.append("  ".join(f"{_clip(c, w):<{w}}" for c, w in zip(row, widths, strict=True)))
    if len(rows) > max_rows:
        out.append(f"... and {len(rows) - max_rows} more (see the HTML report)")
    return "\n".join(out)


def summary(result: DemoResult) -> str:
    raised = [a for a in result.alerts if a.event == "raised"]
    by_entry = Counter(f"{a.matches[0].list_id} {a.matches[0].entry_id}" for a in raised)
    aurus = by_entry.get("us-ofac-sdn 47956", 0)
    flagged = sum(1 for s in result.screened if s.screening.risk_flags)
    stages = ", ".join(f"{k} {v:.2f} s" for k, v in result.stage_seconds.items())
    return "\n".join(
        [
            f"shipments ingested   {result.accepted} accepted, {result.rejected} rejected",
            f"shipments screened   {len(result.screened)} against {result.list_entries} entries",
            f"with risk flags      {flagged}",
            f"alerts raised        {len(raised)} ({aurus} for AURUS, us-ofac-sdn 47956)",
            f"time taken           {result.seconds:.2f} s ({stages})",
        ]
    )


def write_html(result: DemoResult, path: Path) -> Path:
    esc = html.escape
    rows = "\n".join(
        "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
        for row in _rows(result.alerts)
    )
    head = "".join(f"<th>{esc(c)}</th>" for c in COLUMNS)
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tradewatch demo: alerts</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #1d2330; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9rem; }}
th, td {{ border-bottom: 1px solid #d8dce4; padding: 0.35rem 0.6rem; text-align: left; }}
th {{ background: #eef1f6; }} pre {{ background: #f6f7f9; padding: 1rem; }}
</style></head><body>
<h1>Tradewatch demo: alerts</h1>
<pre>{esc(summary(result))}</pre>
<table><thead><tr>{head}</tr></thead><tbody>
{rows}
</tbody></table>
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path
