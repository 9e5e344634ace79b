"""Date and time builtins: reading dates and instants from any source shape, and formatting them."""

from __future__ import annotations

import datetime as _dt
import math
import re
import zoneinfo

from migc.runtime.builtins_errors import fail, show, wrong_type
from migc.runtime.builtins_unicode import TRIM_CHARACTERS

_UTC = _dt.timezone.utc
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)
# Epoch values above 1e11 are milliseconds: 1e11 seconds is the year 5138, while 1e11
# milliseconds is only March 1973, so no plausible timestamp falls on the wrong side.
_MILLISECONDS_ABOVE = 1e11
_EPOCH_TEXT = re.compile(r"[+-]?\d+(?:\.\d+)?")
# Eight digits are read as an ISO basic date ("20240131"): as epoch seconds they would all
# fall in 1970-1973, which no CRM record plausibly means.
_BASIC_DATE_DIGITS = 8

# Formats that name the epoch unit instead of guessing it: Netmera sends birth dates in epoch
# milliseconds, and those of 1970-1973 are below 1e11, where the guess says seconds.
_EPOCH_FORMATS = {"epoch_s": "seconds", "epoch_ms": "milliseconds"}

_zones: dict[str, _dt.tzinfo] = {}


def _zone(tz: object, function: str) -> _dt.tzinfo:
    zone = _zones.get(tz) if isinstance(tz, str) else None
    if zone is not None:
        return zone
    if not isinstance(tz, str):
        raise wrong_type(function, "a time zone name such as \"Europe/Berlin\"", tz)
    if tz.upper() == "UTC":
        zone = _UTC
    else:
        try:
            zone = zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            hint = 'use an IANA name such as "Europe/Berlin"'
            raise fail(function, f"unknown time zone {show(tz)} ({hint})") from None
    _zones[tz] = zone
    return zone


def _from_epoch(number: int | float, shown: object, function: str, unit: str = "") -> _dt.datetime:
    if isinstance(number, float) and not math.isfinite(number):
        raise fail(function, f"{show(shown)} is not a timestamp")
    if not unit:
        unit = "milliseconds" if abs(number) > _MILLISECONDS_ABOVE else "seconds"
    try:
        if unit == "milliseconds":
            return _EPOCH + _dt.timedelta(milliseconds=number)
        return _EPOCH + _dt.timedelta(seconds=number)
    except OverflowError:
        raise fail(function, f"{show(shown)} is out of range for a timestamp") from None


def _from_iso(text: str, function: str) -> _dt.date | _dt.datetime:
    if len(text) <= 10:  # date-only layouts stay calendar dates, never shifted by a zone
        try:
            return _dt.date.fromisoformat(text)
        except ValueError:
            pass
    try:
        return _dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    try:  # RFC 3339 allows a lower-case "t" and "z"
        return _dt.datetime.fromisoformat(text.upper())
    except ValueError:
        raise fail(
            function,
            f"{show(text)} is not an ISO 8601 date or an epoch timestamp"
            " (pass a format for other layouts)",
        ) from None


def _with_format(text: str, value: object, format: str, function: str) -> _dt.datetime:
    try:
        return _dt.datetime.strptime(text, format)
    except ValueError:
        raise fail(function, f"{show(value)} does not match the format {show(format)}") from None


def _in_zone(moment: _dt.datetime, zone: _dt.tzinfo, function: str) -> _dt.datetime:
    try:
        return moment.astimezone(zone)
    except OverflowError:  # an instant at the very edge of year 1 or 9999
        raise fail(function, f"{show(moment)} is out of range in time zone {zone}") from None


def _epoch_with_unit(value: object, unit: str, function: str) -> _dt.datetime | None:
    if isinstance(value, str):
        text = value.strip(TRIM_CHARACTERS)
        if not text:
            return None
        if not _EPOCH_TEXT.fullmatch(text):
            raise fail(function, f"{show(value)} is not an epoch timestamp in {unit}")
        return _from_epoch(float(text) if "." in text else int(text), value, function, unit)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(value, value, function, unit)
    raise wrong_type(function, f"an epoch timestamp in {unit}", value)


def _read_moment(value: object, format: object, function: str) -> _dt.date | _dt.datetime | None:
    """Read `value` as a calendar date, a naive datetime or an aware datetime (None if blank)."""
    if not isinstance(format, str):
        raise wrong_type(function, "a format string", format)
    epoch_unit = _EPOCH_FORMATS.get(format)
    if epoch_unit is not None:
        return _epoch_with_unit(value, epoch_unit, function)
    if isinstance(value, str):
        text = value.strip(TRIM_CHARACTERS)
        if not text:
            return None
        if format:
            return _with_format(text, value, format, function)
        if _EPOCH_TEXT.fullmatch(text) and len(text.lstrip("+-")) != _BASIC_DATE_DIGITS:
            number = float(text) if "." in text else int(text)
            return _from_epoch(number, value, function)
        return _from_iso(text, function)
    if isinstance(value, bool):
        raise wrong_type(function, "a date, a timestamp or date text", value)
    if isinstance(value, (int, float)):
        if format:
            return _with_format(str(value), value, format, function)
        return _from_epoch(value, value, function)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value
    raise wrong_type(function, "a date, a timestamp or date text", value)


def parse_date(value: object, format: str = "", tz: str = "UTC") -> _dt.date | None:
    if value is None:
        return None
    zone = _zone(tz, "parse_date")
    moment = _read_moment(value, format, "parse_date")
    if moment is None:
        return None
    if isinstance(moment, _dt.datetime):
        if moment.tzinfo is not None:
            moment = _in_zone(moment, zone, "parse_date")
        return moment.date()
    return moment


def parse_datetime(value: object, format: str = "", tz: str = "UTC") -> _dt.datetime | None:
    if value is None:
        return None
    zone = _zone(tz, "parse_datetime")
    moment = _read_moment(value, format, "parse_datetime")
    if moment is None:
        return None
    if isinstance(moment, _dt.datetime):
        if moment.tzinfo is None:
            return moment.replace(tzinfo=zone)
        # Same instant, expressed in the requested zone so results print consistently.
        return _in_zone(moment, zone, "parse_datetime")
    return _dt.datetime(moment.year, moment.month, moment.day, tzinfo=zone)


def format_date(value: object, format: str = "%Y-%m-%d", tz: str = "UTC") -> str | None:
    if value is None:
        return None
    if not isinstance(format, str):
        raise wrong_type("format_date", "a format string", format)
    zone = _zone(tz, "format_date")
    if not isinstance(value, _dt.date):
        # Raw source values (epoch numbers, ISO text) are read as parse_datetime reads them, so
        # a timestamp the record layer left undecoded is formatted rather than quarantined.
        value = _read_moment(value, "", "format_date")
        if value is None:
            return None
    if isinstance(value, _dt.datetime) and value.tzinfo is not None:
        value = _in_zone(value, zone, "format_date")
    try:
        return value.strftime(format)
    except ValueError:
        raise fail("format_date", f"cannot format {show(value)} with {show(format)}") from None
