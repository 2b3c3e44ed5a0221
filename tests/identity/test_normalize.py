"""Identifier normalisation: the spellings real customer data has, and the docstrings."""

from __future__ import annotations

import doctest

import pandas as pd
import pyarrow as pa
import pytest

from omnicx.identity import normalize
from omnicx.identity.nicknames import NICKNAMES
from omnicx.identity.normalize import (
    canonical_first_name,
    normalize_address,
    normalize_column,
    normalize_date,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_postcode,
    soundex,
)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(normalize)
    assert result.attempted >= 5
    assert result.failed == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Jane.Doe@Example.co.uk ", "jane.doe@example.co.uk"),
        ("JOHN@EXAMPLE.COM", "john@example.com"),
        ("ann+newsletter@example.com", "ann@example.com"),
        ("J.o.h.n.Smith@gmail.com", "johnsmith@gmail.com"),
        ("john.smith+amazon@googlemail.com", "johnsmith@gmail.com"),
        ("mailto:Info@Example.org", "info@example.org"),
        ("<ann@example.com>", "ann@example.com"),
        ("first.last@outlook.com", "first.last@outlook.com"),  # dots matter outside Gmail
        ("müller@example.de", "müller@example.de"),
    ],
)
def test_email_variants(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "   ", None, float("nan"), pd.NA, "not an email", "john@", "@example.com",
     "john@@example.com", "john..smith@example.com", "john@localhost", "a b@example.com"],
)  # fmt: skip
def test_invalid_emails_are_none(raw: object) -> None:
    assert normalize_email(raw) is None


def test_email_options_can_be_turned_off() -> None:
    raw = "J.Smith+shop@googlemail.com"
    assert normalize_email(raw, strip_plus=False) == "jsmith+shop@gmail.com"
    assert normalize_email(raw, gmail_dots=False) == "j.smith@googlemail.com"
    assert normalize_email(raw, strip_plus=False, gmail_dots=False) == (
        "j.smith+shop@googlemail.com"
    )


@pytest.mark.parametrize(
    "raw",
    [
        "+44 7700 900123",
        "07700900123",
        "(0)7700-900-123",
        "0044 7700 900123",
        "+44 (0)7700 900123",
        "07700 900 123",
        "tel:+44-7700-900123",
        "+447700900123",
    ],
)
def test_uk_mobile_variants(raw: str) -> None:
    assert normalize_phone(raw) == "+447700900123"


def test_phone_regions_and_landlines() -> None:
    assert normalize_phone("020 7946 0018") == "+442079460018"
    assert normalize_phone("06 12 34 56 78", "FR") == "+33612345678"
    assert normalize_phone("+33 6 12 34 56 78", "GB") == "+33612345678"
    assert normalize_phone("(650) 253-0000", "us") == "+16502530000"
    assert normalize_phone(7700900123) == "+447700900123"


@pytest.mark.parametrize(
    "raw", ["", None, "n/a", "12345", "555-1234", "00000000000", "0770090012345678"]
)
def test_invalid_phones_are_none(raw: object) -> None:
    assert normalize_phone(raw) is None


def test_strict_phone_keeps_only_allocated_ranges() -> None:
    # Ofcom keeps 07700 900xxx for drama; test and demo data use it
    assert normalize_phone("07700 900123", strict=True) is None
    assert normalize_phone("020 7946 0018", strict=True) == "+442079460018"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  O'Brien ", "obrien"),
        ("Núñez-García", "nunez garcia"),
        ("ZOË  Smith", "zoe smith"),
        ("Łukasz", "lukasz"),
        ("Søren Kierkegård", "soren kierkegard"),
        ("Straße", "strasse"),
        ("Mary-Jane  Watson-Parker", "mary jane watson parker"),
        ("D’Angelo", "dangelo"),
        ("Dr. J.R.R. Tolkien", "dr j r r tolkien"),
        ("...", None),
        ("", None),
    ],
)
def test_names(raw: str, expected: str | None) -> None:
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("nickname", "canonical"),
    [
        *[(n, "robert") for n in ("Bob", "Rob", "Robbie", "bobby")],
        *[(n, "william") for n in ("Bill", "Will", "Billy")],
        *[(n, "elizabeth") for n in ("Liz", "Beth", "Lizzie", "Betty")],
        *[(n, "katherine") for n in ("Kate", "Katie", "Kathy", "Cathy", "Catherine")],
        *[(n, "james") for n in ("Jim", "Jimmy")],
        *[(n, "margaret") for n in ("Maggie", "Meg", "Peggy")],
        *[(n, "andrew") for n in ("Andy", "Drew")],
        *[(n, "edward") for n in ("Ed", "Ted")],
        *[(n, "jennifer") for n in ("Jenny", "Jen")],
        ("Mike", "michael"), ("Dave", "david"), ("Tom", "thomas"), ("Dick", "richard"),
        ("Rick", "richard"), ("Tony", "anthony"), ("Chris", "christopher"),
        ("Sue", "susan"), ("Alex", "alexander"), ("Sam", "samuel"), ("Dan", "daniel"),
        ("Matt", "matthew"), ("Nick", "nicholas"), ("Ben", "benjamin"), ("Joe", "joseph"),
        ("Steve", "stephen"), ("Pat", "patricia"), ("Becky", "rebecca"),
        ("Jess", "jessica"), ("Harry", "henry"), ("Charlie", "charles"),
        ("Fred", "frederick"),
        ("Robert", "robert"), ("  BOB  ", "robert"), ("Bob James", "robert"),
        ("Zebedee", "zebedee"), (None, None),
    ],
)  # fmt: skip
def test_canonical_first_name(nickname: str | None, canonical: str | None) -> None:
    assert canonical_first_name(nickname) == canonical


def test_nickname_table_is_large_and_normalised() -> None:
    assert len(NICKNAMES) >= 60
    for nickname, canonical in NICKNAMES.items():
        assert normalize_name(nickname) == nickname
        assert normalize_name(canonical) == canonical
        assert canonical not in NICKNAMES, f"{canonical} is itself a nickname"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Robert", "R163"), ("Rupert", "R163"), ("Ashcraft", "A261"), ("Tymczak", "T522"),
     ("Pfister", "P236"), ("Honeyman", "H555"), ("Lee", "L000"), ("", None)],
)  # fmt: skip
def test_soundex(raw: str, expected: str | None) -> None:
    assert soundex(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("19801205", "1980-12-05"),
        ("1980-12-05", "1980-12-05"),
        ("1980/12/5", "1980-12-05"),
        ("05/12/1980", "1980-12-05"),
        ("5.12.1980", "1980-12-05"),
        ("25/12/1980", "1980-12-25"),
        ("12/25/1980", "1980-12-25"),  # only one reading is a date
        ("1980-12-05T00:00:00", "1980-12-05"),
        ("5 December 1980", "1980-12-05"),
        ("Dec 5, 1980", "1980-12-05"),
        ("19801332", "1980-13-32"),  # a mistyped date of birth is still evidence
        ("not a date", None),
        ("", None),
    ],
)
def test_dates(raw: str, expected: str | None) -> None:
    assert normalize_date(raw) == expected


def test_month_first_dates() -> None:
    assert normalize_date("05/12/1980", dayfirst=False) == "1980-05-12"


@pytest.mark.parametrize(
    ("raw", "expected", "uk"),
    [
        ("sw1a 1aa", "SW1A1AA", "SW1A 1AA"),
        (" SW1A1AA ", "SW1A1AA", "SW1A 1AA"),
        ("m1  1ae", "M11AE", "M1 1AE"),
        ("EC1A-1BB", "EC1A1BB", "EC1A 1BB"),
        ("2000", "2000", "2000"),
        ("90210-1234", "902101234", "902101234"),
        ("75008", "75008", "75008"),
        ("", None, None),
    ],
)
def test_postcodes(raw: str, expected: str | None, uk: str | None) -> None:
    assert normalize_postcode(raw) == expected
    assert normalize_postcode(raw, uk_format=True) == uk


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("12 High St.", "12 high street"),
        ("12 High Street", "12 High St"),
        ("Flat 3, 12 Station Rd", "apt 3 12 station road"),
        ("Apartment 3, 12 Station Road", "flat 3, 12 Station Rd."),
        ("4 Oak Ave", "4 oak avenue"),
        ("7 Mill Ln", "7 Mill Lane"),
        ("9 Park Dr", "9 PARK DRIVE"),
        ("2 Kings Ct", "2 kings court"),
        ("1 Abbey Pl", "1 abbey place"),
        ("5 Moon Cres", "5 moon crescent"),
    ],
)
def test_address_spellings_agree(a: str, b: str) -> None:
    assert normalize_address(a) == normalize_address(b)


def test_address_details() -> None:
    assert normalize_address("Flat 3, 12 High St.") == "flat 3 12 high street"
    assert normalize_address("12 St James St") == "12 saint james street"
    assert normalize_address("St Mary's Rd") == "saint marys road"
    assert normalize_address("221B Baker Street") == "221b baker street"
    assert normalize_address(" , ") is None


def test_normalize_column_keeps_the_container() -> None:
    series = pd.Series(["A@X.COM", None, "a@x.com", "bad"], index=[10, 11, 12, 13], name="e")
    out = normalize_column(series, normalize_email)
    assert out.tolist() == ["a@x.com", None, "a@x.com", None]
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out.name == "e"

    arrow = normalize_column(pa.array(["07700 900123", None]), normalize_phone)
    assert isinstance(arrow, pa.Array)
    assert arrow.to_pylist() == ["+447700900123", None]

    chunked = pa.chunked_array([["Bob"], ["Liz", None]])
    assert normalize_column(chunked, canonical_first_name).to_pylist() == [
        "robert",
        "elizabeth",
        None,
    ]
    assert normalize_column(["06 12 34 56 78"], normalize_phone, default_region="FR") == [
        "+33612345678"
    ]
