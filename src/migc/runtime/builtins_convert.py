"""Conversion builtins: numbers, booleans, canonical text, canonical JSON and flattening."""

from __future__ import annotations

import datetime as _dt
import json as _json
import math
import re
import unicodedata

from migc.runtime.builtins_errors import BuiltinError, fail, show, wrong_type
from migc.runtime.builtins_unicode import TRIM_CHARACTERS

# Integers and decimals as Python writes them ("-12", "3.5", ".5", "1e6"); anything else goes
# through the slower reading of separators and currency symbols.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Characters that only ever group thousands: spaces (plain, no-break, narrow, thin) and the
# Swiss apostrophes. "." and "," may group or mark decimals; see _read_separated_number.
_GROUPING_ONLY = frozenset(" '\u00a0\u202f\u2009\u2019")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})
# Integral floats up to 2**53 are exact, so they print as integers; beyond that the digits
# would claim a precision the float does not have.
_EXACT_FLOAT_LIMIT = 2.0**53

_BOOLEAN_WORDS = {
    "true": True,
    "yes": True,
    "y": True,
    "1": True,
    "on": True,
    "false": False,
    "no": False,
    "n": False,
    "0": False,
    "off": False,
}


def _float_text(value: float, function: str) -> str:
    if not math.isfinite(value):
        raise fail(function, f"{show(value)} is not a finite number")
    if value.is_integer() and abs(value) <= _EXACT_FLOAT_LIMIT:
        return str(int(value))
    return repr(value)


def text_form(value: object, function: str) -> str:
    """The canonical text of a non-null value; errors are reported as `function`'s."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # beyond Python's limit on integer digits
            raise fail(function, f"{show(value)} is too long to write as text") from None
    if isinstance(value, float):
        return _float_text(value, function)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(text_form(item, function) for item in value if item is not None)
    if isinstance(value, dict):
        return _canonical_json(value, function)
    raise wrong_type(function, "a value that has a text form", value)


def to_string(value: object) -> str | None:
    if value is None:
        return None
    try:
        return text_form(value, "to_string")
    except RecursionError:
        raise fail("to_string", f"{show(value)} is nested too deeply") from None


def _json_default(value: object) -> object:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _canonical_json(value: object, function: str) -> str:
    try:
        return _json.dumps(
            value,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            default=_json_default,
        )
    except ValueError as error:
        if "float" in str(error):
            problem = "holds a number that JSON cannot carry (NaN or infinity)"
        else:  # a circular structure, or an integer beyond Python's digit limit
            problem = "cannot be written as JSON"
        raise fail(function, f"{show(value)} {problem}") from None
    except (TypeError, RecursionError):
        raise fail(function, f"{show(value)} cannot be written as JSON") from None


def to_json(value: object) -> str:
    """The `json` builtin: canonical JSON text; null becomes "null" (not null-propagating)."""
    return _canonical_json(value, "json")


def _list_item_texts(items: list | tuple, function: str, texts: list[str]) -> None:
    for item in items:
        if item is None:
            continue
        if isinstance(item, (list, tuple)):
            _list_item_texts(item, function, texts)
        else:
            texts.append(text_form(item, function))


def _flatten_into(value: object, prefix: str, sep: str, parts: list[str]) -> None:
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            item = value[key]
            if item is None:
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(item, dict):
                if item:
                    _flatten_into(item, name, sep, parts)
                else:
                    parts.append(f"{name}: {{}}")
            elif isinstance(item, (list, tuple)):
                # Brackets keep a list's items apart from the pairs around it.
                texts: list[str] = []
                _list_item_texts(item, "flatten", texts)
                parts.append(f"{name}: [{', '.join(texts)}]")
            else:
                parts.append(f"{name}: {text_form(item, 'flatten')}")
    else:
        for item in value:
            if item is None:
                continue
            if isinstance(item, (dict, list, tuple)):
                _flatten_into(item, prefix, sep, parts)
            else:
                parts.append(text_form(item, "flatten"))


def flatten(value: object, sep: str = ", ") -> str | None:
    if value is None:
        return None
    if not isinstance(sep, str):
        raise wrong_type("flatten", "a separator string", sep)
    if isinstance(value, (dict, list, tuple)):
        parts: list[str] = []
        try:
            _flatten_into(value, "", sep, parts)
        except RecursionError:
            raise fail("flatten", f"{show(value)} is nested too deeply") from None
        return sep.join(parts)
    return text_form(value, "flatten")


def _grouped_digits(text: str) -> str | None:
    """Digits of `text` if its separators group thousands correctly ("1,234,567"), else None."""
    marks = {character for character in text if not character.isdecimal()}
    if not marks:
        return text
    if len(marks) > 1:
        return None
    groups = text.split(marks.pop())
    first = groups[0]
    if not 1 <= len(first) <= 3 or (first[0] == "0"):
        return None
    for group in groups[1:]:
        if len(group) != 3 or not group.isdecimal():
            return None
    return "".join(groups)


def _read_separated_number(body: str) -> int | float | None:
    """Read digits with thousand separators and a decimal mark; None if it is not a number.

    The last "." or "," is the decimal mark when it occurs once and is either "." or differs
    from the grouping character; a lone "," followed by exactly three digits ("1,234") groups
    thousands, any other lone "," is a decimal comma ("12,5").
    """
    separators = [
        (index, character) for index, character in enumerate(body) if not character.isdecimal()
    ]
    for _, character in separators:
        if character not in ".," and character not in _GROUPING_ONLY:
            return None
    decimal_at = None
    last_index, last_mark = separators[-1]
    if last_mark in ".," and sum(1 for _, character in separators if character == last_mark) == 1:
        grouped_elsewhere = len(separators) > 1
        if grouped_elsewhere or last_mark == ".":
            decimal_at = last_index
        elif not (len(body) - last_index - 1 == 3 and 1 <= last_index <= 3 and body[0] != "0"):
            decimal_at = last_index
    if decimal_at is None:
        digits = _grouped_digits(body)
        return None if digits is None else int(digits)
    whole, fraction = body[:decimal_at], body[decimal_at + 1 :]
    if not fraction.isdecimal():
        return None
    digits = _grouped_digits(whole) if whole else "0"
    if digits is None:
        return None
    return float(f"{digits}.{fraction}")


def _number_from_text(text: str, function: str) -> int | float | None:
    stripped = text.strip(TRIM_CHARACTERS)
    if not stripped:
        return None
    if _PLAIN_NUMBER.fullmatch(stripped):
        if "." in stripped or "e" in stripped or "E" in stripped:
            number = float(stripped)
            if not math.isfinite(number):
                raise fail(function, f"{show(text)} is too large for a number")
            return number
        return int(stripped)
    body = "".join(
        character for character in stripped if unicodedata.category(character) != "Sc"
    ).translate(_MINUS_SIGNS).strip(TRIM_CHARACTERS)
    negative = False
    if body.startswith("(") and body.endswith(")"):  # accounting notation for negatives
        negative, body = True, body[1:-1].strip(TRIM_CHARACTERS)
    if body[:1] in ("+", "-"):
        negative, body = negative != (body[0] == "-"), body[1:].strip(TRIM_CHARACTERS)
    number: int | float | None = None
    if body and body[0].isdecimal() or body[:1] in (".", ","):
        if _PLAIN_NUMBER.fullmatch(body):
            number = float(body) if ("." in body or "e" in body or "E" in body) else int(body)
        else:
            number = _read_separated_number(body)
    if number is None or (isinstance(number, float) and not math.isfinite(number)):
        raise fail(function, f"{show(text)} is not a number")
    return -number if negative else number


def to_number(value: object) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise wrong_type("to_number", "a number or numeric text", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise fail("to_number", f"{show(value)} is not a finite number")
        return value
    if isinstance(value, str):
        return _number_from_text(value, "to_number")
    raise wrong_type("to_number", "a number or numeric text", value)


def to_integer(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise wrong_type("to_integer", "a number or numeric text", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        number: int | float | None = value
        if not math.isfinite(value):
            raise fail("to_integer", f"{show(value)} is not a finite number")
    elif isinstance(value, str):
        number = _number_from_text(value, "to_integer")
        if number is None:
            return None
    else:
        raise wrong_type("to_integer", "a number or numeric text", value)
    if isinstance(number, float):
        if not number.is_integer():
            raise fail("to_integer", f"{show(value)} is not a whole number")
        return int(number)
    return number


def to_bool(value: object) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip(TRIM_CHARACTERS).lower()
        if not word:
            return None
        answer = _BOOLEAN_WORDS.get(word)
        if answer is None:
            raise _not_yes_or_no(value)
        return answer
    if isinstance(value, (int, float)) and value in (0, 1):
        return value == 1
    raise _not_yes_or_no(value)


def _not_yes_or_no(value: object) -> BuiltinError:
    words = "true/false, yes/no, y/n, 1/0, on/off"
    return fail("to_bool", f"{show(value)} is not a yes/no value ({words})")
