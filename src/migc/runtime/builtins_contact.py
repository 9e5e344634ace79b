"""Contact identifier builtins: E.164 phone numbers, email addresses and domains."""

from __future__ import annotations

import re
from types import ModuleType
from urllib.parse import urlsplit

from migc.runtime.builtins_errors import fail, show, wrong_type
from migc.runtime.builtins_unicode import TRIM_CHARACTERS

# One "@", something before it, a domain of dot-separated labels after it, and none of the
# characters that betray a list, a display name or a typo (spaces, commas, brackets...).
_LOCAL_CHARACTER = r"[^\s@<>()\[\],;:\"\\\x00-\x1f\x7f]"
_LABEL_CHARACTER = r"[^\s@<>()\[\],;:\"\\\x00-\x1f\x7f.]"
_EMAIL = re.compile(rf"{_LOCAL_CHARACTER}+@(?:{_LABEL_CHARACTER}+\.)+{_LABEL_CHARACTER}+")
# A DNS label: word characters (Unicode letters for IDNs) and hyphens, not at either end.
_HOST_LABEL = re.compile(r"(?!-)[\w-]+(?<!-)")

_phone_library: ModuleType | None = None
# E.164 numbers have at most 15 digits; 64 bits hold 19, so longer integers are not phones.
_LONGEST_PHONE_BITS = 64
# phonenumbers.NumberParseException.error_type values, in words for the person fixing data.
_PARSE_FAILURES = {
    0: "its country code is unknown",
    1: "it is not a phone number",
    2: "it is too short after the international prefix",
    3: "it is too short",
    4: "it is too long",
}


def _phonenumbers() -> ModuleType:
    """Import phonenumbers on first use: its metadata costs ~50 ms that `migc check` never needs."""
    global _phone_library
    if _phone_library is None:
        import phonenumbers

        _phone_library = phonenumbers
    return _phone_library


def e164(phone: str, region: str = "US") -> str | None:
    if phone is None:
        return None
    if isinstance(phone, bool) or not isinstance(phone, (str, int)):
        raise wrong_type("e164", "a phone number string", phone)
    if isinstance(phone, int) and phone.bit_length() > _LONGEST_PHONE_BITS:
        raise fail("e164", f"{show(phone)} is too long for a phone number")
    text = (phone if isinstance(phone, str) else str(phone)).strip(TRIM_CHARACTERS)
    if not text:
        return None
    if not isinstance(region, str):
        raise wrong_type("e164", "a region code such as \"DE\"", region)
    library = _phonenumbers()
    region_code = region.strip().upper() or None
    if region_code is not None and region_code not in library.SUPPORTED_REGIONS:
        raise fail("e164", f"unknown region {show(region)} (use a two-letter code such as \"DE\")")
    try:
        number = library.parse(text, region_code)
    except library.NumberParseException as error:
        reason = _PARSE_FAILURES.get(error.error_type, "it is not a phone number")
        unknown_country = error.error_type == library.NumberParseException.INVALID_COUNTRY_CODE
        if unknown_country and not region_code:
            reason = "without a region it needs a leading + and country code"
        raise fail("e164", f"cannot read {show(phone)} as a phone number: {reason}") from None
    where = f"for region {region_code}" if region_code else "(no region given)"
    if not library.is_valid_number(number):
        raise fail("e164", f"{show(phone)} is not a valid phone number {where}")
    if number.extension:
        # E.164 has no place for an extension; dropping it would silently lose data.
        raise fail("e164", f"{show(phone)} has an extension, which E.164 cannot carry")
    return library.format_number(number, library.PhoneNumberFormat.E164)


def normalize_email(s: str) -> str | None:
    if s is None:
        return None
    if not isinstance(s, str):
        raise wrong_type("normalize_email", "an email address string", s)
    address = s.strip(TRIM_CHARACTERS).lower()
    if not address:
        return None
    if not _EMAIL.fullmatch(address):
        raise fail("normalize_email", f"{show(s)} is not a valid email address")
    return address


def domain(s: str) -> str | None:
    if s is None:
        return None
    if not isinstance(s, str):
        raise wrong_type("domain", "an email, URL or domain string", s)
    text = s.strip(TRIM_CHARACTERS).lower()
    if not text:
        return None
    # Without a scheme, "//" makes urlsplit read the text as an authority, which also takes
    # the domain out of an email address ("a@acme.com") or a "user@host:port/path".
    try:
        host = urlsplit(text if "://" in text else "//" + text).hostname
    except ValueError:
        host = None
    if host:
        host = host.rstrip(".")
        if host.startswith("www."):
            host = host[4:]
    labels = host.split(".") if host else []
    if len(labels) < 2 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise fail("domain", f"cannot find a domain in {show(s)}")
    return host
