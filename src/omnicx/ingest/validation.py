"""Type and check a source file's rows as Ibis expressions.

``validate_rows`` turns the text columns of a raw file into the kind's typed canonical
fields plus ``_reason``: NULL for a valid row, otherwise the first problem found, naming
the field and the bad value. Nothing is filtered here; the caller splits accepted and
quarantined rows, so accepted + quarantined = read by construction.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from omnicx.engine import LINE_COLUMN, Engine
from omnicx.ingest.mapping import ResolvedMapping
from omnicx.portable import trim
from omnicx.schema.sources import SourceField, SourceKind

REASON = "_reason"
ROW_ID = "_row_id"

_NULL_STR = ibis.null().cast("string")


def _quote(value: ir.StringValue) -> ir.StringValue:
    return ibis.literal("'") + value.substr(0, 60) + ibis.literal("'")


def _when(cond: ir.BooleanValue, message: ir.StringValue | str) -> ir.StringValue:
    msg = ibis.literal(message) if isinstance(message, str) else message
    return ibis.cases((cond, msg), else_=_NULL_STR)


def _clean(col: ir.StringValue) -> ir.StringValue:
    """Text without surrounding spaces; empty text is NULL."""
    return trim(col).nullif("")


def _typed(
    f: SourceField, text: ir.StringValue, mapping: ResolvedMapping, engine: Engine
) -> tuple[ir.Value, list[ir.StringValue]]:
    """The typed value of one field and the reasons it can be invalid."""
    reasons: list[ir.StringValue] = []
    label = f"field '{f.name}'"
    if f.required:
        reasons.append(_when(text.isnull(), f"missing required {label}"))
    value: ir.Value
    if f.type in ("string",):
        value = text
    elif f.type == "enum":
        value = text.lower().replace(" ", "_")
        reasons.append(
            _when(
                text.notnull() & ~value.isin(list(f.values)),
                ibis.literal(f"{label}: ")
                + _quote(text)
                + ibis.literal(f" is not one of {', '.join(f.values)}"),
            )
        )
    elif f.type in ("number", "integer"):
        number = text.replace(",", "").try_cast("float64")
        reasons.append(
            _when(
                text.notnull() & number.isnull(),
                ibis.literal(f"{label}: ")
                + _quote(text)
                + ibis.literal(f" is not {'an integer' if f.type == 'integer' else 'a number'}"),
            )
        )
        if f.type == "integer":
            reasons.append(
                _when(
                    number.notnull() & (number.floor() != number),
                    ibis.literal(f"{label}: ") + _quote(text) + ibis.literal(" is not an integer"),
                )
            )
            value = number.cast("int64")
        else:
            value = number
        if f.minimum is not None:
            reasons.append(
                _when(
                    number < f.minimum,
                    ibis.literal(f"{label}: ")
                    + _quote(text)
                    + ibis.literal(f" is below the minimum {f.minimum:g}"),
                )
            )
        if f.maximum is not None:
            reasons.append(
                _when(
                    number > f.maximum,
                    ibis.literal(f"{label}: ")
                    + _quote(text)
                    + ibis.literal(f" is above the maximum {f.maximum:g}"),
                )
            )
    elif f.type == "timestamp":
        value = engine.parse_timestamp(text, mapping.timestamp_format)
        expected = mapping.timestamp_format or "an ISO 8601 timestamp"
        reasons.append(
            _when(
                text.notnull() & value.isnull(),
                ibis.literal(f"{label}: ") + _quote(text) + ibis.literal(f" is not {expected}"),
            )
        )
    else:  # date
        value = engine.parse_date(text, mapping.date_format)
        expected = mapping.date_format or "an ISO 8601 date (YYYY-MM-DD)"
        reasons.append(
            _when(
                text.notnull() & value.isnull(),
                ibis.literal(f"{label}: ") + _quote(text) + ibis.literal(f" is not {expected}"),
            )
        )
    return value, reasons


# Checks that involve more than one field, per kind.
KindCheck = Callable[[dict[str, ir.Value]], list[ir.StringValue]]


def _surveys(v: dict[str, ir.Value]) -> list[ir.StringValue]:
    score, kind = v["score"], v["survey_type"]
    return [
        _when(
            (kind == "csat") & ((score < 1) | (score > 5)),
            ibis.literal("field 'score': ")
            + score.cast("string")
            + ibis.literal(" is outside 1-5 for a csat survey"),
        ),
    ]


def _orders(v: dict[str, ir.Value]) -> list[ir.StringValue]:
    return [
        _when(
            (v["fulfilment"] == "click_and_collect") & v["store_id"].isnull(),
            "field 'store_id': required when fulfilment is click_and_collect",
        ),
    ]


def _after(start: str, end: str) -> KindCheck:
    def check(v: dict[str, ir.Value]) -> list[ir.StringValue]:
        return [_when(v[end] < v[start], f"field '{end}': before '{start}'")]

    return check


def _recipient(v: dict[str, ir.Value]) -> list[ir.StringValue]:
    return [
        _when(
            v["email"].isnull() & v["phone"].isnull() & v["device_id"].isnull(),
            "fields 'email' / 'phone' / 'device_id': a message event needs a recipient",
        ),
    ]


KIND_CHECKS: dict[str, KindCheck] = {
    "surveys": _surveys,
    "orders": _orders,
    "store_visits": _after("entered_at", "exited_at"),
    "support_cases": _after("opened_at", "resolved_at"),
    "email_engagement": _recipient,
}


def row_id(kind: SourceKind, text: dict[str, ir.StringValue]) -> ir.StringValue:
    """Content-derived id of a row: a hash of the kind and its key fields' text."""
    parts: list[ir.StringValue] = [ibis.literal(kind.name)]
    for name in kind.key:
        parts += [ibis.literal("\x1f"), text[name].fill_null("")]
    joined = parts[0]
    for p in parts[1:]:
        joined = joined + p
    return joined.hexdigest("md5")


def clean_text(raw: ir.Table, mapping: ResolvedMapping) -> ir.Table:
    """The kind's fields as trimmed text (NULL when empty), plus ``_line``.

    Kept apart from ``validate_rows`` so that the caller can compute it once: every
    field's text is read by its value and by several checks.
    """
    kind = mapping.kind
    text: dict[str, ir.Value] = {}
    for f in kind.fields:
        if f.name in mapping.columns:
            text[f.name] = _clean(raw[mapping.columns[f.name]].cast("string"))
        elif f.name in mapping.constants:
            text[f.name] = ibis.literal(mapping.constants[f.name])
        else:
            text[f.name] = _NULL_STR
    if kind.sequence and kind.sequence[0] not in mapping.columns:
        name, group = kind.sequence
        w = ibis.window(group_by=[text[g] for g in group], order_by=raw[LINE_COLUMN])
        text[name] = (ibis.row_number().over(w) + 1).cast("string")
    return raw.select(**{LINE_COLUMN: raw[LINE_COLUMN]}, **text)


def validate_rows(text: ir.Table, mapping: ResolvedMapping, engine: Engine) -> ir.Table:
    """Typed canonical fields + ``_line``, ``_row_id`` and ``_reason``, from ``clean_text``."""
    kind = mapping.kind
    values: dict[str, ir.Value] = {}
    reasons: list[ir.StringValue] = []
    for f in kind.fields:
        value, field_reasons = _typed(f, text[f.name], mapping, engine)
        values[f.name] = value
        reasons += field_reasons
    if kind.name in KIND_CHECKS:
        reasons += KIND_CHECKS[kind.name](values)
    return text.select(
        **{LINE_COLUMN: text[LINE_COLUMN]},
        **values,
        **{
            ROW_ID: row_id(kind, {f.name: text[f.name] for f in kind.fields}),
            REASON: ibis.coalesce(*reasons),
        },
    )


def duplicate_lines(validated: ir.Table) -> ir.Table:
    """Valid rows that repeat the key of an earlier valid row: ``_line`` and ``first``.

    A grouped count finds the (usually no) repeated keys cheaply; only those are joined
    back, so a clean file pays for one hash aggregation, not a window over every row.
    """
    valid = validated.filter(validated[REASON].isnull())
    keys = (
        valid.group_by(ROW_ID)
        .aggregate(n=valid.count(), first=valid[LINE_COLUMN].min())
        .filter(lambda t: t.n > 1)
    )
    dups = valid.join(keys, ROW_ID)
    return dups.filter(dups[LINE_COLUMN] != dups.first).select(LINE_COLUMN, "first")
