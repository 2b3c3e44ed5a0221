"""Benchmark: omnicx probabilistic matching on FEBRL 4a/4b (and dataset1) vs published F1.

References, both on linking FEBRL 4a to 4b (5,000 people, one duplicate each):

- recordlinkage's guide (classification example, ECM on binary comparisons): F1 0.787
- Splink's FEBRL4 example, a model tuned by hand for the data: F1 0.996

omnicx runs with its default settings, no tuning. Printed as ratios to the references,
not asserted (the tests assert the floors). Usage:

    python benchmarks/identity_febrl.py [--repeat 1] [--threshold 0.99]
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

from omnicx.identity.matching import MatchSettings, match_records, read_records

DATA = Path(__file__).parents[1] / "tests" / "data" / "febrl"
REFERENCES = {"recordlinkage guide": 0.787, "Splink FEBRL4 example (tuned)": 0.996}


def person(rec_id: str) -> str:
    return rec_id.split("-")[1]


def scores(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float, float]:
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return precision, recall, f1


def febrl4(settings: MatchSettings) -> tuple[tuple[float, float, float], float]:
    left, right = read_records(DATA / "dataset4a.csv"), read_records(DATA / "dataset4b.csv")
    start = time.perf_counter()
    result = match_records(left, right, id_column="rec_id", settings=settings)
    seconds = time.perf_counter() - start
    right_of = {person(r): r for r in right["rec_id"]}
    truth = {(a, right_of[person(a)]) for a in left["rec_id"] if person(a) in right_of}
    found = set(zip(result.pairs["id_l"], result.pairs["id_r"], strict=True))
    return scores(found, truth), seconds


def febrl1(settings: MatchSettings) -> tuple[tuple[float, float, float], float]:
    records = read_records(DATA / "dataset1.csv")
    start = time.perf_counter()
    result = match_records(records, id_column="rec_id", settings=settings)
    seconds = time.perf_counter() - start
    groups: dict[str, list[str]] = {}
    for rec in records["rec_id"]:
        groups.setdefault(person(rec), []).append(rec)
    truth = {tuple(sorted(p)) for g in groups.values() for p in itertools.combinations(g, 2)}
    found = {tuple(sorted(p)) for p in zip(result.pairs["id_l"], result.pairs["id_r"], strict=True)}
    return scores(found, truth), seconds  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--threshold", type=float, default=MatchSettings().threshold)
    args = parser.parse_args()
    settings = MatchSettings(threshold=args.threshold)

    for name, run in (("FEBRL 4a/4b (link)", febrl4), ("FEBRL dataset1 (dedupe)", febrl1)):
        runs = [run(settings) for _ in range(args.repeat)]
        (precision, recall, f1), _ = runs[-1]
        best = min(seconds for _, seconds in runs)
        print(f"{name}: precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}  "
              f"time {best:.1f}s (best of {args.repeat})")  # fmt: skip
        if run is febrl4:
            for reference, ref_f1 in REFERENCES.items():
                print(f"    vs {reference}: F1 {ref_f1:.3f}, ratio {f1 / ref_f1:.3f}")


if __name__ == "__main__":
    main()
