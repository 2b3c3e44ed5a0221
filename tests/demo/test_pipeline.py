"""`omnicx demo` builds a workspace with every channel and every source kind."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from omnicx import Workspace
from omnicx.cli.main import app
from omnicx.schema.sources import CHANNELS, SOURCE_KINDS


def test_demo_command_builds_every_channel_and_source(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    result = CliRunner().invoke(
        app, ["demo", "--customers", "2000", "--no-serve", "--workspace", str(root)]
    )
    assert result.exit_code == 0, result.output
    assert "quarantined rows: 0" in result.output
    with Workspace(root) as ws:
        summary = ws.summary()
    assert set(summary["events_by_channel"]) == set(CHANNELS)
    emitting = {k.name for k in SOURCE_KINDS.values() if k.emits_events} | {"events"}
    assert set(summary["events_by_source"]) == emitting
    assert all(n > 0 for n in summary["tables"].values()), summary["tables"]
    assert summary["quarantined"] == 0
    assert (root / "demo" / "ground_truth").is_dir()
    # the pipeline never reads the ground truth: nothing in the warehouse points at it
    assert not any("ground_truth" in f for f in summary["events_by_source"])


def test_demo_is_idempotent_on_rerun(tmp_path: Path) -> None:
    from omnicx.demo.generator import generate
    from omnicx.demo.pipeline import ingest_demo_sources

    ws = Workspace.init(tmp_path / "w")
    manifest = generate(tmp_path / "data", customers=300, seed=11, days=90)
    first = ingest_demo_sources(ws, manifest.sources)
    again = ingest_demo_sources(ws, manifest.sources)
    assert sum(r.new for r in first) > 0
    assert [r.new for r in again] == [0] * len(again)
    assert [r.events_written for r in again] == [0] * len(again)
    ws.close()
