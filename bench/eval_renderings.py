"""Recall and precision on trade-document renderings of listed names (part of eval_matching).

Recall: the share of renderings for which the listed entry is among the alerts. Precision is
counted per party: an alerting party counts as right when its alerts include the entry it was
made from, as wrong when it is an ordinary supplier or person (none is meant to be listed) or
when its alerts miss its entry.
"""

from __future__ import annotations

from collections import Counter

from bench.parties import person_names, renderings, supplier_names
from shared.schemas import WatchlistEntry
from shared.screening import Screener

RENDERINGS = 3000
SUPPLIERS = 3000
PERSONS = 1000
SHOWN = 12


def evaluate_renderings(entries: list[WatchlistEntry], threshold: float) -> None:
    screener = Screener(entries)
    made = renderings(entries, RENDERINGS)
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    right = wrong = 0
    misses: list[str] = []
    for rendering in made:
        alerts = screener.screen(
            rendering.name,
            country=rendering.country,
            identifiers=rendering.identifiers or None,
            threshold=threshold,
        )
        keys = {f"{m.list_id}:{m.entry_id}" for m in alerts}
        total[rendering.how] += 1
        if rendering.expected_key in keys:
            found[rendering.how] += 1
            right += 1
        else:
            misses.append(f"{rendering.how}: {rendering.name or rendering.identifiers}")
            wrong += bool(alerts)
    ordinary = supplier_names(SUPPLIERS) + person_names(PERSONS)
    false_alerts = []
    for name in ordinary:
        alerts = screener.screen(name, threshold=threshold)
        if alerts:
            false_alerts.append(f"{name} -> {alerts[0].matched_name} {alerts[0].score:.2f}")
    wrong += len(false_alerts)
    recall = sum(found.values()) / len(made)
    precision = right / (right + wrong) if right + wrong else 0.0
    print(f"{len(made)} renderings of {len({r.expected_key for r in made})} SDN entries")
    print(f"recall {recall:.4f}, party precision {precision:.4f} at {threshold}")
    for how in sorted(total):
        print(f"  {how:<22} {found[how]:>4}/{total[how]:<4} {found[how] / total[how]:.3f}")
    print(f"ordinary parties alerting: {len(false_alerts)}/{len(ordinary)}")
    for line in false_alerts[:SHOWN]:
        print(f"  false alert: {line}")
    for line in misses[:SHOWN]:
        print(f"  missed: {line}")
