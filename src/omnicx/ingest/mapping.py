"""Declarative source mappings: which file column feeds which canonical field.

A mapping comes from ``[mappings.NAME]`` in ``omnicx.toml`` or from a TOML mapping file
with the same keys (``kind``, ``columns``, ``constants``, ``timestamp_format``, …).
Fields not named in ``columns`` are read from a column of the same name (case and
surrounding spaces ignored), so the default mapping is the identity.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from omnicx.config import MappingSection, Settings
from omnicx.errors import MappingError, did_you_mean
from omnicx.schema.sources import SourceKind


@dataclass
class ResolvedMapping:
    """A mapping checked against a file's columns."""

    kind: SourceKind
    columns: dict[str, str]  # canonical field -> source column
    constants: dict[str, str] = field(default_factory=dict)
    timestamp_format: str = ""
    date_format: str = ""
    encoding: str = ""
    delimiter: str = ""
    ignored: list[str] = field(default_factory=list)  # source columns no field reads


def load_mapping(spec: str | None, settings: Settings) -> MappingSection:
    """A mapping by name (``[mappings.NAME]``) or by TOML file path; empty if None."""
    if not spec:
        return MappingSection()
    if spec in settings.mappings:
        return settings.mappings[spec]
    path = Path(spec)
    if not path.exists():
        names = ", ".join(sorted(settings.mappings)) or "none defined"
        raise MappingError(
            f"--mapping {spec!r} is neither a file nor a mapping in omnicx.toml "
            f"(mappings defined: {names})"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise MappingError(f"{path}: not a valid TOML mapping file: {e}") from e
    try:
        return MappingSection(**data)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        valid = ", ".join(MappingSection.model_fields)
        raise MappingError(f"{path}: {key}: {err['msg']} (valid keys: {valid})") from e


def resolve_mapping(
    kind: SourceKind, section: MappingSection, file_columns: list[str], path: Path
) -> ResolvedMapping:
    """Check a mapping against the kind and the file; errors name what to fix."""
    if section.kind and section.kind != kind.name:
        raise MappingError(
            f"the mapping is for kind {section.kind!r} but the file is ingested as {kind.name!r}"
        )
    valid = kind.field_names
    for name in [*section.columns, *section.constants]:
        if name not in valid:
            raise MappingError(
                f"mapping names field {name!r}{did_you_mean(name, valid)}, which kind "
                f"{kind.name!r} does not have; its fields: {', '.join(valid)}"
            )
    by_norm = {c.strip().lower(): c for c in file_columns}
    columns: dict[str, str] = {}
    for name, source in section.columns.items():
        if source not in file_columns:
            actual = by_norm.get(source.strip().lower())
            if actual is None:
                raise MappingError(
                    f"{path}: mapping reads column {source!r} for field {name!r}, but the "
                    f"file has no such column{did_you_mean(source, file_columns)}; its "
                    f"columns: {', '.join(file_columns)}"
                )
            source = actual
        columns[name] = source
    for name in valid:
        if name not in columns and name not in section.constants:
            actual = by_norm.get(name)
            if actual is not None:
                columns[name] = actual
    defaulted = {kind.sequence[0]} if kind.sequence else set()
    missing = [
        f
        for f in kind.required
        if f not in columns and f not in section.constants and f not in defaulted
    ]
    if missing:
        raise MappingError(
            f"{path}: missing required column(s) {', '.join(missing)} for kind "
            f"{kind.name!r}. The file has: {', '.join(file_columns)}. Rename the column(s) "
            f'or map them with --mapping (columns.FIELD = "your column").'
        )
    used = set(columns.values())
    return ResolvedMapping(
        kind=kind,
        columns=columns,
        constants=dict(section.constants),
        timestamp_format=section.timestamp_format,
        date_format=section.date_format,
        encoding=section.encoding,
        delimiter=section.delimiter,
        ignored=[c for c in file_columns if c not in used],
    )
