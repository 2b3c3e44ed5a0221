"""Errors omnicx raises: each says what was wrong, where, and what would be valid."""

from __future__ import annotations

from collections.abc import Iterable


class OmnicxError(Exception):
    """Base of every error omnicx raises on purpose; the CLI prints these without a traceback."""

    exit_code = 2


class ConfigError(OmnicxError):
    """A setting in omnicx.toml or the environment is unknown or invalid."""


class WorkspaceNotFound(OmnicxError):
    """The directory is not an omnicx workspace."""

    def __init__(self, path: object) -> None:
        super().__init__(
            f"{path} is not an omnicx workspace (no omnicx.toml). "
            f"Create one with `omnicx init {path}`."
        )


class UnknownSourceKind(OmnicxError):
    """A source kind that omnicx does not know."""

    def __init__(self, name: str, valid: Iterable[str]) -> None:
        super().__init__(f"unknown source kind {name!r}; valid kinds: {', '.join(valid)}")


class IngestError(OmnicxError):
    """A file cannot be ingested at all (as opposed to rows that are quarantined)."""


class MappingError(OmnicxError):
    """A column mapping is invalid or does not fit the file."""


class EngineError(OmnicxError):
    """The warehouse backend could not be opened or failed."""


class SchemaError(OmnicxError):
    """An event does not follow the canonical model."""


def did_you_mean(name: str, valid: Iterable[str]) -> str:
    """A ' (did you mean X?)' suffix when a close valid name exists."""
    import difflib

    close = difflib.get_close_matches(name, list(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
