"""What customers say: NPS and CSAT surveys, and public social-media mentions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from omnicx.demo import noise, params
from omnicx.demo.calendar import DAY
from omnicx.demo.catalog import World
from omnicx.demo.formats import (
    choose,
    codes,
    concat,
    decimals,
    integers,
    iso_utc,
    nulls_where,
    scrambled,
    take,
    where,
)
from omnicx.demo.instore import Receipts
from omnicx.demo.orders import Orders
from omnicx.demo.people import FIRST_NAMES, NEVER, People
from omnicx.demo.service import CASE_CHANNELS, Cases, Returns
from omnicx.demo.table import Rows
from omnicx.demo.vocab import (
    CATEGORIES,
    LAST_NAMES,
    SOCIAL_PLATFORMS,
    SOCIAL_TEXTS,
    SURVEY_COMMENTS,
    ascii_slug,
)

SURVEY_CHANNELS = ("web", "app", "kiosk", "store", "call_center", "chat", "email", "social")
STEPS = ("purchase", "delivery", "collection", "return", "support", "relationship")


@dataclass
class Surveys(Rows):
    person: np.ndarray
    responded_at: np.ndarray
    nps: np.ndarray  # True: NPS 0-10, False: CSAT 1-5
    channel: np.ndarray  # index into SURVEY_CHANNELS
    step: np.ndarray  # index into STEPS
    issue: np.ndarray  # the order behind it had a delivery issue
    store: np.ndarray  # -1 unless about a store
    score: np.ndarray
    latent: np.ndarray


@dataclass
class Mentions(Rows):
    person: np.ndarray  # -1 for someone outside the customer base
    posted_at: np.ndarray
    platform: np.ndarray
    sentiment: np.ndarray
    triggered: np.ndarray  # posted after a delivery problem


def _asked(
    person: np.ndarray,
    at: np.ndarray,
    channel: np.ndarray | str,
    step: np.ndarray | str,
    nps: np.ndarray,
    issue: np.ndarray | None = None,
    store: np.ndarray | None = None,
) -> Surveys:
    """Survey invitations that were answered (scores are filled in later)."""
    n = len(person)

    def code(value: np.ndarray | str, names: tuple[str, ...]) -> np.ndarray:
        return np.full(n, names.index(value)) if isinstance(value, str) else value

    return Surveys(
        person=person,
        responded_at=at,
        nps=nps,
        channel=code(channel, SURVEY_CHANNELS),
        step=code(step, STEPS),
        issue=np.zeros(n, dtype=bool) if issue is None else issue,
        store=np.full(n, -1) if store is None else store,
        score=np.zeros(n, dtype=np.int64),
        latent=np.zeros(n),
    )


def collect_surveys(
    rng: np.random.Generator,
    world: World,
    people: People,
    orders: Orders,
    receipts: Receipts,
    cases: Cases,
    returns: Returns,
) -> Surveys:
    """Survey responses to orders, store visits, support, returns and a quarterly NPS."""
    cal = world.calendar
    rate = params.SURVEY_RESPONSE
    o = np.flatnonzero(rng.random(len(orders)) < rate["order"])
    delivered = rng.random(len(o)) < 0.7  # else asked about the purchase itself
    at = np.where(delivered, orders.delivered_at[o] + DAY, orders.ordered_at[o] + 3600)
    about_orders = _asked(
        orders.person[o],
        at + rng.integers(0, 2 * DAY, len(o)),
        orders.channel[o],  # web, app, kiosk: the first three survey channels
        np.where(delivered, np.where(orders.collect[o], 2, 1), 0),
        nps=rng.random(len(o)) < 0.5,
        issue=delivered & (orders.issue[o] > 0),
        store=np.where(orders.collect[o], orders.store[o], -1),
    )
    identified = (receipts.person >= 0) & (receipts.loyalty | receipts.e_receipt)
    r = np.flatnonzero(identified & (rng.random(len(receipts)) < rate["receipt"]))
    about_receipts = _asked(
        receipts.person[r],
        receipts.occurred_at[r] + rng.integers(2 * 3600, 2 * DAY, len(r)),
        "store",
        "purchase",
        nps=rng.random(len(r)) < 0.3,
        store=receipts.store[r],
    )
    c = np.flatnonzero((cases.resolved_at != NEVER) & (rng.random(len(cases)) < rate["case"]))
    case_channel = np.array([SURVEY_CHANNELS.index(x) for x in CASE_CHANNELS])
    about_cases = _asked(
        cases.person[c],
        cases.resolved_at[c] + rng.integers(3600, DAY, len(c)),
        case_channel[cases.channel[c]],
        "support",
        nps=np.zeros(len(c), dtype=bool),
    )
    first_line = np.unique(returns.number, return_index=True)[1]
    ret = first_line[rng.random(len(first_line)) < rate["return"]]
    about_returns = _asked(
        returns.person[ret],
        returns.returned_at[ret] + DAY,
        np.array([SURVEY_CHANNELS.index(x) for x in ("store", "web", "app")])[returns.channel[ret]],
        "return",
        nps=np.zeros(len(ret), dtype=bool),
        store=returns.store[ret],
    )
    # Relationship NPS: a sample of customers each quarter, about their main channel.
    quarters = max(1, round(cal.days / 91))
    person, quarter = np.nonzero(
        rng.random((people.n, quarters)) < params.RELATIONSHIP_NPS_PER_QUARTER
    )
    day = np.minimum(cal.days - 1, quarter * 91 + rng.integers(0, 91, len(person)))
    valid = day >= people.signup_day[person]
    person, day = person[valid], day[valid]
    arch = people.archetype[person]
    store_first = (
        params.archetype_array("store_trips")[arch] > params.archetype_array("web_sessions")[arch]
    )
    main = np.where(store_first, 3, np.where(people.app_user[person], 1, 0))
    relationship = _asked(
        person,
        cal.times_on_days(rng, "web", day),
        main,
        "relationship",
        nps=np.ones(len(person), dtype=bool),
    )

    s = (
        about_orders.concat(about_receipts)
        .concat(about_cases)
        .concat(about_returns)
        .concat(relationship)
    )
    s = s.take(s.responded_at < np.minimum(people.churn_time[s.person], cal.end))
    n = len(s)
    channel_effect = np.array([params.SURVEY_CHANNEL_EFFECT[c] for c in SURVEY_CHANNELS])
    step_effect = np.array([params.SURVEY_STEP_EFFECT[x] for x in STEPS])
    s.latent = (
        people.satisfaction[s.person]
        + channel_effect[s.channel]
        + step_effect[s.step]
        + params.SURVEY_ISSUE_EFFECT * s.issue
        + params.SURVEY_NOISE_SD * rng.standard_normal(n)
    )
    nps_score = np.clip(np.round(10 * s.latent + 1 + 1.2 * rng.standard_normal(n)), 0, 10)
    csat_score = np.clip(np.round(1 + 4 * s.latent + 0.5 * rng.standard_normal(n)), 1, 5)
    s.score = np.where(s.nps, nps_score, csat_score).astype(np.int64)
    return s.take(np.argsort(s.responded_at, kind="stable"))


def surveys_fields(
    rng: np.random.Generator, world: World, people: People, s: Surveys, chunk: int
) -> tuple[list[tuple[str, pa.Array, str]], np.ndarray]:
    """Fields of the surveys JSON Lines rows, and the response numbers (for record keys)."""
    p = s.person
    n = len(s)
    profile = noise.PROFILES["survey"]
    u = rng.random((5, n))
    bucket = np.where(
        s.nps,
        np.select([s.score <= 6, s.score <= 8], [0, 1], 2),
        np.select([s.score <= 2, s.score == 3], [0, 1], 2),
    )
    comment = take(
        [c for group in SURVEY_COMMENTS for c in group], bucket * 3 + rng.integers(0, 3, n)
    )
    _, postcode, city = noise.addresses(people, p, s.responded_at, rng, profile)
    named = u[3] < 0.2
    number = chunk * 10_000_000 + np.arange(n)
    fields = [
        ("response_id", codes("SRV-", scrambled(number, 10, 98_765), 10), "str"),
        ("responded_at", iso_utc(s.responded_at), "str"),
        ("survey_type", where(s.nps, "nps", "csat"), "str"),
        ("score", integers(s.score), "raw"),
        ("channel", take(SURVEY_CHANNELS, s.channel), "str"),
        ("journey_step", take(STEPS, s.step), "str"),
        ("comment", nulls_where(u[0] >= 0.3, comment), "str"),
        ("store_id", take(world.stores.ids, s.store), "str"),
        ("user_id", nulls_where(~(people.account[p] & (u[1] < 0.5)), people.user_ids(p)), "str"),
        (
            "loyalty_id",
            nulls_where(
                ~(people.loyalty[p] & (s.channel == 3) & (u[2] < 0.6)), people.loyalty_ids(p)
            ),
            "str",
        ),
        ("email", nulls_where(u[4] >= 0.9, noise.emails(people, p, rng, profile, 0.3)), "str"),
        ("first_name", nulls_where(~named, noise.first_names(people, p, rng, profile)), "str"),
        ("last_name", nulls_where(~named, noise.last_names(people, p, rng, profile)), "str"),
        ("postcode", nulls_where(~(named & (u[1] < 0.3)), postcode), "str"),
        ("city", nulls_where(~named, city), "str"),
    ]
    return fields, number


def collect_mentions(
    rng: np.random.Generator, world: World, people: People, orders: Orders
) -> Mentions:
    """Mentions by customers with a public profile, more from the very happy and unhappy."""
    cal = world.calendar
    social = people.social >= 0
    rate = 0.5 * (1 + 2 * np.abs(people.satisfaction - 0.6)) * social
    count = rng.poisson(rate * (cal.days - people.signup_day) / 365)
    person = np.repeat(np.arange(people.n), count)
    posted = cal.sample_times(rng, "web", people.signup_day[person], np.full(len(person), cal.days))
    sentiment = np.clip(
        1.8 * (people.satisfaction[person] - 0.6) + 0.25 * rng.standard_normal(len(person)), -1, 1
    )
    bad = np.flatnonzero(
        (orders.issue > 0) & social[orders.person] & (rng.random(len(orders)) < 0.3)
    )
    person = np.concatenate([person, orders.person[bad]])
    posted = np.concatenate([posted, orders.delivered_at[bad] + rng.integers(0, 2 * DAY, len(bad))])
    sentiment = np.concatenate(
        [sentiment, np.clip(-0.5 + 0.2 * rng.standard_normal(len(bad)), -1, 0)]
    )
    triggered = np.r_[np.zeros(len(person) - len(bad), dtype=bool), np.ones(len(bad), dtype=bool)]
    keep = posted < np.minimum(people.churn_time[person], cal.end)
    # Strangers: people outside the customer base talk about the brand too.
    strangers = rng.poisson(0.05 * people.n * cal.days / 365)
    mentions = Mentions(
        person=np.r_[person[keep], np.full(strangers, -1)],
        posted_at=np.r_[
            posted[keep],
            cal.sample_times(
                rng, "web", np.zeros(strangers, dtype=np.int64), np.full(strangers, cal.days)
            ),
        ],
        platform=np.r_[
            people.social[person[keep]], rng.integers(0, len(SOCIAL_PLATFORMS), strangers)
        ],
        sentiment=np.r_[sentiment[keep], np.clip(rng.normal(0.05, 0.5, strangers), -1, 1)],
        triggered=np.r_[triggered[keep], np.zeros(strangers, dtype=bool)],
    )
    return mentions.take(np.argsort(mentions.posted_at, kind="stable"))


def mentions_fields(
    rng: np.random.Generator, people: People, m: Mentions, chunk: int
) -> tuple[list[tuple[str, pa.Array, str]], np.ndarray]:
    """Fields of the social_mentions JSON Lines rows, and the mention numbers."""
    n = len(m)
    p = np.maximum(m.person, 0)
    stranger = m.person < 0
    first = take([ascii_slug(x) for x, _ in FIRST_NAMES], people.first[p])
    last = take([ascii_slug(x) for x in LAST_NAMES], people.last[p])
    handle = where(
        stranger,
        concat("user", integers(rng.integers(10_000, 99_999_999, n))),
        concat(first, last, integers((people.offset + p) % 97)),
    )
    number = chunk * 10_000_000 + np.arange(n)
    post = integers(scrambled(number, 10, 13_579) + 10**10)
    url = choose(
        m.platform,
        concat("https://x.com/", handle, "/status/", post),
        concat("https://www.instagram.com/p/", post, "/"),
        concat("https://www.facebook.com/", handle, "/posts/", post),
        concat("https://www.tiktok.com/@", handle, "/video/", post),
        concat("https://uk.trustpilot.com/reviews/", post),
    )
    bucket = np.select([m.sentiment < -0.2, m.sentiment > 0.2], [0, 2], 1)
    templates = [t for group in SOCIAL_TEXTS for t in group]
    starts = np.cumsum([0] + [len(g) for g in SOCIAL_TEXTS])
    pick = (
        starts[bucket]
        + rng.integers(0, 1 << 20, n) % np.array([len(g) for g in SOCIAL_TEXTS])[bucket]
    )
    before = take([t.split("{c}")[0] for t in templates], pick)
    after = take([t.split("{c}")[1] if "{c}" in t else "" for t in templates], pick)
    has_slot = np.array(["{c}" in t for t in templates])[pick]
    product = take([c[2][0].lower() for c in CATEGORIES], rng.integers(0, len(CATEGORIES), n))
    text = where(has_slot, concat(before, product, after), before)
    linked = ~stranger & (rng.random(n) < 0.25)
    fields = [
        ("mention_id", codes("SM-", scrambled(number, 10, 24_680), 10), "str"),
        ("posted_at", iso_utc(m.posted_at), "str"),
        ("platform", take([x for x, _ in SOCIAL_PLATFORMS], m.platform), "str"),
        ("handle", concat("@", handle), "str"),
        ("sentiment", decimals(m.sentiment, 2), "raw"),
        ("text", text, "str"),
        ("url", url, "str"),
        (
            "email",
            nulls_where(~linked, noise.emails(people, p, rng, noise.PROFILES["survey"])),
            "str",
        ),
    ]
    return fields, number
