"""The canonical event model: Segment Spec messages, e-commerce v2 events, omnicx retail events.

One catalogue (``EVENTS``) is the single source for validation, the JSON Schema
(``omnicx schema export``) and the human page ``docs/events.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from omnicx.schema.sources import CHANNELS

MessageType = Literal["track", "identify", "page", "screen", "alias", "group"]
MESSAGE_TYPES: tuple[str, ...] = ("track", "identify", "page", "screen", "alias", "group")

PropType = Literal["string", "number", "integer", "boolean", "array", "object"]


@dataclass(frozen=True)
class Prop:
    """A property of an event."""

    name: str
    type: PropType
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventSpec:
    """A named track event: what it means and the properties it must and may carry."""

    name: str
    group: str
    description: str
    required: tuple[Prop, ...] = ()
    optional: tuple[Prop, ...] = ()
    channels: tuple[str, ...] = CHANNELS
    origin: Literal["segment", "omnicx"] = "segment"
    notes: str = ""
    aliases: tuple[str, ...] = field(default=())


def _p(name: str, type_: PropType = "string", description: str = "", **kw: object) -> Prop:
    return Prop(name, type_, description, **kw)  # type: ignore[arg-type]


_PRODUCT = (
    _p("product_id", description="database id of the product"),
    _p("sku"),
    _p("category"),
    _p("name"),
    _p("brand"),
    _p("price", "number", minimum=0),
    _p("quantity", "integer"),
    _p("coupon"),
)
_ORDER_OPTIONAL = (
    _p("checkout_id"),
    _p("affiliation", description="store or affiliation the order came from"),
    _p("subtotal", "number"),
    _p("revenue", "number", "revenue excluding shipping and tax"),
    _p("shipping", "number", minimum=0),
    _p("tax", "number", minimum=0),
    _p("discount", "number", minimum=0),
    _p("coupon"),
    _p("currency", description="ISO 4217"),
    _p("products", "array", "the products of the order"),
)
_DIGITAL = ("web", "app", "kiosk")

_SEGMENT_ECOMMERCE = [
    EventSpec(
        "Products Searched",
        "browsing",
        "User searched for products.",
        optional=(_p("query"),),
        channels=_DIGITAL,
    ),
    EventSpec(
        "Product List Viewed",
        "browsing",
        "User viewed a product list or category.",
        optional=(_p("list_id"), _p("category"), _p("products", "array")),
        channels=_DIGITAL,
    ),
    EventSpec(
        "Product List Filtered",
        "browsing",
        "User filtered a product list.",
        optional=(_p("list_id"), _p("filters", "array"), _p("sorts", "array")),
        channels=_DIGITAL,
    ),
    EventSpec(
        "Product Clicked",
        "browsing",
        "User clicked a product in a list.",
        optional=_PRODUCT,
        channels=_DIGITAL,
    ),
    EventSpec(
        "Product Viewed",
        "browsing",
        "User viewed a product's details.",
        optional=_PRODUCT,
        channels=_DIGITAL,
    ),
    EventSpec(
        "Promotion Viewed",
        "promotions",
        "User viewed an internal promotion.",
        optional=(_p("promotion_id"), _p("creative"), _p("name"), _p("position")),
    ),
    EventSpec(
        "Promotion Clicked",
        "promotions",
        "User clicked an internal promotion.",
        optional=(_p("promotion_id"), _p("creative"), _p("name"), _p("position")),
    ),
    EventSpec(
        "Product Added",
        "ordering",
        "User added a product to the cart.",
        optional=(_p("cart_id"), *_PRODUCT),
        channels=_DIGITAL,
    ),
    EventSpec(
        "Product Removed",
        "ordering",
        "User removed a product from the cart.",
        optional=(_p("cart_id"), *_PRODUCT),
        channels=_DIGITAL,
    ),
    EventSpec(
        "Cart Viewed",
        "ordering",
        "User viewed the cart.",
        optional=(_p("cart_id"), _p("products", "array")),
        channels=_DIGITAL,
    ),
    EventSpec(
        "Checkout Started",
        "ordering",
        "User started the checkout.",
        optional=(_p("order_id"), _p("value", "number"), *_ORDER_OPTIONAL),
        channels=_DIGITAL,
    ),
    EventSpec(
        "Checkout Step Viewed",
        "ordering",
        "User viewed a checkout step.",
        optional=(_p("checkout_id"), _p("step", "integer"), _p("shipping_method")),
        channels=_DIGITAL,
    ),
    EventSpec(
        "Checkout Step Completed",
        "ordering",
        "User completed a checkout step.",
        optional=(_p("checkout_id"), _p("step", "integer"), _p("payment_method")),
        channels=_DIGITAL,
    ),
    EventSpec(
        "Payment Info Entered",
        "ordering",
        "User entered payment information.",
        optional=(_p("checkout_id"), _p("order_id")),
        channels=_DIGITAL,
    ),
    EventSpec(
        "Order Completed",
        "ordering",
        "An order was placed and paid.",
        required=(_p("order_id"), _p("total", "number", "order total", minimum=0)),
        optional=(
            *_ORDER_OPTIONAL,
            _p("fulfilment", values=("delivery", "click_and_collect")),
            _p("store_id", description="collection store for click-and-collect"),
        ),
        channels=_DIGITAL,
    ),
    EventSpec(
        "Order Updated",
        "ordering",
        "An order was changed.",
        required=(_p("order_id"),),
        optional=_ORDER_OPTIONAL,
    ),
    EventSpec(
        "Order Refunded",
        "ordering",
        "An order was refunded in full or in part.",
        required=(_p("order_id"),),
        optional=(_p("total", "number"), _p("products", "array")),
    ),
    EventSpec(
        "Order Cancelled",
        "ordering",
        "An order was cancelled.",
        required=(_p("order_id"),),
        optional=_ORDER_OPTIONAL,
    ),
    EventSpec(
        "Coupon Entered",
        "coupons",
        "User entered a coupon code.",
        optional=(_p("order_id"), _p("cart_id"), _p("coupon_id")),
    ),
    EventSpec(
        "Coupon Applied",
        "coupons",
        "A coupon was applied to an order.",
        optional=(
            _p("order_id"),
            _p("cart_id"),
            _p("coupon_id"),
            _p("coupon_name"),
            _p("discount", "number"),
        ),
    ),
    EventSpec(
        "Coupon Denied",
        "coupons",
        "A coupon was rejected.",
        optional=(_p("order_id"), _p("coupon_id"), _p("reason")),
    ),
    EventSpec(
        "Product Added to Wishlist",
        "wishlist",
        "User added a product to a wishlist.",
        optional=(_p("wishlist_id"), *_PRODUCT),
        channels=_DIGITAL,
    ),
    EventSpec(
        "Product Shared", "sharing", "User shared a product.", optional=(_p("share_via"), *_PRODUCT)
    ),
    EventSpec(
        "Product Reviewed",
        "reviewing",
        "User reviewed a product.",
        optional=(_p("product_id"), _p("review_id"), _p("rating", "number")),
    ),
    EventSpec("Signed Up", "account", "User created an account.", optional=(_p("method"),)),
    EventSpec("Signed In", "account", "User signed in.", optional=(_p("method"),)),
    EventSpec("Signed Out", "account", "User signed out."),
]

_SEGMENT_MESSAGING = [
    EventSpec(
        "Email Delivered",
        "messaging",
        "A campaign e-mail was delivered.",
        required=(_p("campaign_id"),),
        optional=(_p("campaign_name"),),
        channels=("email",),
    ),
    EventSpec(
        "Email Opened",
        "messaging",
        "A campaign e-mail was opened.",
        required=(_p("campaign_id"),),
        optional=(_p("campaign_name"),),
        channels=("email",),
    ),
    EventSpec(
        "Email Link Clicked",
        "messaging",
        "A link in a campaign e-mail was clicked.",
        required=(_p("campaign_id"),),
        optional=(_p("campaign_name"), _p("link_url")),
        channels=("email",),
    ),
    EventSpec(
        "Email Bounced",
        "messaging",
        "A campaign e-mail bounced.",
        required=(_p("campaign_id"),),
        optional=(_p("campaign_name"),),
        channels=("email",),
    ),
    EventSpec(
        "Unsubscribed",
        "messaging",
        "The person unsubscribed from a channel.",
        optional=(_p("campaign_id"), _p("campaign_name")),
        channels=("email", "sms", "push"),
    ),
    EventSpec(
        "Push Notification Received",
        "messaging",
        "A push notification was delivered.",
        required=(_p("campaign_id"),),
        optional=(_p("campaign_name"),),
        channels=("push",),
    ),
    EventSpec(
        "Push Notification Tapped",
        "messaging",
        "A push notification was opened.",
        required=(_p("campaign_id"),),
        optional=(_p("campaign_name"),),
        channels=("push",),
    ),
    EventSpec(
        "Push Notification Bounced",
        "messaging",
        "A push notification failed.",
        required=(_p("campaign_id"),),
        channels=("push",),
    ),
    EventSpec(
        "SMS Delivered",
        "messaging",
        "A campaign SMS was delivered.",
        required=(_p("campaign_id"),),
        optional=(_p("campaign_name"),),
        channels=("sms",),
        origin="omnicx",
    ),
    EventSpec(
        "SMS Link Clicked",
        "messaging",
        "A link in a campaign SMS was clicked.",
        required=(_p("campaign_id"),),
        optional=(_p("campaign_name"), _p("link_url")),
        channels=("sms",),
        origin="omnicx",
    ),
    EventSpec(
        "SMS Bounced",
        "messaging",
        "A campaign SMS could not be delivered.",
        required=(_p("campaign_id"),),
        channels=("sms",),
        origin="omnicx",
    ),
]

_SCORE = _p("score", "integer", "NPS 0-10 or CSAT 1-5", minimum=0, maximum=10)

_OMNICX = [
    EventSpec(
        "Store Entered",
        "store",
        "A known device was detected entering a store.",
        required=(_p("store_id"),),
        optional=(_p("detector", values=("beacon", "wifi")), _p("zone"), _p("visit_id")),
        channels=("store",),
        origin="omnicx",
    ),
    EventSpec(
        "Store Exited",
        "store",
        "A known device was detected leaving a store.",
        required=(_p("store_id"),),
        optional=(
            _p("detector", values=("beacon", "wifi")),
            _p("dwell_seconds", "number", minimum=0),
            _p("visit_id"),
        ),
        channels=("store",),
        origin="omnicx",
    ),
    EventSpec(
        "POS Transaction Completed",
        "store",
        "A till receipt: one in-store purchase.",
        required=(_p("transaction_id"), _p("store_id"), _p("total", "number")),
        optional=(
            _p("products", "array"),
            _p("discount", "number"),
            _p("coupon"),
            _p("staff_id"),
            _p("items", "integer"),
            _p("currency"),
        ),
        channels=("store", "kiosk"),
        origin="omnicx",
        notes="Identified by `loyalty_id`, by `payment_token` only, or anonymous.",
    ),
    EventSpec(
        "Item Returned",
        "store",
        "A purchased item was returned.",
        required=(_p("return_id"), _p("sku"), _p("quantity", "integer", minimum=1)),
        optional=(
            _p("refund_amount", "number", minimum=0),
            _p("order_id"),
            _p("transaction_id"),
            _p("reason"),
            _p("store_id"),
        ),
        channels=("store", "web", "app"),
        origin="omnicx",
    ),
    EventSpec(
        "Loyalty Points Earned",
        "loyalty",
        "Loyalty points were credited.",
        required=(_p("points", "integer", minimum=0),),
        optional=(_p("reason"), _p("order_id"), _p("transaction_id")),
        origin="omnicx",
    ),
    EventSpec(
        "Loyalty Points Redeemed",
        "loyalty",
        "Loyalty points were spent.",
        required=(_p("points", "integer", minimum=0),),
        optional=(_p("reward"), _p("order_id"), _p("transaction_id")),
        origin="omnicx",
    ),
    EventSpec(
        "Survey Responded",
        "feedback",
        "An NPS or CSAT survey was answered.",
        required=(_p("survey_type", values=("nps", "csat")), _SCORE),
        optional=(_p("response_id"), _p("journey_step"), _p("comment"), _p("store_id")),
        origin="omnicx",
        notes="`channel` is the channel the response is about. NPS scores 0-10, CSAT 1-5.",
    ),
    EventSpec(
        "Support Case Opened",
        "support",
        "A support case was opened.",
        required=(_p("case_id"),),
        optional=(_p("topic"), _p("priority"), _p("order_id")),
        channels=("call_center", "chat", "email", "social", "store"),
        origin="omnicx",
    ),
    EventSpec(
        "Support Case Resolved",
        "support",
        "A support case was resolved.",
        required=(_p("case_id"),),
        optional=(_p("topic"), _p("resolution_hours", "number", minimum=0)),
        channels=("call_center", "chat", "email", "social", "store"),
        origin="omnicx",
    ),
    EventSpec(
        "Social Mention",
        "social",
        "A public post mentioned the brand.",
        required=(
            _p("mention_id"),
            _p("platform"),
            _p("handle"),
            _p("sentiment", "number", "-1 to 1", minimum=-1, maximum=1),
        ),
        optional=(_p("text"), _p("url")),
        channels=("social",),
        origin="omnicx",
    ),
    EventSpec(
        "Offer Shown",
        "offers",
        "A personalised offer was shown.",
        required=(_p("offer_id"),),
        optional=(_p("placement"), _p("decision_id")),
        origin="omnicx",
    ),
    EventSpec(
        "Offer Accepted",
        "offers",
        "A personalised offer was accepted.",
        required=(_p("offer_id"),),
        optional=(_p("decision_id"),),
        origin="omnicx",
    ),
    EventSpec(
        "Offer Dismissed",
        "offers",
        "A personalised offer was dismissed.",
        required=(_p("offer_id"),),
        optional=(_p("decision_id"),),
        origin="omnicx",
    ),
    EventSpec(
        "Experiment Viewed",
        "experiments",
        "The person was exposed to an experiment.",
        required=(_p("experiment_id"), _p("variation_id")),
        optional=(_p("experiment_name"), _p("variation_name")),
        origin="omnicx",
    ),
    EventSpec(
        "Consent Updated",
        "privacy",
        "The person granted or withdrew consent.",
        required=(
            _p(
                "purposes",
                "object",
                'purpose -> granted (true/false), e.g. {"marketing_email": true}',
            ),
        ),
        optional=(_p("source"), _p("regulation", values=("gdpr", "ccpa"))),
        origin="omnicx",
    ),
]

EVENTS: dict[str, EventSpec] = {
    e.name: e for e in _SEGMENT_ECOMMERCE + _SEGMENT_MESSAGING + _OMNICX
}

# Identifier types promoted to columns of `events`, most trusted first (the default of
# `[identity] priorities`).
IDENTIFIER_COLUMNS: tuple[str, ...] = (
    "user_id",
    "crm_id",
    "loyalty_id",
    "email",
    "phone",
    "payment_token",
    "device_id",
    "anonymous_id",
)

# Columns of the warehouse `events` table (the event log's Parquet schema), in order.
# Identifiers are promoted to columns because identity resolution reads them for every
# event; the rest of the message stays as JSON text.
EVENT_COLUMNS: dict[str, str] = {
    "message_id": "string",
    "type": "string",
    "event": "string",
    "channel": "string",
    "store_id": "string",
    "user_id": "string",
    "anonymous_id": "string",
    "previous_id": "string",
    "email": "string",
    "phone": "string",
    "loyalty_id": "string",
    "device_id": "string",
    "payment_token": "string",
    "crm_id": "string",
    "order_id": "string",
    "revenue": "float64",
    "timestamp": "timestamp('UTC')",
    "sent_at": "timestamp('UTC')",
    "received_at": "timestamp('UTC')",
    "source_kind": "string",
    "source_file": "string",
    "properties": "string",
    "traits": "string",
    "context": "string",
}
