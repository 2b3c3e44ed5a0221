"""Probabilistic record matching (Fellegi-Sunter, trained with Splink on DuckDB).

For records that share no hard key: the columns are given roles (``detect_roles``),
normalised (``normalize.py``), compared field by field, and every candidate pair gets a
match probability from a model trained on the data itself — u by random sampling, m by
expectation maximisation, the prior by deterministic rules. Pairs at or above the
threshold are joined into clusters (connected components).

``match_records`` works on pandas frames; ``match_files`` on CSV files.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from omnicx.errors import MappingError, OmnicxError, did_you_mean
from omnicx.identity.comparisons import (
    blocking_rules,
    comparisons,
    deterministic_rules,
    prior_m,
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
    max_records_per_value: int = Field(
        1000,
        ge=2,
        description="a dob, email, phone or national id held by more records than this "
        "(and 20x the median) is a placeholder and ignored",
    )
    em_min_pairs: int = Field(
        200, ge=1, description="skip an EM session with fewer pairs; the prior m stays"
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
    ``roles`` (and ``roles_right``): the column used for each role; ``model``: the
    trained Splink model as a settings dict (``Linker(data, model)`` reloads it).
    """

    pairs: pd.DataFrame
    clusters: pd.DataFrame
    parameters: pd.DataFrame
    probability_two_random_records_match: float
    roles: dict[str, str]
    roles_right: dict[str, str] | None
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
    for (side, _), rs in zip(frames, roles, strict=True):
        where = f"{side}: " if right is not None else ""
        say(f"{where}matching on {', '.join(f'{role}={col}' for role, col in rs.items())}")

    say("normalising identifiers")
    tables = []
    offset = 0
    for (_, frame), frame_roles in zip(frames, roles, strict=True):
        tables.append(build_features(frame, frame_roles, settings, offset=offset))
        offset += len(frame)
    _blank_placeholders(tables, settings, say)
    present = _features_with_values(tables)
    if not present:
        raise MatchingError(
            "no column has values that can be compared after normalisation; roles found: "
            + ", ".join(f"{col} ({role})" for role, col in roles[0].items())
        )
    tables = [t[["unique_id", *present]] for t in tables]

    link = right is not None
    import duckdb
    from splink.internals.exceptions import SplinkException  # not exported elsewhere

    try:
        model, pairs, clusters = _run_splink(tables, present, link, settings, say)
    except (SplinkException, duckdb.Error) as e:
        raise MatchingError(
            f"Splink could not match these records: {e}\n"
            f"(normalised columns blocking rules can use: {', '.join(present)})"
        ) from e

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
        roles=roles[0],
        roles_right=roles[1] if right is not None else None,
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
    except (MatchingError, MappingError) as e:
        files = f"left = {a}, right = {b}" if b is not None else f"file {a}"
        raise type(e)(f"{e} ({files})") from e
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
) -> list[dict[str, str]]:
    """Role → column for each frame, keeping the roles every frame has.

    Frames may name their columns differently; a full name stands in for first and last.
    """
    per_frame = []
    for side, frame in frames:
        try:
            per_frame.append(resolve_roles(frame, columns, exclude=[id_column]))
        except MappingError as e:
            raise MappingError(f"{side} records: {e}" if len(frames) > 1 else str(e)) from e

    def provides(roles: dict[str, str]) -> set[str]:
        return set(roles) | ({"first_name", "last_name"} if "full_name" in roles else set())

    common = set.intersection(*(provides(r) for r in per_frame))
    kept = [
        {
            r: c
            for r, c in roles.items()
            if r in common or (r == "full_name" and {"first_name", "last_name"} - set(roles))
        }
        for roles in per_frame
    ]
    if not common:
        found = "; ".join(
            f"{side}: " + (", ".join(f"{c}={r}" for r, c in rs.items()) or "nothing")
            for (side, _), rs in zip(frames, per_frame, strict=True)
        )
        raise MatchingError(
            f"no column to compare records on (roles found — {found}); pass columns= "
            f"mapping roles ({', '.join(r for r in ROLES if r != 'ignore')}) to columns"
        )
    return kept


# Features blocking rules join on alone: one value shared by thousands of records is a
# placeholder (1900-01-01, none@none.com), and would make millions of candidate pairs.
_KEY_FEATURES = ("dob", "email", "phone", "national_id")


def _blank_placeholders(tables: list[pd.DataFrame], settings: MatchSettings, say: Progress) -> None:
    for name in _KEY_FEATURES:
        if name not in tables[0].columns:
            continue
        counts = pd.concat([t[name] for t in tables]).value_counts()
        if counts.empty:
            continue
        limit = max(settings.max_records_per_value, 20 * counts.median())
        common = counts[counts > limit]
        if common.empty:
            continue
        shown = ", ".join(f"{v!r} ×{n}" for v, n in common.head(3).items())
        say(f"{name}: ignoring {len(common)} values held by too many records ({shown})")
        for table in tables:
            table.loc[table[name].isin(common.index), name] = None


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
    from splink import DuckDBAPI, Linker

    n_records = sum(len(t) for t in tables)
    db_api = DuckDBAPI()
    try:
        with _splink_logs(say):
            inputs = [
                db_api.register(
                    pa.Table.from_pandas(t, preserve_index=False), dataset_display_name=name
                )
                # "left" / "right" would be SQL keywords: Splink uses these names unquoted
                for t, name in zip(tables, ("input_left", "input_right"), strict=False)
            ]
            data = inputs if link else inputs[0]
            model_comparisons = comparisons(features, settings)
            spec: dict[str, Any] = {
                "link_type": "link_only" if link else "dedupe_only",
                "comparisons": model_comparisons,
                "blocking_rules_to_generate_predictions": (
                    settings.blocking_rules or blocking_rules(features)
                ),
                "retain_matching_columns": False,
                "retain_intermediate_calculation_columns": False,
            }
            linker = Linker(data, spec, log_level=None)

            say("estimating the prior from exact rules")
            _estimate_prior(linker, features, settings, say)
            if linker.misc.save_model_to_json()["probability_two_random_records_match"] <= 0:
                # no pair met the exact rules: a prior of 0 would rule every match out
                spec["probability_two_random_records_match"] = 1 / _all_pairs(tables, link)
                say("no pair met the exact rules; prior set to one match among all pairs")
                linker = Linker(data, spec, log_level=None)
            say(f"estimating u from up to {settings.max_pairs_u:,.0f} random pairs")
            linker.training.estimate_u_using_random_sampling(
                max_pairs=settings.max_pairs_u, seed=settings.seed
            )
            # Splink's probe samples records to size EM; on small inputs it sees no pairs
            large = settings.em_max_pairs is not None and n_records > 20_000
            for rule, used in training_rules(features):
                blocked = _count_pairs(tables, used, link)
                if blocked < settings.em_min_pairs:
                    say(f"too few pairs where {rule} ({blocked:,}) to train on; using priors")
                    continue
                say(f"estimating m by expectation maximisation on {blocked:,} pairs where {rule}")
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule,
                    max_pairs=settings.em_max_pairs if large else None,
                    record_sample_proportion=min(1.0, max(0.01, 20_000 / n_records)),
                )
            model = linker.misc.save_model_to_json()
            unobserved, changed = _fill_unobserved(
                model, prior_m(model_comparisons), settings, n_records
            )
            if unobserved:
                say(f"prior m kept where no training pair fell: {', '.join(unobserved)}")
            if changed:
                linker = Linker(data, model, log_level=None)

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
    finally:
        db_api.duckdb_con.close()
    return model, pairs, clusters


def _all_pairs(tables: list[pd.DataFrame], link: bool) -> int:
    if link:
        return max(1, len(tables[0]) * len(tables[1]))
    return max(1, len(tables[0]) * (len(tables[0]) - 1) // 2)


def _count_pairs(tables: list[pd.DataFrame], columns: tuple[str, ...], link: bool) -> int:
    """How many pairs agree on all ``columns`` (within the one table, or across two)."""
    counts = [t[list(columns)].dropna().value_counts() for t in tables]
    if not link:
        return int((counts[0] * (counts[0] - 1) // 2).sum())
    both = counts[0].to_frame("l").join(counts[1].to_frame("r"), how="inner")
    return int((both["l"] * both["r"]).sum())


def _fill_unobserved(
    model: dict[str, Any], priors: dict[tuple[str, str], float], settings: MatchSettings, n: int
) -> tuple[list[str], bool]:
    """Put the prior m (and a small u) where training left none.

    Returns the levels whose m was filled, and whether anything (m or u) was.

    Splink gives such levels m = 1e-6, which reads "never happens for a match" — wrong
    for rare evidence like a transposed day and month that the training pairs missed.
    """
    pairs_sampled = min(settings.max_pairs_u, max(1.0, n * (n - 1) / 2))
    filled: list[str] = []
    changed = False
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            label = level.get("label_for_charts", "")
            if "m_probability" not in level:
                level["m_probability"] = priors.get((name, label), 0.01)
                filled.append(f"{name}/{label}")
            if "u_probability" not in level:
                level["u_probability"] = 0.5 / pairs_sampled
                changed = True
    return filled, changed or bool(filled)


@contextmanager
def _splink_logs(say: Progress) -> Iterator[None]:
    """Send Splink's warnings to ``say`` instead of stderr while matching runs."""
    logger = logging.getLogger("splink")

    class Forward(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage().replace("WARNING:", "").strip()
            if "not observed in dataset" not in message:  # reported by _fill_unobserved
                say(" ".join(message.split()))

    handler = Forward(logging.WARNING)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


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
    lo = pairs[["unique_id_l", "unique_id_r"]].min(axis=1).to_numpy(dtype="int64")
    hi = pairs[["unique_id_l", "unique_id_r"]].max(axis=1).to_numpy(dtype="int64")
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
