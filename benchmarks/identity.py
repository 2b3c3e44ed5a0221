"""Benchmark: identity resolution on the demo retailer, against the reference libraries.

Prints, in one run on the same data:
- the deterministic identity graph (Ibis on DuckDB, with every guard) next to
  ``scipy.sparse.csgraph.connected_components`` on the same edges (goal <= 3x);
- probabilistic matching (``match_records``: normalisation, training, scoring,
  clustering) next to raw Splink given the same normalised records, comparisons,
  blocking rules and training steps (goal <= 1.2x);
- peak memory of the process, and the pairwise precision / recall on the ground truth.

    python benchmarks/identity.py [--customers 1000000] [--days 365]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path


def raw_splink_seconds(frame, settings) -> float:  # type: ignore[no-untyped-def]
    """Plain Splink with omnicx's comparisons and blocking rules, on the same features."""
    import pyarrow as pa
    from splink import DuckDBAPI, Linker

    from omnicx.identity.comparisons import blocking_rules, comparisons, training_rules
    from omnicx.identity.features import build_features
    from omnicx.identity.roles import detect_roles

    roles = detect_roles(frame, exclude=("record_id",))
    features = build_features(frame.rename(columns={"record_id": "id"}), roles, settings)
    present = [c for c in features.columns if c != "unique_id" and features[c].notna().any()]
    features = features[["unique_id", *present]]
    started = time.perf_counter()
    db = DuckDBAPI()
    data = db.register(
        pa.Table.from_pandas(features, preserve_index=False), dataset_display_name="input_left"
    )
    linker = Linker(
        data,
        {
            "link_type": "dedupe_only",
            "comparisons": comparisons(present, settings),
            "blocking_rules_to_generate_predictions": blocking_rules(present),
            "probability_two_random_records_match": 1e-4,
        },
        log_level=None,
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=settings.max_pairs_u, seed=settings.seed
    )
    for rule, _used in training_rules(present):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception:  # noqa: BLE001, S112 - a rule with too few pairs is skipped, as in omnicx
            continue
    predictions = linker.inference.predict(threshold_match_probability=settings.threshold)
    linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=settings.threshold
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the generated demo here and reuse it on the next run",
    )
    args = parser.parse_args()

    import numpy as np
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    from omnicx import Workspace
    from omnicx.demo.generator import generate
    from omnicx.demo.pipeline import ingest_demo_sources
    from omnicx.demo.score import score_identity
    from omnicx.identity.build import (
        MATCH_ROLES,
        matching_frame,
        normalized_maps,
        person_records,
        resolve_identities,
    )
    from omnicx.identity.graph import build_graph
    from omnicx.identity.matching import MatchSettings, match_records

    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.workdir or Path(scratch)
        t = time.perf_counter()
        if (tmp / "ws" / "omnicx.toml").exists():
            from omnicx.demo.generator import DemoManifest

            manifest = DemoManifest(
                sources={}, ground_truth_dir=tmp / "data" / "ground_truth", counts={}
            )
            ws = Workspace(tmp / "ws")
        else:
            manifest = generate(tmp / "data", customers=args.customers, days=args.days)
            ws = Workspace.init(tmp / "ws")
            ingest_demo_sources(ws, manifest.sources)
        print(
            f"demo: {args.customers:,} customers, {args.days} days, generated and ingested "
            f"in {time.perf_counter() - t:.0f} s"
        )
        engine = ws.engine

        def count(expr):  # type: ignore[no-untyped-def]
            return int(engine.execute(expr))

        events = ws.table("events")
        maps = normalized_maps(ws, events)
        t = time.perf_counter()
        graph = build_graph(events, maps, ws.settings.identity, engine.materialize, count)
        ours = time.perf_counter() - t
        edges = engine.to_arrow(graph.edges.select("src", "dst")).to_pandas()
        t = time.perf_counter()
        _, codes = np.unique(
            np.concatenate([edges["src"].to_numpy(), edges["dst"].to_numpy()]), return_inverse=True
        )
        n = int(codes.max()) + 1 if len(codes) else 0
        half = len(edges)
        m = sp.coo_matrix((np.ones(half), (codes[:half], codes[half:])), shape=(n, n))
        connected_components(m, directed=False)
        scipy_s = time.perf_counter() - t
        print(f"deterministic graph  : {ours:8.2f} s  ({len(edges):,} edges, guards included)")
        print(f"scipy components     : {scipy_s:8.2f} s  (same edges, from in-memory arrays)")
        print(f"ratio graph / scipy  : {ours / scipy_s:8.1f}x  (goal <= 3x)")

        people = ws.to_pandas(person_records(ws)).dropna(subset=["last_name"])
        frame = matching_frame(people)
        settings = MatchSettings()
        t = time.perf_counter()
        match_records(frame, None, id_column="record_id", columns=MATCH_ROLES, settings=settings)
        ours_m = time.perf_counter() - t
        raw = raw_splink_seconds(frame, settings)
        print(
            f"omnicx matching      : {ours_m:8.2f} s  ({len(frame):,} person records, "
            "normalisation included)"
        )
        print(f"raw Splink           : {raw:8.2f} s  (same features, comparisons, blocking)")
        print(f"ratio omnicx / Splink: {ours_m / raw:8.2f}x  (goal <= 1.2x)")

        t = time.perf_counter()
        result = resolve_identities(ws)
        print(
            f"full identity build  : {time.perf_counter() - t:8.2f} s  "
            f"({result.customers:,} customers)"
        )
        print(f"identity quality     : {score_identity(ws, manifest.ground_truth_dir)}")
        ws.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory          : {peak:8.0f} MB")


if __name__ == "__main__":
    main()
