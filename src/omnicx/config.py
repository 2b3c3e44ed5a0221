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
from omnicx.schema.events import IDENTIFIER_COLUMNS

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


class IdentitySection(_Section):
    priorities: list[str] = Field(
        default_factory=lambda: list(IDENTIFIER_COLUMNS),
        description="identifier types, most trusted first; the lowest gives way first",
    )
    unique: list[str] = Field(
        default_factory=lambda: ["user_id", "loyalty_id"],
        description="identifier types of which a person has one: two values never merge",
    )
    limits: dict[str, int] = Field(
        default_factory=lambda: {
            "user_id": 1,
            "loyalty_id": 1,
            "crm_id": 3,
            "email": 5,
            "phone": 4,
            "payment_token": 10,
            "device_id": 10,
            "anonymous_id": 1000,
        },
        description="most values of each identifier type one person may have",
    )
    blocked_values: list[str] = Field(
        default_factory=lambda: [
            "",
            "null",
            "none",
            "nil",
            "undefined",
            "anonymous",
            "unknown",
            "n/a",
            "na",
            "test",
            "guest",
            "-",
            "0",
        ],
        description="identifier values that never link anything (compared lower-case)",
    )
    blocked_patterns: list[str] = Field(
        default_factory=lambda: ["^0+$", "^9+$", "^-+$", "^(test|example)@"],
        description="regular expressions of identifier values that never link anything",
    )
    shared_mailboxes: list[str] = Field(
        default_factory=lambda: [
            "info",
            "admin",
            "sales",
            "contact",
            "hello",
            "office",
            "support",
            "enquiries",
            "noreply",
            "no-reply",
            "accounts",
            "team",
            "mail",
            "orders",
            "reception",
            "help",
        ],
        description="e-mail local parts of shared mailboxes: never used to link people",
    )
    email_strip_plus: bool = Field(True, description="treat a+tag@x and a@x as one e-mail")
    email_ignore_dots: bool = Field(
        True, description="ignore dots in the local part where the provider does (gmail)"
    )
    probabilistic: bool = Field(True, description="run probabilistic matching (Splink)")
    match_threshold: float = Field(
        0.99, gt=0, lt=1, description="match probability above which records link"
    )
    survivorship: dict[str, str] = Field(
        default_factory=lambda: {
            "first_name": "most_frequent",
            "last_name": "most_frequent",
            "email": "most_recent",
            "phone": "most_recent",
            "address": "most_recent",
            "postcode": "most_recent",
            "city": "most_recent",
            "birth_date": "trusted_source",
        },
        description="golden attribute -> rule: most_recent, most_frequent, trusted_source, longest",
    )
    trusted_sources: list[str] = Field(
        default_factory=lambda: [
            "crm_customers",
            "orders",
            "support_cases",
            "surveys",
            "pos",
            "returns",
        ],
        description="source kinds, most trusted first, for the trusted_source rule",
    )


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
    "identity": IdentitySection,
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
    identity: IdentitySection = Field(default_factory=IdentitySection)
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
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
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
            default = info.get_default(call_default_factory=True)
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
