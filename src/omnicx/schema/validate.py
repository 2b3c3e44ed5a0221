"""Validate Segment Spec messages against the canonical model and flatten them to event rows.

Used by every path that accepts Segment messages (JSON Lines files, the HTTP collector),
so that a message means the same thing however it arrives.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson

from omnicx.schema.events import EVENTS, MESSAGE_TYPES, Prop
from omnicx.schema.sources import CHANNELS

# Segment libraries put their own words in `channel`; map them onto omnicx channels.
_SEGMENT_CHANNELS = {"browser": "web", "mobile": "app", "client": "web"}

_IDENTIFIER_TRAITS = {
    "email": "email",
    "phone": "phone",
    "loyalty_id": "loyalty_id",
    "loyaltyId": "loyalty_id",
    "payment_token": "payment_token",
    "crm_id": "crm_id",
}


class MessageError(ValueError):
    """A message that does not follow the canonical model; the text names the field."""


def _type_ok(value: Any, prop: Prop) -> bool:
    t = prop.type
    if t == "string":
        return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    if t == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if t == "integer":
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if t == "boolean":
        return isinstance(value, bool)
    if t == "array":
        return isinstance(value, list)
    return isinstance(value, dict)


def _check_prop(value: Any, prop: Prop, where: str) -> None:
    if not _type_ok(value, prop):
        raise MessageError(f"{where}.{prop.name}: expected {prop.type}, got {value!r}")
    if prop.values and value not in prop.values:
        raise MessageError(f"{where}.{prop.name}: {value!r} is not one of {', '.join(prop.values)}")
    if prop.minimum is not None and value < prop.minimum:
        raise MessageError(f"{where}.{prop.name}: {value!r} is below {prop.minimum:g}")
    if prop.maximum is not None and value > prop.maximum:
        raise MessageError(f"{where}.{prop.name}: {value!r} is above {prop.maximum:g}")


def parse_timestamp(value: Any, field: str) -> datetime:
    """An ISO 8601 timestamp as an aware UTC datetime (naive means UTC)."""
    if not isinstance(value, str):
        raise MessageError(f"{field}: expected an ISO 8601 timestamp string, got {value!r}")
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise MessageError(f"{field}: {value!r} is not an ISO 8601 timestamp") from None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC)


def _obj(msg: dict[str, Any], key: str) -> dict[str, Any]:
    value = msg.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MessageError(f"{key}: expected an object, got {type(value).__name__}")
    return value


def resolve_channel(msg: dict[str, Any], context: dict[str, Any], event: str | None) -> str:
    """The omnicx channel of a message: stated, mapped from Segment's, or inferred."""
    for raw in (context.get("channel"), msg.get("channel")):
        if raw is None or raw == "server":
            continue
        if not isinstance(raw, str):
            raise MessageError(f"context.channel: expected a string, got {raw!r}")
        value = _SEGMENT_CHANNELS.get(raw, raw)
        if value not in CHANNELS:
            raise MessageError(
                f"context.channel: {raw!r} is not a channel; valid: {', '.join(CHANNELS)}"
            )
        return value
    if msg.get("type") == "screen" or "app" in context or "os" in context:
        return "app"
    spec = EVENTS.get(event or "")
    if spec is not None and len(spec.channels) < len(CHANNELS):
        return spec.channels[0]
    return "web"


def content_id(*parts: object) -> str:
    """A stable id derived from content: re-sending the same content gives the same id."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(orjson.dumps(part, option=orjson.OPT_SORT_KEYS))
        h.update(b"\x1f")
    return h.hexdigest()


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def message_to_row(
    msg: Any,
    received_at: datetime,
    source_kind: str = "events",
    source_file: str | None = None,
) -> dict[str, Any]:
    """Validate one Segment message and return its flat `events` row.

    Raises MessageError naming the offending field. Clock skew is corrected as Segment
    does: timestamp + (receivedAt - sentAt) when the client sent ``sentAt``.
    """
    if not isinstance(msg, dict):
        raise MessageError(f"message: expected a JSON object, got {type(msg).__name__}")
    mtype = msg.get("type")
    if mtype not in MESSAGE_TYPES:
        raise MessageError(f"type: {mtype!r} is not one of {', '.join(MESSAGE_TYPES)}")
    properties = _obj(msg, "properties")
    traits = _obj(msg, "traits")
    context = _obj(msg, "context")
    context_traits: dict[str, Any] = (
        context["traits"] if isinstance(context.get("traits"), dict) else {}
    )

    user_id = _text(msg.get("userId"))
    anonymous_id = _text(msg.get("anonymousId"))
    if user_id is None and anonymous_id is None:
        raise MessageError("userId / anonymousId: a message needs at least one of them")

    event: str | None = None
    if mtype == "track":
        event = msg.get("event")
        if not isinstance(event, str) or not event.strip():
            raise MessageError("event: a track message needs a non-empty event name")
        spec = EVENTS.get(event)
        if spec is not None:
            for prop in spec.required:
                if properties.get(prop.name) is None:
                    raise MessageError(f"properties.{prop.name}: required by {event!r} but missing")
                _check_prop(properties[prop.name], prop, "properties")
            for prop in spec.optional:
                if properties.get(prop.name) is not None:
                    _check_prop(properties[prop.name], prop, "properties")
    elif mtype in ("page", "screen"):
        name = msg.get("name")
        event = name if isinstance(name, str) and name else None
    elif mtype == "alias":
        if _text(msg.get("previousId")) is None or user_id is None:
            raise MessageError("previousId / userId: an alias message needs both")
    elif mtype == "group" and _text(msg.get("groupId")) is None:
        raise MessageError("groupId: a group message needs a groupId")

    channel = resolve_channel(msg, context, event)
    if event is not None:
        spec = EVENTS.get(event)
        if spec is not None and channel not in spec.channels:
            raise MessageError(
                f"context.channel: {event!r} cannot happen on {channel!r}; "
                f"valid: {', '.join(spec.channels)}"
            )

    sent_at = parse_timestamp(msg["sentAt"], "sentAt") if msg.get("sentAt") else None
    if msg.get("timestamp"):
        timestamp = parse_timestamp(msg["timestamp"], "timestamp")
        if sent_at is not None:
            timestamp = timestamp + (received_at - sent_at)
    else:
        timestamp = received_at

    message_id = _text(msg.get("messageId")) or content_id(
        mtype, event, user_id, anonymous_id, msg.get("timestamp"), properties, traits
    )
    ids: dict[str, str | None] = {v: None for v in set(_IDENTIFIER_TRAITS.values())}
    for source in (context_traits, traits, properties):
        for key, column in _IDENTIFIER_TRAITS.items():
            if ids[column] is None and source.get(key) not in (None, ""):
                ids[column] = str(source[key])
    device: dict[str, Any] = context["device"] if isinstance(context.get("device"), dict) else {}
    revenue = properties.get("revenue", properties.get("total"))
    if mtype == "alias":
        properties = {**properties, "previous_id": str(msg["previousId"])}
    if mtype == "group":
        properties = {**properties, "group_id": str(msg["groupId"])}
    return {
        "message_id": message_id,
        "type": mtype,
        "event": event,
        "channel": channel,
        "store_id": _text(properties.get("store_id") or context.get("store_id")),
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "previous_id": _text(msg.get("previousId")) if mtype == "alias" else None,
        "email": ids["email"],
        "phone": ids["phone"],
        "loyalty_id": ids["loyalty_id"],
        "device_id": _text(device.get("id")),
        "payment_token": ids["payment_token"],
        "crm_id": ids["crm_id"],
        "order_id": _text(properties.get("order_id")),
        "revenue": float(revenue)
        if isinstance(revenue, int | float) and not isinstance(revenue, bool)
        else None,
        "timestamp": timestamp,
        "sent_at": sent_at,
        "received_at": received_at,
        "source_kind": source_kind,
        "source_file": source_file,
        "properties": orjson.dumps(properties).decode(),
        "traits": orjson.dumps(traits).decode() if traits else None,
        "context": orjson.dumps(context).decode() if context else None,
    }
