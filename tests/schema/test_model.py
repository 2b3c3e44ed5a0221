"""The canonical model: JSON Schema and docs come from one catalogue and cannot drift."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from omnicx.schema.events import EVENTS
from omnicx.schema.export import events_markdown, json_schema
from omnicx.schema.sources import SOURCE_KINDS
from omnicx.schema.validate import MessageError, message_to_row

DOCS = Path(__file__).parents[2] / "docs" / "events.md"
NOW = datetime(2025, 1, 1, tzinfo=UTC)

REQUIRED_OMNICX = [
    "Store Entered",
    "Store Exited",
    "POS Transaction Completed",
    "Item Returned",
    "Loyalty Points Earned",
    "Loyalty Points Redeemed",
    "Survey Responded",
    "Support Case Opened",
    "Support Case Resolved",
    "Social Mention",
    "Offer Shown",
    "Offer Accepted",
    "Offer Dismissed",
    "Experiment Viewed",
    "Consent Updated",
]
SEGMENT_ECOMMERCE = [
    "Products Searched",
    "Product List Viewed",
    "Product Viewed",
    "Product Added",
    "Product Removed",
    "Cart Viewed",
    "Checkout Started",
    "Order Completed",
    "Order Refunded",
    "Coupon Applied",
]


def test_docs_are_generated_from_the_catalogue() -> None:
    assert DOCS.read_text() == events_markdown(), (
        "docs/events.md drifted from omnicx.schema: run `omnicx schema docs`"
    )


def test_docs_name_every_event_and_source_field() -> None:
    text = events_markdown()
    for name in EVENTS:
        assert f"`{name}`" in text
    for kind in SOURCE_KINDS.values():
        assert f"### `{kind.name}`" in text
        for f in kind.fields:
            assert f"`{f.name}`" in text


def test_catalogue_covers_the_spec() -> None:
    for name in REQUIRED_OMNICX + SEGMENT_ECOMMERCE:
        assert name in EVENTS, name


def test_json_schema_is_valid_and_agrees_with_the_validator() -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    good = {
        "type": "track",
        "userId": "u1",
        "event": "Survey Responded",
        "properties": {"survey_type": "nps", "score": 9},
        "context": {"channel": "email"},
    }
    bad_score = {**good, "properties": {"survey_type": "nps", "score": 11}}
    missing = {**good, "properties": {"score": 9}}
    no_ids = {"type": "track", "event": "X"}
    assert v.is_valid(good)
    message_to_row(good, NOW)
    for msg in (bad_score, missing, no_ids):
        assert not v.is_valid(msg), msg
        with pytest.raises(MessageError):
            message_to_row(msg, NOW)


def test_validator_messages_name_the_field() -> None:
    base = {"type": "track", "anonymousId": "a"}
    cases = {
        "event: a track message needs": {**base},
        "properties.total: expected number": {
            **base,
            "event": "Order Completed",
            "properties": {"order_id": "1", "total": "x"},
        },
        "context.channel: 'Store Entered' cannot happen on 'web'": {
            **base,
            "event": "Store Entered",
            "properties": {"store_id": "S1"},
            "context": {"channel": "web"},
        },
        "context.channel: 'fax' is not a channel": {
            **base,
            "event": "X",
            "context": {"channel": "fax"},
        },
        "timestamp: 'soon' is not an ISO 8601": {**base, "event": "X", "timestamp": "soon"},
    }
    for expected, msg in cases.items():
        with pytest.raises(MessageError, match=expected.replace("(", r"\(")):
            message_to_row(msg, NOW)


def test_clock_skew_is_corrected_from_sent_at() -> None:
    msg = {
        "type": "track",
        "anonymousId": "a",
        "event": "X",
        "timestamp": "2025-01-01T09:00:00Z",
        "sentAt": "2025-01-01T09:05:00Z",
    }
    row = message_to_row(msg, datetime(2025, 1, 1, 10, 5, tzinfo=UTC))
    assert row["timestamp"] == datetime(2025, 1, 1, 10, 0, tzinfo=UTC)


def test_segment_channels_map_and_missing_message_id_is_content_derived() -> None:
    msg = {
        "type": "page",
        "anonymousId": "a",
        "channel": "browser",
        "timestamp": "2025-01-01T00:00:00Z",
    }
    a, b = message_to_row(msg, NOW), message_to_row(dict(msg), NOW)
    assert a["channel"] == "web" and a["message_id"] == b["message_id"]
    assert json.loads(a["properties"]) == {}
