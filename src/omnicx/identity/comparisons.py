"""Splink comparisons and blocking rules over the normalised features (``features.py``).

Each function looks only at which features are present, so the same model definition
serves a FEBRL extract (names, date of birth, address, national id) and a retailer's
customers (names, email, phone, postcode).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omnicx.identity.matching import MatchSettings


def _null(column: str) -> dict[str, Any]:
    return {
        "sql_condition": f'"{column}_l" IS NULL OR "{column}_r" IS NULL',
        "label_for_charts": "null",
        "is_null_level": True,
    }


def _level(sql: str, label: str, m: float, **extra: Any) -> dict[str, Any]:
    """A comparison level with ``m`` as its prior m probability (EM's starting point)."""
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m, **extra}


def _exact(column: str, m: float, *, tf: bool = False) -> dict[str, Any]:
    level = _level(f'"{column}_l" = "{column}_r"', "exact", m)
    if tf:
        level["tf_adjustment_column"] = column
        level["tf_adjustment_weight"] = 1.0
    return level


def _jaro_winkler(column: str, thresholds: list[float], m: float) -> list[dict[str, Any]]:
    """Levels for descending Jaro-Winkler thresholds; the prior ``m`` halves at each."""
    return [
        _level(
            f'jaro_winkler_similarity("{column}_l", "{column}_r") >= {t}',
            f"Jaro-Winkler >= {t}",
            m / 2**i,
        )
        for i, t in enumerate(sorted(thresholds, reverse=True))
    ]


def _edits(column: str, edits: int, m: float) -> dict[str, Any]:
    return _level(
        f'damerau_levenshtein("{column}_l", "{column}_r") <= {edits}', f"<= {edits} edits", m
    )


def _comparison(name: str, levels: list[dict[str, Any]]) -> dict[str, Any]:
    """A comparison of ``levels`` and an else level holding the rest of the prior m."""
    rest = 1.0 - sum(level.get("m_probability", 0.0) for level in levels)
    other = {"sql_condition": "ELSE", "label_for_charts": "else", "m_probability": max(rest, 0.01)}
    return {
        "output_column_name": name,
        "comparison_description": name,
        "comparison_levels": [*levels, other],
    }


# Prior m probabilities (share of true matches at each level) are typical values for
# people data: they start EM and stand in for levels no training pair reached, or for
# the whole model when the input is too small to train on.
def comparisons(features: list[str], settings: MatchSettings) -> list[dict[str, Any]]:
    """Splink comparison dicts, one per compared field present in ``features``."""
    has = set(features).__contains__
    tf = settings.term_frequencies
    names, texts = settings.name_thresholds, settings.text_thresholds
    out: list[dict[str, Any]] = []
    swapped = (
        '"first_name_l" = "last_name_r" OR "last_name_l" = "first_name_r"'
        if has("first_name") and has("last_name")
        else None
    )
    for name in ("first_name", "last_name"):
        if not has(name):
            continue
        levels = [_null(name), _exact(name, 0.8, tf=tf)]
        if name == "first_name" and has("first_name_canon"):
            nickname = '"first_name_canon_l" = "first_name_canon_r"'
            levels.append(_level(nickname, "nickname", 0.03))
        levels += _jaro_winkler(name, names, 0.06)
        if swapped:
            levels.append(_level(swapped, "first and last name swapped", 0.01))
        out.append(_comparison(name, levels))
    if has("dob"):
        same_year = 'substr("dob_l", 1, 4) = substr("dob_r", 1, 4)'
        transposed = (
            f"{same_year} "
            'AND substr("dob_l", 6, 2) = substr("dob_r", 9, 2) '
            'AND substr("dob_l", 9, 2) = substr("dob_r", 6, 2)'
        )
        levels = [
            _null("dob"),
            _exact("dob", 0.9),
            _level(transposed, "day and month transposed", 0.01),
            _edits("dob", 1, 0.04),
            _level(same_year, "same year", 0.02),
        ]
        out.append(_comparison("dob", levels))
    if has("street_number"):
        out.append(
            _comparison("street_number", [_null("street_number"), _exact("street_number", 0.9)])
        )
    for name in ("address", "address2", "city"):
        if has(name):
            levels = [_null(name), _exact(name, 0.8, tf=tf and name == "city")]
            out.append(_comparison(name, levels + _jaro_winkler(name, texts, 0.08)))
    if has("postcode"):
        levels = [_null("postcode"), _exact("postcode", 0.85), _edits("postcode", 1, 0.05)]
        out.append(_comparison("postcode", levels))
    if has("state"):
        out.append(_comparison("state", [_null("state"), _exact("state", 0.95)]))
    if has("email"):
        user = "split_part(\"email_l\", '@', 1) = split_part(\"email_r\", '@', 1)"
        levels = [
            _null("email"),
            _exact("email", 0.8),
            _level(user, "same user name", 0.05),
            *_jaro_winkler("email", [0.88], 0.03),
        ]
        out.append(_comparison("email", levels))
    if has("phone"):
        levels = [_null("phone"), _exact("phone", 0.8), _edits("phone", 1, 0.03)]
        out.append(_comparison("phone", levels))
    if has("national_id"):
        levels = [_null("national_id"), _exact("national_id", 0.95)]
        levels += [_edits("national_id", n, 0.02 / n) for n in range(1, settings.id_max_edits + 1)]
        out.append(_comparison("national_id", levels))
    return out


def prior_m(model_comparisons: list[dict[str, Any]]) -> dict[tuple[str, str], float]:
    """(comparison, level label) → prior m of the comparisons ``comparisons`` made."""
    return {
        (c["output_column_name"], level["label_for_charts"]): level["m_probability"]
        for c in model_comparisons
        for level in c["comparison_levels"]
        if "m_probability" in level
    }


def _rule(*conditions: str) -> str:
    return " AND ".join(conditions)


def _eq(expr: str) -> str:
    """``l.x = r.x`` for a column or an expression of one column written with ``{}``."""
    if "{}" not in expr:
        expr = "{}." + expr
    return f"{expr.format('l')} = {expr.format('r')}"


def blocking_rules(features: list[str]) -> list[str]:
    """Rules that pick candidate pairs: each cheap (an equi-join), together high recall.

    A true match is found when any one rule holds, so each rule uses fields the others
    do not: a typo in the surname is caught by date of birth, a wrong date of birth by
    the national id, a changed address by the names.
    """
    has = set(features).__contains__
    rules: list[str] = []
    for single in ("dob", "national_id", "email", "phone"):
        if has(single):
            rules.append(_eq(single))
    if has("first_name_sx") and has("last_name_sx"):
        rules.append(_rule(_eq("first_name_sx"), _eq("last_name_sx")))
    if has("last_name") and has("postcode"):
        rules.append(_rule(_eq("postcode"), _eq("substr({}.last_name, 1, 1)")))
    if has("first_name") and has("postcode"):
        rules.append(_rule(_eq("postcode"), _eq("substr({}.first_name, 1, 1)")))
    if has("street_number") and has("address"):
        rules.append(_rule(_eq("street_number"), _eq("address")))
    if has("last_name") and has("city"):
        rules.append(_rule(_eq("last_name"), _eq("city")))
    if not rules:  # only weak fields: block on the first letters of whatever there is
        for name in ("last_name", "first_name", "address", "city", "postcode"):
            if has(name):
                rules.append(_eq(f"substr({{}}.{name}, 1, 3)"))
    return rules


def deterministic_rules(features: list[str]) -> list[str]:
    """Rules that almost only hold for true matches, to estimate the prior match rate."""
    has = set(features).__contains__
    rules: list[str] = []
    if has("first_name") and has("last_name") and has("dob"):
        rules.append(_rule(_eq("first_name"), _eq("last_name"), _eq("dob")))
    if has("national_id") and has("dob"):
        rules.append(_rule(_eq("national_id"), _eq("dob")))
    if has("email"):
        rules.append(_rule(_eq("email"), _eq("last_name")) if has("last_name") else _eq("email"))
    if has("phone") and has("last_name"):
        rules.append(_rule(_eq("phone"), _eq("last_name")))
    if has("first_name") and has("last_name") and has("postcode"):
        rules.append(_rule(_eq("first_name"), _eq("last_name"), _eq("postcode")))
    return rules


def training_rules(features: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Up to two blocking rules for expectation maximisation, on disjoint fields.

    A session estimates m for every field its rule does not use, so two rules on
    disjoint fields train every comparison. Each rule comes with the features it joins on.
    """
    has = set(features).__contains__
    candidates: list[tuple[str, ...]] = []
    if has("dob"):
        candidates.append(("dob",))
    if has("first_name") and has("last_name"):
        candidates.append(("first_name", "last_name"))
    for single in ("postcode", "email", "phone", "national_id", "last_name", "city", "address"):
        if has(single):
            candidates.append((single,))
    chosen: list[tuple[str, ...]] = []
    for used in candidates:
        if all(not set(used) & set(other) for other in chosen):
            chosen.append(used)
        if len(chosen) == 2:
            break
    return [(_rule(*(_eq(c) for c in used)), used) for used in chosen]
