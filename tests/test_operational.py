"""The operational store: SQLite in WAL mode, schema versioned and migrated once."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from omnicx import operational
from omnicx.errors import ConfigError


def test_migrations_apply_once_in_order(tmp_path: Path) -> None:
    url = operational.default_url(tmp_path)
    engine = operational.connect(url)
    assert operational.current_version(engine) == operational.MIGRATIONS[-1][0]
    assert operational.migrate(engine) == []  # nothing left to do
    with engine.connect() as conn:
        mode = conn.execute(sa.text("PRAGMA journal_mode")).scalar()
        tables = set(sa.inspect(conn).get_table_names())
    assert mode == "wal"
    assert {"schema_version", "imports"} <= tables


def test_new_migration_is_applied_to_existing_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = operational.connect(operational.default_url(tmp_path))
    before = operational.current_version(engine)

    def add_table(conn: sa.Connection) -> None:
        conn.execute(sa.text("CREATE TABLE probe (id INTEGER PRIMARY KEY)"))

    monkeypatch.setattr(
        operational, "MIGRATIONS", [*operational.MIGRATIONS, (before + 1, "probe", add_table)]
    )
    assert operational.migrate(engine) == [before + 1]
    assert operational.current_version(engine) == before + 1


def test_bad_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="operational.url"):
        operational.connect("nosuchdb://x")


def test_imports_are_logged(tmp_path: Path) -> None:
    from omnicx import Workspace

    ws = Workspace.init(tmp_path)
    path = tmp_path / "s.csv"
    path.write_text("store_id,name\nS1,Leeds\n")
    ws.ingest("stores", path)
    ws.ingest("stores", path)
    with ws.operational.connect() as conn:
        rows = conn.execute(sa.select(operational.imports)).mappings().all()
    assert [(r["rows_read"], r["rows_new"]) for r in rows] == [(1, 1), (1, 0)]
    assert rows[0]["file_sha256"] == rows[1]["file_sha256"]
    ws.close()
