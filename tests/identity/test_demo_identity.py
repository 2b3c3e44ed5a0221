"""Identity resolution on the demo retailer, scored against its ground truth."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from omnicx import Workspace
from omnicx.build import run_build
from omnicx.demo.generator import generate
from omnicx.demo.pipeline import ingest_demo_sources
from omnicx.demo.score import score_identity


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, Path]]:
    root = tmp_path_factory.mktemp("demo")
    manifest = generate(root / "data", customers=2000, seed=5, days=180)
    ws = Workspace.init(root / "ws")
    sources = dict(manifest.sources)
    # Hold back the last day of web/app events to rebuild with later.
    events = sources.pop("events")
    lines = events.read_bytes().splitlines()
    last_day = max(orjson.loads(line)["timestamp"][:10] for line in lines)
    early = [ln for ln in lines if orjson.loads(ln)["timestamp"][:10] < last_day]
    late = [ln for ln in lines if orjson.loads(ln)["timestamp"][:10] == last_day]
    (root / "early.jsonl").write_bytes(b"\n".join(early) + b"\n")
    (root / "late.jsonl").write_bytes(b"\n".join(late) + b"\n")
    sources["events"] = root / "early.jsonl"
    ingest_demo_sources(ws, sources)
    run_build(ws)
    yield ws, manifest.ground_truth_dir
    ws.close()
    shutil.rmtree(root, ignore_errors=True)


def test_pairwise_precision_and_recall(demo: tuple[Workspace, Path]) -> None:
    ws, truth = demo
    score = score_identity(ws, truth)
    print(f"\ndemo identity: {score}")
    # Floors a little below what is measured (0.998 / 0.993), to catch regressions.
    assert score.precision >= 0.995
    assert score.recall >= 0.985


def test_rebuild_after_a_day_of_data_keeps_customer_ids(demo: tuple[Workspace, Path]) -> None:
    ws, _ = demo
    before = ws.to_pandas("identity_map").set_index("node")["customer_id"]
    late = ws.path.parent / "late.jsonl"
    assert ws.ingest("events", late).new > 0
    report = run_build(ws)
    after = ws.to_pandas("identity_map").set_index("node")["customer_id"]
    common = before.index.intersection(after.index)
    kept_nodes = (before[common] == after[common]).mean()
    print(
        f"\nrebuild: {report.identity.kept_ids:.4%} of customer ids kept, "
        f"{kept_nodes:.4%} of identifiers kept their customer"
    )
    assert report.identity.kept_ids >= 0.999
    assert kept_nodes >= 0.999


def test_profiles_cover_every_customer(demo: tuple[Workspace, Path]) -> None:
    ws, _ = demo
    profiles = ws.to_pandas("profiles")
    customers = ws.to_pandas("identity_records")["customer_id"].nunique()
    assert len(profiles) == customers
    buyers = profiles[profiles["orders"] > 0]
    assert (buyers["aov"] - buyers["revenue"] / buyers["orders"]).abs().max() <= 0.01  # cents
    assert set(buyers["rfm"].str.len()) == {3}
    assert buyers["omnichannel"].any() and not buyers["omnichannel"].all()
    assert profiles["preferred_channel"].notna().all()
    assert profiles["last_nps"].dropna().between(0, 10).all()
    assert profiles["top_categories"].notna().sum() > 0.5 * len(buyers)
