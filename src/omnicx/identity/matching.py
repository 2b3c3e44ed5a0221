"""Probabilistic record matching (Fellegi-Sunter, trained with Splink on DuckDB).

For records that share no hard key: the columns are given roles (``detect_roles``),
normalised (``normalize.py``), compared field by field, and every candidate pair gets a
match probability from a model trained on the data itself — u by random sampling, m by
expectation maximisation, the prior by deterministic rules. Pairs at or above the
threshold are joined into clusters (connected components).

``match_records`` works on pandas frames; ``match_files`` on CSV files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from omnicx.errors import OmnicxError, did_you_mean
from omnicx.identity.comparisons import (
    blocking_rules,
    comparisons,
    deterministic_rules,
    training_rules,
)
from omnicx.identity.features import build_features
from omnicx.identity.roles import ROLES, detect_roles, resolve_roles

__all__ = [
    "ROLES",
    "MatchResult",
    "MatchSettings",
    "MatchingError",
    "detect_roles",
    "match_files",
    "match_records",
]

Progress = Callable[[str], None]


class MatchingError(OmnicxError):
    """Records cannot be matched as asked (bad id column, duplicate ids, no usable columns)."""


class MatchSettings(BaseModel):
    """How records are compared and when a pair counts as the same person.

    The defaults serve FEBRL-style people data and retail customer data alike; the
    threshold is the one setting most callers change.
    """

    model_config = ConfigDict(extra="forbid")

    threshold: float = Field(
        0.99, gt=0, lt=1, description="match probability at or above which a pair matches"
    )
    blocking_rules: list[str] | None = Field(
        None,
        description="SQL conditions on l./r. normalised columns that pick candidate pairs; "
        "None = chosen from the column roles",
    )
    name_thresholds: list[float] = Field(
        [0.92, 0.88, 0.7], description="Jaro-Winkler similarity levels for names"
    )
    text_thresholds: list[float] = Field(
        [0.9, 0.8], description="Jaro-Winkler similarity levels for address, address2, city"
    )
    id_max_edits: int = Field(
        2, ge=0, le=3, description="national id: edit distances that still count as close"
    )
    term_frequencies: bool = Field(
        True, description="weigh exact name / city agreement by how rare the value is"
    )
    max_pairs_u: float = Field(
        2e6, gt=0, description="random pairs sampled to estimate u (non-match) probabilities"
    )
    em_max_pairs: float | None = Field(
        5e6, description="cap on pairs per expectation-maximisation session; None = all"
    )
    deterministic_recall: float = Field(
        0.6,
        gt=0,
        le=1,
        description="share of true matches the exact rules are assumed to find (for the prior)",
    )
    seed: int = Field(42, description="seed for the random sampling of pairs")
    default_region: str = Field("GB", description="region for phone numbers without a code")
    dayfirst: bool = Field(True, description="read 01/02/1990 as 1 February")
    email_strip_plus: bool = Field(True, description="ann+tag@x.com = ann@x.com")
    email_gmail_dots: bool = Field(True, description="a.n.n@gmail.com = ann@gmail.com")


@dataclass
class MatchResult:
    """The outcome of a matching run.

    ``pairs``: ``id_l``, ``id_r``, ``match_probability``, ``match_weight``, each matching
    pair once (with two inputs ``id_l`` is from the left one). ``clusters``: ``id``,
    ``cluster_id`` (plus ``source``, ``left`` / ``right``, with two inputs) for every
    record; cluster ids are numbered from 1 in input order. ``parameters``: m and u
    probabilities and match weight of every comparison level, for explanations.
    """

    pairs: pd.DataFrame
    clusters: pd.DataFrame
    parameters: pd.DataFrame
    probability_two_random_records_match: float
    roles: dict[str, str]
    model: dict[str, Any] = field(repr=False)


def match_records(
    left: pd.DataFrame,
    right: pd.DataFrame | None = None,
    id_column: str = "id",
    columns: Mapping[str, str] | Sequence[str] | None = None,
    settings: MatchSettings | None = None,
    progress: Progress | None = None,
) -> MatchResult:
    """Find the records that describe the same person, within ``left`` or across both.

    With one frame the records are deduplicated; with two, each left record is linked
    to right records (no pairs within one frame). ``columns`` maps roles to columns
    (``{"first_name": "forename", ...}``) or lists the columns to use; by default roles
    are detected from names and contents (``detect_roles``).

    Raises ``MatchingError`` when the id column is missing, ids are blank or repeated,
    or no column can be compared; ``MappingError`` for a bad ``columns``.
    """
    settings = settings or MatchSettings()
    say = progress or (lambda _message: None)
    frames = [("left", left)] + ([("right", right)] if right is not None else [])
    for side, frame in frames:
        _check_ids(frame, id_column, side if right is not None else None)

    roles = _common_roles(frames, columns, id_column)
    say(f"matching on {', '.join(f'{role}={col}' for role, col in roles.items())}")

    say("normalising identifiers")
    tables = []
    offset = 0
    for side, frame in frames:
        features = build_features(frame, roles, settings, offset=offset)
        tables.append(features)
        offset += len(frame)
    present = _features_with_values(tables)
    if not present:
        raise MatchingError(
            "no column has values that can be compared after normalisation; roles found: "
            + ", ".join(f"{col} ({role})" for role, col in roles.items())
        )
    tables = [t[["unique_id", *present]] for t in tables]

    link = right is not None
    model, pairs, clusters = _run_splink(tables, present, link, settings, say)

    ids = pd.concat([frame[id_column].astype(str) for _, frame in frames], ignore_index=True)
    sides = pd.Series(
        ["left"] * len(left) + (["right"] * len(right) if right is not None else []),
        dtype=object,
    )
    pairs_out = _pairs_frame(pairs, ids)
    clusters_out = _clusters_frame(clusters, ids, sides, link)
    say(f"{len(pairs_out)} matching pairs, {clusters_out['cluster_id'].nunique()} clusters")
    return MatchResult(
        pairs=pairs_out,
        clusters=clusters_out,
        parameters=_parameters(model),
        probability_two_random_records_match=float(model["probability_two_random_records_match"]),
        roles=roles,
        model=model,
    )


def match_files(
    a: Path,
    b: Path | None,
    id_column: str,
    columns: Mapping[str, str] | Sequence[str] | None,
    output: Path,
    clusters: Path | None = None,
    settings: MatchSettings | None = None,
    progress: Progress | None = None,
) -> MatchResult:
    """Match the records of CSV file ``a`` (and link them to ``b``); write the results.

    The CSV files are read as text with spaces around names and values removed. Writes
    ``id_l,id_r,match_probability`` to ``output`` and, when ``clusters`` is given,
    ``id,cluster_id`` (plus ``source`` with two files) there.

    Raises ``MatchingError`` for unreadable files and the errors of ``match_records``,
    which name the file.
    """
    left = read_records(a)
    right = read_records(b) if b is not None else None
    try:
        result = match_records(left, right, id_column, columns, settings, progress)
    except MatchingError as e:
        raise MatchingError(f"{e} (files: {a}{f', {b}' if b else ''})") from e
    output.parent.mkdir(parents=True, exist_ok=True)
    result.pairs[["id_l", "id_r", "match_probability"]].to_csv(output, index=False)
    if clusters is not None:
        clusters.parent.mkdir(parents=True, exist_ok=True)
        result.clusters.to_csv(clusters, index=False)
    return result


def read_records(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    """A CSV file as text columns; spaces around names and values stripped, blanks None."""
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, skipinitialspace=True, encoding=encoding
        )
    except FileNotFoundError as e:
        raise MatchingError(f"{path}: file not found") from e
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise MatchingError(f"{path}: cannot read as {encoding} CSV: {e}") from e
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in frame.columns:
        values = frame[column].astype(object).str.strip()
        frame[column] = values.where(values != "", None)
    return frame


# --------------------------------------------------------------------------- checks


def _check_ids(frame: pd.DataFrame, id_column: str, side: str | None) -> None:
    where = f" in the {side} records" if side else ""
    present = [str(c) for c in frame.columns]
    if id_column not in present:
        raise MatchingError(
            f"id column {id_column!r} not found{where}{did_you_mean(id_column, present)}; "
            f"columns present: {', '.join(present)}"
        )
    ids = frame[id_column]
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    if blank.any():
        rows = [int(i) + 1 for i in blank[blank].index[:5]]
        raise MatchingError(
            f"{int(blank.sum())} records{where} have no {id_column!r} (rows {rows}); "
            "every record needs an id"
        )
    counts = ids.astype(str).value_counts()
    repeated = counts[counts > 1]
    if not repeated.empty:
        shown = ", ".join(f"{v!r} ×{n}" for v, n in repeated.head(5).items())
        raise MatchingError(
            f"{len(repeated)} ids repeat in column {id_column!r}{where}: {shown}; "
            "ids must be unique — deduplicate exact copies first or pick another id column"
        )


def _common_roles(
    frames: list[tuple[str, pd.DataFrame]],
    columns: Mapping[str, str] | Sequence[str] | None,
    id_column: str,
) -> dict[str, str]:
    """Role → column usable in every frame (columns named alike in both when linking)."""
    per_frame = [resolve_roles(f, columns, exclude=[id_column]) for _, f in frames]
    roles = per_frame[0]
    for other in per_frame[1:]:
        roles = {r: c for r, c in roles.items() if other.get(r) == c}
    if not roles:
        found = "; ".join(
            f"{side}: " + (", ".join(f"{c}={r}" for r, c in rs.items()) or "nothing")
            for (side, _), rs in zip(frames, per_frame, strict=True)
        )
        raise MatchingError(
            f"no column to compare records on (roles found — {found}); pass columns= "
            f"mapping roles ({', '.join(r for r in ROLES if r != 'ignore')}) to columns"
        )
    return roles


def _features_with_values(tables: list[pd.DataFrame]) -> list[str]:
    columns = [c for c in tables[0].columns if c != "unique_id"]
    return [c for c in columns if all(t[c].notna().any() for t in tables)]


# --------------------------------------------------------------------------- splink


def _run_splink(
    tables: list[pd.DataFrame],
    features: list[str],
    link: bool,
    settings: MatchSettings,
    say: Progress,
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    import pyarrow as pa
    from splink import DuckDBAPI, Linker, SettingsCreator

    db_api = DuckDBAPI()
    try:
        inputs = [
            db_api.register(
                pa.Table.from_pandas(t, preserve_index=False), dataset_display_name=name
            )
            for t, name in zip(tables, ("input_left", "input_right"), strict=False)
        ]
        creator = SettingsCreator(
            link_type="link_only" if link else "dedupe_only",
            comparisons=comparisons(features, settings),
            blocking_rules_to_generate_predictions=(
                settings.blocking_rules or blocking_rules(features)
            ),
            retain_matching_columns=False,
            retain_intermediate_calculation_columns=False,
        )
        linker = Linker(inputs if link else inputs[0], creator, log_level=None)

        say("estimating the prior from exact rules")
        _estimate_prior(linker, features, settings, say)
        say(f"estimating u from {settings.max_pairs_u:,.0f} random pairs")
        linker.training.estimate_u_using_random_sampling(
            max_pairs=settings.max_pairs_u, seed=settings.seed
        )
        for rule in training_rules(features):
            say(f"estimating m by expectation maximisation on pairs where {rule}")
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=settings.em_max_pairs
            )
        say("scoring candidate pairs")
        predictions = linker.inference.predict(
            threshold_match_probability=settings.threshold, warning_mode="never"
        )
        pairs = (
            predictions.as_duckdbpyrelation()
            .select("unique_id_l, unique_id_r, match_probability, match_weight")
            .df()
        )
        say("clustering")
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=settings.threshold
        )
        clusters = clustered.as_duckdbpyrelation().select("unique_id, cluster_id").df()
        model = linker.misc.save_model_to_json()
    finally:
        db_api.duckdb_con.close()
    return model, pairs, clusters


def _estimate_prior(
    linker: Any, features: list[str], settings: MatchSettings, say: Progress
) -> None:
    rules = deterministic_rules(features)
    if not rules:
        say("no exact rules for these columns; keeping the default prior")
        return
    try:
        linker.training.estimate_probability_two_random_records_match(
            rules, recall=settings.deterministic_recall
        )
    except ValueError as e:  # the rules found more pairs than the recall allows
        say(f"exact rules could not estimate the prior ({e}); keeping the default")


# --------------------------------------------------------------------------- outputs


def _pairs_frame(pairs: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    lo = pairs[["unique_id_l", "unique_id_r"]].min(axis=1).to_numpy()
    hi = pairs[["unique_id_l", "unique_id_r"]].max(axis=1).to_numpy()
    out = pd.DataFrame(
        {
            "id_l": ids.to_numpy()[lo],
            "id_r": ids.to_numpy()[hi],
            "match_probability": pairs["match_probability"].to_numpy(),
            "match_weight": pairs["match_weight"].to_numpy(),
        }
    )
    out = out.sort_values("match_probability", ascending=False, kind="stable")
    return out.reset_index(drop=True)


def _clusters_frame(
    clusters: pd.DataFrame, ids: pd.Series, sides: pd.Series, link: bool
) -> pd.DataFrame:
    members = clusters.sort_values("unique_id")
    first = members.groupby("cluster_id")["unique_id"].transform("min")
    number = first.rank(method="dense").astype("int64")
    out = pd.DataFrame(
        {
            "id": ids.to_numpy()[members["unique_id"].to_numpy()],
            "cluster_id": number.to_numpy(),
        }
    )
    if link:
        out["source"] = sides.to_numpy()[members["unique_id"].to_numpy()]
    return out.reset_index(drop=True)


def _parameters(model: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            bf = m / u if m is not None and u else None
            rows.append(
                {
                    "comparison": comparison["output_column_name"],
                    "level": level.get("label_for_charts") or level["sql_condition"],
                    "m_probability": m,
                    "u_probability": u,
                    "bayes_factor": bf,
                    "match_weight": math.log2(bf) if bf else None,
                }
            )
    return pd.DataFrame(rows)
