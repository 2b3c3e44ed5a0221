"""After the sale: returns, support cases, and the churn they help cause."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from omnicx.demo import noise, params
from omnicx.demo.calendar import DAY
from omnicx.demo.catalog import World
from omnicx.demo.formats import codes, integers, iso_utc, money, nulls_where, scrambled, take
from omnicx.demo.instore import PosLines, Receipts, transaction_ids
from omnicx.demo.orders import OrderLines, Orders, order_ids
from omnicx.demo.people import NEVER, People
from omnicx.demo.table import Rows, at
from omnicx.demo.vocab import CATEGORIES, RETURN_REASONS, SUPPORT_TOPICS

YEAR = 365 * DAY
CASE_CHANNELS = ("call_center", "chat", "email", "social", "store")
_CASE_CHANNEL_SHARE = np.array([0.45, 0.30, 0.15, 0.05, 0.05])
PRIORITIES = ("low", "normal", "high", "urgent")


@dataclass
class Returns(Rows):
    """Returned lines; lines returned together share a return number."""

    person: np.ndarray
    number: np.ndarray
    returned_at: np.ndarray
    sku: np.ndarray
    quantity: np.ndarray
    refund: np.ndarray  # pence
    order: np.ndarray  # index into Orders, or -1
    receipt: np.ndarray  # index into Receipts, or -1
    channel: np.ndarray  # 0 store, 1 web, 2 app
    store: np.ndarray  # -1 when returned by post
    reason: np.ndarray


@dataclass
class Cases(Rows):
    person: np.ndarray
    number: np.ndarray
    opened_at: np.ndarray
    resolved_at: np.ndarray  # NEVER when unresolved
    channel: np.ndarray  # index into CASE_CHANNELS
    topic: np.ndarray  # index into SUPPORT_TOPICS
    priority: np.ndarray
    order: np.ndarray  # index into Orders, or -1


def make_returns(
    rng: np.random.Generator,
    world: World,
    people: People,
    orders: Orders,
    order_lines: OrderLines,
    receipts: Receipts,
    pos_lines: PosLines,
    chunk: int,
) -> Returns:
    """Lines sent back: online orders by post or in store, store purchases in store."""
    factor = np.array([c[4] for c in CATEGORIES])
    rate = params.archetype_array("return_rate")
    # Online: all returned lines of one order go back together.
    o = order_lines.order
    op = orders.person[o]
    back = rng.random(len(o)) < np.minimum(
        0.95, rate[people.archetype[op]] * factor[world.products.category[order_lines.sku]]
    )
    ro = np.unique(o[back])
    when = (
        orders.delivered_at[ro] + rng.integers(1, 25, len(ro)) * DAY + rng.integers(0, DAY, len(ro))
    )
    in_store = rng.random(len(ro)) < 0.4
    post_channel = np.where(orders.channel[ro] == 1, 2, 1)
    online_group = dict(
        person=orders.person[ro],
        at=when,
        order=ro,
        receipt=np.full(len(ro), -1),
        channel=np.where(in_store, 0, post_channel),
        store=np.where(in_store, people.store_at(orders.person[ro], when), -1),
    )
    # Store purchases come back to a store, usually the same one.
    r = pos_lines.receipt
    rp = receipts.person[r]
    known = rp >= 0
    back_pos = known & (
        rng.random(len(r))
        < np.minimum(
            0.9,
            0.35
            * rate[people.archetype[np.maximum(rp, 0)]]
            * factor[world.products.category[pos_lines.sku]],
        )
    )
    rr = np.unique(r[back_pos])
    when_pos = receipts.occurred_at[rr] + rng.integers(1, 20, len(rr)) * DAY
    when_pos = world.calendar.times_on_days(
        rng, "store", np.minimum(world.calendar.day_of(when_pos), world.calendar.days - 1)
    )
    when_pos = np.maximum(when_pos, receipts.occurred_at[rr] + DAY)
    same = rng.random(len(rr)) < 0.8
    store_group = dict(
        person=receipts.person[rr],
        at=when_pos,
        order=np.full(len(rr), -1),
        receipt=rr,
        channel=np.zeros(len(rr), dtype=np.int64),
        store=np.where(same, receipts.store[rr], people.store_at(receipts.person[rr], when_pos)),
    )
    groups = {k: np.concatenate([online_group[k], store_group[k]]) for k in online_group}
    count = len(groups["person"])
    number = chunk * 10_000_000 + np.arange(count)
    # Expand each return to its lines.
    line_order = np.searchsorted(ro, o[back])
    line_receipt = len(ro) + np.searchsorted(rr, r[back_pos])
    group = np.concatenate([line_order, line_receipt])
    sku = np.concatenate([order_lines.sku[back], pos_lines.sku[back_pos]])
    quantity = np.concatenate([order_lines.quantity[back], pos_lines.quantity[back_pos]])
    unit = np.concatenate([order_lines.unit_price[back], pos_lines.unit_price[back_pos]])
    disc = np.concatenate([order_lines.discount[back], pos_lines.discount[back_pos]])
    partial = (quantity > 1) & (rng.random(len(sku)) < 0.5)
    returned = np.where(partial, 1, quantity)
    refund = unit * returned - np.round(disc * returned / quantity).astype(np.int64)
    apparel = np.isin(world.products.category[sku], (0, 1, 2, 3))
    reason = np.where(
        apparel & (rng.random(len(sku)) < 0.6),
        rng.integers(0, 2, len(sku)),
        rng.integers(2, len(RETURN_REASONS), len(sku)),
    )
    result = Returns(
        person=groups["person"][group],
        number=number[group],
        returned_at=groups["at"][group],
        sku=sku,
        quantity=returned,
        refund=np.maximum(refund, 0),
        order=groups["order"][group],
        receipt=groups["receipt"][group],
        channel=groups["channel"][group],
        store=groups["store"][group],
        reason=reason,
    )
    result = result.take(result.returned_at < world.calendar.end)
    return result.take(np.lexsort((result.sku, result.returned_at)))


def open_cases(
    rng: np.random.Generator,
    world: World,
    people: People,
    orders: Orders,
    returns: Returns,
    chunk: int,
) -> Cases:
    """Support cases after delivery problems and returns, plus everyday questions."""
    cal = world.calendar
    bad = np.flatnonzero((orders.issue > 0) & (rng.random(len(orders)) < params.ISSUE_CASE))
    first_line = np.unique(returns.number, return_index=True)[1]
    refunds = first_line[rng.random(len(first_line)) < params.RETURN_CASE]
    exposure = (cal.days - people.signup_day) / 365
    base_count = rng.poisson(params.BASE_CASES_PER_YEAR * exposure)
    base_person = np.repeat(np.arange(people.n), base_count)
    base_at = cal.sample_times(
        rng, "web", people.signup_day[base_person], np.full(len(base_person), cal.days)
    )
    person = np.concatenate([orders.person[bad], returns.person[refunds], base_person])
    opened = np.concatenate(
        [
            orders.delivered_at[bad] + rng.integers(0, 2 * DAY, len(bad)),
            returns.returned_at[refunds] + rng.integers(3 * DAY, 15 * DAY, len(refunds)),
            base_at,
        ]
    )
    topic = np.concatenate(
        [
            np.zeros(len(bad), dtype=np.int64),
            np.ones(len(refunds), dtype=np.int64),
            rng.choice([2, 3, 4], len(base_person), p=[0.5, 0.3, 0.2]),
        ]
    )
    order = np.concatenate([bad, returns.order[refunds], np.full(len(base_person), -1)])
    n = len(person)
    channel = rng.choice(len(CASE_CHANNELS), n, p=_CASE_CHANNEL_SHARE)
    damaged = np.zeros(n, dtype=bool)
    damaged[: len(bad)] = orders.issue[bad] == 2
    priority = np.where(damaged, 2, np.where(topic <= 1, 1, rng.choice([0, 1], n, p=[0.4, 0.6])))
    priority = np.where(rng.random(n) < 0.03, 3, priority)
    hours = np.exp(np.log(np.where(channel == 0, 3.0, 8.0)) + 1.1 * rng.standard_normal(n))
    resolved = np.where(
        rng.random(n) < params.UNRESOLVED, NEVER, opened + (hours * 3600).astype(np.int64) + 60
    )
    cases = Cases(
        person=person,
        number=np.zeros(n, dtype=np.int64),
        opened_at=opened,
        resolved_at=np.where(resolved < cal.end, resolved, NEVER),
        channel=channel,
        topic=topic,
        priority=priority,
        order=order,
    )
    cases = cases.take(cases.opened_at < cal.end)
    cases = cases.take(np.argsort(cases.opened_at, kind="stable"))
    cases.number = chunk * 10_000_000 + np.arange(len(cases))
    return cases


def churn_times(
    rng: np.random.Generator,
    world: World,
    people: People,
    orders: Orders,
    returns: Returns,
    cases: Cases,
) -> np.ndarray:
    """When each person stops: a baseline hazard plus a jump after every bad experience.

    With additive hazards the first event of independent exponential clocks is the churn
    time, so each bad experience simply starts its own clock; a clock started after the
    person already left never wins, which keeps the activity filter consistent.
    """
    cal = world.calendar
    hazard = params.archetype_array("hazard")[people.archetype]
    hazard = hazard * np.exp(params.SAT_BETA * (0.7 - people.satisfaction))
    start = cal.t0 + people.signup_day * DAY
    churn = start + (rng.exponential(1.0, people.n) / hazard * YEAR).astype(np.int64)
    jump = params.HAZARD_JUMP
    returner = params.ARCHETYPE_NAMES.index("first_time_returner")
    first_line = np.unique(returns.number, return_index=True)[1]
    ret_person = returns.person[first_line]
    clocks = [
        (
            orders.person[orders.issue > 0],
            orders.delivered_at[orders.issue > 0],
            np.full(int((orders.issue > 0).sum()), jump["delivery_issue"]),
        ),
        (
            cases.person,
            cases.opened_at,
            np.where(cases.resolved_at == NEVER, jump["unresolved_case"], jump["support_case"]),
        ),
        (
            ret_person,
            returns.returned_at[first_line],
            np.where(
                people.archetype[ret_person] == returner,
                jump["return_first_time_returner"],
                jump["return"],
            ),
        ),
    ]
    for person, when, rate in clocks:
        candidate = when + (rng.exponential(1.0, len(person)) / rate * YEAR).astype(np.int64)
        np.minimum.at(churn, person, candidate)
    return np.where(churn < cal.end, churn, NEVER)


def returns_table(
    rng: np.random.Generator,
    world: World,
    people: People,
    returns: Returns,
    orders: Orders,
    receipts: Receipts,
) -> pa.Table:
    p = returns.person
    online = returns.order >= 0
    loyal = ~online & at(receipts.loyalty, returns.receipt).astype(bool)
    by_account = online & at(orders.logged_in, returns.order).astype(bool)
    return pa.table(
        {
            "return_id": codes("RET-", scrambled(returns.number, 10, 55_555), 10),
            "returned_at": iso_utc(returns.returned_at),
            "sku": take(world.products.sku, returns.sku),
            "quantity": integers(returns.quantity),
            "refund_amount": money(returns.refund),
            "order_id": nulls_where(~online, order_ids(at(orders.number, returns.order))),
            "transaction_id": nulls_where(
                online, transaction_ids(at(receipts.number, returns.receipt))
            ),
            "channel": take(("store", "web", "app"), returns.channel),
            "store_id": take(world.stores.ids, returns.store),
            "reason": take(RETURN_REASONS, returns.reason),
            "loyalty_id": nulls_where(~loyal, people.loyalty_ids(p)),
            "email": nulls_where(~online, noise.emails(people, p, rng, noise.PROFILES["account"])),
            "user_id": nulls_where(~by_account, people.user_ids(p)),
        }
    )


def cases_table(
    rng: np.random.Generator, world: World, people: People, cases: Cases, orders: Orders
) -> pa.Table:
    p = cases.person
    n = len(cases)
    agent = noise.PROFILES["agent"]
    channel = cases.channel
    call, chat, mail, social, store = (channel == k for k in range(5))
    line, postcode, city = noise.addresses(people, p, cases.opened_at, rng, agent)
    u = rng.random((6, n))
    return pa.table(
        {
            "case_id": codes("CS-", scrambled(cases.number, 10, 424_242), 10),
            "opened_at": iso_utc(cases.opened_at),
            "channel": take(CASE_CHANNELS, channel),
            "resolved_at": nulls_where(
                cases.resolved_at == NEVER,
                iso_utc(np.where(cases.resolved_at == NEVER, 0, cases.resolved_at)),
            ),
            "topic": take(SUPPORT_TOPICS, cases.topic),
            "priority": take(PRIORITIES, cases.priority),
            "order_id": nulls_where(cases.order < 0, order_ids(at(orders.number, cases.order))),
            "user_id": nulls_where(~(chat & people.account[p] & (u[0] < 0.7)), people.user_ids(p)),
            "loyalty_id": nulls_where(
                ~(store & people.loyalty[p] & (u[1] < 0.6)), people.loyalty_ids(p)
            ),
            "email": nulls_where(
                ~(mail | (chat & (u[2] < 0.8)) | (call & (u[2] < 0.3)) | (social & (u[2] < 0.2))),
                noise.emails(people, p, rng, agent, 0.5),
            ),
            "phone": nulls_where(~(call & (u[3] < 0.8)), noise.phones(people, p, rng, agent)),
            "first_name": nulls_where(
                mail & (u[4] < 0.5), noise.first_names(people, p, rng, agent)
            ),
            "last_name": nulls_where(mail & (u[4] < 0.5), noise.last_names(people, p, rng, agent)),
            "address": nulls_where(~(call & (u[5] < 0.2)), line),
            "postcode": nulls_where(~(call & (u[5] < 0.5)), postcode),
            "city": nulls_where(~(call & (u[5] < 0.2)), city),
        }
    )
