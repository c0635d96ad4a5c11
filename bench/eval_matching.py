"""Matching quality: `python -m bench.eval_matching`.

1. nomenklatura `cases.csv` (826 labelled pairs): precision, recall, F1 of `Screener.compare` at
   `DEFAULT_THRESHOLD`, beside logic-v2's frozen scores at its threshold 0.7, and over a sweep
   of thresholds.
2. nomenklatura `checks.yml` (228 labelled entity pairs, names only): the same figures.
3. `cross_script_pairs.csv` (22 pairs): how many reach the minimum score the file gives.
4. Trade-document renderings of SDN entries (`bench.parties`): recall of the listed entry and
   party-level precision at `DEFAULT_THRESHOLD`, with ordinary suppliers and persons that must
   not alert. `--no-renderings` skips it (it loads the full list).
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.data import data_dir, load_sdn, require
from bench.eval_renderings import evaluate_renderings
from shared.screening import DEFAULT_THRESHOLD, Screener

LOGIC_V2_THRESHOLD = 0.7
SWEEP = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85)


@dataclass(frozen=True)
class Pair:
    schema: str
    name1: str
    name2: str
    is_match: bool


@dataclass(frozen=True)
class Figures:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int

    def __str__(self) -> str:
        return (
            f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
            f"(TP {self.tp}, FP {self.fp}, FN {self.fn})"
        )


def figures(outcomes: list[tuple[bool, bool]]) -> Figures:
    """From (labelled match, predicted match) pairs."""
    counts = Counter(outcomes)
    tp, fp, fn = counts[(True, True)], counts[(False, True)], counts[(True, False)]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Figures(precision, recall, f1, tp, fp, fn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-renderings", action="store_true", help="skip the SDN renderings")
    args = parser.parse_args()
    root = data_dir() / "eval"
    screener = Screener()
    print(f"DEFAULT_THRESHOLD = {DEFAULT_THRESHOLD}\n")
    report_cases(screener, require(root / "nomenklatura"))
    report_checks(screener, require(root / "nomenklatura" / "checks.yml"))
    report_cross_script(screener, require(root / "cross_script_pairs.csv"))
    if not args.no_renderings:
        print("\n== trade-document renderings of SDN entries ==")
        evaluate_renderings(load_sdn(), DEFAULT_THRESHOLD)


def report_cases(screener: Screener, folder: Path) -> None:
    pairs = read_cases(folder / "cases.csv")
    scores = [screener.compare(p.name1, p.name2, p.schema) for p in pairs]
    print(f"== nomenklatura cases.csv: {len(pairs)} pairs ==")
    ours = figures(
        [(p.is_match, s >= DEFAULT_THRESHOLD) for p, s in zip(pairs, scores, strict=True)]
    )
    print(f"tradewatch at {DEFAULT_THRESHOLD}: {ours}")
    frozen = read_logic_v2(folder / "logicv2-frozen.csv")
    print(f"logic-v2 at {LOGIC_V2_THRESHOLD}:   {frozen}")
    for threshold in SWEEP:
        swept = figures([(p.is_match, s >= threshold) for p, s in zip(pairs, scores, strict=True)])
        print(f"  tradewatch at {threshold:.2f}: {swept}")
    groups = sorted({p.schema for p in pairs})
    for schema in groups:
        chosen = [
            (p.is_match, s >= DEFAULT_THRESHOLD)
            for p, s in zip(pairs, scores, strict=True)
            if p.schema == schema
        ]
        print(f"  {schema:<12} ({len(chosen):>3} pairs): {figures(chosen)}")


def read_cases(path: Path) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as file:
        return [
            Pair(row["schema"], row["name1"], row["name2"], row["is_match"] == "true")
            for row in csv.DictReader(file)
        ]


def read_logic_v2(path: Path) -> Figures:
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return figures(
        [(r["is_match"] == "true", float(r["score"]) >= LOGIC_V2_THRESHOLD) for r in rows]
    )


def report_checks(screener: Screener, path: Path) -> None:
    checks = yaml.safe_load(path.read_text(encoding="utf-8"))["checks"]
    outcomes = []
    for check in checks:
        score = screener.compare(
            entity_name(check["query"]), entity_name(check["candidate"]), check["schema"]
        )
        outcomes.append((bool(check["match"]), score >= DEFAULT_THRESHOLD))
    print(f"\n== nomenklatura checks.yml: {len(checks)} entity pairs ==")
    print(f"tradewatch at {DEFAULT_THRESHOLD}: {figures(outcomes)}")


def entity_name(entity: dict[str, Any]) -> str:
    """The entity's name, or its name parts as `LAST, First Middle Father`."""
    name = entity.get("name")
    if isinstance(name, list):
        name = name[0] if name else None
    if name:
        return str(name)
    given = " ".join(
        str(entity[k]) for k in ("firstName", "middleName", "fatherName") if k in entity
    )
    last = str(entity.get("lastName", ""))
    return f"{last}, {given}" if last and given else last or given


def report_cross_script(screener: Screener, path: Path) -> None:
    rows = [
        line.split(",", 3)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    print(f"\n== cross_script_pairs.csv: {len(rows)} pairs (score >= the file's minimum) ==")
    reached = 0
    for query, expected, minimum, description in rows:
        score = screener.compare(query, expected, "Person")
        ok = score >= float(minimum)
        reached += ok
        alert = "alert" if score >= DEFAULT_THRESHOLD else "no alert"
        mark = "ok " if ok else "LOW"
        print(f"  {mark} {score:.2f} (min {minimum}, {alert}) {query} ~ {expected}: {description}")
    print(f"reached the minimum: {reached}/{len(rows)}")


if __name__ == "__main__":
    main()
