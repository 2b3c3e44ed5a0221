"""Computed traits of every customer, as Ibis expressions over resolved events.

Purchases are ``Order Completed`` and ``POS Transaction Completed``; returns are
``Item Returned``. Recency is measured from the last event in the warehouse, so a
rebuild of old data gives the same scores.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

PURCHASES = ("Order Completed", "POS Transaction Completed")
ONLINE = ("web", "app", "kiosk")


def _mode(t: ir.Table, key: str, value: str, name: str) -> ir.Table:
    """The most frequent non-null ``value`` per ``key`` (ties: smallest value)."""
    v = t.filter(t[value].notnull())
    c = v.group_by([key, value]).aggregate(n=v.count())
    w = ibis.window(group_by=c[key], order_by=[ibis.desc(c.n), c[value]])
    best = c.mutate(rk=ibis.row_number().over(w)).filter(lambda x: x.rk == 0)
    return best.select(key, **{name: best[value]})


def customer_traits(
    events: ir.Table,
    identity_records: ir.Table,
    lines: ir.Table,
    products: ir.Table,
) -> ir.Table:
    """One row per customer_id with activity, purchase, RFM, channel and feedback traits.

    ``lines`` has record_id (the purchase event's id), sku, quantity, unit_price, discount
    (order and receipt lines); ``products`` has sku and category.
    """
    e = events.join(identity_records, events.message_id == identity_records.record_id)
    e = e.select(
        "customer_id",
        "message_id",
        "event",
        "type",
        "channel",
        "store_id",
        "timestamp",
        "revenue",
        properties=e.properties.cast("string"),
    )
    now = events.timestamp.max().as_scalar()

    activity = e.group_by("customer_id").aggregate(
        first_seen=e.timestamp.min(),
        last_seen=e.timestamp.max(),
        events=e.count(),
        channels_used=e.channel.nunique(),
        channels=e.channel.collect(distinct=True).sort().join(","),
    )

    p = e.filter(e.event.isin(PURCHASES))
    purchases = p.group_by("customer_id").aggregate(
        orders=p.count(),
        online_orders=(p.channel.isin(ONLINE)).sum(),
        store_orders=(p.channel == "store").sum(),
        revenue=p.revenue.sum(),
        last_order=p.timestamp.max(),
        first_order=p.timestamp.min(),
        coupon_orders=p.properties.contains('"coupon":"').sum(),
    )
    r = e.filter(e.event == "Item Returned")
    returns = r.group_by("customer_id").aggregate(returns=r.count(), refunds=-r.revenue.sum())

    s = e.filter(e.event == "Survey Responded")
    s = s.mutate(
        survey_type=s.properties.re_extract(r'"survey_type":"(\w+)"', 1),
        score=s.properties.re_extract(r'"score":(\d+)', 1).cast("int64"),
    )
    last_w = ibis.window(group_by=[s.customer_id, s.survey_type], order_by=ibis.desc(s.timestamp))
    last = s.mutate(rk=ibis.row_number().over(last_w)).filter(lambda x: x.rk == 0)
    nps = last.filter(last.survey_type == "nps").select("customer_id", last_nps=last.score)
    csat = last.filter(last.survey_type == "csat").select("customer_id", last_csat=last.score)

    sc = e.filter(e.event.isin(["Support Case Opened", "Support Case Resolved"]))
    support = sc.group_by("customer_id").aggregate(
        support_cases=(sc.event == "Support Case Opened").sum(),
        open_support_cases=(sc.event == "Support Case Opened").sum()
        - (sc.event == "Support Case Resolved").sum(),
    )
    unsub = e.filter(e.event == "Unsubscribed")
    consent = unsub.group_by("customer_id").aggregate(
        unsubscribed_channels=unsub.channel.collect(distinct=True).sort().join(",")
    )

    preferred_channel = _mode(e, "customer_id", "channel", "preferred_channel")
    in_store = e.filter(e.channel == "store")
    preferred_store = _mode(in_store, "customer_id", "store_id", "preferred_store")

    li = lines.join(identity_records, lines.record_id == identity_records.record_id)
    li = li.join(products.select("sku", "category").distinct(on="sku"), "sku", how="left")
    spend = li.group_by(["customer_id", "category"]).aggregate(
        spend=(li.quantity * li.unit_price - li.discount.fill_null(0)).sum()
    )
    spend = spend.filter(spend.category.notnull())
    cw = ibis.window(group_by=spend.customer_id, order_by=[ibis.desc(spend.spend), spend.category])
    ranked = spend.mutate(rk=ibis.row_number().over(cw)).filter(lambda x: x.rk < 3)
    # Three ranked columns joined, rather than an ordered collect: Spark cannot order
    # an aggregation.
    top = ranked.group_by("customer_id").aggregate(
        **{
            f"_c{i}": ibis.cases((ranked.rk == i, ranked.category), else_=ibis.null()).max()
            for i in range(3)
        }
    )
    top = top.select(
        "customer_id",
        top_categories=top._c0
        + ibis.cases((top._c1.notnull(), ibis.literal(",") + top._c1), else_="")
        + ibis.cases((top._c2.notnull(), ibis.literal(",") + top._c2), else_=""),
    )

    out = activity
    for part in (
        purchases,
        returns,
        nps,
        csat,
        support,
        consent,
        preferred_channel,
        preferred_store,
        top,
    ):
        out = out.left_join(part, "customer_id").drop("customer_id_right")
    out = out.mutate(
        orders=out.orders.fill_null(0),
        revenue=out.revenue.fill_null(0.0),
        returns=out.returns.fill_null(0),
        open_support_cases=out.open_support_cases.fill_null(0),
        support_cases=out.support_cases.fill_null(0),
        online_orders=out.online_orders.fill_null(0).cast("int64"),
        store_orders=out.store_orders.fill_null(0).cast("int64"),
        coupon_orders=out.coupon_orders.fill_null(0).cast("int64"),
    )
    out = out.mutate(
        aov=ibis.cases((out.orders > 0, out.revenue / out.orders), else_=ibis.null()),
        returns_rate=ibis.cases((out.orders > 0, out.returns / out.orders), else_=ibis.null()),
        coupon_rate=ibis.cases((out.orders > 0, out.coupon_orders / out.orders), else_=ibis.null()),
        omnichannel=(out.online_orders.fill_null(0) > 0) & (out.store_orders.fill_null(0) > 0),
        recency_days=(now.epoch_seconds() - out.last_order.epoch_seconds()) / 86400.0,
    )
    buyers = out.filter(out.orders > 0)
    rfm = buyers.select(
        "customer_id",
        r_score=5 - ibis.ntile(5).over(ibis.window(order_by=buyers.recency_days)),
        f_score=ibis.ntile(5).over(ibis.window(order_by=buyers.orders)) + 1,
        m_score=ibis.ntile(5).over(ibis.window(order_by=buyers.revenue)) + 1,
    )
    out = out.left_join(rfm, "customer_id").drop("customer_id_right")
    return out.mutate(
        rfm=(out.r_score.cast("string") + out.f_score.cast("string") + out.m_score.cast("string"))
    )


def purchase_lines(order_lines: ir.Table, pos_lines: ir.Table) -> ir.Table:
    """Order and receipt lines keyed by their purchase event's id."""
    from omnicx.ingest.canonical import record_message_id

    o = order_lines.select(
        record_id=record_message_id("orders", order_lines),
        sku="sku",
        quantity="quantity",
        unit_price="unit_price",
        discount="discount",
    )
    p = pos_lines.select(
        record_id=record_message_id("pos", pos_lines),
        sku="sku",
        quantity="quantity",
        unit_price="unit_price",
        discount="discount",
    )
    return ibis.union(o, p)
