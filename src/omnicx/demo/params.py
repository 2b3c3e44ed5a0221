"""The true parameters of the demo retailer: archetypes, effects, hazards.

Everything a later capability should rediscover from the data is set here, and
written unchanged into ``ground_truth/truth.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np


@dataclass(frozen=True)
class Archetype:
    """A latent customer type: rates are per active person-year."""

    name: str
    description: str
    weight: float  # share of the customer base
    web_sessions: float
    app_user: float  # probability of having the app
    app_sessions: float  # for app users
    store_trips: float
    views: float  # mean products viewed per session
    p_add: float  # session -> Product Added
    p_checkout: float  # add -> Checkout Started
    p_order: float  # checkout -> order (control arm)
    p_store_buy: float  # store trip -> receipt
    items_store: float  # mean lines per receipt
    price_level: float  # multiplies the category choice towards dearer products
    coupon: float  # probability of using a coupon code at checkout
    return_rate: float  # per line, before the category factor
    click_collect: float  # share of online orders collected in store
    hazard: float  # baseline churn hazard per year
    satisfaction: float  # mean latent satisfaction (0-1)
    account: float  # probability of an online account
    loyalty: float  # probability of a loyalty card
    email_optin: float
    sms_optin: float
    push_optin: float  # for app users
    open_rate: float  # e-mail opens per delivered send
    click_rate: float  # clicks per open
    responsiveness: float  # multiplies the incremental effect of a campaign
    acquired: float  # share first seen during the period (others are existing customers)


_DESCRIPTIONS = {
    "store_loyalist": "shops mostly in their home store with a loyalty card; rarely online",
    "frequent_browser": "many web and app sessions, many product views, rarely buys",
    "coupon_hunter": "buys when there is a code; opens everything, answers campaigns",
    "omnichannel_vip": "high value across web, app and stores; click-and-collect; beacons",
    "first_time_returner": "buys once or twice online, returns most of it, and leaves",
    "lapsing": "ordinary activity early on, then a high hazard of leaving",
    "casual": "occasional shopper in every channel",
}
# One column per archetype, one row per Archetype field (rates per active person-year).
_TABLE = """
field           store_loyalist frequent_browser coupon_hunter omnichannel_vip \
                first_time_returner lapsing casual
weight          0.17  0.17  0.14  0.08  0.10  0.13  0.21
web_sessions    2.0   16.0  9.0   10.0  4.0   7.0   5.0
app_user        0.30  0.50  0.40  0.85  0.15  0.30  0.25
app_sessions    3.0   12.0  7.0   12.0  1.0   5.0   4.0
store_trips     16.0  3.0   4.0   9.0   0.5   6.0   4.0
views           2.0   4.0   2.5   3.5   2.5   2.0   2.0
p_add           0.30  0.11  0.33  0.45  0.52  0.28  0.26
p_checkout      0.40  0.24  0.36  0.50  0.48  0.35  0.35
p_order         0.74  0.55  0.70  0.80  0.75  0.70  0.70
p_store_buy     0.85  0.30  0.60  0.80  0.50  0.60  0.55
items_store     2.8   1.5   2.0   3.2   1.5   2.0   2.0
price_level     1.0   0.9   0.7   1.6   1.1   1.0   1.0
coupon          0.05  0.10  0.70  0.10  0.10  0.15  0.15
return_rate     0.06  0.12  0.10  0.12  0.65  0.10  0.10
click_collect   0.30  0.05  0.10  0.35  0.05  0.10  0.10
hazard          0.08  0.25  0.30  0.05  0.90  1.60  0.30
satisfaction    0.80  0.64  0.60  0.84  0.48  0.52  0.68
account         0.45  0.70  0.85  1.00  0.40  0.70  0.60
loyalty         0.95  0.40  0.70  0.95  0.10  0.60  0.50
email_optin     0.50  0.70  0.95  0.85  0.50  0.60  0.60
sms_optin       0.35  0.20  0.70  0.50  0.10  0.30  0.25
push_optin      0.60  0.50  0.80  0.80  0.30  0.50  0.50
open_rate       0.30  0.25  0.50  0.45  0.15  0.20  0.22
click_rate      0.10  0.15  0.30  0.20  0.05  0.06  0.08
responsiveness  0.8   1.0   2.5   1.2   0.5   0.6   1.0
acquired        0.10  0.25  0.25  0.05  0.70  0.10  0.20
"""


def _parse_table(table: str) -> tuple[Archetype, ...]:
    lines = table.strip().splitlines()
    names = lines[0].split()[1:]
    values = {row[0]: [float(v) for v in row[1:]] for row in (line.split() for line in lines[1:])}
    if list(values) != [f.name for f in fields(Archetype)][2:]:
        raise ValueError("archetype table rows do not match the Archetype fields")
    return tuple(
        Archetype(name, _DESCRIPTIONS[name], **{k: v[i] for k, v in values.items()})
        for i, name in enumerate(names)
    )


ARCHETYPES: tuple[Archetype, ...] = _parse_table(_TABLE)
ARCHETYPE_NAMES: tuple[str, ...] = tuple(a.name for a in ARCHETYPES)


def archetype_array(attribute: str) -> np.ndarray:
    """One archetype parameter as an array indexed by archetype code."""
    return np.array([getattr(a, attribute) for a in ARCHETYPES], dtype=np.float64)


# Person-level heterogeneity.
ACTIVITY_SIGMA = 0.5  # log-normal spread of each person's activity rates
SATISFACTION_SD = 0.12

# Marketing: each delivered message creates a purchase intent with this probability
# (times the archetype's responsiveness); the intent session adds to the cart and reaches
# checkout with INTENT_CHECKOUT, then converts like any checkout. Clicks also start a
# session that follows the ordinary funnel. Both count in the true effect per send.
INTENT_PROBABILITY = {"email": 0.008, "sms": 0.015, "push": 0.010}
INTENT_WINDOW_DAYS = 3.0
INTENT_CHECKOUT = 0.7
HOLDOUT_SHARE = 0.10  # randomised hold-out of each campaign's target list
CAMPAIGN_TARGET_SHARE = {"email": 0.6, "sms": 0.5, "push": 0.7}
CAMPAIGNS_PER_YEAR = {"email": 45, "sms": 10, "push": 30}
BOUNCE_RATE = {"email": 0.015, "sms": 0.01, "push": 0.0}
PUSH_OPEN_RATE = 0.08
SMS_CLICK_RATE = 0.04
UNSUBSCRIBE_RATE = {"email": 0.004, "sms": 0.003, "push": 0.002}  # per open (sms: per send)

# A/B test on the checkout page: relative lift on checkout -> order in the treatment arm.
EXPERIMENT_ID = "exp_checkout_redesign"
EXPERIMENT_NAME = "checkout_redesign"
EXPERIMENT_LIFT = 0.12
EXPERIMENT_VARIATIONS = (("0", "control"), ("1", "redesign"))

# On-site offers: accepting one multiplies the session's add-to-cart probability.
OFFER_SHOWN = 0.12
OFFER_ACCEPTED = 0.25
OFFER_DISMISSED = 0.50
OFFER_ADD_MULTIPLIER = 1.4

# Churn: hazard per year = archetype hazard * exp(SAT_BETA * (0.7 - satisfaction)),
# plus a jump for the rest of the period after each bad experience.
SAT_BETA = 2.5
HAZARD_JUMP = {
    "delivery_issue": 0.5,
    "support_case": 0.25,
    "unresolved_case": 1.0,
    "return": 0.1,
    "return_first_time_returner": 4.0,
}

# Delivery and service.
DELIVERY_ISSUE = {"late": 0.05, "damaged": 0.02}  # per delivery order, doubled in peak weeks
ISSUE_CASE = 0.65  # a delivery issue opens a support case
RETURN_CASE = 0.12  # a return opens a refund case
BASE_CASES_PER_YEAR = 0.15
UNRESOLVED = 0.04

# Surveys: latent score = satisfaction + channel effect + journey effect + noise.
SURVEY_CHANNEL_EFFECT = {
    "store": 0.08,
    "app": 0.04,
    "web": 0.0,
    "kiosk": 0.0,
    "email": -0.02,
    "chat": -0.03,
    "social": -0.05,
    "call_center": -0.10,
}
SURVEY_STEP_EFFECT = {
    "purchase": 0.03,
    "delivery": 0.0,
    "collection": 0.05,
    "return": -0.08,
    "support": -0.05,
    "relationship": 0.0,
}
SURVEY_ISSUE_EFFECT = -0.35  # the order behind a delivery survey had a delivery issue
SURVEY_NOISE_SD = 0.1
SURVEY_RESPONSE = {"order": 0.12, "receipt": 0.06, "case": 0.30, "return": 0.10}
RELATIONSHIP_NPS_PER_QUARTER = 0.08

# Demand: a price promotion with discount d multiplies a SKU's demand by 1 + PROMO_ELASTICITY*d.
PROMO_ELASTICITY = 3.0
QUANTITY_EXTRA = 0.2  # quantity per line is 1 + Poisson(QUANTITY_EXTRA), at most 5
WALK_INS_PER_CUSTOMER_YEAR = 1.5  # receipts from shoppers outside the customer base

# Shares of the population that carry identity noise.
HOUSEHOLD_SIZES = {1: 0.62, 2: 0.28, 3: 0.07, 4: 0.03}
SHARED_DEVICE_HOUSEHOLDS = 0.35  # of multi-person households
PEOPLE_PER_BUSINESS_MAILBOX = 3
BUSINESS_MAILBOX_EVERY = 500  # one shared info@ mailbox per this many customers
MOVERS = 0.08
DUPLICATE_CRM = 0.03
FOREIGN_PHONE = 0.08


def truth_parameters() -> dict[str, object]:
    """All true parameters as plain JSON-ready values."""
    return {
        "archetypes": [asdict(a) for a in ARCHETYPES],
        "activity_sigma": ACTIVITY_SIGMA,
        "satisfaction_sd": SATISFACTION_SD,
        "marketing": {
            "intent_probability_per_delivered_message": INTENT_PROBABILITY,
            "intent_window_days": INTENT_WINDOW_DAYS,
            "intent_checkout_probability": INTENT_CHECKOUT,
            "holdout_share": HOLDOUT_SHARE,
            "target_share": CAMPAIGN_TARGET_SHARE,
            "campaigns_per_year": CAMPAIGNS_PER_YEAR,
            "bounce_rate": BOUNCE_RATE,
            "push_open_rate": PUSH_OPEN_RATE,
            "sms_click_rate": SMS_CLICK_RATE,
            "unsubscribe_rate": UNSUBSCRIBE_RATE,
        },
        "offers": {
            "shown": OFFER_SHOWN,
            "accepted": OFFER_ACCEPTED,
            "dismissed": OFFER_DISMISSED,
            "add_to_cart_multiplier_when_accepted": OFFER_ADD_MULTIPLIER,
        },
        "churn": {
            "hazard_per_year": {a.name: a.hazard for a in ARCHETYPES},
            "satisfaction_beta": SAT_BETA,
            "formula": "hazard * exp(beta * (0.7 - satisfaction)) + sum of jumps after events",
            "hazard_jumps_per_year": HAZARD_JUMP,
        },
        "service": {
            "delivery_issue": DELIVERY_ISSUE,
            "issue_opens_case": ISSUE_CASE,
            "return_opens_case": RETURN_CASE,
            "base_cases_per_year": BASE_CASES_PER_YEAR,
            "unresolved": UNRESOLVED,
        },
        "surveys": {
            "channel_effect": SURVEY_CHANNEL_EFFECT,
            "journey_step_effect": SURVEY_STEP_EFFECT,
            "delivery_issue_effect": SURVEY_ISSUE_EFFECT,
            "noise_sd": SURVEY_NOISE_SD,
            "nps": "clip(round(10 * latent + 1 + N(0, 1.2)), 0, 10)",
            "csat": "clip(round(1 + 4 * latent + N(0, 0.5)), 1, 5)",
            "response_rates": SURVEY_RESPONSE,
            "relationship_nps_per_quarter": RELATIONSHIP_NPS_PER_QUARTER,
        },
        "demand": {
            "promo_elasticity": PROMO_ELASTICITY,
            "quantity": f"1 + Poisson({QUANTITY_EXTRA}), at most 5",
            "walk_ins_per_customer_year": WALK_INS_PER_CUSTOMER_YEAR,
        },
        "noise": {
            "household_sizes": {str(k): v for k, v in HOUSEHOLD_SIZES.items()},
            "shared_device_households": SHARED_DEVICE_HOUSEHOLDS,
            "people_per_business_mailbox": PEOPLE_PER_BUSINESS_MAILBOX,
            "business_mailbox_every": BUSINESS_MAILBOX_EVERY,
            "movers": MOVERS,
            "duplicate_crm": DUPLICATE_CRM,
            "foreign_phone": FOREIGN_PHONE,
        },
    }
