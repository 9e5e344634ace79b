"""Tests for the .mig standard library builtins: migc.runtime.builtins and its builtins_* modules."""

from __future__ import annotations

import datetime as dt
import inspect
import json as stdlib_json
import math
import unicodedata
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migc.resources import stdlib_dir
from migc.runtime.builtins import AGGREGATES, BUILTINS, NOT_NULL_PROPAGATING, BuiltinError
from migc.runtime.builtins_errors import show

UTC = dt.timezone.utc
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def call(name: str, *args: object) -> object:
    return BUILTINS[name](*args)


def error_of(name: str, *args: object) -> str:
    with pytest.raises(BuiltinError) as caught:
        BUILTINS[name](*args)
    message = str(caught.value)
    assert message.startswith(f"{name}: "), message
    assert caught.value.function == name
    return message


# --- the contract with stdlib/prelude.mig -----------------------------------------------------

EMPTY = inspect.Parameter.empty
# name -> [(parameter, default)]; "*" marks a variadic parameter.
SIGNATURES: dict[str, list[tuple[str, object]]] = {
    "lower": [("s", EMPTY)],
    "upper": [("s", EMPTY)],
    "trim": [("s", EMPTY)],
    "nonblank": [("s", EMPTY)],
    "split": [("s", EMPTY), ("sep", ",")],
    "join": [("items", EMPTY), ("sep", ", ")],
    "concat": [("*parts", EMPTY)],
    "coalesce": [("*values", EMPTY)],
    "truncate": [("s", EMPTY), ("length", EMPTY)],
    "e164": [("phone", EMPTY), ("region", "US")],
    "normalize_email": [("s", EMPTY)],
    "domain": [("s", EMPTY)],
    "parse_date": [("value", EMPTY), ("format", ""), ("tz", "UTC")],
    "parse_datetime": [("value", EMPTY), ("format", ""), ("tz", "UTC")],
    "format_date": [("value", EMPTY), ("format", "%Y-%m-%d"), ("tz", "UTC")],
    "to_number": [("value", EMPTY)],
    "to_integer": [("value", EMPTY)],
    "to_bool": [("value", EMPTY)],
    "to_string": [("value", EMPTY)],
    "json": [("value", EMPTY)],
    "flatten": [("value", EMPTY), ("sep", ", ")],
    "normalize_tag": [("s", EMPTY), ("length", 25)],
    "fuzzy_match": [("s", EMPTY), ("candidates", EMPTY), ("threshold", 0.85)],
    "similarity": [("a", EMPTY), ("b", EMPTY)],
    "length": [("value", EMPTY)],
    "contains": [("haystack", EMPTY), ("needle", EMPTY)],
    "replace": [("s", EMPTY), ("old", EMPTY), ("new", EMPTY)],
    "starts_with": [("s", EMPTY), ("prefix", EMPTY)],
    "ends_with": [("s", EMPTY), ("suffix", EMPTY)],  # the prelude says suffix; the brief, prefix
    "full_name": [("first", EMPTY), ("last", EMPTY)],
    "each": [("items", EMPTY), ("f", EMPTY)],
    "keys": [("value", EMPTY)],
    "get": [("value", EMPTY), ("key", EMPTY)],
}


def _split_parameters(text: str) -> list[str]:
    """Split a declaration's parameter list at commas outside brackets and string literals."""
    parts, current, depth, in_string = [], [], 0, False
    for index, character in enumerate(text):
        if in_string:
            in_string = not (character == '"' and text[index - 1] != "\\")
        elif character == '"':
            in_string = True
        elif character in "([":
            depth += 1
        elif character in ")]":
            depth -= 1
        elif character == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(character)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def prelude_declarations(keyword: str) -> dict[str, list[tuple[str, object]]]:
    """Parameter names and defaults of every `builtin`/`aggregate` line in stdlib/prelude.mig."""
    declared = {}
    for line in (stdlib_dir() / "prelude.mig").read_text(encoding="utf-8").splitlines():
        if not line.startswith(keyword + " "):
            continue
        name, _, rest = line[len(keyword) + 1 :].partition("(")
        depth, end = 1, 0
        while depth:
            depth += {"(": 1, ")": -1}.get(rest[end], 0)
            end += 1
        parameters = []
        for parameter in _split_parameters(rest[: end - 1]):
            head, _, default = parameter.partition("=")
            parameter_name, _, parameter_type = head.partition(":")
            variadic = parameter_type.strip().endswith("...")
            parameters.append(
                (
                    ("*" if variadic else "") + parameter_name.strip(),
                    stdlib_json.loads(default) if default.strip() else EMPTY,
                )
            )
        declared[name.strip()] = parameters
    return declared


class TestRegistry:
    def test_every_builtin_of_the_table_is_registered(self):
        assert sorted(BUILTINS) == sorted(SIGNATURES)

    @pytest.mark.parametrize("name", sorted(SIGNATURES))
    def test_parameter_names_order_and_defaults_match_the_prelude(self, name):
        parameters = inspect.signature(BUILTINS[name]).parameters.values()
        actual = [
            ("*" + p.name if p.kind is p.VAR_POSITIONAL else p.name, p.default) for p in parameters
        ]
        assert actual == SIGNATURES[name]

    def test_python_signatures_match_the_prelude_declarations(self):
        declared = prelude_declarations("builtin")
        assert sorted(declared) == sorted(BUILTINS)
        for name, parameters in declared.items():
            assert parameters == SIGNATURES[name], name

    def test_aggregates_match_the_prelude_declarations(self):
        assert sorted(prelude_declarations("aggregate")) == sorted(AGGREGATES)

    def test_aggregates_are_registered(self):
        assert sorted(AGGREGATES) == ["collect", "count", "first", "last", "max", "min", "sum"]

    def test_builtin_error_is_a_plain_exception_with_its_message(self):
        error = BuiltinError("lower: boom")
        assert isinstance(error, Exception)
        assert str(error) == "lower: boom"


# Arguments after the first that make each null-propagating builtin otherwise valid.
REST_ARGUMENTS: dict[str, tuple] = {
    "split": (",",),
    "join": (", ",),
    "truncate": (3,),
    "e164": ("DE",),
    "parse_date": ("", "UTC"),
    "parse_datetime": ("", "UTC"),
    "format_date": ("%Y", "UTC"),
    "flatten": (", ",),
    "normalize_tag": (25,),
    "fuzzy_match": (["a"], 0.85),
    "similarity": ("a",),
    "contains": ("a",),
    "replace": ("a", "b"),
    "starts_with": ("a",),
    "ends_with": ("a",),
    "each": (lambda item: item,),
    "get": ("a",),
}


class TestNullPropagation:
    @pytest.mark.parametrize("name", sorted(set(SIGNATURES) - NOT_NULL_PROPAGATING))
    def test_null_first_argument_gives_null(self, name):
        assert call(name, None, *REST_ARGUMENTS.get(name, ())) is None

    def test_the_exceptions_are_exactly_the_documented_ones(self):
        assert NOT_NULL_PROPAGATING == {"coalesce", "concat", "full_name", "json"}

    def test_coalesce_skips_nulls(self):
        assert call("coalesce", None, None, "x", "y") == "x"
        assert call("coalesce", None, "", "y") == ""
        assert call("coalesce", None, 0) == 0
        assert call("coalesce", None, None) is None
        assert call("coalesce") is None

    def test_concat_skips_nulls_and_is_null_only_when_all_are(self):
        assert call("concat", None, "a", None, "b") == "ab"
        assert call("concat", None, None) is None
        assert call("concat") is None
        assert call("concat", "", None) == ""

    def test_json_of_null_is_the_text_null(self):
        assert call("json", None) == "null"

    def test_full_name_needs_only_one_part(self):
        assert call("full_name", None, "Lovelace") == "Lovelace"
        assert call("full_name", "Ada", None) == "Ada"
        assert call("full_name", None, None) is None


class TestHostileValues:
    def test_deeply_nested_and_circular_values_are_errors_not_crashes(self):
        nested: list = []
        for _ in range(5000):
            nested = [nested]
        assert error_of("to_string", nested) == "to_string: […] is nested too deeply"
        assert "nested too deeply" in error_of("flatten", nested)
        circular: list = []
        circular.append(circular)
        assert error_of("json", circular) == "json: […] cannot be written as JSON"

    def test_integers_beyond_the_digit_limit_are_described_by_size(self):
        huge = 10**5000
        assert error_of("to_string", huge) == (
            "to_string: <about 5000 digits> is too long to write as text"
        )
        assert "too long for a phone number" in error_of("e164", huge)


class TestErrorMessages:
    def test_message_names_function_type_and_value(self):
        assert error_of("lower", 42) == "lower: expected a string, got integer 42"

    def test_long_values_are_shortened_to_60_characters(self):
        message = error_of("normalize_email", "x" * 500)
        shown = message.split(": ", 1)[1].split(" is not")[0]
        assert len(shown) == 60
        assert shown.startswith('"xxx') and shown.endswith('…"')

    def test_show_escapes_control_characters_and_quotes(self):
        assert show('a"b\nc') == '"a\\"b\\nc"'
        assert show(None) == "null"
        assert show(True) == "true"
        assert show(dt.date(2024, 1, 2)) == "2024-01-02"
        assert len(show(list(range(100)))) == 60

    def test_wrong_type_for_null_argument_does_not_repeat_null(self):
        assert error_of("split", "a,b", None) == (
            "split: expected a non-empty separator string, got null"
        )


class TestText:
    def test_lower_upper(self):
        assert call("lower", "ÄBC Straße") == "äbc straße"
        assert call("upper", "straße") == "STRASSE"
        assert call("upper", "日本") == "日本"

    def test_trim_removes_unicode_spaces_but_collapses_nothing(self):
        assert call("trim", "\u00a0\u2003 a  b \t\n\u3000") == "a  b"
        assert call("trim", "\ufeff\u200bname\u200b") == "name"
        assert call("trim", "   ") == ""

    def test_nonblank_turns_empty_text_into_null(self):
        assert call("nonblank", "  \u3000") is None
        assert call("nonblank", "") is None
        assert call("nonblank", None) is None
        assert call("nonblank", " Ada ") == " Ada "

    def test_trim_keeps_rtl_text_and_marks(self):
        assert call("trim", " שלום עולם ") == "שלום עולם"

    def test_split_trims_parts_and_drops_empty_ones(self):
        assert call("split", " vip, ,beta ,, gold ") == ["vip", "beta", "gold"]
        assert call("split", "a|b", "|") == ["a", "b"]
        assert call("split", "") == []

    def test_split_rejects_an_empty_separator(self):
        assert "non-empty separator" in error_of("split", "a", "")

    def test_join_skips_nulls_and_writes_other_values_as_text(self):
        assert call("join", ["a", None, "b"]) == "a, b"
        assert call("join", ["a", "b"], "|") == "a|b"
        assert call("join", [1, 2.0, True]) == "1, 2, true"
        assert call("join", []) == ""

    def test_join_needs_a_list(self):
        assert error_of("join", "abc") == 'join: expected a list, got string "abc"'

    def test_concat_writes_numbers_as_text(self):
        assert call("concat", "ID-", 42, "-", 1.5) == "ID-42-1.5"

    @pytest.mark.parametrize(
        ("text", "length", "expected"),
        [
            ("hello", 10, "hello"),
            ("hello", 5, "hello"),
            ("hello", 3, "hel"),
            ("hello", 0, ""),
            ("日本語テキスト", 3, "日本語"),
            ("ab😀cd", 3, "ab😀"),
            ("abe\u0301", 3, "ab"),  # decomposed é: the base goes with its accent
            ("abé", 3, "abé"),  # precomposed é is one code point
            ("क्षत्रिय", 4, "क्ष"),  # a Devanagari conjunct (virama-joined) stays whole
            ("क्षत्रिय", 2, ""),
            ("👨\u200d👩\u200d👧x", 3, ""),  # a ZWJ family is dropped whole
            ("ok👍🏽", 3, "ok"),  # a skin-tone modifier stays with its emoji
            ("🇩🇪🇫🇷", 3, "🇩🇪"),  # flags are never split
            ("مرحبا بالعالم", 5, "مرحبا"),
        ],
    )
    def test_truncate(self, text, length, expected):
        assert call("truncate", text, length) == expected

    def test_truncate_rejects_negative_or_non_integer_lengths(self):
        assert "integer >= 0" in error_of("truncate", "abc", -1)
        assert "integer >= 0" in error_of("truncate", "abc", 2.5)
        assert "integer >= 0" in error_of("truncate", "abc", True)

    @given(st.text(), st.integers(min_value=0, max_value=40))
    def test_truncate_never_exceeds_length_and_keeps_a_prefix(self, text, length):
        result = call("truncate", text, length)
        assert len(result) <= length
        assert text.startswith(result)
        if len(text) <= length:
            assert result == text

    def test_replace_all_occurrences(self):
        assert call("replace", "a-b-c", "-", "_") == "a_b_c"
        assert call("replace", "a-b", "x", "_") == "a-b"
        assert "non-empty string to replace" in error_of("replace", "abc", "", "x")
        assert "replacement string" in error_of("replace", "abc", "a", None)

    def test_starts_with_and_ends_with(self):
        assert call("starts_with", "+49151", "+49") is True
        assert call("starts_with", "+49151", "49") is False
        assert call("ends_with", "a@acme.com", "@acme.com") is True
        assert call("ends_with", "a@acme.com", ".de") is False
        assert "suffix string" in error_of("ends_with", "abc", 1)

    def test_full_name_trims_and_joins(self):
        assert call("full_name", "  Ada ", " Lovelace ") == "Ada Lovelace"
        assert call("full_name", "", "  ") is None
        assert call("full_name", "山田", "太郎") == "山田 太郎"
        assert "expected a string" in error_of("full_name", "Ada", 7)


class TestNormalizeTag:
    @pytest.mark.parametrize(
        ("tag", "expected"),
        [
            ("  VIP   Users!! ", "VIP Users"),
            ("a & b", "a b"),
            ("beta_testers-2024.q1", "beta_testers-2024.q1"),
            ("🎉 Party", "Party"),
            ("Café\tClub", "Café Club"),
            ("Cafe\u0301", "Café"),  # NFC composes the accent
            ("日本語のタグ", "日本語のタグ"),
            ("עברית  תג", "עברית תג"),
            ("हिन्दी टैग", "हिन्दी टैग"),  # vowel signs are marks and stay
            ("!!!", None),
            ("   ", None),
        ],
    )
    def test_examples(self, tag, expected):
        assert call("normalize_tag", tag) == expected

    def test_tags_over_25_characters_are_cut_and_stripped(self):
        # Netmera segment names become Freshsales/Zoho tags, which allow 25 characters.
        tag = call("normalize_tag", "Holiday Campaign Recipients 2024 (EU)")
        assert tag == "Holiday Campaign Recipien"
        spring = call("normalize_tag", "Spring Promo Opt-In Users 2024")
        assert spring == "Spring Promo Opt-In Users"
        assert call("normalize_tag", "abcdefghij klmnopqrstuvwx yz") == "abcdefghij klmnopqrstuvwx"

    def test_custom_length(self):
        assert call("normalize_tag", "abc def", 4) == "abc"
        assert call("normalize_tag", "abc", 0) is None
        assert "integer >= 0" in error_of("normalize_tag", "abc", -3)

    @given(st.text(), st.integers(min_value=0, max_value=30))
    @settings(max_examples=300)
    def test_idempotent_and_within_limits(self, text, length):
        tag = call("normalize_tag", text, length)
        if tag is None:
            return
        assert call("normalize_tag", tag, length) == tag
        assert len(tag) <= length
        assert tag == tag.strip() and "  " not in tag
        assert unicodedata.is_normalized("NFC", tag)


class TestE164:
    @pytest.mark.parametrize(
        ("phone", "region", "expected"),
        [
            ("0151 1234 5678", "DE", "+4915112345678"),
            ("0049 151 12345678", "DE", "+4915112345678"),
            ("+49 (0)151 1234-5678", "DE", "+4915112345678"),
            ("(415) 555-2671", "US", "+14155552671"),
            ("415.555.2671", "us", "+14155552671"),
            ("+44 20 7946 0958", "US", "+442079460958"),
            ("+44 20 7946 0958", "DE", "+442079460958"),
            ("020 7946 0958", "GB", "+442079460958"),
            ("0532 123 45 67", "TR", "+905321234567"),
            ("+90 532 123 45 67", "", "+905321234567"),
            ("\u00a0+1 415 555 2671 ", "US", "+14155552671"),
        ],
    )
    def test_local_and_international_formats(self, phone, region, expected):
        assert call("e164", phone, region) == expected

    def test_default_region_is_us(self):
        assert call("e164", "(415) 555-2671") == "+14155552671"

    def test_empty_text_is_null(self):
        assert call("e164", "") is None
        assert call("e164", "  ") is None

    def test_integers_are_read_as_digits(self):
        assert call("e164", 15112345678, "DE") == "+4915112345678"
        assert "leading + and country code" in error_of("e164", 4915112345678, "")

    def test_invalid_numbers_are_errors(self):
        assert error_of("e164", "12") == 'e164: "12" is not a valid phone number for region US'
        assert "not a phone number" in error_of("e164", "call me")
        assert "country code is unknown" in error_of("e164", "+999 1234 5678")
        assert "is not a valid phone number for region DE" in error_of("e164", "0151 12", "DE")

    def test_national_number_without_region_needs_a_plus(self):
        assert "leading + and country code" in error_of("e164", "0151 1234 5678", "")

    def test_unknown_region(self):
        assert 'unknown region "XX"' in error_of("e164", "0151 1234 5678", "XX")

    def test_extensions_cannot_be_carried(self):
        assert "extension" in error_of("e164", "+1 415 555 2671 ext. 12")

    def test_wrong_types(self):
        assert "expected a phone number string" in error_of("e164", True)
        assert "expected a phone number string" in error_of("e164", [1])
        assert "region code" in error_of("e164", "123", None)


class TestNormalizeEmail:
    @pytest.mark.parametrize(
        ("email", "expected"),
        [
            ("  John.Doe@Example.COM ", "john.doe@example.com"),
            ("\tJANE+news@Mail.Example.co.uk\n", "jane+news@mail.example.co.uk"),
            ("Ünïcode@Exämple.de", "ünïcode@exämple.de"),
            ("\u00a0a@b.io\u200b", "a@b.io"),
        ],
    )
    def test_trims_and_lowercases(self, email, expected):
        assert call("normalize_email", email) == expected

    def test_empty_is_null(self):
        assert call("normalize_email", "") is None
        assert call("normalize_email", "   ") is None

    @pytest.mark.parametrize(
        "email",
        [
            "john doe@example.com",
            "john@exa mple.com",
            "a@b",
            "@example.com",
            "john@",
            "a@@b.com",
            "a@b@c.com",
            "a@b..com",
            "a@.b.com",
            "a@b.com.",
            "a@b.com,c@d.com",
            "John <john@example.com>",
            "a@b.com\x00",
        ],
    )
    def test_invalid_addresses(self, email):
        assert "is not a valid email address" in error_of("normalize_email", email)

    def test_wrong_type(self):
        assert "expected an email address string" in error_of("normalize_email", 5)


class TestDomain:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("a@Acme.com", "acme.com"),
            ("first.last@mail.acme.co.uk", "mail.acme.co.uk"),
            ("https://www.acme.com/x", "acme.com"),
            ("HTTP://WWW.ACME.COM", "acme.com"),
            ("https://user:secret@shop.acme.com:8443/p?q=1#f", "shop.acme.com"),
            ("acme.com/pricing", "acme.com"),
            ("www.acme.com", "acme.com"),
            ("Acme.COM", "acme.com"),
            ("acme.com.", "acme.com"),
            ("mailto:sales@acme.de", "acme.de"),
            ("bücher.de", "bücher.de"),
            ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ],
    )
    def test_examples(self, text, expected):
        assert call("domain", text) == expected

    def test_empty_is_null(self):
        assert call("domain", " ") is None

    @pytest.mark.parametrize(
        "text", ["Acme Inc", "localhost", "https://", "a@b", "-acme.com", "http://[::1"]
    )
    def test_no_domain_is_an_error(self, text):
        assert "cannot find a domain" in error_of("domain", text)

    def test_secrets_in_urls_are_not_the_answer(self):
        assert "secret" not in call("domain", "https://admin:secret@acme.com")


class TestParseDate:
    def test_netmera_epoch_milliseconds(self):
        # Netmera profile dateOfBirth and push timeStamp are epoch milliseconds.
        assert call("parse_date", 631152000000) == dt.date(1990, 1, 1)
        assert call("parse_date", "1700000000000") == dt.date(2023, 11, 14)
        assert call("parse_date", -315619200000) == dt.date(1960, 1, 1)

    def test_customerio_unix_seconds(self):
        assert call("parse_date", 1700000000) == dt.date(2023, 11, 14)
        assert call("parse_date", "1700000000") == dt.date(2023, 11, 14)
        assert call("parse_date", 1700000000.75) == dt.date(2023, 11, 14)

    def test_explicit_epoch_unit_for_early_milliseconds(self):
        # 1970-06-01 in milliseconds is below 1e11, so only the explicit unit reads it right.
        assert call("parse_date", 13046400000, "epoch_ms") == dt.date(1970, 6, 1)
        assert call("parse_date", "1700000000", "epoch_s") == dt.date(2023, 11, 14)
        assert "epoch timestamp in milliseconds" in error_of("parse_date", "2024-01-01", "epoch_ms")

    def test_epoch_date_is_taken_in_the_time_zone(self):
        # 2023-11-14T22:13:20Z is already the 15th in Istanbul.
        assert call("parse_date", 1700000000, "", "Europe/Istanbul") == dt.date(2023, 11, 15)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2024-01-31", dt.date(2024, 1, 31)),
            ("20240131", dt.date(2024, 1, 31)),
            ("2024-01-31T10:00:00Z", dt.date(2024, 1, 31)),
            ("2024-01-31t10:00:00z", dt.date(2024, 1, 31)),
            ("2024-01-31 10:00:00", dt.date(2024, 1, 31)),  # Pipedrive v1 layout
            ("2024-01-31T23:30:00-05:00", dt.date(2024, 2, 1)),  # converted to UTC
            ("2024-01-31T10:00:00.123456789+01:00", dt.date(2024, 1, 31)),
            (" 2024-01-31 ", dt.date(2024, 1, 31)),
        ],
    )
    def test_iso_8601(self, text, expected):
        assert call("parse_date", text) == expected

    def test_date_only_text_is_not_shifted_by_the_time_zone(self):
        assert call("parse_date", "2024-01-31", "", "Pacific/Kiritimati") == dt.date(2024, 1, 31)

    def test_explicit_format(self):
        assert call("parse_date", "31.01.2024", "%d.%m.%Y") == dt.date(2024, 1, 31)
        us_layout = "%m/%d/%Y %I:%M %p"
        assert call("parse_date", "01/31/2024 11:59 PM", us_layout) == dt.date(2024, 1, 31)
        assert call("parse_date", 20240131, "%Y%m%d") == dt.date(2024, 1, 31)
        message = error_of("parse_date", "2024-01-31", "%d.%m.%Y")
        assert message == 'parse_date: "2024-01-31" does not match the format "%d.%m.%Y"'

    def test_dates_and_datetimes_pass(self):
        assert call("parse_date", dt.date(2024, 1, 2)) == dt.date(2024, 1, 2)
        instant = dt.datetime(2024, 1, 1, 23, 30, tzinfo=UTC)
        assert call("parse_date", instant, "", "Europe/Berlin") == dt.date(2024, 1, 2)

    def test_blank_text_is_null(self):
        assert call("parse_date", "") is None
        assert call("parse_date", "  ") is None

    def test_errors(self):
        assert "is not an ISO 8601 date" in error_of("parse_date", "next tuesday")
        assert "is not an ISO 8601 date" in error_of("parse_date", "2024-02-30")
        assert "got boolean true" in error_of("parse_date", True)
        assert "out of range" in error_of("parse_date", 10**20)
        assert "not a timestamp" in error_of("parse_date", float("nan"))
        assert "got list" in error_of("parse_date", [1])
        message = error_of("parse_date", "2024-01-01", "", "Mars/Base")
        assert 'unknown time zone "Mars/Base"' in message
        assert "format string" in error_of("parse_date", "2024-01-01", None)


    def test_instants_at_the_edge_of_the_calendar_are_errors(self):
        assert "out of range in time zone UTC" in error_of("parse_date", "0001-01-01T00:00:00+01:00")
        edge = dt.datetime(1, 1, 1, tzinfo=UTC)
        assert "out of range" in error_of("format_date", edge, "%Y", "America/New_York")


class TestParseDatetime:
    def test_results_are_always_aware(self):
        assert call("parse_datetime", "2024-01-02") == dt.datetime(2024, 1, 2, tzinfo=UTC)
        naive = call("parse_datetime", "2024-01-02T03:04", "", "Europe/Berlin")
        assert naive == dt.datetime(2024, 1, 2, 3, 4, tzinfo=BERLIN)
        assert naive.tzinfo is not None

    def test_epoch_milliseconds_keep_their_milliseconds(self):
        result = call("parse_datetime", 1700000000123)
        assert result == dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)

    def test_aware_results_are_expressed_in_the_zone(self):
        result = call("parse_datetime", "2024-01-31T23:30:00-05:00", "", "Europe/Berlin")
        assert result == dt.datetime(2024, 2, 1, 5, 30, tzinfo=BERLIN)
        assert result.utcoffset() == dt.timedelta(hours=1)

    def test_explicit_format_with_offset(self):
        result = call("parse_datetime", "31/01/2024 10:00 +0200", "%d/%m/%Y %H:%M %z")
        assert result == dt.datetime(2024, 1, 31, 8, 0, tzinfo=UTC)

    def test_naive_datetime_gets_the_zone(self):
        assert call("parse_datetime", dt.datetime(2024, 1, 2, 3, 4), "", "Europe/Berlin") == (
            dt.datetime(2024, 1, 2, 3, 4, tzinfo=BERLIN)
        )

    def test_dates_become_midnight_in_the_zone(self):
        assert call("parse_datetime", dt.date(2024, 1, 2), "", "Europe/Berlin") == (
            dt.datetime(2024, 1, 2, tzinfo=BERLIN)
        )


class TestFormatDate:
    def test_converts_datetimes_to_the_zone_first(self):
        instant = dt.datetime(2024, 1, 1, 23, 30, tzinfo=UTC)
        assert call("format_date", instant) == "2024-01-01"
        assert call("format_date", instant, "%Y-%m-%d %H:%M", "Europe/Berlin") == "2024-01-02 00:30"

    def test_accepts_dates(self):
        assert call("format_date", dt.date(2024, 1, 2), "%d.%m.%Y") == "02.01.2024"

    def test_reads_raw_timestamps_as_parse_datetime_does(self):
        # Customer.io metrics.sent and Netmera timeStamp may reach it undecoded.
        assert call("format_date", 1700000000, "%Y-%m-%d %H:%M") == "2023-11-14 22:13"
        assert call("format_date", 1700000000000, "%H:%M", "Europe/Istanbul") == "01:13"
        assert call("format_date", "2024-01-31T23:30:00Z", "%d.%m.", "Europe/Berlin") == "01.02."
        assert call("format_date", "2024-01-31", "%d.%m.%Y", "Pacific/Kiritimati") == "31.01.2024"
        assert call("format_date", " ") is None

    def test_rejects_what_it_cannot_read(self):
        message = error_of("format_date", "next tuesday")
        assert message.startswith('format_date: "next tuesday" is not an ISO 8601 date')
        assert "got boolean" in error_of("format_date", True)
        assert "got list" in error_of("format_date", [1])

    def test_unknown_zone(self):
        assert "unknown time zone" in error_of("format_date", dt.date(2024, 1, 1), "%Y", "Nowhere")


class TestToNumber:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("42", 42),
            ("-3.5", -3.5),
            (".5", 0.5),
            ("1e3", 1000.0),
            ("1,234", 1234),
            ("1,234,567.89", 1234567.89),
            ("1.234.567", 1234567),
            ("1.234,5", 1234.5),
            ("12,5", 12.5),
            ("0,75", 0.75),
            ("1 234,50", 1234.5),
            ("1\u202f234,50", 1234.5),
            ("1'234.50", 1234.5),
            ("$1,234.50", 1234.5),
            ("€ 99", 99),
            ("-€5", -5),
            ("£-5.25", -5.25),
            ("(1,234.00)", -1234.0),
            ("\u22125", -5),
            ("₺1.250,00", 1250.0),
            ("¥1000", 1000),
            (" 7 ", 7),
            ("12345678901234567890", 12345678901234567890),
            ("١٢٣", 123),
        ],
    )
    def test_text(self, text, expected):
        result = call("to_number", text)
        assert result == expected
        assert type(result) is type(expected)

    def test_numbers_pass(self):
        assert call("to_number", 5) == 5
        assert call("to_number", 2.5) == 2.5

    def test_blank_text_is_null(self):
        assert call("to_number", "") is None

    @pytest.mark.parametrize(
        "text",
        ["abc", "12%", "1,23,456", "1.2.3,4,5", "1,", "1..2", "$", "--5", "1 2 3 4", "nan", "inf"],
    )
    def test_not_numbers(self, text):
        assert "is not a number" in error_of("to_number", text)

    def test_booleans_and_non_finite_values_are_errors(self):
        message = error_of("to_number", True)
        assert message == "to_number: expected a number or numeric text, got boolean true"
        assert "not a finite number" in error_of("to_number", float("inf"))
        assert "too large" in error_of("to_number", "1e999")
        assert "got list" in error_of("to_number", [1])

    @given(st.integers(min_value=-(10**15), max_value=10**15))
    def test_thousand_separated_integers_read_back(self, number):
        assert call("to_number", f"{number:,}") == number
        if abs(number) >= 10**6:  # two or more dots can only be grouping
            assert call("to_number", f"{number:,}".replace(",", ".")) == number

    @given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
    def test_float_text_reads_back(self, number):
        assert call("to_number", repr(number)) == number


class TestToInteger:
    def test_integral_values(self):
        assert call("to_integer", "1.0") == 1
        assert call("to_integer", 2.0) == 2
        assert call("to_integer", "1,000") == 1000
        assert call("to_integer", 7) == 7
        assert type(call("to_integer", "3.0")) is int

    def test_fractions_are_errors(self):
        assert error_of("to_integer", "1.5") == 'to_integer: "1.5" is not a whole number'
        assert error_of("to_integer", 1.5) == "to_integer: 1.5 is not a whole number"

    def test_other_errors(self):
        assert "got boolean" in error_of("to_integer", False)
        assert "is not a number" in error_of("to_integer", "seven")
        assert call("to_integer", " ") is None


class TestToBool:
    @pytest.mark.parametrize("word", ["true", "TRUE", "Yes", "y", "1", "on", " On "])
    def test_true_words(self, word):
        assert call("to_bool", word) is True

    @pytest.mark.parametrize("word", ["false", "False", "NO", "n", "0", "off"])
    def test_false_words(self, word):
        assert call("to_bool", word) is False

    def test_booleans_and_zero_one_pass(self):
        assert call("to_bool", True) is True
        assert call("to_bool", 0) is False
        assert call("to_bool", 1) is True

    def test_everything_else_is_an_error(self):
        assert "is not a yes/no value" in error_of("to_bool", "maybe")
        assert "is not a yes/no value" in error_of("to_bool", 2)
        assert "is not a yes/no value" in error_of("to_bool", "t")
        assert call("to_bool", "") is None


class TestToString:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("text", "text"),
            (42, "42"),
            (1.0, "1"),
            (-0.0, "0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1e20, "1e+20"),
            (True, "true"),
            (dt.date(2024, 1, 2), "2024-01-02"),
            (dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "2024-01-02T03:04:05+00:00"),
            (["a", None, 1, ["b", "c"]], "a, 1, b, c"),
            ({"b": 1, "a": "ü"}, '{"a":"ü","b":1}'),
        ],
    )
    def test_canonical_text(self, value, expected):
        assert call("to_string", value) == expected

    def test_non_finite_and_unknown_values(self):
        assert "not a finite number" in error_of("to_string", float("nan"))
        assert "has a text form" in error_of("to_string", {1, 2})


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)


class TestJson:
    def test_canonical_form(self):
        value = {"b": [1, 2.5, None], "a": "ü日本", "c": {"y": True, "x": False}}
        assert call("json", value) == '{"a":"ü日本","b":[1,2.5,null],"c":{"x":false,"y":true}}'

    def test_dates_are_iso(self):
        value = {"on": dt.date(2024, 1, 2), "at": dt.datetime(2024, 1, 2, tzinfo=UTC)}
        assert call("json", value) == '{"at":"2024-01-02T00:00:00+00:00","on":"2024-01-02"}'

    def test_errors(self):
        assert "NaN or infinity" in error_of("json", [float("nan")])
        assert "cannot be written as JSON" in error_of("json", {"a": {1, 2}})
        assert "cannot be written as JSON" in error_of("json", {1: "a", "b": 2})

    @given(JSON_VALUES)
    def test_round_trips(self, value):
        text = call("json", value)
        assert stdlib_json.loads(text) == value
        assert call("json", stdlib_json.loads(text)) == text


class TestFlatten:
    def test_lists_flatten_nested_lists_and_skip_nulls(self):
        assert call("flatten", ["a", None, ["b", ["c"]], 1.0]) == "a, b, c, 1"
        assert call("flatten", ["a", "b"], " | ") == "a | b"

    def test_dicts_become_sorted_dotted_pairs(self):
        traits = {"plan": "pro", "address": {"city": "Köln", "zip": "50667"}, "score": 4.5}
        expected = "address.city: Köln, address.zip: 50667, plan: pro, score: 4.5"
        assert call("flatten", traits) == expected
        assert call("flatten", {"a": {"b": {"c": 1}}}, "\n") == "a.b.c: 1"

    def test_lists_inside_dicts_are_bracketed(self):
        assert call("flatten", {"tags": ["vip", "beta"], "n": 1}) == "n: 1, tags: [vip, beta]"

    def test_null_values_are_skipped_and_empty_objects_shown(self):
        assert call("flatten", {"a": None, "b": {}, "c": 0}) == "b: {}, c: 0"

    def test_scalars_become_text(self):
        assert call("flatten", 2.0) == "2"
        assert call("flatten", dt.date(2024, 1, 2)) == "2024-01-02"
        assert call("flatten", []) == ""

    def test_separator_must_be_text(self):
        assert "separator string" in error_of("flatten", [1], None)


class TestMatching:
    def test_similarity_normalises_case_space_and_accents(self):
        assert call("similarity", "José  García", "jose garcia") == 1.0
        assert call("similarity", "STRASSE", "straße") == 1.0
        assert call("similarity", "abc", "xyz") == 0.0
        assert call("similarity", "", "") == 1.0
        assert call("similarity", "", "a") == 0.0
        assert call("similarity", "abc", "abd") == pytest.approx(2 / 3)

    def test_similarity_null_in_either_argument(self):
        assert call("similarity", "a", None) is None

    @given(st.text(max_size=30), st.text(max_size=30))
    def test_similarity_is_symmetric_and_bounded(self, a, b):
        score = call("similarity", a, b)
        assert 0.0 <= score <= 1.0
        assert score == call("similarity", b, a)

    def test_fuzzy_match_picks_the_best_candidate_above_threshold(self):
        owners = ["Maria Lopez", "Jose Garcia Perez", "José García"]
        assert call("fuzzy_match", "jose garcia", owners) == "José García"
        assert call("fuzzy_match", "Mario Lopes", owners, 0.8) == "Maria Lopez"
        assert call("fuzzy_match", "Mario Lopes", owners) is None
        assert call("fuzzy_match", "Somebody Else", owners) is None

    def test_fuzzy_match_breaks_ties_by_candidate_order(self):
        assert call("fuzzy_match", "abcd", ["abcx", "abcy"], 0.5) == "abcx"
        assert call("fuzzy_match", "ABC", ["abc ", "abc"]) == "abc "

    def test_fuzzy_match_skips_null_candidates_and_handles_empty_lists(self):
        assert call("fuzzy_match", "abc", [None, "abc"]) == "abc"
        assert call("fuzzy_match", "abc", []) is None
        assert call("fuzzy_match", "abc", None) is None

    def test_fuzzy_match_agrees_with_similarity(self):
        candidates = ["Acme Corporation", "Acme Corp.", "ACME Inc"]
        best = call("fuzzy_match", "acme corp", candidates, 0.0)
        scores = [call("similarity", "acme corp", c) for c in candidates]
        assert best == candidates[scores.index(max(scores))]

    def test_fuzzy_match_errors(self):
        out_of_range = error_of("fuzzy_match", "a", ["a"], 1.5)
        assert out_of_range == "fuzzy_match: threshold must be a number from 0 to 1, got 1.5"
        assert "from 0 to 1" in error_of("fuzzy_match", "a", ["a"], "high")
        assert "candidate strings" in error_of("fuzzy_match", "a", ["b", 3])
        assert "list of candidate strings" in error_of("fuzzy_match", "a", "abc")


class TestCollections:
    def test_length(self):
        assert call("length", "日本😀") == 3
        assert call("length", "e\u0301") == 2  # code points, not user-perceived characters
        assert call("length", [1, None]) == 2
        assert call("length", {"a": 1}) == 1
        assert "got integer 5" in error_of("length", 5)

    def test_contains(self):
        assert call("contains", "hello world", "lo w") is True
        assert call("contains", ["vip", "beta"], "vip") is True
        assert call("contains", ["vip", "beta"], "gold") is False
        assert call("contains", {"plan": "pro"}, "plan") is True
        assert call("contains", {"plan": "pro"}, "pro") is False
        assert "string to look for" in error_of("contains", "abc", 1)
        assert "cannot be a key" in error_of("contains", {"a": 1}, ["a"])
        assert "string, list or json object" in error_of("contains", 5, 5)

    def test_each_drops_null_results(self):
        trimmed_or_null = lambda item: call("trim", item) or None  # noqa: E731
        assert call("each", [" a ", "", " b"], trimmed_or_null) == ["a", "b"]
        assert call("each", [], str) == []
        assert "expected a function" in error_of("each", [1], "not callable")
        assert "expected a list" in error_of("each", "abc", str)

    def test_each_lets_builtin_errors_through(self):
        with pytest.raises(BuiltinError, match="to_integer"):
            call("each", ["1", "x"], BUILTINS["to_integer"])

    def test_keys_are_sorted(self):
        assert call("keys", {"b": 1, "a": 2, "é": 3}) == ["a", "b", "é"]
        assert "expected a json object" in error_of("keys", [1])

    def test_get(self):
        assert call("get", {"a": {"b": 1}}, "a") == {"b": 1}
        assert call("get", {"a": 1}, "missing") is None
        assert "expected a json object" in error_of("get", "abc", "a")
        assert "key string" in error_of("get", {"a": 1}, 1)


class TestAggregates:
    def fed(self, name: str, values: list) -> object:
        aggregate = AGGREGATES[name]()
        for value in values:
            aggregate.add(value)
        return aggregate.result()

    def test_count_counts_rows_including_nulls(self):
        assert self.fed("count", [1, None, "x"]) == 3
        assert self.fed("count", []) == 0
        counter = AGGREGATES["count"]()
        counter.add()
        assert counter.result() == 1

    def test_min_and_max_ignore_nulls(self):
        assert self.fed("min", [3, None, 1, 2]) == 1
        assert self.fed("max", [3, None, 1, 2]) == 3
        assert self.fed("min", ["b", "a"]) == "a"
        assert self.fed("max", [dt.date(2024, 1, 1), dt.date(2023, 1, 1)]) == dt.date(2024, 1, 1)
        assert self.fed("min", [None, None]) is None
        assert self.fed("max", []) is None

    def test_min_of_mixed_types_is_an_error(self):
        with pytest.raises(BuiltinError, match=r'^min: cannot compare string "a" with integer 1$'):
            self.fed("min", [1, "a"])

    def test_first_last_collect(self):
        values = [None, "a", None, "b", "c", None]
        assert self.fed("first", values) == "a"
        assert self.fed("last", values) == "c"
        assert self.fed("collect", values) == ["a", "b", "c"]
        assert self.fed("first", []) is None
        assert self.fed("collect", []) == []

    def test_collect_result_is_a_copy(self):
        collector = AGGREGATES["collect"]()
        collector.add(1)
        handed_out = collector.result()
        collector.add(2)
        assert handed_out == [1]

    def test_groups_are_independent(self):
        first, second = AGGREGATES["count"](), AGGREGATES["count"]()
        first.add(1)
        assert (first.result(), second.result()) == (1, 0)

