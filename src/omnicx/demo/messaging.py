"""Campaign messages by e-mail, SMS and push: sends, engagement and their true effect."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from omnicx.demo import noise, params
from omnicx.demo.calendar import DAY
from omnicx.demo.catalog import World
from omnicx.demo.formats import concat, nulls_where, take, timestamps
from omnicx.demo.people import NEVER, People
from omnicx.demo.table import Rows
from omnicx.demo.vocab import CATEGORIES, DOMAIN

CHANNELS = ("email", "sms", "push")


@dataclass
class Sends(Rows):
    """One row per (campaign, targeted person), including the randomised hold-out."""

    campaign: np.ndarray
    channel: np.ndarray  # index into CHANNELS
    person: np.ndarray
    sent_at: np.ndarray
    held_out: np.ndarray
    bounced: np.ndarray
    opened_at: np.ndarray  # NEVER when not opened
    clicked_at: np.ndarray
    unsubscribed_at: np.ndarray
    intent: np.ndarray  # the message created a purchase intent (the incremental effect)
    session_at: np.ndarray  # start of the session it caused, NEVER if none
    effect: np.ndarray  # expected incremental orders from this message (0 if not delivered)


@dataclass
class SessionRequests(Rows):
    """Sessions caused by something outside the baseline rhythm (a message, a kiosk)."""

    person: np.ndarray
    start: np.ndarray
    channel: np.ndarray  # 0 web, 1 app, 2 kiosk
    campaign: np.ndarray  # campaign index for the session's utm context, or -1
    intent: np.ndarray


def conversion(people: People, world: World, person: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """P(order | checkout) of a person at a time: the archetype rate, lifted in the test arm."""
    base = params.archetype_array("p_order")[people.archetype[person]]
    start = world.calendar.t0 + world.experiment_start_day * DAY
    treated = (people.variant[person] == 1) & (seconds >= start)
    return np.minimum(0.97, base * np.where(treated, 1 + params.EXPERIMENT_LIFT, 1.0))


def plan_sends(
    rng: np.random.Generator, world: World, people: People
) -> tuple[Sends, SessionRequests]:
    """Who got which campaign, what they did with it, and the sessions it caused."""
    camp = world.campaigns
    channel_of = np.array([CHANNELS.index(c) for c in camp.channel])
    arch = people.archetype
    eligible = {
        0: people.email_optin,
        1: people.sms_optin,
        2: people.push_optin & (people.devices[:, 0] >= 0),
    }
    send_day = world.calendar.day_of(camp.sent_at)
    parts = []
    for c, name in enumerate(CHANNELS):
        campaigns = np.flatnonzero(channel_of == c)
        if len(campaigns) == 0:
            continue
        target = rng.random((people.n, len(campaigns))) < params.CAMPAIGN_TARGET_SHARE[name]
        target &= eligible[c][:, None] & (
            people.signup_day[:, None] <= send_day[campaigns][None, :]
        )
        person, k = np.nonzero(target)
        parts.append((person, campaigns[k]))
    person = np.concatenate([p for p, _ in parts])
    campaign = np.concatenate([k for _, k in parts])
    n = len(person)
    channel = channel_of[campaign]
    sent_at = camp.sent_at[campaign] + rng.integers(0, 1200, n) * (channel == 0)
    held_out = rng.random(n) < params.HOLDOUT_SHARE
    bounce = np.array([params.BOUNCE_RATE[c] for c in CHANNELS])[channel]
    bounced = ~held_out & (rng.random(n) < bounce)
    delivered = ~held_out & ~bounced

    open_p = np.select(
        [channel == 0, channel == 2],
        [params.archetype_array("open_rate")[arch[person]], np.full(n, params.PUSH_OPEN_RATE)],
        0.0,
    ) * np.minimum(1.5, people.activity[person] ** 0.3)
    click_p = np.select(
        [channel == 0, channel == 1, channel == 2],
        [
            params.archetype_array("click_rate")[arch[person]],
            np.full(n, params.SMS_CLICK_RATE),
            1.0,
        ],
    )
    p_open = np.where(channel == 1, 1.0, open_p)  # an SMS is "read" without an open event
    opened = delivered & (rng.random(n) < p_open)
    clicked = opened & (rng.random(n) < click_p)
    delay = np.minimum(5 * DAY, np.exp(np.log(7200) + rng.standard_normal(n))).astype(np.int64)
    opened_at = np.where(opened & (channel != 1), sent_at + delay, NEVER)
    read_at = np.where(channel == 1, sent_at + rng.integers(30, 1800, n), opened_at)
    clicked_at = np.where(clicked, read_at + rng.integers(5, 300, n), NEVER)
    unsub_p = np.array([params.UNSUBSCRIBE_RATE[c] for c in CHANNELS])[channel]
    unsubscribed = opened & (rng.random(n) < unsub_p)
    unsubscribed_at = np.where(unsubscribed, read_at + rng.integers(10, 120, n), NEVER)

    # An unsubscribe stops later campaigns of that channel to that person.
    key = person * len(CHANNELS) + channel
    first_unsub = np.full(people.n * len(CHANNELS), NEVER, dtype=np.int64)
    np.minimum.at(first_unsub, key, unsubscribed_at)
    keep = sent_at <= first_unsub[key]

    intent_p = np.array([params.INTENT_PROBABILITY[c] for c in CHANNELS])[channel]
    intent_p = intent_p * params.archetype_array("responsiveness")[arch[person]]
    intent = delivered & (rng.random(n) < intent_p)
    intent_at = sent_at + (rng.random(n) * params.INTENT_WINDOW_DAYS * DAY).astype(np.int64)
    session_at = np.where(
        clicked, clicked_at + rng.integers(2, 20, n), np.where(intent, intent_at, NEVER)
    )

    # True effect: the click session converts like any session, the intent session more so.
    p_ord = conversion(people, world, person, sent_at)
    offer_gain = 1 + params.OFFER_SHOWN * params.OFFER_ACCEPTED * (params.OFFER_ADD_MULTIPLIER - 1)
    p_add = params.archetype_array("p_add")[arch[person]] * offer_gain
    p_checkout = params.archetype_array("p_checkout")[arch[person]]
    effect = delivered * (
        p_open * click_p * (1 - intent_p) * p_add * p_checkout * p_ord
        + intent_p * params.INTENT_CHECKOUT * p_ord
    )
    sends = Sends(
        campaign=campaign,
        channel=channel,
        person=person,
        sent_at=sent_at,
        held_out=held_out,
        bounced=bounced,
        opened_at=opened_at,
        clicked_at=clicked_at,
        unsubscribed_at=unsubscribed_at,
        intent=intent,
        session_at=np.where(session_at < world.calendar.end, session_at, NEVER),
        effect=effect,
    ).take(keep)
    caused = np.flatnonzero(sends.session_at != NEVER)
    ch = sends.channel[caused]
    to_app = (ch == 2) | (
        (ch == 0) & (people.devices[sends.person[caused], 0] >= 0) & (rng.random(len(caused)) < 0.3)
    )
    requests = SessionRequests(
        person=sends.person[caused],
        start=sends.session_at[caused],
        channel=np.where(to_app & (people.devices[sends.person[caused], 0] >= 0), 1, 0),
        campaign=np.where(sends.clicked_at[caused] != NEVER, sends.campaign[caused], -1),
        intent=sends.intent[caused],
    )
    order = np.lexsort((sends.person, sends.sent_at))
    return sends.take(order), requests


def engagement_table(world: World, people: People, sends: Sends) -> tuple[pa.Table, np.ndarray]:
    """Rows of the email_engagement source, and the person of each row."""
    shown = sends.take(~sends.held_out)
    kinds = [
        ("send", np.ones(len(shown), dtype=bool), shown.sent_at),
        ("bounce", shown.bounced, shown.sent_at + 5),
        ("open", shown.opened_at != NEVER, shown.opened_at),
        ("click", shown.clicked_at != NEVER, shown.clicked_at),
        ("unsubscribe", shown.unsubscribed_at != NEVER, shown.unsubscribed_at),
    ]
    rows = np.concatenate([np.flatnonzero(mask) for _, mask, _ in kinds])
    event = np.concatenate([np.full(int(mask.sum()), k) for k, (_, mask, _) in enumerate(kinds)])
    at = np.concatenate([times[mask] for _, mask, times in kinds])
    order = np.lexsort((event, rows, at))
    rows, event, at = rows[order], event[order], at[order]
    person = shown.person[rows]
    channel = shown.channel[rows]
    campaign = shown.campaign[rows]
    # The platform holds one address per person: the one synced from the CRM.
    email = noise.email_variants(people, person, platform_email_variant(people, person), person)
    phone = noise.phones_in(people, person, (people.offset + person) % 3)
    device = take(people.device_ids, people.devices[person, 0])
    cat = world.campaigns.category[campaign]
    slug = take([c[0].lower() for c in CATEGORIES], cat)
    url = concat(
        f"https://www.{DOMAIN}/c/",
        slug,
        "?utm_source=",
        take(CHANNELS, channel),
        "&utm_medium=",
        take(CHANNELS, channel),
        "&utm_campaign=",
        take([c.lower() for c in world.campaigns.ids], campaign),
    )
    table = pa.table(
        {
            "occurred_at": timestamps(at * 1000, "ms"),
            "campaign_id": take(world.campaigns.ids, campaign),
            "event_type": take(("send", "bounce", "open", "click", "unsubscribe"), event),
            "channel": take(CHANNELS, channel),
            "email": nulls_where(channel != 0, email),
            "phone": nulls_where(channel != 1, phone),
            "device_id": nulls_where(channel != 2, device),
            "campaign_name": take(world.campaigns.name, campaign),
            "url": nulls_where(event != 3, url),
        }
    )
    return table, person


def platform_email_variant(people: People, person: np.ndarray) -> np.ndarray:
    """The fixed e-mail variant a person has in the CRM and the messaging platform."""
    g = people.offset + person
    return np.where(g % 10 == 3, 1, np.where(g % 20 == 7, 3, 0))
