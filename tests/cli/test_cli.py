"""The CLI is a thin shell: it works end to end and turns errors into messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from omnicx.cli.main import app

runner = CliRunner()


def test_init_ingest_summary_quarantine(tmp_path: Path) -> None:
    ws = tmp_path / "w"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,ordered_at,total,email\nO1,2025-01-01T10:00:00Z,10,a@b.c\n"
        "O2,2025-01-01T10:00:00Z,lots,a@b.c\n"
    )
    r = runner.invoke(app, ["ingest", "orders", str(path), "-w", str(ws)])
    assert r.exit_code == 0, r.output
    assert "read 2" in r.output and "accepted 1" in r.output and "quarantined 1" in r.output
    assert "field 'total': is not a number" in r.output
    r = runner.invoke(app, ["summary", "-w", str(ws)])
    assert r.exit_code == 0 and "1 events" in r.output
    r = runner.invoke(app, ["quarantine", "-w", str(ws)])
    assert "lots" in r.output


def test_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    r = runner.invoke(app, ["ingest", "orders", str(tmp_path / "none.csv"), "-w", str(tmp_path)])
    assert r.exit_code == 2
    assert "not an omnicx workspace" in r.output and "Traceback" not in r.output
    runner.invoke(app, ["init", str(tmp_path)])
    r = runner.invoke(app, ["ingest", "orders", str(tmp_path / "none.csv"), "-w", str(tmp_path)])
    assert r.exit_code == 2 and "no such file" in r.output


def test_schema_export_is_json_schema() -> None:
    r = runner.invoke(app, ["schema", "export"])
    schema = json.loads(r.output)
    assert schema["$schema"].endswith("2020-12/schema")


def test_help_is_fast_and_lists_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import sys; import omnicx.cli.main; print('ibis' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"  # --help does not import the heavy stack
    r = runner.invoke(app, ["--help"])
    for command in ("init", "ingest", "demo", "summary", "quarantine", "kinds", "schema"):
        assert command in r.output


def test_identity_match_command_on_febrl(tmp_path: Path) -> None:
    import csv

    data = Path(__file__).parents[1] / "data" / "febrl"
    pairs, clusters = tmp_path / "pairs.csv", tmp_path / "clusters.csv"
    r = runner.invoke(
        app,
        [
            "identity",
            "match",
            str(data / "dataset1.csv"),
            "--id-column",
            "rec_id",
            "--output",
            str(pairs),
            "--clusters",
            str(clusters),
        ],
    )
    assert r.exit_code == 0, r.output
    with pairs.open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["id_l", "id_r", "match_probability"]
    found = {frozenset((row["id_l"], row["id_r"])) for row in rows}
    assert len(found) == len(rows)  # each pair once
    true = sum(row["id_l"].split("-")[1] == row["id_r"].split("-")[1] for row in rows)
    precision, recall = true / len(rows), true / 500
    assert 2 * precision * recall / (precision + recall) >= 0.97
    with clusters.open() as fh:
        assert list(csv.DictReader(fh))[0].keys() >= {"id", "cluster_id"}

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for src, dst in ((data / "dataset4a.csv", a), (data / "dataset4b.csv", b)):
        dst.write_text("".join(src.read_text().splitlines(keepends=True)[:801]))
    r = runner.invoke(
        app, ["identity", "match", str(a), str(b), "--id-column", "rec_id", "--output", str(pairs)]
    )
    assert r.exit_code == 0, r.output
    with pairs.open() as fh:
        rows = list(csv.DictReader(fh))
    ids_a = {line.split(",")[0] for line in a.read_text().splitlines()[1:]}
    ids_b = {line.split(",")[0] for line in b.read_text().splitlines()[1:]}
    assert rows and all(r["id_l"] in ids_a and r["id_r"] in ids_b for r in rows)
    r = runner.invoke(app, ["identity", "match", str(a), "--id-column", "nope"])
    assert r.exit_code == 2 and "rec_id" in r.output
