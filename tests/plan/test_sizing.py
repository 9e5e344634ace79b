"""Tests for migc.plan.sizing: counts files in TOML and JSON, and the errors a person can act on."""

from __future__ import annotations

import pytest

from migc.plan.sizing import DEFAULT_IN_FLIGHT, SizingError, load_sizing, parse_sizing


def test_a_toml_file_with_counts_and_assumptions(tmp_path) -> None:
    path = tmp_path / "counts.toml"
    path.write_text('User = 120000\n"User->Accounts" = 2500\n[assume]\ntier = "Professional"\nseats = 4\ncall-seconds = 0.5\n')
    sizing = load_sizing(path)
    assert sizing.counts == {"User": 120000, "User->Accounts": 2500}
    assert (sizing.tier, sizing.seats, sizing.call_seconds, sizing.in_flight, sizing.seats_given) == ("Professional", 4, 0.5, DEFAULT_IN_FLIGHT, True)


def test_a_json_file(tmp_path) -> None:
    path = tmp_path / "counts.json"
    path.write_text('{"Event": 7, "assume": {"in-flight": 3}}')
    sizing = load_sizing(path)
    assert sizing.counts == {"Event": 7} and sizing.in_flight == 3 and not sizing.seats_given


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "expected a table of record counts"),
        ({"User": -1}, "`User` must not be negative"),
        ({"User": 1.5}, "`User` must be a whole number of records, not float"),
        ({"User": True}, "`User` must be a whole number of records, not bool"),
        ({"User": "many"}, "`User` must be a whole number of records, not str"),
        ({"assume": 3}, "`assume` must be a table"),
        ({"assume": {"tierr": "Pro"}}, "unknown key `assume.tierr`"),
        ({"assume": {"seats": 0}}, "`assume.seats` must be a positive whole number"),
        ({"assume": {"call-seconds": "fast"}}, "`assume.call-seconds` must be a positive number"),
        ({"assume": {"tier": 3}}, "`assume.tier` must be a string"),
    ],
)
def test_bad_data_names_the_key(data, message) -> None:
    with pytest.raises(SizingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_sizing(data, "counts.toml")


def test_unreadable_and_invalid_files(tmp_path) -> None:
    with pytest.raises(SizingError, match="no such file"):
        load_sizing(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("User = \n")
    with pytest.raises(SizingError, match="not valid TOML"):
        load_sizing(bad)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{")
    with pytest.raises(SizingError, match="not valid JSON"):
        load_sizing(bad_json)
