"""The demo retailer: valid files for every source kind, deterministic, and true to its truth."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from omnicx.demo.generator import DemoManifest, generate
from omnicx.demo.params import ARCHETYPE_NAMES, EXPERIMENT_ID
from omnicx.schema.sources import SOURCE_KINDS, SourceField
from omnicx.schema.validate import message_to_row

_TZ = re.compile(r"(?:Z|[+-]\d\d:\d\d)$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
IDENTIFIER_TYPES = (
    "email",
    "phone",
    "user_id",
    "anonymous_id",
    "loyalty_id",
    "device_id",
    "payment_token",
    "crm_id",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate(tmp_path_factory.mktemp("demo"), customers=2000, seed=11, days=365)


@pytest.fixture(scope="module")
def messages(demo: DemoManifest) -> list[dict[str, Any]]:
    """The Segment messages of events.jsonl, parsed once."""
    text = demo.sources["events"].read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def read(path: Path) -> pd.DataFrame:
    """A source file as written: text cells (empty -> None), typed Parquet columns."""
    if path.suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        return frame.astype(object).where(frame != "", None)
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pandas()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return pd.DataFrame(rows).astype(object)


def truth(demo: DemoManifest, name: str) -> pd.DataFrame:
    return pq.read_table(demo.ground_truth_dir / f"{name}.parquet").to_pandas()


def digests(directory: Path) -> dict[str, str]:
    """File contents by name; Parquet compared by content, the rest byte for byte."""
    out = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            data = pq.read_table(path).to_pandas().to_csv(index=False).encode()
        else:
            data = path.read_bytes()
        out[str(path.relative_to(directory))] = hashlib.sha256(data).hexdigest()
    return out


def invalid_rows(field: SourceField, column: pd.Series) -> pd.Series:
    """Rows whose value breaks the field's spec (required, type, enum, min/max)."""
    present = column.notna()
    bad = ~present if field.required else pd.Series(False, index=column.index)
    if field.type == "enum":
        bad |= present & ~column.isin(field.values)
    elif field.type in ("number", "integer"):
        number = pd.to_numeric(column, errors="coerce")
        bad |= present & number.isna()
        if field.type == "integer":
            bad |= present & (number % 1 != 0)
        if field.minimum is not None:
            bad |= number < field.minimum
        if field.maximum is not None:
            bad |= number > field.maximum
    elif field.type == "timestamp" and column.dtype == object:
        text = column.astype("string")
        parsed = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        bad |= present & (parsed.isna() | ~text.str.contains(_TZ, na=False))
    elif field.type == "date" and column.dtype == object:
        bad |= present & ~column.astype("string").str.match(_DATE, na=False)
    return bad


def test_same_seed_same_files_and_another_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate(tmp_path / name, customers=300, seed=seed, start=dt.date(2025, 3, 1), days=120)
    a, b, c = (digests(tmp_path / x) for x in "abc")
    assert a == b
    changed = {name for name in a if a[name] != c.get(name)}
    assert {"sources/events.jsonl", "sources/orders.csv", "ground_truth/persons.parquet"} <= changed


def test_progress_is_reported_up_to_done(tmp_path: Path) -> None:
    seen: list[tuple[str, float]] = []
    generate(tmp_path, customers=50, days=60, progress=lambda step, done: seen.append((step, done)))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {"catalogue", "customers", "inventory", "ground truth"} <= {s for s, _ in seen}


@pytest.mark.parametrize("customers, days", [(0, 365), (10, 7)])
def test_bad_sizes_are_refused(tmp_path: Path, customers: int, days: int) -> None:
    with pytest.raises(ValueError, match="at least"):
        generate(tmp_path, customers=customers, days=days)


def test_one_file_per_source_kind_plus_events(demo: DemoManifest) -> None:
    assert set(demo.sources) == set(SOURCE_KINDS) | {"events"}
    suffixes = {path.suffix for path in demo.sources.values()}
    assert suffixes == {".csv", ".parquet", ".jsonl"}
    for kind, path in demo.sources.items():
        assert path.exists() and demo.counts[kind] > 0, kind


@pytest.mark.parametrize("kind", sorted(SOURCE_KINDS))
def test_every_row_is_valid_for_its_kind(demo: DemoManifest, kind: str) -> None:
    spec = SOURCE_KINDS[kind]
    frame = read(demo.sources[kind])
    assert len(frame) == demo.counts[kind]
    assert set(frame.columns) <= set(spec.field_names), set(frame.columns) - set(spec.field_names)
    assert set(spec.required) <= set(frame.columns)
    for field in spec.fields:
        if field.name in frame.columns:
            bad = invalid_rows(field, frame[field.name])
            assert not bad.any(), (
                f"{kind}.{field.name}: {frame.loc[bad, field.name].head(3).tolist()}"
            )
    if kind == "surveys":
        csat = frame[frame.survey_type == "csat"].score.astype(int)
        assert csat.between(1, 5).all()
        assert frame[frame.survey_type == "nps"].score.astype(int).between(0, 10).all()
    if kind == "orders":
        collect = frame[frame.fulfilment == "click_and_collect"]
        assert len(collect) > 0 and collect.store_id.notna().all()
    assert not frame.duplicated(subset=[k for k in spec.key if k in frame.columns]).any()


def test_events_are_valid_segment_messages(
    demo: DemoManifest, messages: list[dict[str, Any]]
) -> None:
    received = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    kinds = set()
    for message in messages:
        row = message_to_row(message, received)
        kinds.add((message["type"], row["event"]))
        assert message["context"]["channel"] in ("web", "app", "kiosk")
        assert str(message["timestamp"]).endswith("Z")
    names = {event for _, event in kinds}
    assert "Order Completed" not in names
    for name in ("Product Viewed", "Product Added", "Checkout Started", "Coupon Applied"):
        assert name in names
    for name in ("Experiment Viewed", "Offer Shown", "Signed In", "Products Searched"):
        assert name in names
    assert {t for t, _ in kinds} == {"track", "page", "screen", "identify", "alias"}


def test_every_record_has_a_truth_row(demo: DemoManifest) -> None:
    records = truth(demo, "records")
    keys = {kind: set(group.record_key) for kind, group in records.groupby("source_kind")}
    orders = read(demo.sources["orders"])
    assert set(orders.order_id) == keys["orders"]
    pos = read(demo.sources["pos"])
    assert set(pos.store_id + "|" + pos.transaction_id) == keys["pos"]
    for kind, column in (
        ("surveys", "response_id"),
        ("support_cases", "case_id"),
        ("crm_customers", "crm_id"),
        ("returns", "return_id"),
        ("social_mentions", "mention_id"),
    ):
        assert set(read(demo.sources[kind])[column]) == keys[kind], kind
    visits = read(demo.sources["store_visits"])
    entered = visits.entered_at.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert set(visits.store_id + "|" + visits.device_id + "|" + entered) == keys["store_visits"]
    known = records[records.source_kind == "pos"].person_id
    assert known.isna().any() and known.notna().any()  # walk-ins have nobody behind them


def test_every_identifier_in_the_sources_has_a_truth_row(
    demo: DemoManifest, messages: list[dict[str, Any]]
) -> None:
    ids = truth(demo, "identifiers")
    assert set(ids.identifier_type) == set(IDENTIFIER_TYPES)
    known = set(zip(ids.identifier_type, ids.value, strict=True))
    written: set[tuple[str, str]] = set()
    for kind, path in demo.sources.items():
        if kind == "events":
            continue
        frame = read(path)
        for column in IDENTIFIER_TYPES:
            if column in frame.columns:
                written |= {(column, v) for v in frame[column].dropna()}
    for message in messages:
        context: dict = message["context"]
        written.add(("anonymous_id", str(message["anonymousId"])))
        for key, kind in (("userId", "user_id"), ("previousId", "anonymous_id")):
            if key in message:
                written.add((kind, str(message[key])))
        if "device" in context:
            written.add(("device_id", context["device"]["id"]))
        for traits in (message.get("traits"), context.get("traits")):
            if isinstance(traits, dict) and "email" in traits:
                written.add(("email", traits["email"]))
    assert written - known == set()


def test_every_archetype_is_present(demo: DemoManifest) -> None:
    persons = truth(demo, "persons")
    assert set(persons.archetype) == set(ARCHETYPE_NAMES)
    assert len(persons) == 2000 and persons.person_id.is_unique
    summary = json.loads((demo.ground_truth_dir / "truth.json").read_text())
    assert len(summary["parameters"]["archetypes"]) >= 6


def test_archetypes_behave_differently(demo: DemoManifest) -> None:
    persons = truth(demo, "persons").set_index("person_id")
    orders = truth(demo, "orders")
    per_person = orders.groupby("person_id").size().reindex(persons.index, fill_value=0)
    by_type = per_person.groupby(persons.archetype).mean()
    assert by_type["omnichannel_vip"] > 3 * by_type["store_loyalist"]
    records = truth(demo, "records")
    receipts = records[records.source_kind == "pos"].groupby("person_id").size()
    receipts = receipts.reindex(persons.index, fill_value=0).groupby(persons.archetype).mean()
    assert receipts["store_loyalist"] > 3 * receipts["frequent_browser"]
    lines = read(demo.sources["order_lines"])
    lines["archetype"] = lines.order_id.map(orders.set_index("order_id").person_id).map(
        persons.archetype
    )
    returned = read(demo.sources["returns"]).dropna(subset=["order_id"])[["order_id", "sku"]]
    lines["returned"] = pd.MultiIndex.from_frame(lines[["order_id", "sku"]]).isin(
        pd.MultiIndex.from_frame(returned)
    )
    rate = lines.groupby("archetype").returned.mean()
    assert rate["first_time_returner"] > 3 * rate["casual"]
    churn = persons.groupby("archetype").churned.mean()
    assert churn["lapsing"] > 2 * churn["omnichannel_vip"]


def test_churned_people_do_nothing_after_churning(
    demo: DemoManifest, messages: list[dict[str, Any]]
) -> None:
    persons = truth(demo, "persons").set_index("person_id")
    churned_at = persons.churned_at.dropna()
    assert 0.1 < len(churned_at) / len(persons) < 0.7
    records = truth(demo, "records")
    activity = []
    for kind, column in (
        ("orders", "ordered_at"),
        ("surveys", "responded_at"),
        ("support_cases", "opened_at"),
    ):
        frame = read(demo.sources[kind])
        key = {"orders": "order_id", "surveys": "response_id", "support_cases": "case_id"}[kind]
        who = records[records.source_kind == kind].set_index("record_key").person_id
        when = pd.to_datetime(frame[column], utc=True)
        activity.append(pd.DataFrame({"person_id": frame[key].map(who), "time": when}))
    pos = read(demo.sources["pos"])
    who = records[records.source_kind == "pos"].set_index("record_key").person_id
    receipt = (pos.store_id + "|" + pos.transaction_id).map(who)
    activity.append(
        pd.DataFrame({"person_id": receipt, "time": pd.to_datetime(pos.occurred_at, utc=True)})
    )
    ids = truth(demo, "identifiers")
    anon = ids[ids.identifier_type == "anonymous_id"].drop_duplicates("value", keep=False)
    anon_person = anon.set_index("value").person_id
    stamps = [(m["anonymousId"], m["timestamp"]) for m in messages]
    web = pd.DataFrame(stamps, columns=["anon", "time"])
    web["time"] = pd.to_datetime(web.time, utc=True)
    activity.append(pd.DataFrame({"person_id": web.anon.map(anon_person), "time": web.time}))
    everything = pd.concat(activity).dropna()
    late = everything.time > everything.person_id.map(churned_at)
    assert not late.any(), everything[late].head()


def test_ab_test_lift_matches_the_truth(demo: DemoManifest, messages: list[dict[str, Any]]) -> None:
    summary = json.loads((demo.ground_truth_dir / "truth.json").read_text())["experiment"]
    # An Experiment Viewed follows the Checkout Started of its session, on the same device.
    arm: dict[str, str] = {}
    pending: dict[str, str] = {}
    for message in sorted(messages, key=lambda m: (str(m["anonymousId"]), str(m["timestamp"]))):
        props: dict = message.get("properties", {})
        if message.get("event") == "Checkout Started":
            pending[str(message["anonymousId"])] = props["order_id"]
        elif message.get("event") == "Experiment Viewed":
            assert props["experiment_id"] == EXPERIMENT_ID
            arm[pending.pop(str(message["anonymousId"]))] = props["variation_name"]
    ordered = set(read(demo.sources["orders"]).order_id)
    rate, size = {}, {}
    for name in ("control", "redesign"):
        converted = [order in ordered for order, a in arm.items() if a == name]
        rate[name], size[name] = float(np.mean(converted)), len(converted)
    assert min(size.values()) > 500
    observed = rate["redesign"] - rate["control"]
    se = np.sqrt(sum(rate[k] * (1 - rate[k]) / size[k] for k in rate))
    assert abs(observed - summary["true_absolute_lift"]) < 4 * se
    assert summary["true_absolute_lift"] > 0 and observed > 0


def test_identity_noise_is_there_to_be_found(demo: DemoManifest) -> None:
    ids = truth(demo, "identifiers")
    persons = truth(demo, "persons")
    shared = ids[ids.shared]
    mailboxes = shared[shared.value.str.lower().str.strip().str.startswith("info@")]
    assert mailboxes.groupby("value").person_id.nunique().max() > 1
    devices = shared[shared.identifier_type == "device_id"]
    assert devices.groupby("value").person_id.nunique().max() > 1
    anon = shared[shared.identifier_type == "anonymous_id"]
    assert len(anon) > 0
    emails = ids[ids.identifier_type == "email"].value
    values = emails[~emails.isin(set(persons.email))]
    assert values.str.contains(r"\+", regex=True).any()
    assert (values != values.str.lower()).any()
    assert (values != values.str.strip()).any()
    assert values.str.contains("googlemail").any()
    phones = ids[ids.identifier_type == "phone"].value
    assert phones.str.startswith("+44 ").any() and phones.str.startswith("07").any()
    assert phones.str.startswith("0044").any() and phones.str.contains(r"\(0\)").any()
    assert (~phones.str.startswith(("+44", "0044", "07", "+44 "))).any()  # foreign numbers
    per_person = ids.groupby(["person_id", "identifier_type"]).value.nunique().unstack()
    assert (per_person["anonymous_id"] > 1).mean() > 0.2


def test_contact_noise_in_the_sources(demo: DemoManifest) -> None:
    crm = read(demo.sources["crm_customers"])
    persons = truth(demo, "persons").set_index("person_id")
    records = truth(demo, "records")
    who = records[records.source_kind == "crm_customers"].set_index("record_key").person_id
    crm["person_id"] = crm.crm_id.map(who)
    moved = crm[crm.person_id.map(persons.moved)]
    postcodes = moved.groupby("crm_id").postcode.apply(
        lambda p: p.str.replace(" ", "").str.upper().nunique()
    )
    assert (postcodes == 2).any()
    assert (crm.groupby("person_id").crm_id.nunique() > 1).any()  # duplicate contacts
    orders = read(demo.sources["orders"])
    assert (orders.user_id.isna() & orders.email.notna()).any()  # guest checkout
    assert orders.anonymous_id.notna().all()
    pos = read(demo.sources["pos"])
    token_only = pos.payment_token.notna() & pos.loyalty_id.isna()
    anonymous = pos.payment_token.isna() & pos.loyalty_id.isna()
    assert token_only.any() and anonymous.any()
    names = pd.concat([orders.first_name, read(demo.sources["support_cases"]).first_name]).dropna()
    assert names.isin(["Bob", "Bill", "Liz", "Kate", "Katie", "Mike", "Tom", "Jim"]).any()
    address = pd.concat([orders.address, crm.address]).dropna()
    assert (
        address.str.contains(r"\bRd$|\bSt$").any() and address.str.contains(r"Road$|Street$").any()
    )
    assert (address == address.str.lower()).any() and address.str.contains("Flat").any()
    postcode = pd.concat([orders.postcode, crm.postcode]).dropna()
    assert (~postcode.str.contains(" ")).any() and postcode.str.contains(" ").any()


def test_channels_join_up(demo: DemoManifest) -> None:
    visits = read(demo.sources["store_visits"])
    pos = read(demo.sources["pos"]).drop_duplicates("transaction_id")
    records = truth(demo, "records").set_index(["source_kind", "record_key"]).person_id
    visits["person_id"] = [
        records.get(("store_visits", f"{s}|{d}|{t:%Y-%m-%dT%H:%M:%SZ}"))
        for s, d, t in zip(visits.store_id, visits.device_id, visits.entered_at, strict=True)
    ]
    pos["person_id"] = [
        records.get(("pos", f"{s}|{t}"))
        for s, t in zip(pos.store_id, pos.transaction_id, strict=True)
    ]
    pos["paid"] = pd.to_datetime(pos.occurred_at, utc=True)
    joined = visits.merge(pos, on=["person_id", "store_id"])
    inside = (joined.paid >= joined.entered_at) & (joined.paid <= joined.exited_at)
    assert inside.sum() > 100  # visits that led to a receipt in the same store
    assert set(visits.detector) == {"beacon", "wifi"}
    orders = read(demo.sources["orders"])
    assert set(orders.fulfilment) == {"delivery", "click_and_collect"}
    assert (visits.zone == "click_and_collect").any()
    messages = read(demo.sources["email_engagement"])
    assert set(messages.channel) == {"email", "sms", "push"}
    assert set(messages.event_type) == {"send", "open", "click", "bounce", "unsubscribe"}
    sends = messages.groupby("channel").event_type.value_counts().unstack().fillna(0)
    assert 0.1 < sends.loc["email", "open"] / sends.loc["email", "send"] < 0.6
    cases = read(demo.sources["support_cases"])
    assert {"call_center", "chat"} <= set(cases.channel) and (cases.topic == "delivery").any()
    assert read(demo.sources["returns"]).channel.nunique() == 3
    assert orders.coupon_code.notna().any() and read(demo.sources["pos"]).coupon_code.notna().any()


def test_cart_abandonment_is_about_seventy_percent(
    demo: DemoManifest, messages: list[dict[str, Any]]
) -> None:
    carts: set[str] = set()
    for message in messages:
        if message.get("event") == "Product Added":
            carts.add(message["properties"]["cart_id"])
    orders = len(read(demo.sources["orders"]))
    assert 0.6 < 1 - orders / len(carts) < 0.8


def test_surveys_follow_satisfaction_and_channel(demo: DemoManifest) -> None:
    surveys = read(demo.sources["surveys"])
    surveys["score"] = surveys.score.astype(int)
    records = truth(demo, "records")
    who = records[records.source_kind == "surveys"].set_index("record_key").person_id
    persons = truth(demo, "persons").set_index("person_id")
    surveys["satisfaction"] = surveys.response_id.map(who).map(persons.satisfaction)
    nps = surveys[surveys.survey_type == "nps"]
    assert np.corrcoef(nps.score, nps.satisfaction)[0, 1] > 0.3
    csat = surveys[surveys.survey_type == "csat"].groupby("channel").score.mean()
    assert csat["store"] > csat["call_center"]
    mentions = read(demo.sources["social_mentions"])
    assert mentions.sentiment.astype(float).between(-1, 1).all() and mentions.email.notna().any()


def test_stock_outs_stop_sales_until_restocked(demo: DemoManifest) -> None:
    inventory = read(demo.sources["inventory"])
    demand = truth(demo, "demand")
    assert {"WH1"} <= set(inventory.store_id)
    stores = inventory[inventory.store_id != "WH1"].rename(columns={"snapshot_date": "week_start"})
    weeks = demand.merge(stores, on=["week_start", "store_id", "sku"])
    assert len(weeks) == len(stores) and (~weeks.in_stock).any()
    assert (weeks[weeks.on_hand == 0].units_sold == 0).all()
    assert (weeks[~weeks.in_stock].on_hand == 0).all()
    assert (weeks[weeks.units_sold > 0].on_hand >= weeks[weeks.units_sold > 0].units_sold).all()
    # Unconstrained demand tracks what was sold where nothing ran out.
    stocked = demand[demand.in_stock]
    ratio = stocked.units_sold.sum() / stocked.expected_sales.sum()
    assert 0.9 < ratio < 1.1
    weekly = demand.groupby("week_start").expected_demand.sum()
    assert weekly.max() > 1.5 * weekly.median()  # the Christmas peak


def test_truth_json_records_effects(demo: DemoManifest) -> None:
    summary = json.loads((demo.ground_truth_dir / "truth.json").read_text())
    effects = summary["campaign_effects"]
    assert set(effects) == {"email", "sms", "push"}
    assert all(e["true_incremental_orders_per_send"] > 0 for e in effects.values())
    assert summary["seed"] == 11 and summary["customers"] == 2000
    sends = truth(demo, "campaign_sends")
    assert 0.05 < sends.held_out.mean() < 0.15
    assert (sends[sends.held_out].expected_incremental_orders == 0).all()


def test_campaign_hold_outs_reveal_the_true_effect(demo: DemoManifest) -> None:
    """Orders within four days of an e-mail, sent versus held out, differ by the true effect."""
    effect = json.loads((demo.ground_truth_dir / "truth.json").read_text())["campaign_effects"]
    sends = truth(demo, "campaign_sends")
    sends = sends[sends.channel == "email"]
    orders = truth(demo, "orders").merge(read(demo.sources["orders"]), on="order_id")
    code = {p: i for i, p in enumerate(sorted(set(orders.person_id) | set(sends.person_id)))}
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    ordered = (pd.to_datetime(orders.ordered_at, utc=True) - epoch).dt.total_seconds().to_numpy()
    keys = np.sort(orders.person_id.map(code).to_numpy() * 1e10 + ordered)
    start = (
        sends.person_id.map(code).to_numpy() * 1e10
        + (sends.sent_at - epoch).dt.total_seconds().to_numpy()
    )
    bought = np.searchsorted(keys, start + 4 * 86_400) - np.searchsorted(keys, start)
    sent, held = bought[~sends.held_out.to_numpy()], bought[sends.held_out.to_numpy()]
    observed = sent.mean() - held.mean()
    se = np.sqrt(sent.var() / len(sent) + held.var() / len(held))
    assert abs(observed - effect["email"]["true_incremental_orders_per_send"]) < 4 * se
    assert observed > 0


def test_the_docs_describe_every_archetype_and_truth_file(demo: DemoManifest) -> None:
    docs = (Path(__file__).parents[2] / "docs" / "demo.md").read_text()
    for name in ARCHETYPE_NAMES:
        assert f"`{name}`" in docs, name
    for path in demo.ground_truth_dir.iterdir():
        assert f"`{path.name}`" in docs, path.name
    for path in demo.sources.values():
        assert f"`{path.name}`" in docs, path.name
