"""Errors raised by the .mig builtins, and how a bad value is shown inside their messages."""

from __future__ import annotations

import datetime as _dt
import json as _json

#: Longest rendering of an offending value inside an error message.
SHOWN_VALUE_LIMIT = 60
# Integers beyond this many bits (about 600 digits) are described by size, not written out.
_LONGEST_SHOWN_INTEGER_BITS = 2000


class BuiltinError(Exception):
    """A builtin was given a value it cannot convert.

    The message is written for the person running the migration: it names the builtin and
    shows the offending value (at most 60 characters). The interpreter turns it into a
    quarantined record carrying the .mig source location.
    """

    def __init__(self, message: str, *, function: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.function = function

    def __str__(self) -> str:
        return self.message


def type_name(value: object) -> str:
    """Return the .mig name of a runtime value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, str):
        return "string"
    if isinstance(value, _dt.datetime):  # before date: datetime is a date subclass
        return "datetime"
    if isinstance(value, _dt.date):
        return "date"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "json object"
    if callable(value):
        return "function"
    return type(value).__name__


def show(value: object) -> str:
    """Render a value for an error message, shortened to at most 60 characters."""
    if isinstance(value, str):
        escaped = _json.dumps(value, ensure_ascii=False)[1:-1]
        if len(escaped) > SHOWN_VALUE_LIMIT - 2:
            escaped = escaped[: SHOWN_VALUE_LIMIT - 3] + "…"
        return f'"{escaped}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_dt.date, _dt.datetime)):
        text = value.isoformat()
    elif isinstance(value, (list, tuple, dict)):
        try:
            text = _json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        except (TypeError, ValueError, RecursionError):
            text = "{…}" if isinstance(value, dict) else "[…]"
    elif isinstance(value, int) and value.bit_length() > _LONGEST_SHOWN_INTEGER_BITS:
        # str() refuses integers of thousands of digits; their size is what matters here.
        text = f"<about {int(value.bit_length() * 0.30103)} digits>"
    else:
        text = str(value) if isinstance(value, (int, float)) else repr(value)
    if len(text) > SHOWN_VALUE_LIMIT:
        text = text[: SHOWN_VALUE_LIMIT - 1] + "…"
    return text


def fail(function: str, problem: str) -> BuiltinError:
    """Build the error for `function`; `problem` already shows the offending value."""
    return BuiltinError(f"{function}: {problem}", function=function)


def wrong_type(function: str, expected: str, value: object) -> BuiltinError:
    """Build the error for an argument of the wrong runtime type."""
    if value is None:
        return fail(function, f"expected {expected}, got null")
    return fail(function, f"expected {expected}, got {type_name(value)} {show(value)}")
