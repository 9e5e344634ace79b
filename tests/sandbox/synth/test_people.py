"""Tests for synth.people: identities carry the documented hard cases and stay consistent."""

import unicodedata
from collections import Counter
from functools import cache

from migc.sandbox.synth import hardcases
from migc.sandbox.synth.draw import Draw
from migc.sandbox.synth.people import active_person, ascii_fold, company, identity, is_silent
from migc.sandbox.synth.vocabulary import COUNTRIES

SAMPLE = 4000


@cache
def _people(platform: str = "netmera") -> tuple:
    return tuple(identity(11, platform, index) for index in range(SAMPLE))


def test_identity_is_a_pure_function() -> None:
    assert identity(3, "actimo", 42) == identity(3, "actimo", 42)
    assert identity(3, "actimo", 42) != identity(4, "actimo", 42)


def test_missing_and_duplicate_emails_at_their_rates() -> None:
    people = _people()
    missing = sum(person.email is None for person in people) / SAMPLE
    assert abs(missing - hardcases.MISSING_EMAIL) < 0.015
    normalised = Counter(person.email.strip().lower() for person in people if person.email)
    duplicates = sum(count - 1 for count in normalised.values()) / SAMPLE
    assert abs(duplicates - hardcases.DUPLICATE_EMAIL) < 0.01
    # Some duplicates differ only in case or surrounding spaces: a dedupe must normalise.
    raw = Counter(person.email for person in people if person.email)
    assert sum(count - 1 for count in raw.values()) < sum(count - 1 for count in normalised.values())


def test_duplicate_email_belongs_to_an_earlier_person() -> None:
    first_seen: dict[str, int] = {}
    for index, person in enumerate(_people()):
        if person.email is None:
            continue
        key = person.email.strip().lower()
        if key in first_seen:
            assert first_seen[key] < index
        else:
            first_seen[key] = index


def test_names_cover_unicode_hard_cases() -> None:
    names = [f"{person.first_name} {person.last_name or ''}" for person in _people()]
    assert any(unicodedata.combining(ch) for name in names for ch in name), "combining marks"
    assert any(unicodedata.bidirectional(ch) in ("R", "AL") for name in names for ch in name), "RTL"
    assert any("\u4e00" <= ch <= "\u9fff" for name in names for ch in name), "CJK"
    assert any(ord(ch) >= 0x1F300 for name in names for ch in name), "emoji"
    no_surname = sum(not person.last_name for person in _people()) / SAMPLE
    assert abs(no_surname - hardcases.NO_SURNAME) < 0.015


def test_phones_written_locally_keep_the_same_digits() -> None:
    styles = Counter()
    for person in _people("actimo"):
        if person.phone is None:
            assert person.phone_e164 is None
            continue
        country = COUNTRIES[person.country]
        assert person.phone_e164.startswith("+" + country.calling_code)
        national = person.phone_e164[len(country.calling_code) + 1 :]
        written_digits = "".join(ch for ch in person.phone if ch.isdigit())
        if person.phone == person.phone_e164:
            styles["e164"] += 1
        elif person.phone.startswith("+"):
            styles["spaced"] += 1
            assert written_digits == country.calling_code + national
        else:
            styles["local"] += 1
            assert written_digits.endswith(national)
    assert styles["local"] / SAMPLE > 0.08 and styles["spaced"] > 0 and styles["e164"] > styles["local"]


def test_eu_residents_present_in_every_platform() -> None:
    for platform in ("actimo", "customerio", "netmera"):
        share = sum(identity(1, platform, index).eu_resident for index in range(1000)) / 1000
        assert 0.1 < share < 0.95, platform


def test_ascii_fold() -> None:
    assert ascii_fold("İlker Søren Ærø") == "IlkerSorenAero"
    assert ascii_fold("Jose\u0301") == "Jose"
    assert ascii_fold("田中") == ""


def test_company_names_are_unique_and_domains_ascii() -> None:
    companies = [company(5, "netmera", index) for index in range(2000)]
    assert len({firm.name for firm in companies}) == len(companies)
    assert all(firm.domain.isascii() and "." in firm.domain for firm in companies)


def test_employer_gives_work_domains() -> None:
    people = [identity(2, "customerio", index, lambda index: index % 5) for index in range(400)]
    domains = {company(2, "customerio", index % 5).domain for index in range(5)}
    assert any(person.email and person.email.strip().lower().split("@")[1] in domains for person in people)
    assert all(person.company_index == index % 5 for index, person in enumerate(people))


def test_silent_people_get_no_activity_and_power_users_get_much() -> None:
    silent = sum(is_silent(9, "netmera", index) for index in range(5000)) / 5000
    assert abs(silent - hardcases.SILENT_PEOPLE) < 0.02
    assert not is_silent(9, "netmera", 0)
    picks = Counter(active_person(9, "netmera", Draw(9, 1, i), 1000, 0.3) for i in range(20_000))
    assert not any(is_silent(9, "netmera", person) for person in picks)
    assert all(0 <= person < 1000 for person in picks)
    assert picks.most_common(1)[0][1] > 10 * (20_000 / 1000)
