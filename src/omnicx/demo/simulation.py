"""One chunk of customers simulated over the whole period, churn included."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pyarrow as pa

from omnicx.demo import feedback, instore, messaging, service
from omnicx.demo.catalog import World
from omnicx.demo.events import CheckoutFacts, Timeline, build_timeline
from omnicx.demo.orders import OrderLines, Orders, place_orders
from omnicx.demo.people import NEVER, People, generate_people
from omnicx.demo.sessions import Sessions, Views, plan_sessions, run_funnel
from omnicx.demo.table import Rows

P = TypeVar("P", bound=Rows)
C = TypeVar("C", bound=Rows)


@dataclass
class Chunk:
    """Everything a chunk of customers did (before they left), ready to be written."""

    rng: np.random.Generator  # the chunk's stream, continued by the writers
    people: People
    sends: messaging.Sends
    sessions: Sessions
    alive_session: np.ndarray  # sessions that started before their person churned
    anon_table: pa.Array
    views: Views
    timeline: Timeline
    orders: Orders
    lines: OrderLines
    facts: CheckoutFacts
    receipts: instore.Receipts
    pos_lines: instore.PosLines
    returns: service.Returns
    cases: service.Cases
    trips: instore.Trips
    surveys: feedback.Surveys
    mentions: feedback.Mentions


def simulate_chunk(world: World, seed: int, chunk: int, offset: int, n: int) -> Chunk:
    """Simulate customers ``offset .. offset + n - 1`` for the whole period."""
    rng = np.random.default_rng([seed, 1, chunk])
    people = generate_people(rng, world, chunk, offset, n)

    # Everything people would do if they never left ...
    sends, message_sessions = messaging.plan_sends(rng, world, people)
    trips, kiosk_sessions = instore.plan_trips(rng, world, people)
    trips = trips.concat(instore.walk_ins(rng, world, n))
    sessions, anon_table = plan_sessions(rng, world, people, [message_sessions, kiosk_sessions])
    views = run_funnel(rng, world, people, sessions, chunk)
    timeline = build_timeline(rng, sessions, views)
    order_rows, lines, facts = place_orders(rng, world, people, sessions, views, timeline)
    receipts, pos_lines = instore.checkout_receipts(rng, world, people, trips, chunk)
    returns = service.make_returns(
        rng, world, people, order_rows, lines, receipts, pos_lines, chunk
    )
    cases = service.open_cases(rng, world, people, order_rows, returns, chunk)

    # ... then churn, driven by what happened, ends it all.
    people.churn_time = service.churn_times(rng, world, people, order_rows, returns, cases)
    churn = people.churn_time
    alive_session = sessions.start < churn[sessions.person]
    timeline = timeline.take(alive_session[timeline.session])
    keep_order = alive_session[order_rows.session] & (
        order_rows.ordered_at < churn[order_rows.person]
    )
    order_rows, lines = _filter_parent(order_rows, keep_order, lines, "order")
    keep_receipt = (receipts.person < 0) | (
        receipts.occurred_at < churn[np.maximum(receipts.person, 0)]
    )
    receipts, pos_lines = _filter_parent(receipts, keep_receipt, pos_lines, "receipt")
    order_ok, returns.order = _relink(returns.order, keep_order)
    receipt_ok, returns.receipt = _relink(returns.receipt, keep_receipt)
    returns = returns.take(order_ok & receipt_ok & (returns.returned_at < churn[returns.person]))
    order_ok, cases.order = _relink(cases.order, keep_order)
    cases = cases.take(order_ok & (cases.opened_at < churn[cases.person]))
    trips = trips.take(
        (trips.person >= 0) & (trips.entered_at < churn[np.maximum(trips.person, 0)])
    )
    collect = order_rows.collect
    collections = instore.collection_trips(
        rng,
        order_rows.person[collect],
        order_rows.store[collect],
        order_rows.ordered_at[collect],
        world,
    )
    trips = trips.concat(
        collections.take(
            collections.entered_at < np.minimum(churn[collections.person], world.calendar.end)
        )
    )
    trips = trips.take(np.argsort(trips.entered_at, kind="stable"))
    late = churn[sends.person]
    for name in ("opened_at", "clicked_at", "unsubscribed_at"):
        setattr(sends, name, np.where(getattr(sends, name) < late, getattr(sends, name), NEVER))
    sends.effect = np.where(sends.sent_at < late, sends.effect, 0.0)
    return Chunk(
        rng=rng,
        people=people,
        sends=sends,
        sessions=sessions,
        alive_session=alive_session,
        anon_table=anon_table,
        views=views,
        timeline=timeline,
        orders=order_rows,
        lines=lines,
        facts=facts,
        receipts=receipts,
        pos_lines=pos_lines,
        returns=returns,
        cases=cases,
        trips=trips,
        surveys=feedback.collect_surveys(rng, world, people, order_rows, receipts, cases, returns),
        mentions=feedback.collect_mentions(rng, world, people, order_rows),
    )


def _filter_parent(parent: P, keep: np.ndarray, child: C, link: str) -> tuple[P, C]:
    """Keep some parent rows and their children, and renumber the children's link."""
    new_index = np.full(len(keep), -1)
    new_index[keep] = np.arange(int(keep.sum()))
    child = child.take(keep[getattr(child, link)])
    setattr(child, link, new_index[getattr(child, link)])
    return parent.take(keep), child


def _relink(links: np.ndarray, keep_parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For optional links (-1: none): whether the parent survived, and its new index."""
    has = links >= 0
    if len(keep_parent) == 0:
        return ~has, np.full(len(links), -1)
    safe = np.maximum(links, 0)
    new_index = np.cumsum(keep_parent) - 1
    return ~has | keep_parent[safe], np.where(has, new_index[safe], -1)
