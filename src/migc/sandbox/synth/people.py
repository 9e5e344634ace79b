"""Synthetic people and companies: names, emails, phones, countries and employers, hard cases included.

`identity(seed, platform, index)` is the person behind user/contact/person `index` of a platform.
It is a pure function with its own random stream, so any record that mentions a person (an event's
email, a survey answer's respondent, a duplicate email) can recompute it cheaply. Companies work
the same way through `company(seed, platform, index)`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

import msgspec

from migc.sandbox.synth.draw import Draw, stream_key, unit
from migc.sandbox.synth.hardcases import (
    DUPLICATE_EMAIL,
    LOCAL_PHONE_FORMAT,
    MISSING_EMAIL,
    MISSING_PHONE,
    NO_SURNAME,
    POWER_USER_EVERY,
    SILENT_PEOPLE,
    SPACED_PHONE_FORMAT,
    UNICODE_NAME,
)
from migc.sandbox.synth.vocabulary import (
    COMPANY_PREFIXES,
    COMPANY_SUFFIX_BY_COUNTRY,
    COMPANY_TRADES,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    FIRST_NAMES,
    FREE_MAIL_DOMAINS,
    INDUSTRIES,
    LAST_NAMES,
    UNICODE_FIRST_NAMES,
    UNICODE_LAST_NAMES,
    Country,
)

# Letters NFKD does not decompose into ASCII.
_FOLD = str.maketrans({"ı": "i", "İ": "I", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss",
                       "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "'": "", " ": "", "-": ""})
_COMPANY_BLOCK = len(COMPANY_PREFIXES) * len(COMPANY_TRADES)
_COMPANY_STRIDE = 97  # coprime with the block size, so the walk below visits every pair once


class Identity(msgspec.Struct, frozen=True, kw_only=True):
    """Who a synthetic person is; `email`/`phone` are as written in the source, hard cases and all."""

    first_name: str
    last_name: str | None
    email: str | None
    phone: str | None
    phone_e164: str | None
    country: str
    city: str
    language: str
    timezone: str
    eu_resident: bool
    gender: str
    birth_year: int
    company_index: int | None


class Company(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    domain: str
    country: str
    industry: str
    employees: int


def ascii_fold(text: str) -> str:
    """Letters of `text` reduced to ASCII (İlker -> Ilker, Søren -> Soren); non-Latin scripts vanish."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


def _country(draw: Draw, platform: str) -> Country:
    return COUNTRIES[draw.weighted(COUNTRY_WEIGHTS[platform])]


def _phone(draw: Draw, country: Country) -> tuple[str | None, str | None]:
    """(as written, E.164) or (None, None)."""
    if draw.chance(MISSING_PHONE):
        return None, None
    random_digits = iter(draw.digits(country.mobile.count("X")))
    digits = "".join(next(random_digits) if ch == "X" else ch for ch in country.mobile)
    e164 = f"+{country.calling_code}{digits}"
    style = draw.uniform()
    if style < LOCAL_PHONE_FORMAT:
        template = country.national
    elif style < LOCAL_PHONE_FORMAT + SPACED_PHONE_FORMAT:
        template = country.spaced
    else:
        return e164, e164
    # A national template has room for the trunk-less number; a template with fewer slots than
    # digits would drop some, so fall back to E.164 rather than write a wrong number.
    if template.count("#") != len(digits):
        return e164, e164
    written = iter(digits)
    return "".join(next(written) if ch == "#" else ch for ch in template), e164


def _own_email(draw: Draw, index: int, first: str, last: str | None, domain: str) -> str:
    """The person's own address; `index + 1` in the local part keeps addresses unique per person."""
    first_part = ascii_fold(first).lower() or "user"
    last_part = ascii_fold(last or "").lower()
    number = index + 1
    style = draw.below(4)
    if not last_part or style == 0:
        local = f"{first_part}{number}"
    elif style == 1:
        local = f"{first_part}.{last_part}{number}"
    elif style == 2:
        local = f"{first_part[0]}{last_part}{number}"
    else:
        local = f"{first_part}_{last_part}{number}"
    address = f"{local}@{domain}"
    # People type their address in mixed case now and then; lookups must lower-case it.
    return address.capitalize() if draw.chance(0.03) else address


# Maps a person's index to their employer's index (None: no employer), per platform.
Employer = Callable[[int], int | None]


def _basics(seed: int, platform: str, index: int, employer: Employer | None) -> Identity:
    draw = Draw(seed, stream_key(f"{platform}.person"), index)
    company_index = employer(index) if employer else None
    work_domain = company(seed, platform, company_index).domain if company_index is not None else None
    country = _country(draw, platform)
    first = draw.pick(FIRST_NAMES[country.culture])
    last: str | None = draw.pick(LAST_NAMES[country.culture])
    if draw.chance(UNICODE_NAME):
        first = draw.pick(UNICODE_FIRST_NAMES)
        if draw.chance(0.5):
            last = draw.pick(UNICODE_LAST_NAMES)
    if draw.chance(NO_SURNAME):
        last = None if draw.chance(0.5) else ""
    missing_email = draw.chance(MISSING_EMAIL)
    domain = work_domain if work_domain and draw.chance(0.45) else draw.pick(FREE_MAIL_DOMAINS)
    email = None if missing_email else _own_email(draw, index, first, last, domain)
    phone, e164 = _phone(draw, country)
    return Identity(
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        phone_e164=e164,
        country=country.iso,
        city=draw.pick(country.cities),
        language=country.language,
        timezone=country.timezone,
        eu_resident=country.eu,
        gender=draw.weighted((("female", 48), ("male", 48), ("other", 2), ("unknown", 2))),
        birth_year=draw.between(1950, 2007),
        company_index=company_index,
    )


@lru_cache(maxsize=1 << 14)
def identity(seed: int, platform: str, index: int, employer: Employer | None = None) -> Identity:
    """Person `index` of a platform; DUPLICATE_EMAIL of them reuse an earlier person's address.

    `employer` must be the same function for every call on one platform and seed: an earlier
    person's address (for a duplicate) is recomputed with it, and results are cached by it
    (records that mention a person, such as events of power users, ask again and again).
    """
    person = _basics(seed, platform, index, employer)
    if person.email is None or index == 0:
        return person
    duplicate = Draw(seed, stream_key(f"{platform}.person.duplicate"), index)
    if not duplicate.chance(DUPLICATE_EMAIL):
        return person
    earlier = duplicate.below(index)
    while earlier > 0 and _basics(seed, platform, earlier, employer).email is None:
        earlier -= 1
    shared = _basics(seed, platform, earlier, employer).email
    if shared is None:
        return person
    variant = duplicate.below(3)
    if variant == 1:
        shared = shared.upper()
    elif variant == 2:
        shared = f" {shared} "
    return msgspec.structs.replace(person, email=shared)


def is_silent(seed: int, platform: str, index: int) -> bool:
    """Whether person `index` never produces an event (SILENT_PEOPLE of them; person 0 never is)."""
    return index > 0 and unit(seed, stream_key(f"{platform}.person.silent"), index) < SILENT_PEOPLE


def active_person(seed: int, platform: str, draw: Draw, bound: int, power_share: float) -> int:
    """A person (index below `bound`) for an activity record: skewed towards power users and
    towards older people, never a silent one."""
    power_pool = (bound - 2) // POWER_USER_EVERY + 1 if bound > 1 else 0
    if power_pool and draw.chance(power_share):
        index = POWER_USER_EVERY * draw.below(power_pool) + 1
    else:
        index = draw.below(bound)
    while is_silent(seed, platform, index):
        index -= 1
    return index


def company(seed: int, platform: str, index: int) -> Company:
    """Employer `index` of a platform's people; names are unique per index."""
    block, offset = divmod(index, _COMPANY_BLOCK)
    pair = (offset * _COMPANY_STRIDE + 13) % _COMPANY_BLOCK
    prefix = COMPANY_PREFIXES[pair % len(COMPANY_PREFIXES)]
    trade = COMPANY_TRADES[pair // len(COMPANY_PREFIXES)]
    draw = Draw(seed, stream_key(f"{platform}.company"), index)
    country = _country(draw, platform)
    generation = f" {block + 1}" if block else ""
    suffix = COMPANY_SUFFIX_BY_COUNTRY.get(country.iso, "")
    name = f"{prefix} {trade}{generation}" + (f" {suffix}" if suffix else "")
    slug = ascii_fold(f"{prefix}{trade}").lower() + (str(block + 1) if block else "")
    return Company(
        name=name,
        domain=f"{slug}.{country.top_level_domain}",
        country=country.iso,
        industry=draw.pick(INDUSTRIES),
        employees=draw.between(*draw.weighted((((2, 50), 50), ((51, 500), 35), ((501, 20000), 15)))),
    )
