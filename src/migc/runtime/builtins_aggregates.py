"""Aggregates for `summarize` maps: one accumulator object per group, fed value by value.

Each class takes values through `add(value)` and answers with `result()`. Null values are
ignored by every aggregate except `count`, which counts rows.
"""

from __future__ import annotations

from migc.runtime.builtins_errors import BuiltinError

import operator
from collections.abc import Callable

from migc.runtime.builtins_errors import fail, show, type_name


class CountAggregate:
    """count(): the number of rows in the group, nulls included."""

    __slots__ = ("_count",)

    def __init__(self) -> None:
        self._count = 0

    def add(self, value: object = None) -> None:
        self._count += 1

    def result(self) -> int:
        return self._count


class SumAggregate:
    """sum(x): the total of the non-null numbers; null when there are none."""

    __slots__ = ("_total",)

    def __init__(self) -> None:
        self._total: int | float | None = None

    def add(self, value: object = None) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BuiltinError(f"sum: {str(value)[:60]!r} is not a number", function="sum")
        self._total = value if self._total is None else self._total + value

    def result(self) -> int | float | None:
        return self._total


class _ExtremeAggregate:
    """Shared by min and max: keeps the smallest or largest non-null value seen."""

    __slots__ = ("_best", "_seen")
    _name: str
    _prefers: Callable[[object, object], bool]

    def __init__(self) -> None:
        self._best: object = None
        self._seen = False

    def add(self, value: object) -> None:
        if value is None:
            return
        if not self._seen:
            self._best, self._seen = value, True
            return
        try:
            if self._prefers(value, self._best):
                self._best = value
        except TypeError:
            raise fail(
                self._name,
                f"cannot compare {type_name(value)} {show(value)} with "
                f"{type_name(self._best)} {show(self._best)}",
            ) from None

    def result(self) -> object:
        return self._best


class MinAggregate(_ExtremeAggregate):
    """min(x): the smallest non-null value."""

    __slots__ = ()
    _name = "min"
    _prefers = staticmethod(operator.lt)


class MaxAggregate(_ExtremeAggregate):
    """max(x): the largest non-null value."""

    __slots__ = ()
    _name = "max"
    _prefers = staticmethod(operator.gt)


class FirstAggregate:
    """first(x): the first non-null value, in the order values were added."""

    __slots__ = ("_first", "_seen")

    def __init__(self) -> None:
        self._first: object = None
        self._seen = False

    def add(self, value: object) -> None:
        if value is not None and not self._seen:
            self._first, self._seen = value, True

    def result(self) -> object:
        return self._first


class LastAggregate:
    """last(x): the last non-null value, in the order values were added."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: object = None

    def add(self, value: object) -> None:
        if value is not None:
            self._last = value

    def result(self) -> object:
        return self._last


class CollectAggregate:
    """collect(x): every non-null value, in the order values were added."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: list[object] = []

    def add(self, value: object) -> None:
        if value is not None:
            self._values.append(value)

    def result(self) -> list[object]:
        return list(self._values)  # a copy, so later adds do not change a handed-out result
