"""How plan numbers read in Markdown and documents: counts, durations, days, unknowns."""

from __future__ import annotations


def count(value: int | None, *, upper: bool = False) -> str:
    """`1,234`, `≤ 1,234` for an upper bound, `unknown` for None."""
    if value is None:
        return "unknown"
    return f"≤ {value:,}" if upper else f"{value:,}"


def duration(seconds: float | None) -> str:
    """`45 s`, `12 min`, `3 h 20 min`, `2 d 4 h`, `unknown`."""
    if seconds is None:
        return "unknown"
    whole = int(round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def days(value: float | None) -> str:
    if value is None:
        return "no daily-scale budget"
    return f"{value:.2f}"


def plural(number: int, noun: str, nouns: str | None = None) -> str:
    return f"{number:,} {noun if number == 1 else (nouns or noun + 's')}"
