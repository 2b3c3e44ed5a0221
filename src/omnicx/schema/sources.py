"""Batch source kinds: the canonical fields each file source is mapped onto.

A source file (CSV, Parquet, JSON Lines) is mapped column-by-column onto one of these
kinds by a declarative mapping (see ``omnicx.ingest.mapping``). Each kind says which
fields it has, which are required, their types, and what it becomes: canonical events in
the event log, rows of a warehouse table, or both.

The default mapping of every kind is the identity: a column named like the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldType = Literal["string", "timestamp", "date", "number", "integer", "enum"]

CHANNELS: tuple[str, ...] = (
    "web",
    "app",
    "store",
    "email",
    "sms",
    "push",
    "call_center",
    "chat",
    "social",
    "kiosk",
)


@dataclass(frozen=True)
class SourceField:
    """One canonical field of a source kind."""

    name: str
    type: FieldType
    required: bool = False
    description: str = ""
    values: tuple[str, ...] = ()  # the valid values of an enum field
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class SourceKind:
    """A batch source: its fields, its natural key and what its rows become."""

    name: str
    description: str
    fields: tuple[SourceField, ...]
    key: tuple[str, ...]  # fields that identify a row; the content-derived id hashes these
    table: str  # warehouse table the accepted rows land in
    emits_events: bool = True  # rows (or groups of rows) become canonical events
    grain: str = "row"  # what one row is, for the docs
    # (field, group): when the file has no column for `field`, number the rows within
    # each group in file order, e.g. receipt lines within a transaction.
    sequence: tuple[str, tuple[str, ...]] | None = None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


def _s(name: str, required: bool = False, description: str = "") -> SourceField:
    return SourceField(name, "string", required, description)


def _ts(name: str, required: bool = False, description: str = "") -> SourceField:
    return SourceField(name, "timestamp", required, description)


def _num(
    name: str,
    required: bool = False,
    description: str = "",
    minimum: float | None = None,
    maximum: float | None = None,
) -> SourceField:
    return SourceField(name, "number", required, description, minimum=minimum, maximum=maximum)


def _int(
    name: str,
    required: bool = False,
    description: str = "",
    minimum: float | None = None,
    maximum: float | None = None,
) -> SourceField:
    return SourceField(name, "integer", required, description, minimum=minimum, maximum=maximum)


def _enum(
    name: str, values: tuple[str, ...], required: bool = False, description: str = ""
) -> SourceField:
    return SourceField(name, "enum", required, description, values=values)


# Identity and contact fields shared by customer-facing sources.
_PERSON = (
    _s("email", description="e-mail address as captured (normalised later)"),
    _s("phone", description="phone number in any format (normalised to E.164 later)"),
    _s("first_name"),
    _s("last_name"),
    _s("address", description="street address line"),
    _s("postcode"),
    _s("city"),
)

SOURCE_KINDS: dict[str, SourceKind] = {}


def _register(kind: SourceKind) -> None:
    SOURCE_KINDS[kind.name] = kind


_register(
    SourceKind(
        name="orders",
        description="Online order headers (web, app, kiosk), one row per order.",
        grain="order",
        key=("order_id",),
        table="orders",
        fields=(
            _s("order_id", True),
            _ts("ordered_at", True, "when the order was placed"),
            _num("total", True, "order total after discounts, tax included", minimum=0),
            _enum("channel", ("web", "app", "kiosk"), description="default: web"),
            _s("user_id", description="the retailer's account id; empty for guest checkout"),
            _s("anonymous_id", description="web/app cookie or device-scoped anonymous id"),
            _s("loyalty_id"),
            *_PERSON,
            _s("currency", description="ISO 4217 code; default: the workspace currency"),
            _num("discount", description="total discount granted", minimum=0),
            _num("shipping", minimum=0),
            _s("coupon_code"),
            _enum(
                "fulfilment",
                ("delivery", "click_and_collect"),
                description="default: delivery",
            ),
            _s("store_id", description="collection store for click-and-collect"),
        ),
    )
)

_register(
    SourceKind(
        name="order_lines",
        description="Lines of online orders, one row per order line.",
        grain="order line",
        key=("order_id", "line_number"),
        table="order_lines",
        sequence=("line_number", ("order_id",)),
        emits_events=False,
        fields=(
            _s("order_id", True),
            _int(
                "line_number",
                True,
                "position in the order; default: order of the lines in the file",
                minimum=1,
            ),
            _s("sku", True),
            _int("quantity", True, minimum=1),
            _num("unit_price", True, minimum=0),
            _num("discount", minimum=0),
        ),
    )
)

_register(
    SourceKind(
        name="pos",
        description=(
            "Point-of-sale receipt lines, one row per line. A receipt identifies its "
            "customer by loyalty id, or only by a payment token, or not at all (anonymous)."
        ),
        grain="receipt line; lines of one transaction_id become one "
        "`POS Transaction Completed` event",
        key=("store_id", "transaction_id", "line_number"),
        table="pos_lines",
        sequence=("line_number", ("store_id", "transaction_id")),
        fields=(
            _s("transaction_id", True),
            _s("store_id", True),
            _ts("occurred_at", True),
            _int(
                "line_number",
                True,
                "position on the receipt; default: order of the lines in the file",
                minimum=1,
            ),
            _s("sku", True),
            _int("quantity", True, description="negative for an item refunded at the till"),
            _num("unit_price", True, minimum=0),
            _num("discount", minimum=0),
            _s("loyalty_id"),
            _s("payment_token", description="tokenised card (never a card number)"),
            _s("coupon_code"),
            _s("staff_id"),
            _enum("channel", ("store", "kiosk"), description="default: store"),
            *_PERSON,
        ),
    )
)

_register(
    SourceKind(
        name="returns",
        description="Returned items, in store or by post, one row per returned line.",
        grain="returned item",
        key=("return_id", "sku"),
        table="returns",
        fields=(
            _s("return_id", True),
            _ts("returned_at", True),
            _s("sku", True),
            _int("quantity", True, minimum=1),
            _num("refund_amount", True, minimum=0),
            _s("order_id", description="original online order"),
            _s("transaction_id", description="original POS transaction"),
            _enum("channel", ("store", "web", "app"), description="default: store"),
            _s("store_id"),
            _s("reason"),
            _s("loyalty_id"),
            _s("email"),
            _s("user_id"),
        ),
    )
)

_register(
    SourceKind(
        name="crm_customers",
        description="Customer records from a CRM, one row per CRM contact.",
        grain="CRM contact; becomes an `identify` event",
        key=("crm_id", "updated_at"),
        table="crm_customers",
        fields=(
            _s("crm_id", True),
            _ts("updated_at", True, "when the record was last changed"),
            _ts("created_at"),
            _s("user_id"),
            _s("loyalty_id"),
            *_PERSON,
            _s("country", description="ISO 3166-1 alpha-2"),
            SourceField("birth_date", "date"),
            _enum("gender", ("female", "male", "other", "unknown")),
            _enum("channel", CHANNELS, description="where the contact signed up; default: store"),
        ),
    )
)

_register(
    SourceKind(
        name="email_engagement",
        description=(
            "Messaging platform events for e-mail, SMS and push campaigns: sends, opens, "
            "clicks, bounces, unsubscribes."
        ),
        grain="message event",
        key=("campaign_id", "channel", "event_type", "occurred_at", "email", "phone", "device_id"),
        table="message_events",
        fields=(
            _ts("occurred_at", True),
            _s("campaign_id", True),
            _enum("event_type", ("send", "open", "click", "bounce", "unsubscribe"), True),
            _enum("channel", ("email", "sms", "push"), description="default: email"),
            _s("email", description="recipient (e-mail)"),
            _s("phone", description="recipient (SMS)"),
            _s("device_id", description="recipient (push)"),
            _s("campaign_name"),
            _s("url", description="clicked link"),
        ),
    )
)

_register(
    SourceKind(
        name="surveys",
        description="Survey responses: NPS (0-10) or CSAT (1-5), with channel and journey step.",
        grain="response",
        key=("response_id",),
        table="survey_responses",
        fields=(
            _s("response_id", True),
            _ts("responded_at", True),
            _enum("survey_type", ("nps", "csat"), True),
            _int("score", True, "NPS 0-10, CSAT 1-5 (checked per survey_type)", 0, 10),
            _enum("channel", CHANNELS, True, "the channel the response is about"),
            _s(
                "journey_step",
                description="e.g. browse, purchase, delivery, collection, return, support",
            ),
            _s("comment"),
            _s("store_id"),
            _s("user_id"),
            _s("loyalty_id"),
            *_PERSON,
        ),
    )
)

_register(
    SourceKind(
        name="support_cases",
        description="Support desk cases from the call centre, chat or e-mail.",
        grain="case; becomes `Support Case Opened` (+ `Support Case Resolved` if resolved)",
        key=("case_id",),
        table="support_cases",
        fields=(
            _s("case_id", True),
            _ts("opened_at", True),
            _enum("channel", ("call_center", "chat", "email", "social", "store"), True),
            _ts("resolved_at"),
            _s("topic", description="e.g. delivery, refund, product, account"),
            _enum("priority", ("low", "normal", "high", "urgent")),
            _s("order_id"),
            _s("user_id"),
            _s("loyalty_id"),
            *_PERSON,
        ),
    )
)

_register(
    SourceKind(
        name="store_visits",
        description="Store visits detected by beacons or in-store WiFi.",
        grain="visit; becomes `Store Entered` (+ `Store Exited` if known)",
        key=("store_id", "device_id", "entered_at"),
        table="store_visits",
        fields=(
            _s("store_id", True),
            _s("device_id", True, "the app's device id or a hashed WiFi MAC"),
            _ts("entered_at", True),
            _ts("exited_at"),
            _enum("detector", ("beacon", "wifi"), description="default: beacon"),
            _s("zone", description="e.g. entrance, shoes, checkout"),
            _s("user_id", description="when the app is logged in"),
        ),
    )
)

_register(
    SourceKind(
        name="social_mentions",
        description="Public social-media mentions of the brand, with sentiment.",
        grain="mention",
        key=("mention_id",),
        table="social_mentions",
        fields=(
            _s("mention_id", True),
            _ts("posted_at", True),
            _s("platform", True, "e.g. x, instagram, facebook, tiktok, trustpilot"),
            _s("handle", True, "the author's handle on the platform"),
            _num("sentiment", True, "-1 (negative) to 1 (positive)", -1, 1),
            _s("text"),
            _s("url"),
            _s("email", description="when the platform or a support agent linked it"),
        ),
    )
)

_register(
    SourceKind(
        name="products",
        description="The product catalogue, one row per SKU.",
        grain="SKU",
        key=("sku", "name", "category", "price", "cost"),
        table="products",
        emits_events=False,
        fields=(
            _s("sku", True),
            _s("name", True),
            _s("category", True),
            _s("subcategory"),
            _s("brand"),
            _num("price", True, minimum=0),
            _num("cost", minimum=0),
            SourceField("launched_at", "date"),
        ),
    )
)

_register(
    SourceKind(
        name="stores",
        description="Physical stores, one row per store.",
        grain="store",
        key=("store_id", "name", "format", "city", "postcode"),
        table="stores",
        emits_events=False,
        fields=(
            _s("store_id", True),
            _s("name", True),
            _s("city"),
            _s("postcode"),
            _s("region"),
            _s("country"),
            _num("latitude", minimum=-90, maximum=90),
            _num("longitude", minimum=-180, maximum=180),
            _enum("format", ("flagship", "standard", "express", "outlet")),
            SourceField("opened_at", "date"),
        ),
    )
)

_register(
    SourceKind(
        name="inventory",
        description="Inventory snapshots: stock on hand per SKU and store (or warehouse).",
        grain="SKU x location x snapshot date",
        key=("snapshot_date", "store_id", "sku"),
        table="inventory_snapshots",
        emits_events=False,
        fields=(
            SourceField("snapshot_date", "date", True),
            _s("store_id", True, "a store id, or a warehouse id such as WH1"),
            _s("sku", True),
            _int("on_hand", True, minimum=0),
            _int("on_order", minimum=0),
        ),
    )
)


def source_kind(name: str) -> SourceKind:
    """Look up a source kind; the error lists the valid kinds."""
    from omnicx.errors import UnknownSourceKind

    try:
        return SOURCE_KINDS[name]
    except KeyError:
        raise UnknownSourceKind(name, sorted(SOURCE_KINDS)) from None
