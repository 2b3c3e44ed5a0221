"""Workspace settings: documented defaults, env overrides, errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnicx import Workspace
from omnicx.config import SECTIONS, default_config_text, load_settings
from omnicx.errors import ConfigError


def test_init_writes_every_key_documented(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "w")
    text = (ws.path / "omnicx.toml").read_text()
    for section, model in SECTIONS.items():
        assert f"[{section}]" in text
        for key, info in model.model_fields.items():
            assert f"\n{key} = " in text, f"{section}.{key} missing"
            assert info.description and f"# {info.description}" in text
    assert load_settings(ws.path).engine.backend == "duckdb"
    for sub in ("eventlog/events", "tables", "quarantine"):
        assert (ws.path / sub).is_dir()
    assert (ws.path / "operational.sqlite").exists()
    assert (ws.path / "derived").is_dir()


def test_init_keeps_existing_settings(tmp_path: Path) -> None:
    Workspace.init(tmp_path, name="first").close()
    Workspace.init(tmp_path, name="second").close()
    assert load_settings(tmp_path).workspace.name == "first"


def test_unknown_key_names_it_and_the_valid_ones(tmp_path: Path) -> None:
    (tmp_path / "omnicx.toml").write_text('[engine]\nbackand = "duckdb"\n')
    with pytest.raises(ConfigError) as e:
        load_settings(tmp_path)
    msg = str(e.value)
    assert "engine.backand" in msg and "did you mean 'backend'" in msg
    assert "valid keys in [engine]: backend" in msg


def test_bad_value_names_the_valid_values(tmp_path: Path) -> None:
    (tmp_path / "omnicx.toml").write_text('[engine]\nbackend = "postgres"\n')
    with pytest.raises(
        ConfigError,
        match=r"engine.backend = 'postgres' is invalid.*'duckdb' "
        r"or 'spark'",
    ):
        load_settings(tmp_path)


def test_unknown_section(tmp_path: Path) -> None:
    (tmp_path / "omnicx.toml").write_text("[engin]\nbackend = 'spark'\n")
    with pytest.raises(ConfigError, match=r"unknown key 'engin' \(did you mean 'engine'\?\)"):
        load_settings(tmp_path)


def test_invalid_toml(tmp_path: Path) -> None:
    (tmp_path / "omnicx.toml").write_text("[engine\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(tmp_path)


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "omnicx.toml").write_text(default_config_text())
    monkeypatch.setenv("OMNICX_ENGINE__BACKEND", "spark")
    monkeypatch.setenv("OMNICX_WORKSPACE__CURRENCY", "GBP")
    settings = load_settings(tmp_path)
    assert settings.engine.backend == "spark"
    assert settings.workspace.currency == "GBP"
    monkeypatch.setenv("OMNICX_ENGINE__BACKEND", "oracle")
    with pytest.raises(ConfigError, match="engine.backend = 'oracle'"):
        load_settings(tmp_path)


def test_not_a_workspace(tmp_path: Path) -> None:
    from omnicx.errors import WorkspaceNotFound

    with pytest.raises(WorkspaceNotFound, match="omnicx init"):
        Workspace(tmp_path)


def test_timezone_applies_to_naive_timestamps(tmp_path: Path) -> None:
    Workspace.init(tmp_path).close()
    cfg = tmp_path / "omnicx.toml"
    cfg.write_text(cfg.read_text().replace('timezone = "UTC"', 'timezone = "Europe/Paris"'))
    ws = Workspace(tmp_path)
    path = tmp_path / "o.csv"
    path.write_text(
        "order_id,ordered_at,total\nO1,2025-07-01 12:00:00,10\nO2,2025-07-01T12:00:00Z,10\n"
    )
    ws.ingest("orders", path)
    utc = ws.to_pandas("orders").set_index("order_id")["ordered_at"].dt.tz_convert("UTC")
    assert utc["O1"].hour == 10  # noon in Paris (UTC+2 in July)
    assert utc["O2"].hour == 12
    ws.close()


def test_many_processes_read_the_warehouse_at_once(tmp_path: Path) -> None:
    """No file lock: a notebook holding the workspace open never locks out the CLI."""
    import subprocess
    import sys

    ws = Workspace.init(tmp_path / "w")
    path = tmp_path / "s.csv"
    path.write_text("store_id,name\nS1,Leeds\n")
    ws.ingest("stores", path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, omnicx; ws = omnicx.Workspace(sys.argv[1]); "
            "ws.to_pandas('stores'); print('open', flush=True); time.sleep(30)",
            str(ws.path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        other = subprocess.run(
            [sys.executable, "-m", "omnicx", "summary", "-w", str(ws.path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert other.returncode == 0, other.stderr
        ws.ingest("stores", path)  # and this process writes meanwhile
        assert len(ws.to_pandas("stores")) == 1
    finally:
        holder.kill()
        holder.wait()
    ws.close()
