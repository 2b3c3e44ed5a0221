"""Turn accepted rows of a source kind into canonical events (Ibis expressions).

Each builder takes the typed accepted rows of one kind and returns a table with exactly
the columns of ``EVENT_COLUMNS``. Message ids are content-derived, so re-importing a
file produces the same ids and adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir

from omnicx.portable import to_json
from omnicx.schema.events import EVENT_COLUMNS


def as_json(fields: dict[str, ir.Value]) -> ir.StringValue:
    """A JSON object text of the given fields."""
    return to_json(ibis.struct(fields)).cast("string")


def _msg_id(*parts: ir.Value) -> ir.StringValue:
    joined: ir.StringValue = ibis.literal("")
    for p in parts:
        if p.type().is_timestamp():
            # Backends print timestamps differently; epoch seconds read the same on all.
            p = p.epoch_seconds().cast("int64")
        joined = joined + ibis.literal("\x1f") + p.cast("string").fill_null("")
    return joined.hexdigest("md5")


def record_message_id(kind: str, t: ir.Table) -> ir.StringValue:
    """The id of the event a row of ``kind`` becomes (the first, for two-event kinds)."""
    keys: dict[str, tuple[ir.Value, ...]] = {
        "orders": (t.order_id,) if "order_id" in t.columns else (),
        "pos": (t.store_id, t.transaction_id) if "transaction_id" in t.columns else (),
        "crm_customers": (t.crm_id, t.updated_at) if "crm_id" in t.columns else (),
        "surveys": (t.response_id,) if "response_id" in t.columns else (),
        "support_cases": (t.case_id, ibis.literal("opened")) if "case_id" in t.columns else (),
        "returns": (t.return_id, t.sku) if "return_id" in t.columns else (),
        "social_mentions": (t.mention_id,) if "mention_id" in t.columns else (),
    }
    return _msg_id(ibis.literal(kind), *keys[kind])


_S = ibis.null().cast("string")
_F = ibis.null().cast("float64")
_TS = ibis.null().cast("timestamp('UTC')")


def _event(t: ir.Table, kind: str, source_file: str, **cols: Any) -> ir.Table:
    """Select ``cols`` into the events schema; absent columns are NULL."""
    out: dict[str, ir.Value] = {}
    for name, dtype in EVENT_COLUMNS.items():
        value = cols.get(name)
        if value is None:
            value = ibis.null().cast(dtype)
        elif not isinstance(value, ir.Value):
            value = ibis.literal(value)
        out[name] = value.cast(dtype)
    out["source_kind"] = ibis.literal(kind)
    out["source_file"] = ibis.literal(source_file)
    return t.select(**out)


def _person_traits(t: ir.Table) -> ir.StringValue:
    return as_json(
        {
            c: t[c]
            for c in ("first_name", "last_name", "email", "phone", "address", "postcode", "city")
        }
    )


def _orders(t: ir.Table, f: str, now: ir.Value) -> ir.Table:
    props = {
        "order_id": t.order_id,
        "total": t.total,
        "revenue": t.total,
        "currency": t.currency,
        "discount": t.discount,
        "shipping": t.shipping,
        "coupon": t.coupon_code,
        "fulfilment": t.fulfilment.fill_null("delivery"),
        "store_id": t.store_id,
    }
    return _event(
        t,
        "orders",
        f,
        message_id=_msg_id(ibis.literal("orders"), t.order_id),
        type="track",
        event="Order Completed",
        channel=t.channel.fill_null("web"),
        store_id=t.store_id,
        user_id=t.user_id,
        anonymous_id=t.anonymous_id,
        email=t.email,
        phone=t.phone,
        loyalty_id=t.loyalty_id,
        order_id=t.order_id,
        revenue=t.total,
        timestamp=t.ordered_at,
        received_at=now,
        properties=as_json(props),
        traits=_person_traits(t),
    )


def _pos(t: ir.Table, f: str, now: ir.Value) -> ir.Table:
    line_total = t.quantity * t.unit_price - t.discount.fill_null(0)
    lines = t.mutate(_line_total=line_total)
    g = lines.group_by(["store_id", "transaction_id"]).aggregate(
        occurred_at=lines.occurred_at.min(),
        total=lines._line_total.sum(),
        discount=lines.discount.sum(),
        items=lines.quantity.sum(),
        loyalty_id=lines.loyalty_id.max(),
        payment_token=lines.payment_token.max(),
        coupon=lines.coupon_code.max(),
        staff_id=lines.staff_id.max(),
        channel=lines.channel.max(),
        first_name=lines.first_name.max(),
        last_name=lines.last_name.max(),
        email=lines.email.max(),
        phone=lines.phone.max(),
        address=lines.address.max(),
        postcode=lines.postcode.max(),
        city=lines.city.max(),
        products=ibis.struct(
            {"sku": lines.sku, "quantity": lines.quantity, "price": lines.unit_price}
        ).collect(),
    )
    props = {
        "transaction_id": g.transaction_id,
        "store_id": g.store_id,
        "total": g.total,
        "discount": g.discount,
        "items": g.items,
        "coupon": g.coupon,
        "staff_id": g.staff_id,
        "products": g.products,
    }
    return _event(
        g,
        "pos",
        f,
        message_id=_msg_id(ibis.literal("pos"), g.store_id, g.transaction_id),
        type="track",
        event="POS Transaction Completed",
        channel=g.channel.fill_null("store"),
        store_id=g.store_id,
        email=g.email,
        phone=g.phone,
        loyalty_id=g.loyalty_id,
        payment_token=g.payment_token,
        order_id=g.transaction_id,
        revenue=g.total,
        timestamp=g.occurred_at,
        received_at=now,
        properties=as_json(props),
        traits=_person_traits(g),
    )


def _returns(t: ir.Table, f: str, now: ir.Value) -> ir.Table:
    props = {
        "return_id": t.return_id,
        "sku": t.sku,
        "quantity": t.quantity,
        "refund_amount": t.refund_amount,
        "order_id": t.order_id,
        "transaction_id": t.transaction_id,
        "reason": t.reason,
        "store_id": t.store_id,
    }
    return _event(
        t,
        "returns",
        f,
        message_id=_msg_id(ibis.literal("returns"), t.return_id, t.sku),
        type="track",
        event="Item Returned",
        channel=t.channel.fill_null("store"),
        store_id=t.store_id,
        user_id=t.user_id,
        email=t.email,
        loyalty_id=t.loyalty_id,
        order_id=t.order_id.fill_null(t.transaction_id),
        revenue=-t.refund_amount,
        timestamp=t.returned_at,
        received_at=now,
        properties=as_json(props),
    )


def _crm(t: ir.Table, f: str, now: ir.Value) -> ir.Table:
    traits = {
        c: t[c]
        for c in (
            "crm_id",
            "user_id",
            "loyalty_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "address",
            "postcode",
            "city",
            "country",
            "birth_date",
            "gender",
            "created_at",
        )
    }
    return _event(
        t,
        "crm_customers",
        f,
        message_id=_msg_id(ibis.literal("crm_customers"), t.crm_id, t.updated_at),
        type="identify",
        channel=t.channel.fill_null("store"),
        user_id=t.user_id,
        email=t.email,
        phone=t.phone,
        loyalty_id=t.loyalty_id,
        crm_id=t.crm_id,
        timestamp=t.updated_at,
        received_at=now,
        properties=ibis.literal("{}"),
        traits=as_json(traits),
    )


_MESSAGE_EVENTS = {
    ("email", "send"): "Email Delivered",
    ("email", "open"): "Email Opened",
    ("email", "click"): "Email Link Clicked",
    ("email", "bounce"): "Email Bounced",
    ("sms", "send"): "SMS Delivered",
    ("sms", "open"): "SMS Delivered",
    ("sms", "click"): "SMS Link Clicked",
    ("sms", "bounce"): "SMS Bounced",
    ("push", "send"): "Push Notification Received",
    ("push", "open"): "Push Notification Tapped",
    ("push", "click"): "Push Notification Tapped",
    ("push", "bounce"): "Push Notification Bounced",
}


def _messages(t: ir.Table, f: str, now: ir.Value) -> ir.Table:
    channel = t.channel.fill_null("email")
    name = ibis.cases(
        (t.event_type == "unsubscribe", "Unsubscribed"),
        *(((channel == c) & (t.event_type == e), n) for (c, e), n in _MESSAGE_EVENTS.items()),
        else_=_S,
    )
    props = {
        "campaign_id": t.campaign_id,
        "campaign_name": t.campaign_name,
        "link_url": t.url,
        "event_type": t.event_type,
    }
    return _event(
        t,
        "email_engagement",
        f,
        message_id=_msg_id(
            ibis.literal("email_engagement"),
            t.campaign_id,
            channel,
            t.event_type,
            t.occurred_at,
            t.email,
            t.phone,
            t.device_id,
        ),
        type="track",
        event=name,
        channel=channel,
        email=t.email,
        phone=t.phone,
        device_id=t.device_id,
        timestamp=t.occurred_at,
        received_at=now,
        properties=as_json(props),
    )


def _surveys(t: ir.Table, f: str, now: ir.Value) -> ir.Table:
    props = {
        "response_id": t.response_id,
        "survey_type": t.survey_type,
        "score": t.score,
        "journey_step": t.journey_step,
        "comment": t.comment,
        "store_id": t.store_id,
    }
    return _event(
        t,
        "surveys",
        f,
        message_id=_msg_id(ibis.literal("surveys"), t.response_id),
        type="track",
        event="Survey Responded",
        channel=t.channel,
        store_id=t.store_id,
        user_id=t.user_id,
        email=t.email,
        phone=t.phone,
        loyalty_id=t.loyalty_id,
        timestamp=t.responded_at,
        received_at=now,
        properties=as_json(props),
        traits=_person_traits(t),
    )


def _support(t: ir.Table, f: str, now: ir.Value) -> ir.Table:
    def common(x: ir.Table) -> dict[str, Any]:
        return dict(
            type="track",
            channel=x.channel,
            user_id=x.user_id,
            email=x.email,
            phone=x.phone,
            loyalty_id=x.loyalty_id,
            order_id=x.order_id,
            received_at=now,
            traits=_person_traits(x),
        )

    opened = _event(
        t,
        "support_cases",
        f,
        message_id=_msg_id(ibis.literal("support_cases"), t.case_id, ibis.literal("opened")),
        event="Support Case Opened",
        timestamp=t.opened_at,
        properties=as_json(
            {"case_id": t.case_id, "topic": t.topic, "priority": t.priority, "order_id": t.order_id}
        ),
        **common(t),
    )
    r = t.filter(t.resolved_at.notnull())
    hours = (r.resolved_at.epoch_seconds() - r.opened_at.epoch_seconds()) / 3600.0
    resolved = _event(
        r,
        "support_cases",
        f,
        message_id=_msg_id(ibis.literal("support_cases"), r.case_id, ibis.literal("resolved")),
        event="Support Case Resolved",
        timestamp=r.resolved_at,
        properties=as_json({"case_id": r.case_id, "topic": r.topic, "resolution_hours": hours}),
        **common(r),
    )
    return opened.union(resolved)


def _visits(t: ir.Table, f: str, now: ir.Value) -> ir.Table:
    detector = t.detector.fill_null("beacon")
    visit_id = _msg_id(ibis.literal("store_visits"), t.store_id, t.device_id, t.entered_at)
    entered = _event(
        t,
        "store_visits",
        f,
        message_id=_msg_id(visit_id, ibis.literal("entered")),
        type="track",
        event="Store Entered",
        channel="store",
        store_id=t.store_id,
        user_id=t.user_id,
        device_id=t.device_id,
        timestamp=t.entered_at,
        received_at=now,
        properties=as_json(
            {"store_id": t.store_id, "detector": detector, "zone": t.zone, "visit_id": visit_id}
        ),
    )
    x = t.filter(t.exited_at.notnull())
    x_visit = _msg_id(ibis.literal("store_visits"), x.store_id, x.device_id, x.entered_at)
    dwell = x.exited_at.epoch_seconds() - x.entered_at.epoch_seconds()
    exited = _event(
        x,
        "store_visits",
        f,
        message_id=_msg_id(x_visit, ibis.literal("exited")),
        type="track",
        event="Store Exited",
        channel="store",
        store_id=x.store_id,
        user_id=x.user_id,
        device_id=x.device_id,
        timestamp=x.exited_at,
        received_at=now,
        properties=as_json(
            {
                "store_id": x.store_id,
                "detector": x.detector.fill_null("beacon"),
                "dwell_seconds": dwell.cast("float64"),
                "visit_id": x_visit,
            }
        ),
    )
    return entered.union(exited)


def _social(t: ir.Table, f: str, now: ir.Value) -> ir.Table:
    props = {
        "mention_id": t.mention_id,
        "platform": t.platform,
        "handle": t.handle,
        "sentiment": t.sentiment,
        "text": t.text,
        "url": t.url,
    }
    return _event(
        t,
        "social_mentions",
        f,
        message_id=_msg_id(ibis.literal("social_mentions"), t.mention_id),
        type="track",
        event="Social Mention",
        channel="social",
        email=t.email,
        timestamp=t.posted_at,
        received_at=now,
        properties=as_json(props),
    )


Builder = Callable[[ir.Table, str, ir.Value], ir.Table]
EVENT_BUILDERS: dict[str, Builder] = {
    "orders": _orders,
    "pos": _pos,
    "returns": _returns,
    "crm_customers": _crm,
    "email_engagement": _messages,
    "surveys": _surveys,
    "support_cases": _support,
    "store_visits": _visits,
    "social_mentions": _social,
}
