"""Online orders: checkouts that convert, their lines, fulfilment and delivery problems."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from omnicx.demo import noise, params
from omnicx.demo.calendar import DAY
from omnicx.demo.catalog import World
from omnicx.demo.events import CheckoutFacts, Timeline
from omnicx.demo.formats import codes, iso_utc, money, nulls_where, scrambled, take, where
from omnicx.demo.people import People
from omnicx.demo.sessions import KIOSK, Sessions, Views
from omnicx.demo.table import Rows
from omnicx.demo.vocab import CURRENCY

FREE_SHIPPING_FROM = 5000  # pence
SHIPPING = 399
ISSUES = ("none", "late", "damaged")


@dataclass
class Orders(Rows):
    session: np.ndarray
    person: np.ndarray
    number: np.ndarray
    ordered_at: np.ndarray
    channel: np.ndarray  # 0 web, 1 app, 2 kiosk
    logged_in: np.ndarray
    collect: np.ndarray  # click-and-collect
    store: np.ndarray  # collection store, -1 for delivery
    subtotal: np.ndarray
    discount: np.ndarray
    shipping: np.ndarray
    coupon: np.ndarray
    issue: np.ndarray  # index into ISSUES
    intent: np.ndarray  # placed in a campaign-made intent session

    @property
    def total(self) -> np.ndarray:
        return self.subtotal - self.discount + self.shipping

    @property
    def delivered_at(self) -> np.ndarray:
        return self.ordered_at + 2 * DAY + 43_200


@dataclass
class OrderLines(Rows):
    order: np.ndarray
    line: np.ndarray
    sku: np.ndarray
    quantity: np.ndarray
    unit_price: np.ndarray
    discount: np.ndarray


def order_ids(numbers: np.ndarray) -> pa.Array:
    return codes("ORD-", scrambled(numbers, 10, 1_000_003), 10)


def place_orders(
    rng: np.random.Generator, world: World, people: People, s: Sessions, v: Views, t: Timeline
) -> tuple[Orders, OrderLines, CheckoutFacts]:
    """Orders from converted checkouts, and the checkout facts the events need."""
    n = len(s)
    in_cart = v.added & ~v.removed & s.checkout[v.session]
    pct = np.where(s.coupon >= 0, world.coupon_pct[np.maximum(s.coupon, 0)], 0.0)
    gross = v.price * v.quantity
    line_discount = np.where(in_cart, np.round(gross * pct[v.session]), 0).astype(np.int64)
    subtotal = np.bincount(v.session, weights=np.where(in_cart, gross, 0), minlength=n).astype(
        np.int64
    )
    discount = np.bincount(v.session, weights=line_discount, minlength=n).astype(np.int64)
    last_event = np.zeros(n, dtype=np.int64)
    np.maximum.at(last_event, t.session, t.millis)

    rows = np.flatnonzero(s.converted)
    ordered_at = last_event[rows] // 1000 + rng.integers(40, 300, len(rows))
    by_time = np.argsort(ordered_at, kind="stable")
    rows, ordered_at = rows[by_time], ordered_at[by_time]
    person = s.person[rows]
    cc_p = np.where(
        s.channel[rows] == KIOSK,
        0.5,
        params.archetype_array("click_collect")[people.archetype[person]],
    )
    collect = rng.random(len(rows)) < cc_p
    net = subtotal[rows] - discount[rows]
    peak = world.calendar.peak[
        np.clip(world.calendar.day_of(ordered_at), 0, world.calendar.days - 1)
    ]
    late_p = params.DELIVERY_ISSUE["late"] * np.where(peak, 2.0, 1.0)
    damaged_p = params.DELIVERY_ISSUE["damaged"]
    u = rng.random(len(rows))
    issue = np.where(collect, 0, np.where(u < late_p, 1, np.where(u < late_p + damaged_p, 2, 0)))
    orders = Orders(
        session=rows,
        person=person,
        number=s.order_number[rows],
        ordered_at=ordered_at,
        channel=s.channel[rows],
        logged_in=s.logged_in[rows],
        collect=collect,
        store=np.where(collect, people.store_at(person, ordered_at), -1),
        subtotal=subtotal[rows],
        discount=discount[rows],
        shipping=np.where(collect | (net >= FREE_SHIPPING_FROM), 0, SHIPPING),
        coupon=s.coupon[rows],
        issue=issue,
        intent=s.intent[rows],
    )
    order_of_session = np.full(n, -1)
    order_of_session[rows] = np.arange(len(rows))
    keep = in_cart & s.converted[v.session]
    lines = OrderLines(
        order=order_of_session[v.session[keep]],
        line=v.position[keep],
        sku=v.sku[keep],
        quantity=v.quantity[keep],
        unit_price=v.price[keep],
        discount=line_discount[keep],
    )
    lines = lines.take(np.lexsort((lines.line, lines.order)))
    lines.line = np.arange(len(lines)) - np.searchsorted(lines.order, lines.order) + 1

    # Guests type their e-mail at checkout; it goes on the event and on the order.
    guest = s.checkout & ~s.logged_in
    typed = noise.emails(people, s.person, rng, noise.PROFILES["guest"], mailbox_share=0.5)
    facts = CheckoutFacts(
        order_ids=nulls_where(~s.checkout, order_ids(np.maximum(s.order_number, 0))),
        value=subtotal - discount,
        discount=discount,
        guest_email=nulls_where(~guest, typed),
    )
    return orders, lines, facts


def orders_table(
    rng: np.random.Generator,
    world: World,
    people: People,
    orders: Orders,
    facts: CheckoutFacts,
    anonymous_ids: pa.Array,
) -> pa.Table:
    """Rows of the orders source; ``anonymous_ids`` is the id of each order's session."""
    p = orders.person
    n = len(orders)
    guest = ~orders.logged_in
    account = noise.PROFILES["account"]
    typed = noise.PROFILES["guest"]
    account_email = noise.emails(people, p, rng, account, mailbox_share=0.3)
    email = where(guest, facts.guest_email.take(pa.array(orders.session)), account_email)
    profile_first = noise.first_names(people, p, rng, typed)
    first = where(guest, profile_first, noise.first_names(people, p, rng, account))
    last = where(
        guest, noise.last_names(people, p, rng, typed), noise.last_names(people, p, rng, account)
    )
    line, postcode, city = noise.addresses(people, p, orders.ordered_at, rng, typed)
    phone_given = rng.random(n) < 0.7
    loyalty_given = ~guest & people.loyalty[p] & (rng.random(n) < 0.6)
    return pa.table(
        {
            "order_id": order_ids(orders.number),
            "ordered_at": iso_utc(orders.ordered_at),
            "total": money(orders.total),
            "channel": take(("web", "app", "kiosk"), orders.channel),
            "user_id": nulls_where(guest, people.user_ids(p)),
            "anonymous_id": anonymous_ids,
            "loyalty_id": nulls_where(~loyalty_given, people.loyalty_ids(p)),
            "email": email,
            "phone": nulls_where(~phone_given, noise.phones(people, p, rng, typed)),
            "first_name": first,
            "last_name": last,
            "address": nulls_where(orders.collect, line),
            "postcode": nulls_where(orders.collect, postcode),
            "city": nulls_where(orders.collect, city),
            "currency": pa.array(np.full(n, CURRENCY)),
            "discount": money(orders.discount),
            "shipping": money(orders.shipping),
            "coupon_code": take(world.coupon_codes, orders.coupon),
            "fulfilment": where(orders.collect, "click_and_collect", "delivery"),
            "store_id": take(world.stores.ids, orders.store),
        }
    )


def order_lines_table(world: World, orders: Orders, lines: OrderLines) -> pa.Table:
    return pa.table(
        {
            "order_id": order_ids(orders.number[lines.order]),
            "line_number": pa.array(lines.line, pa.int32()),
            "sku": take(world.products.sku, lines.sku),
            "quantity": pa.array(lines.quantity, pa.int32()),
            "unit_price": pa.array(lines.unit_price / 100, pa.float64()),
            "discount": pa.array(lines.discount / 100, pa.float64()),
        }
    )
