"""Shared fixtures: workspaces on every backend that matters.

`backend_ws` runs a test on DuckDB and, under the `spark` marker, on Spark (local[2]).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from omnicx import Workspace


def _use_backend(path: Path, backend: str) -> None:
    config = path / "omnicx.toml"
    text = config.read_text().replace('backend = "duckdb"', f'backend = "{backend}"')
    config.write_text(text)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.init(tmp_path / "ws")
    yield workspace
    workspace.close()


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def backend_ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    root = tmp_path / f"ws-{request.param}"
    Workspace.init(root).close()
    _use_backend(root, request.param)
    workspace = Workspace(root)
    if request.param == "spark" and shutil.which("java") is None:
        pytest.fail("the spark tests need Java 17: scripts/test.sh installs it")
    yield workspace
    workspace.close()


@pytest.fixture
def data_dir() -> Path:
    return Path(__file__).parent / "data"
