"""Web, app and kiosk sessions and the e-commerce funnel inside them.

A session views products, may add some to the cart, may start checkout, and may
convert into an order; each step's probability depends on the archetype, on-site
offers, campaign intent and the checkout A/B test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from omnicx.demo import params
from omnicx.demo.calendar import DAY
from omnicx.demo.catalog import World
from omnicx.demo.formats import random_words, uuids
from omnicx.demo.instore import QUANTITY_CAP, category_choice
from omnicx.demo.messaging import SessionRequests, conversion
from omnicx.demo.people import People
from omnicx.demo.table import Rows
from omnicx.demo.vocab import OFFERS, PUBLIC_COUPONS, SEARCH_TERMS

WEB, APP, KIOSK = 0, 1, 2
REFERRALS = ("direct", "organic", "paid_search", "paid_social", "affiliate", "message")
_WEB_REFERRAL = np.array([0.45, 0.28, 0.12, 0.10, 0.05])
LOGIN = {WEB: 0.55, APP: 0.92, KIOSK: 0.0}
MAX_VIEWS = 12


@dataclass
class Sessions(Rows):
    person: np.ndarray
    channel: np.ndarray
    start: np.ndarray  # epoch seconds
    anon: np.ndarray  # code into the chunk's anonymous-id table
    device: np.ndarray  # code into people.device_ids, -1 off the app
    logged_in: np.ndarray
    identify: np.ndarray  # first login of this person on this anonymous id
    signup: np.ndarray  # the account is created in this session
    referral: np.ndarray  # index into REFERRALS
    campaign: np.ndarray  # campaign of a message click, or -1
    intent: np.ndarray  # came with a campaign-made purchase intent
    category: np.ndarray
    offer: np.ndarray  # -1 none, else index into OFFERS
    offer_outcome: np.ndarray  # 0 ignored, 1 accepted, 2 dismissed
    searched: np.ndarray
    query: np.ndarray
    listed: np.ndarray
    n_views: np.ndarray
    added: np.ndarray
    removed: np.ndarray
    cart_viewed: np.ndarray
    checkout: np.ndarray
    converted: np.ndarray
    coupon: np.ndarray  # index into world.coupon_codes, -1 none
    p_order: np.ndarray  # P(order | checkout) used for this session
    in_experiment: np.ndarray
    order_number: np.ndarray  # run-wide order number, for sessions that reach checkout
    cart: np.ndarray  # random word behind the session's cart id


@dataclass
class Views(Rows):
    """Products viewed in sessions, in order; some are added to the cart."""

    session: np.ndarray
    position: np.ndarray
    sku: np.ndarray
    price: np.ndarray  # pence, that week's shelf price
    added: np.ndarray
    quantity: np.ndarray
    removed: np.ndarray


def plan_sessions(
    rng: np.random.Generator, world: World, people: People, requests: list[SessionRequests]
) -> tuple[Sessions, pa.Array]:
    """Baseline sessions plus requested ones; returns them and the anonymous-id table."""
    cal = world.calendar
    cum = cal.cumulative(cal.online)
    exposure = (cum[cal.days] - cum[people.signup_day]) / 365
    arch = people.archetype
    web_rate = params.archetype_array("web_sessions")[arch] * people.activity
    app_rate = params.archetype_array("app_sessions")[arch] * people.activity * people.app_user
    n_web = rng.poisson(web_rate * exposure)
    n_app = rng.poisson(app_rate * exposure)
    person = np.concatenate(
        [np.repeat(np.arange(people.n), n_web), np.repeat(np.arange(people.n), n_app)]
    )
    channel = np.concatenate([np.full(n_web.sum(), WEB), np.full(n_app.sum(), APP)])
    start = np.empty(len(person), dtype=np.int64)
    for c, name in ((WEB, "web"), (APP, "app")):
        rows = channel == c
        start[rows] = cal.sample_times(
            rng, name, people.signup_day[person[rows]], np.full(int(rows.sum()), cal.days)
        )
    campaign = np.full(len(person), -1)
    intent = np.zeros(len(person), dtype=bool)
    for extra in requests:
        person = np.concatenate([person, extra.person])
        channel = np.concatenate([channel, extra.channel])
        start = np.concatenate([start, extra.start])
        campaign = np.concatenate([campaign, extra.campaign])
        intent = np.concatenate([intent, extra.intent])
    order = np.lexsort((channel, start, person))
    person, channel, start, campaign, intent = (
        a[order] for a in (person, channel, start, campaign, intent)
    )
    n = len(person)

    # Which device / cookie: cookies are replaced over time; app sessions use the phone or,
    # for some, the (possibly shared family) tablet.
    t_from = cal.t0 + people.signup_day[person] * DAY
    frac = (start - t_from) / np.maximum(1, cal.end - t_from)
    cookie_slot = np.minimum(
        (frac * people.n_cookies[person]).astype(np.int64), people.n_cookies[person] - 1
    )
    has_tablet = people.devices[person, 1] >= 0
    has_phone = people.devices[person, 0] >= 0
    use_tablet = has_tablet & (~has_phone | (rng.random(n) < 0.35))
    device = np.where(
        channel == APP,
        np.where(use_tablet, people.devices[person, 1], people.devices[person, 0]),
        -1,
    )
    n_cookie_ids, n_app_ids = len(people.anon_ids), len(people.app_anon_ids)
    kiosk = channel == KIOSK
    anon = np.where(channel == WEB, people.cookies[person, cookie_slot], n_cookie_ids + device)
    anon[kiosk] = n_cookie_ids + n_app_ids + np.arange(int(kiosk.sum()))  # kiosks reset per shopper
    anon_table = pa.concat_arrays(
        [people.anon_ids, people.app_anon_ids, uuids(random_words(rng, int(kiosk.sum()), 2))]
    )

    # Login: accounts sign in on web sometimes and stay signed in on the app; a customer
    # acquired during the period creates the account in their first session.
    first_of_person = np.r_[True, person[1:] != person[:-1]]
    acquired = people.signup_day[person] > 0
    signup = first_of_person & acquired & people.account[person] & ~kiosk
    login_p = np.select([channel == WEB, channel == APP], [LOGIN[WEB], LOGIN[APP]], 0.0)
    logged_in = people.account[person] & (rng.random(n) < login_p) | signup
    key = person.astype(np.int64) * (len(anon_table) + 1) + anon
    seen = np.zeros(n, dtype=bool)
    li = np.flatnonzero(logged_in)
    _, first_login = np.unique(key[li], return_index=True)
    seen[li[first_login]] = True

    referral = np.where(
        campaign >= 0,
        5,
        np.where(channel == WEB, rng.choice(5, n, p=_WEB_REFERRAL), 0),
    )
    hunter = params.archetype_array("coupon")[people.archetype[person]] > 0.5
    referral = np.where(
        (channel == WEB) & (campaign < 0) & hunter & (rng.random(n) < 0.3), 4, referral
    )
    week = cal.day_of(start) // 7
    category = category_choice(rng, people.affinity[person], world.category_week, week)
    category = np.where(campaign >= 0, world.campaigns.category[np.maximum(campaign, 0)], category)
    sessions = Sessions(
        person=person,
        channel=channel,
        start=start,
        anon=anon,
        device=device,
        logged_in=logged_in,
        identify=seen,
        signup=signup,
        referral=referral,
        campaign=campaign,
        intent=intent,
        category=category,
        offer=np.full(n, -1),
        offer_outcome=np.zeros(n, dtype=np.int64),
        searched=np.zeros(n, dtype=bool),
        query=np.full(n, -1),
        listed=np.zeros(n, dtype=bool),
        n_views=np.zeros(n, dtype=np.int64),
        added=np.zeros(n, dtype=bool),
        removed=np.zeros(n, dtype=bool),
        cart_viewed=np.zeros(n, dtype=bool),
        checkout=np.zeros(n, dtype=bool),
        converted=np.zeros(n, dtype=bool),
        coupon=np.full(n, -1),
        p_order=np.zeros(n),
        in_experiment=np.zeros(n, dtype=bool),
        order_number=np.full(n, -1),
        cart=random_words(rng, n)[:, 0],
    )
    return sessions, anon_table


def run_funnel(
    rng: np.random.Generator, world: World, people: People, s: Sessions, chunk: int
) -> Views:
    """Decide what happens in each session (in place) and return the products viewed."""
    n = len(s)
    arch = people.archetype[s.person]
    week = world.calendar.day_of(s.start) // 7
    s.searched = rng.random(n) < 0.35
    s.query = np.where(s.searched, rng.integers(0, len(SEARCH_TERMS), n), -1)
    s.listed = rng.random(n) < 0.6
    shown = rng.random(n) < params.OFFER_SHOWN
    s.offer = np.where(shown, rng.integers(0, len(OFFERS), n), -1)
    u = rng.random(n)
    s.offer_outcome = np.where(
        shown,
        np.where(
            u < params.OFFER_ACCEPTED,
            1,
            np.where(u < params.OFFER_ACCEPTED + params.OFFER_DISMISSED, 2, 0),
        ),
        0,
    )
    mean_views = params.archetype_array("views")[arch]
    s.n_views = np.minimum(MAX_VIEWS, 1 + rng.poisson(mean_views - 1))
    p_add = params.archetype_array("p_add")[arch] * np.where(
        s.offer_outcome == 1, params.OFFER_ADD_MULTIPLIER, 1.0
    )
    p_add = np.where(s.intent, 1.0, np.minimum(p_add, 0.95))
    s.added = rng.random(n) < p_add
    p_checkout = np.where(
        s.intent, params.INTENT_CHECKOUT, params.archetype_array("p_checkout")[arch]
    )
    s.checkout = s.added & (rng.random(n) < p_checkout)
    s.p_order = conversion(people, world, s.person, s.start)
    s.converted = s.checkout & (rng.random(n) < s.p_order)
    experiment_from = world.calendar.t0 + world.experiment_start_day * DAY
    s.in_experiment = s.checkout & (s.start >= experiment_from)
    s.cart_viewed = s.added & (s.checkout | (rng.random(n) < 0.5))

    # Coupons at checkout: the campaign's own code, a code that travelled, or a public one.
    campaign_code = np.where(s.campaign >= 0, world.campaign_coupon[np.maximum(s.campaign, 0)], -1)
    hunter_p = params.archetype_array("coupon")[arch]
    travelled = np.where(
        rng.random(n) < 0.5, world.latest_coupon(s.start), world.public_coupon(rng, n)
    )
    coupon = np.where((campaign_code >= 0) & (rng.random(n) < 0.8), campaign_code, -1)
    coupon = np.where((coupon < 0) & (rng.random(n) < hunter_p), travelled, coupon)
    s.coupon = np.where(s.checkout, coupon, -1)

    # Products viewed: from the session's category, as stocked online that week.
    view_session = np.repeat(np.arange(n), s.n_views)
    position = np.arange(len(view_session)) - np.repeat(np.cumsum(s.n_views) - s.n_views, s.n_views)
    online = np.full(len(view_session), world.n_locations - 1)
    other = rng.random(len(view_session)) < 0.25  # some views wander to another category
    cat = np.where(
        other,
        rng.integers(0, world.category_week.shape[0], len(view_session)),
        s.category[view_session],
    )
    sku = world.sample_skus(rng, online, week[view_session], cat)
    fallback = world.sample_skus(rng, online, week[view_session], s.category[view_session])
    sku = np.where(sku >= 0, sku, fallback)
    sku = np.where(sku >= 0, sku, 0)
    # The first few viewed products go in the cart; a product is added at most once.
    n_add = 1 + rng.binomial(s.n_views - 1, 0.3)
    added = s.added[view_session] & (position < n_add[view_session])
    dup = np.zeros(len(sku), dtype=bool)
    key = view_session * len(world.products.sku) + sku
    order = np.lexsort((position, key))
    dup[order[1:]] = key[order[1:]] == key[order[:-1]]
    added &= ~dup
    quantity = np.where(
        added, np.minimum(QUANTITY_CAP, 1 + rng.poisson(params.QUANTITY_EXTRA, len(sku))), 0
    )
    # Sometimes one of several cart items is taken out again.
    adds_per_session = np.bincount(view_session, weights=added, minlength=n)
    s.removed = (adds_per_session >= 2) & (rng.random(n) < 0.15)
    last_added = np.full(n, -1)
    np.maximum.at(last_added, view_session[added], np.flatnonzero(added))
    removed = np.zeros(len(sku), dtype=bool)
    removed[last_added[s.removed]] = True
    views = Views(
        session=view_session,
        position=position,
        sku=sku,
        price=world.price_at(sku, week[view_session]),
        added=added,
        quantity=quantity,
        removed=removed,
    )
    checkout_rows = np.flatnonzero(s.checkout)
    s.order_number[checkout_rows] = chunk * 10_000_000 + np.arange(len(checkout_rows))
    return views


def coupon_names(world: World) -> list[str]:
    """A human name per coupon code (the campaign's name, or the public code's purpose)."""
    names = []
    for code, c in zip(world.campaigns.coupon, world.campaigns.name, strict=True):
        if code is not None:
            names.append(c.split(" (")[0])
    names += [f"{code} public code" for code, _ in PUBLIC_COUPONS]
    return names
