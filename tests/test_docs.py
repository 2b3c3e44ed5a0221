"""Docs that cannot drift: every command, setting and endpoint is documented."""

from __future__ import annotations

from pathlib import Path

from omnicx.cli.main import app

README = (Path(__file__).parents[1] / "README.md").read_text()


def _commands() -> list[str]:
    names = []
    for cmd in app.registered_commands:
        names.append(cmd.name or cmd.callback.__name__)  # type: ignore[union-attr]
    for group in app.registered_groups:
        sub = group.typer_instance
        for cmd in sub.registered_commands:
            names.append(f"{group.name} {cmd.name or cmd.callback.__name__}")  # type: ignore[union-attr]
    return names


def test_every_command_is_in_the_readme() -> None:
    for name in _commands():
        base = name.split()[0]
        assert f"omnicx {base}" in README, f"`omnicx {name}` is not documented in README.md"


def test_every_collection_endpoint_is_in_the_readme() -> None:
    for kind in ("track", "identify", "page", "screen", "alias", "group", "batch", "import"):
        assert f"`{kind}`" in README or f"/v1/{kind}" in README, kind
    for path in ("/healthz", "/readyz", "/docs"):
        assert path in README


def test_readme_opens_with_the_two_commands() -> None:
    blocks = README.split("```bash\n")
    assert "omnicx demo" in blocks[1].split("```")[0]
    assert blocks[2].split("```")[0].strip() == "./scripts/test.sh"
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text()
    assert "./scripts/test.sh" in ci
