"""`python -m omnicx`: the same as the `omnicx` command."""

from omnicx.cli.main import app

app()
