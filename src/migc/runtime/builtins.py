"""The registry of .mig standard library builtins: name -> Python implementation.

The signatures (names, parameter order, defaults) match `stdlib/prelude.mig`. Each builtin
returns null when its first argument is null unless its documentation says otherwise
(`coalesce`, `concat`, `json`, `full_name`), and raises `BuiltinError` for input it cannot
convert; the interpreter quarantines such a record with the .mig source location.
The implementations live in the `builtins_*` modules, one area each; docs/builtins.md
describes every builtin with an example.
"""

from __future__ import annotations

from collections.abc import Callable

from migc.runtime.builtins_aggregates import (
    CollectAggregate,
    CountAggregate,
    FirstAggregate,
    LastAggregate,
    MaxAggregate,
    MinAggregate,
    SumAggregate,
)
from migc.runtime.builtins_collections import coalesce, contains, each, get, keys, length
from migc.runtime.builtins_contact import domain, e164, normalize_email
from migc.runtime.builtins_convert import (
    flatten,
    to_bool,
    to_integer,
    to_json,
    to_number,
    to_string,
)
from migc.runtime.builtins_errors import BuiltinError
from migc.runtime.builtins_match import fuzzy_match, similarity
from migc.runtime.builtins_text import (
    concat,
    ends_with,
    full_name,
    join,
    lower,
    nonblank,
    normalize_tag,
    replace,
    split,
    starts_with,
    trim,
    truncate,
    upper,
)
from migc.runtime.builtins_time import format_date, parse_date, parse_datetime

__all__ = ["AGGREGATES", "BUILTINS", "NOT_NULL_PROPAGATING", "BuiltinError"]

BUILTINS: dict[str, Callable[..., object]] = {
    "coalesce": coalesce,
    "concat": concat,
    "contains": contains,
    "domain": domain,
    "e164": e164,
    "each": each,
    "ends_with": ends_with,
    "flatten": flatten,
    "format_date": format_date,
    "full_name": full_name,
    "fuzzy_match": fuzzy_match,
    "get": get,
    "join": join,
    "json": to_json,
    "keys": keys,
    "length": length,
    "lower": lower,
    "normalize_email": normalize_email,
    "nonblank": nonblank,
    "normalize_tag": normalize_tag,
    "parse_date": parse_date,
    "parse_datetime": parse_datetime,
    "replace": replace,
    "similarity": similarity,
    "split": split,
    "starts_with": starts_with,
    "to_bool": to_bool,
    "to_integer": to_integer,
    "to_number": to_number,
    "to_string": to_string,
    "trim": trim,
    "truncate": truncate,
    "upper": upper,
}

#: Builtins that do not simply return null for a null first argument.
NOT_NULL_PROPAGATING: frozenset[str] = frozenset({"coalesce", "concat", "full_name", "json"})

AGGREGATES: dict[str, type] = {
    "collect": CollectAggregate,
    "count": CountAggregate,
    "first": FirstAggregate,
    "last": LastAggregate,
    "max": MaxAggregate,
    "min": MinAggregate,
    "sum": SumAggregate,
}
