"""Probabilistic matching, scored against the truth of the FEBRL data sets.

FEBRL ``rec_id`` says who is who: ``rec-N-org`` and ``rec-N-dup-K`` are person N. The
published references on 4a/4b: the recordlinkage guide's example reaches F1 0.787, a
tuned Splink model 0.996 (``benchmarks/identity_febrl.py`` prints ours beside them).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from omnicx.errors import MappingError
from omnicx.identity.matching import (
    MatchingError,
    MatchResult,
    MatchSettings,
    detect_roles,
    match_files,
    match_records,
    read_records,
)

FEBRL = Path(__file__).parents[1] / "data" / "febrl"
FEBRL_ROLES = {
    "given_name": "first_name",
    "surname": "last_name",
    "street_number": "street_number",
    "address_1": "address",
    "address_2": "address2",
    "suburb": "city",
    "postcode": "postcode",
    "state": "state",
    "date_of_birth": "dob",
    "soc_sec_id": "national_id",
}


def person(rec_id: str) -> str:
    return rec_id.split("-")[1]


def true_pairs(left: pd.Series, right: pd.Series | None = None) -> set[tuple[str, str]]:
    if right is None:
        groups: dict[str, list[str]] = {}
        for rec in left:
            groups.setdefault(person(rec), []).append(rec)
        return {
            tuple(sorted(p))  # type: ignore[misc]
            for g in groups.values()
            for p in itertools.combinations(g, 2)
        }
    by_person = right.groupby(right.map(person)).agg(list).to_dict()
    return {(a, b) for a in left for b in by_person.get(person(a), [])}


def scores(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float, float]:
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return precision, recall, f1


def report(name: str, found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> float:
    precision, recall, f1 = scores(found, truth)
    print(f"\n{name}: precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}")  # noqa: T201
    return f1


@pytest.fixture(scope="module")
def febrl4() -> tuple[pd.DataFrame, pd.DataFrame, MatchResult]:
    left = read_records(FEBRL / "dataset4a.csv")
    right = read_records(FEBRL / "dataset4b.csv")
    return left, right, match_records(left, right, id_column="rec_id")


@pytest.fixture(scope="module")
def febrl1() -> tuple[pd.DataFrame, MatchResult]:
    records = read_records(FEBRL / "dataset1.csv")
    return records, match_records(records, id_column="rec_id")


@pytest.mark.slow
def test_febrl4_link_f1(febrl4: tuple[pd.DataFrame, pd.DataFrame, MatchResult]) -> None:
    left, right, result = febrl4
    found = set(zip(result.pairs["id_l"], result.pairs["id_r"], strict=True))
    f1 = report("FEBRL 4a/4b", found, true_pairs(left["rec_id"], right["rec_id"]))
    assert f1 >= 0.99


@pytest.mark.slow
def test_febrl4_outputs_are_well_formed(
    febrl4: tuple[pd.DataFrame, pd.DataFrame, MatchResult],
) -> None:
    left, right, result = febrl4
    pairs = result.pairs
    assert list(pairs.columns) == ["id_l", "id_r", "match_probability", "match_weight"]
    assert pairs["id_l"].isin(left["rec_id"]).all()
    assert pairs["id_r"].isin(right["rec_id"]).all()
    assert not pairs.duplicated(["id_l", "id_r"]).any()
    assert (pairs["match_probability"] >= MatchSettings().threshold).all()

    clusters = result.clusters
    assert list(clusters.columns) == ["id", "cluster_id", "source"]
    assert len(clusters) == len(left) + len(right)
    assert not clusters.duplicated(["source", "id"]).any()
    assert clusters["cluster_id"].min() == 1
    cluster_of = dict(
        zip(
            zip(clusters["source"], clusters["id"], strict=True),
            clusters["cluster_id"],
            strict=True,
        )
    )
    for a, b in zip(pairs["id_l"], pairs["id_r"], strict=True):
        assert cluster_of["left", a] == cluster_of["right", b]

    assert result.roles == {role: column for column, role in FEBRL_ROLES.items()}
    params = result.parameters
    assert {"comparison", "level", "m_probability", "u_probability", "match_weight"} <= set(
        params.columns
    )
    assert params["m_probability"].between(0, 1).all()
    assert params["u_probability"].between(0, 1).all()
    exact_dob = params[(params["comparison"] == "dob") & (params["level"] == "exact")]
    assert exact_dob["match_weight"].iloc[0] > 5  # agreeing birth dates are strong evidence
    assert 1e-5 < result.probability_two_random_records_match < 1e-3  # truth: 5000 / 25M


@pytest.mark.slow
def test_febrl1_dedupe_f1(febrl1: tuple[pd.DataFrame, MatchResult]) -> None:
    records, result = febrl1
    truth = true_pairs(records["rec_id"])
    found = {tuple(sorted(p)) for p in zip(result.pairs["id_l"], result.pairs["id_r"], strict=True)}
    assert report("FEBRL dataset1 (pairs)", found, truth) >= 0.97  # type: ignore[arg-type]

    members = result.clusters.groupby("cluster_id")["id"].agg(list)
    in_clusters = {tuple(sorted(p)) for m in members for p in itertools.combinations(m, 2)}
    assert report("FEBRL dataset1 (clusters)", in_clusters, truth) >= 0.97  # type: ignore[arg-type]
    assert list(result.clusters.columns) == ["id", "cluster_id"]
    assert set(result.clusters["id"]) == set(records["rec_id"])


@pytest.mark.parametrize("name", ["dataset1", "dataset4a", "dataset4b"])
def test_roles_from_names(name: str) -> None:
    records = read_records(FEBRL / f"{name}.csv")
    roles = detect_roles(records, exclude=["rec_id"])
    assert roles == {"rec_id": "ignore", **FEBRL_ROLES}


@pytest.mark.parametrize("name", ["dataset1", "dataset4a", "dataset4b"])
def test_roles_from_contents(name: str) -> None:
    records = read_records(FEBRL / f"{name}.csv")
    renamed = records.rename(columns={c: f"field_{i}" for i, c in enumerate(records.columns)})
    roles = detect_roles(renamed, exclude=["field_0"])
    expected = {f"field_{i}": FEBRL_ROLES.get(c, "ignore") for i, c in enumerate(records.columns)}
    assert roles == expected


def test_roles_from_contents_of_retail_columns() -> None:
    frame = pd.DataFrame(
        {
            "c1": ["ann@example.com", "bob@example.org", "cy@example.net", None, "di@x.co.uk"],
            "c2": ["07700 900123", "+44 7700 900456", "020 7946 0018", "07700900789", None],
            "c3": ["1980-01-02", "1975-12-31", "2001-07-04", "1990-02-28", "1966-06-06"],
            "c4": ["SW1A 1AA", "M1 1AE", "EC1A 1BB", "LS1 4AP", "B1 1AA"],
            "c5": ["12 High Street", "3 Low Rd", "8 Park Lane", "1 Main St", "9 Mill Road"],
            "c6": ["x1", "x2", "x3", "x4", "x5"],
        }
    )
    assert detect_roles(frame) == {
        "c1": "email",
        "c2": "phone",
        "c3": "dob",
        "c4": "postcode",
        "c5": "address",
        "c6": "ignore",
    }


def test_numbers_that_are_not_identifiers_are_ignored() -> None:
    frame = pd.DataFrame(
        {
            "a": ["Ann", "Bob", "Cy", "Di", "Ed", "Flo"],
            "orders": ["1", "3", "12", "2", "5", "1"],
            "since": ["2019", "2020", "2019", "2021", "2018", "2020"],
            "gender": ["F", "M", "M", "F", "M", "F"],
        }
    )
    roles = detect_roles(frame)
    assert (roles["orders"], roles["since"], roles["gender"]) == ("ignore",) * 3
    assert roles["a"] == "first_name"


def test_roles_from_name_synonyms() -> None:
    frame = pd.DataFrame(
        columns=["Forename", "Family Name", "DateOfBirth", "ZIP", "Town", "SSN", "E-mail",
                 "Mobile Number", "Full Name", "notes"]
    )  # fmt: skip
    assert detect_roles(frame) == {
        "Forename": "first_name",
        "Family Name": "last_name",
        "DateOfBirth": "dob",
        "ZIP": "postcode",
        "Town": "city",
        "SSN": "national_id",
        "E-mail": "email",
        "Mobile Number": "phone",
        "Full Name": "full_name",
        "notes": "ignore",
    }


@pytest.mark.slow
def test_febrl1_with_unhelpful_column_names() -> None:
    records = read_records(FEBRL / "dataset1.csv")
    renamed = records.rename(columns={c: f"field_{i}" for i, c in enumerate(records.columns)})
    result = match_records(renamed, id_column="field_0")
    truth = true_pairs(records["rec_id"])
    found = {tuple(sorted(p)) for p in zip(result.pairs["id_l"], result.pairs["id_r"], strict=True)}
    assert report("FEBRL dataset1, renamed columns", found, truth) >= 0.97  # type: ignore[arg-type]


CUSTOMERS = pd.DataFrame(
    [
        ("1", "Robert", "Smith", "bob.smith@gmail.com", "07700 900123", "12 High St",
         "SW1A 1AA", "London", "1980-05-12"),
        ("2", "Bob", "Smith", "bobsmith+shop@googlemail.com", "+44 7700 900123",
         "12 High Street", "SW1A1AA", "London", None),
        ("3", "Alice", "Jones", "alice@example.com", "07700 900456", "3 Low Rd", "M1 1AE",
         "Manchester", "1975-01-02"),
        ("4", "Alice", "Jones", "alice.jones@example.org", "07700900456", None, "M1 1AE",
         "Manchester", "02/01/1975"),
        ("5", "Carol", "White", "carol@example.com", None, "8 Park Lane", "LS1 4AP", "Leeds",
         "1990-07-07"),
        ("6", "Dan", "Brown", "dan@example.com", "07700 900789", "1 Main St", "B1 1AA",
         "Birmingham", "1985-03-03"),
        ("7", "Eve", "Black", "eve@example.com", "07700 900111", "2 Side Rd", "G1 1AA",
         "Glasgow", "1970-12-12"),
        ("8", "Frank", "Green", "frank@example.com", "07700 900222", "5 Long Ave", "CF10 1AA",
         "Cardiff", "1965-06-06"),
        ("9", "Grace", "Hall", "grace@example.com", "07700 900333", "9 Short Ln", "EH1 1AA",
         "Edinburgh", "1995-09-09"),
        ("10", "Henry", "King", "henry@example.com", "07700 900444", "7 Round Ct", "BT1 1AA",
         "Belfast", "2000-01-01"),
    ],
    columns=["customer_id", "first_name", "last_name", "email", "phone", "address", "postcode",
             "city", "birth_date"],
)  # fmt: skip


def test_small_input_matches_with_prior_weights() -> None:
    messages: list[str] = []
    result = match_records(CUSTOMERS, id_column="customer_id", progress=messages.append)
    assert set(zip(result.pairs["id_l"], result.pairs["id_r"], strict=True)) == {
        ("1", "2"),
        ("3", "4"),
    }
    assert result.clusters["cluster_id"].tolist() == [1, 1, 2, 2, 3, 4, 5, 6, 7, 8]
    assert any("too few pairs" in m for m in messages)  # too small to train: priors used
    assert result.roles["dob"] == "birth_date"


def test_link_two_frames_with_different_column_names() -> None:
    shop = CUSTOMERS.iloc[[0, 2, 4, 5, 6, 7, 8, 9]]
    crm = CUSTOMERS.iloc[[1, 3]].rename(
        columns={"customer_id": "id", "first_name": "forename", "last_name": "surname",
                 "email": "email_address", "phone": "mobile", "birth_date": "dob"}
    )  # fmt: skip
    crm = crm.assign(id=["crm-2", "crm-4"])
    right_ids = crm.rename(columns={"id": "customer_id"})
    result = match_records(shop, right_ids, id_column="customer_id")
    assert set(zip(result.pairs["id_l"], result.pairs["id_r"], strict=True)) == {
        ("1", "crm-2"),
        ("3", "crm-4"),
    }
    assert result.roles_right is not None and result.roles_right["first_name"] == "forename"
    assert set(result.clusters["source"]) == {"left", "right"}


def test_full_name_stands_in_for_first_and_last_name() -> None:
    people = CUSTOMERS.assign(name=CUSTOMERS["first_name"] + " " + CUSTOMERS["last_name"]).drop(
        columns=["first_name", "last_name"]
    )
    people.loc[3, "name"] = "Jones, Alice"
    result = match_records(people, id_column="customer_id")
    assert result.roles["full_name"] == "name"
    assert set(zip(result.pairs["id_l"], result.pairs["id_r"], strict=True)) == {
        ("1", "2"),
        ("3", "4"),
    }


def test_explicit_columns() -> None:
    mapping = {"first_name": "first_name", "last_name": "last_name", "email": "email"}
    result = match_records(CUSTOMERS, id_column="customer_id", columns=mapping)
    assert result.roles == mapping
    subset = match_records(
        CUSTOMERS, id_column="customer_id", columns=["first_name", "last_name", "phone"]
    )
    assert subset.roles == {"first_name": "first_name", "last_name": "last_name", "phone": "phone"}


def test_placeholder_values_are_ignored() -> None:
    n = 80  # half of them share a placeholder birth date
    frame = pd.DataFrame(
        {
            "id": [str(i) for i in range(n)],
            "first_name": [f"name{i}" for i in range(n)],
            "last_name": [f"surname{i}" for i in range(n)],
            "dob": ["1900-01-01"] * (n // 2) + [f"19{i:02d}-02-03" for i in range(n // 2)],
        }
    )
    messages: list[str] = []
    settings = MatchSettings(max_records_per_value=10)
    result = match_records(frame, id_column="id", settings=settings, progress=messages.append)
    assert any("dob: ignoring 1 values" in m and "1900-01-01" in m for m in messages)
    assert result.pairs.empty
    assert result.clusters["cluster_id"].nunique() == n


def test_missing_id_column_names_the_columns() -> None:
    with pytest.raises(MatchingError, match=r"'customer' not found.*customer_id.*first_name"):
        match_records(CUSTOMERS, id_column="customer")


def test_duplicate_ids_are_refused() -> None:
    doubled = pd.concat([CUSTOMERS, CUSTOMERS.iloc[[0]]])
    with pytest.raises(MatchingError, match=r"1 ids repeat in column 'customer_id'.*'1' ×2"):
        match_records(doubled, id_column="customer_id")


def test_blank_ids_are_refused() -> None:
    blank = CUSTOMERS.assign(customer_id=["1", None, *CUSTOMERS["customer_id"][2:]])
    with pytest.raises(MatchingError, match="have no 'customer_id'"):
        match_records(blank, id_column="customer_id")


def test_bad_columns_are_refused() -> None:
    with pytest.raises(MappingError, match="unknown matching role 'firstname'.*first_name"):
        match_records(CUSTOMERS, id_column="customer_id", columns={"firstname": "first_name"})
    with pytest.raises(MappingError, match="column 'emial' is not in the data.*'email'"):
        match_records(CUSTOMERS, id_column="customer_id", columns={"email": "emial"})
    with pytest.raises(MatchingError, match="no column to compare records on"):
        match_records(CUSTOMERS[["customer_id"]].assign(x="1@"), id_column="customer_id")
    with pytest.raises(MatchingError, match="no column has values that can be compared"):
        match_records(CUSTOMERS[["customer_id"]].assign(city="?"), id_column="customer_id")


def test_settings_are_validated() -> None:
    with pytest.raises(ValidationError):
        MatchSettings(threshold=1.5)
    with pytest.raises(ValidationError):
        MatchSettings(treshold=0.9)  # type: ignore[call-arg]


def test_match_files_reads_febrl_style_csv_and_writes_results(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    lines = ["cust_id, given_name, surname, date_of_birth, email"]
    lines += [
        f"c{i}, name{i}, family{i}, 1970{1 + i % 12:02d}{1 + i % 28:02d}, p{i}@example.com"
        for i in range(30)
    ]
    lines += ["c30, name3 , family3, 19700404, P3@Example.com ", "c31, , , , "]
    source.write_text("\n".join(lines) + "\n")
    pairs_csv, clusters_csv = tmp_path / "out" / "pairs.csv", tmp_path / "out" / "clusters.csv"

    result = match_files(source, None, "cust_id", None, pairs_csv, clusters_csv)

    assert result.roles == {
        "first_name": "given_name",
        "last_name": "surname",
        "dob": "date_of_birth",
        "email": "email",
    }
    pairs = pd.read_csv(pairs_csv, dtype=str)
    assert list(pairs.columns) == ["id_l", "id_r", "match_probability"]
    assert pairs[["id_l", "id_r"]].values.tolist() == [["c3", "c30"]]
    clusters = pd.read_csv(clusters_csv, dtype=str)
    assert list(clusters.columns) == ["id", "cluster_id"]
    assert len(clusters) == 32


def test_match_files_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(MatchingError, match="missing.csv: file not found"):
        match_files(tmp_path / "missing.csv", None, "id", None, tmp_path / "p.csv")
    source = tmp_path / "a.csv"
    source.write_text("id,name\n1,Ann\n1,Bob\n")
    (tmp_path / "ok.csv").write_text("id,name\n1,Ann\n2,Bob\n")
    with pytest.raises(MatchingError, match=r"ids repeat.*file .*a\.csv"):
        match_files(source, None, "id", None, tmp_path / "p.csv")
    with pytest.raises(MatchingError, match=r"in the right records.*right = .*a\.csv"):
        match_files(tmp_path / "ok.csv", source, "id", None, tmp_path / "p.csv")


def test_bad_blocking_rule_is_reported_with_the_usable_columns() -> None:
    settings = MatchSettings(blocking_rules=["l.surname = r.surname"])
    with pytest.raises(MatchingError, match=r"(?s)Splink could not match.*last_name"):
        match_records(CUSTOMERS, id_column="customer_id", settings=settings)
