"""Workspace settings: ``omnicx.toml`` overridden by ``OMNICX_…`` environment variables.

Every key has a documented default; ``omnicx init`` writes them all out. Environment
variables use ``__`` between section and key, e.g. ``OMNICX_ENGINE__BACKEND=spark``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from omnicx.errors import ConfigError, did_you_mean

CONFIG_FILE = "omnicx.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkspaceSection(_Section):
    name: str = Field("omnicx", description="a name for this workspace, shown in reports")
    timezone: str = Field("UTC", description="IANA time zone for timestamps that carry no offset")
    currency: str = Field("EUR", description="ISO 4217 currency of amounts that carry no currency")
    default_region: str = Field(
        "GB", description="ISO 3166 region used to read phone numbers without a country code"
    )


class EngineSection(_Section):
    backend: Literal["duckdb", "spark"] = Field(
        "duckdb", description="warehouse backend: duckdb (embedded file) or spark"
    )
    duckdb_file: str = Field(
        "warehouse.duckdb", description="DuckDB warehouse file, relative to the workspace"
    )
    threads: int = Field(0, ge=0, description="DuckDB threads; 0 = one per core")
    memory_limit: str = Field("", description="DuckDB memory limit such as '8GB'; '' = default")
    spark_master: str = Field(
        "local[2]", description="Spark master for backend = spark, e.g. local[4] or yarn"
    )
    spark_connect_url: str = Field(
        "", description="Spark Connect URL (sc://host:15002); overrides spark_master when set"
    )


class OperationalSection(_Section):
    url: str = Field(
        "",
        description="SQLAlchemy URL of the operational store; '' = SQLite file "
        "operational.sqlite in the workspace (postgresql+psycopg://… for PostgreSQL)",
    )


class IngestSection(_Section):
    encoding: Literal["utf-8", "latin-1", "utf-16"] = Field(
        "utf-8", description="default text encoding of CSV / JSON Lines files"
    )
    delimiter: str = Field(",", description="default CSV delimiter")
    progress_min_rows: int = Field(
        5000, ge=0, description="show a progress bar for files with more rows than this"
    )


class ServerSection(_Section):
    host: str = Field("127.0.0.1", description="address `omnicx serve` listens on")
    port: int = Field(8080, ge=1, le=65535, description="port `omnicx serve` listens on")
    flush_interval_seconds: float = Field(
        1.0, gt=0, description="how often acknowledged events move from the log to Parquet"
    )
    max_pending_events: int = Field(
        200_000, ge=1, description="acknowledged but unflushed events before 503s begin"
    )
    min_free_disk_mb: int = Field(100, ge=0, description="refuse events (503) below this")
    max_event_bytes: int = Field(32 * 1024, ge=1, description="largest accepted event")
    max_batch_bytes: int = Field(500 * 1024, ge=1, description="largest accepted request")


class MappingSection(_Section):
    """A declarative source mapping: how a file's columns become a source kind's fields."""

    kind: str = Field("", description="the source kind this mapping is for")
    columns: dict[str, str] = Field(
        default_factory=dict, description="canonical field = source column name"
    )
    constants: dict[str, str] = Field(
        default_factory=dict, description="canonical field = fixed value for every row"
    )
    timestamp_format: str = Field(
        "", description="strftime format of timestamps, e.g. %d/%m/%Y %H:%M; '' = ISO 8601"
    )
    date_format: str = Field("", description="strftime format of dates; '' = ISO 8601")
    encoding: str = Field("", description="text encoding; '' = [ingest] encoding")
    delimiter: str = Field("", description="CSV delimiter; '' = [ingest] delimiter")


SECTIONS: dict[str, type[_Section]] = {
    "workspace": WorkspaceSection,
    "engine": EngineSection,
    "operational": OperationalSection,
    "ingest": IngestSection,
    "server": ServerSection,
}


class Settings(BaseSettings):
    """All settings of a workspace."""

    model_config = SettingsConfigDict(
        env_prefix="OMNICX_", env_nested_delimiter="__", extra="forbid"
    )

    workspace: WorkspaceSection = Field(default_factory=WorkspaceSection)
    engine: EngineSection = Field(default_factory=EngineSection)
    operational: OperationalSection = Field(default_factory=OperationalSection)
    ingest: IngestSection = Field(default_factory=IngestSection)
    server: ServerSection = Field(default_factory=ServerSection)
    mappings: dict[str, MappingSection] = Field(
        default_factory=dict,
        description="named source mappings: [mappings.NAME] with kind, columns, constants",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file arrives as init kwargs; the environment must win over it.
        return (env_settings, init_settings)


def _describe(errors: list[Any], origin: str) -> str:
    lines = []
    for err in errors:
        loc = [str(p) for p in err["loc"]]
        key = ".".join(loc)
        if err["type"] == "extra_forbidden":
            valid = _valid_keys(loc[:-1])
            lines.append(
                f"{origin}: unknown key {key!r}{did_you_mean(loc[-1], valid)}; "
                f"valid keys{' in [' + '.'.join(loc[:-1]) + ']' if loc[:-1] else ''}: "
                f"{', '.join(valid)}"
            )
        else:
            value = err.get("input")
            lines.append(f"{origin}: {key} = {value!r} is invalid: {err['msg']}")
    return "\n".join(lines)


def _valid_keys(section: list[str]) -> list[str]:
    if not section:
        return list(Settings.model_fields)
    if section[0] in SECTIONS and len(section) == 1:
        return list(SECTIONS[section[0]].model_fields)
    if section[0] == "mappings":
        return list(MappingSection.model_fields)
    return []


def load_settings(workspace: Path | None) -> Settings:
    """Read ``omnicx.toml`` from the workspace (if any) with environment overrides.

    Raises ConfigError naming the bad key, its value and the valid keys or values.
    """
    data: dict[str, Any] = {}
    origin = "environment"
    if workspace is not None:
        path = workspace / CONFIG_FILE
        origin = str(path)
        if path.exists():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as e:
                raise ConfigError(f"{path}: not valid TOML: {e}") from e
    try:
        return Settings(**data)
    except ValidationError as e:
        raise ConfigError(_describe(e.errors(), origin)) from e


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def default_config_text(name: str = "omnicx") -> str:
    """The documented ``omnicx.toml`` that ``omnicx init`` writes: every key, its default."""
    out = [
        "# omnicx workspace settings. Every key is shown with its default.",
        "# Environment variables override this file: OMNICX_<SECTION>__<KEY>, e.g.",
        "# OMNICX_ENGINE__BACKEND=spark.",
        "",
    ]
    for section, model in SECTIONS.items():
        out.append(f"[{section}]")
        for key, info in model.model_fields.items():
            default = info.default
            if section == "workspace" and key == "name":
                default = name
            if info.description:
                out.append(f"# {info.description}")
            out.append(f"{key} = {_toml_value(default)}")
        out.append("")
    out += [
        "# Source mappings: how a file's columns become a source kind's canonical fields.",
        "# Use one with `omnicx ingest KIND FILE --mapping NAME` (or a mapping file).",
        "# Keys of a mapping:",
    ]
    for key, info in MappingSection.model_fields.items():
        out.append(f"#   {key}: {info.description}")
    out += [
        "#",
        "# [mappings.till_export]",
        '# kind = "pos"',
        '# timestamp_format = "%d/%m/%Y %H:%M"',
        "# [mappings.till_export.columns]",
        '# transaction_id = "Receipt No"',
        '# occurred_at = "Date"',
        "# [mappings.till_export.constants]",
        '# channel = "store"',
        "",
    ]
    return "\n".join(out)
