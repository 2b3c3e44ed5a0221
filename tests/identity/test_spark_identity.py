"""The identity build on Spark gives the same customers as on DuckDB."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnicx import Workspace
from omnicx.build import run_build
from omnicx.demo.generator import generate
from omnicx.demo.pipeline import ingest_demo_sources
from tests.conftest import _use_backend


@pytest.mark.spark
def test_same_clusters_on_spark_and_duckdb(tmp_path: Path) -> None:
    manifest = generate(tmp_path / "data", customers=60, seed=9, days=30)
    partitions = {}
    for backend in ("duckdb", "spark"):
        root = tmp_path / backend
        Workspace.init(root).close()
        _use_backend(root, backend)
        ws = Workspace(root)
        ingest_demo_sources(ws, manifest.sources)
        report = run_build(ws)
        assert report.identity.customers > 0
        records = ws.to_pandas("identity_records")
        # Same partition of records into customers and, ids being derived from the
        # identifiers, the same ids.
        partitions[backend] = sorted(
            tuple(sorted(g)) for _, g in records.groupby("customer_id")["record_id"]
        )
        partitions[backend + "_ids"] = sorted(records["customer_id"].unique())
        ws.close()
    assert partitions["duckdb"] == partitions["spark"]
    assert partitions["duckdb_ids"] == partitions["spark_ids"]
