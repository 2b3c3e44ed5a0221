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
