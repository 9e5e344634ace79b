"""Builtins over lists, json objects and optional values: length, membership, lookups, each."""

from __future__ import annotations

from collections.abc import Callable

from migc.runtime.builtins_errors import fail, show, wrong_type


def coalesce(*values: object) -> object:
    for value in values:
        if value is not None:
            return value
    return None


def length(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, (str, list, tuple, dict)):
        return len(value)
    raise wrong_type("length", "a string, list or json object", value)


def contains(haystack: object, needle: object) -> bool | None:
    if haystack is None:
        return None
    if isinstance(haystack, str):
        if not isinstance(needle, str):
            raise wrong_type("contains", "a string to look for in a string", needle)
        return needle in haystack
    if isinstance(haystack, (list, tuple)):
        return needle in haystack
    if isinstance(haystack, dict):
        try:
            return needle in haystack
        except TypeError:  # an unhashable needle (a list or object) cannot be a key
            raise fail("contains", f"{show(needle)} cannot be a key of a json object") from None
    raise wrong_type("contains", "a string, list or json object", haystack)


def each(items: list, f: Callable[[object], object]) -> list | None:
    if items is None:
        return None
    if not isinstance(items, (list, tuple)):
        raise wrong_type("each", "a list", items)
    if not callable(f):
        raise wrong_type("each", "a function", f)
    results = []
    for item in items:
        result = f(item)
        if result is not None:
            results.append(result)
    return results


def keys(value: dict) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise wrong_type("keys", "a json object", value)
    return sorted(str(key) for key in value)


def get(value: dict, key: str) -> object:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise wrong_type("get", "a json object", value)
    if not isinstance(key, str):
        raise wrong_type("get", "a key string", key)
    return value.get(key)
