"""Text builtins: case, trimming, splitting and joining, truncation, tags and names."""

from __future__ import annotations

import functools
import unicodedata

from migc.runtime.builtins_convert import text_form
from migc.runtime.builtins_errors import wrong_type
from migc.runtime.builtins_unicode import TRIM_CHARACTERS, cut_at_boundary

def lower(s: str) -> str | None:
    if s is None:
        return None
    if not isinstance(s, str):
        raise wrong_type("lower", "a string", s)
    return s.lower()


def upper(s: str) -> str | None:
    if s is None:
        return None
    if not isinstance(s, str):
        raise wrong_type("upper", "a string", s)
    return s.upper()


def trim(s: str) -> str | None:
    if s is None:
        return None
    if not isinstance(s, str):
        raise wrong_type("trim", "a string", s)
    return s.strip(TRIM_CHARACTERS)


def nonblank(s: str) -> str | None:
    """The text itself, or null when it is null, empty or only white space."""
    if s is None:
        return None
    if not isinstance(s, str):
        raise wrong_type("nonblank", "a string", s)
    return s if s.strip(TRIM_CHARACTERS) else None


def split(s: str, sep: str = ",") -> list[str] | None:
    if s is None:
        return None
    if not isinstance(s, str):
        raise wrong_type("split", "a string", s)
    if not isinstance(sep, str) or not sep:
        raise wrong_type("split", "a non-empty separator string", sep)
    parts = []
    for part in s.split(sep):
        part = part.strip(TRIM_CHARACTERS)
        if part:
            parts.append(part)
    return parts


def join(items: list[str], sep: str = ", ") -> str | None:
    if items is None:
        return None
    if not isinstance(items, (list, tuple)):
        raise wrong_type("join", "a list", items)
    if not isinstance(sep, str):
        raise wrong_type("join", "a separator string", sep)
    return sep.join(
        item if isinstance(item, str) else text_form(item, "join")
        for item in items
        if item is not None
    )


def concat(*parts: str) -> str | None:
    texts = [
        part if isinstance(part, str) else text_form(part, "concat")
        for part in parts
        if part is not None
    ]
    if not texts:
        return None
    return "".join(texts)


def truncate(s: str, length: int) -> str | None:
    if s is None:
        return None
    if not isinstance(s, str):
        raise wrong_type("truncate", "a string", s)
    if not isinstance(length, int) or isinstance(length, bool) or length < 0:
        raise wrong_type("truncate", "a length that is an integer >= 0", length)
    return cut_at_boundary(s, length)


def replace(s: str, old: str, new: str) -> str | None:
    if s is None:
        return None
    if not isinstance(s, str):
        raise wrong_type("replace", "a string", s)
    if not isinstance(old, str) or not old:
        raise wrong_type("replace", "a non-empty string to replace", old)
    if not isinstance(new, str):
        raise wrong_type("replace", "a replacement string", new)
    return s.replace(old, new)


def starts_with(s: str, prefix: str) -> bool | None:
    if s is None:
        return None
    if not isinstance(s, str):
        raise wrong_type("starts_with", "a string", s)
    if not isinstance(prefix, str):
        raise wrong_type("starts_with", "a prefix string", prefix)
    return s.startswith(prefix)


def ends_with(s: str, suffix: str) -> bool | None:
    if s is None:
        return None
    if not isinstance(s, str):
        raise wrong_type("ends_with", "a string", s)
    if not isinstance(suffix, str):
        raise wrong_type("ends_with", "a suffix string", suffix)
    return s.endswith(suffix)


def full_name(first: str, last: str) -> str | None:
    names = []
    for name in (first, last):
        if name is None:
            continue
        if not isinstance(name, str):
            raise wrong_type("full_name", "a string", name)
        name = name.strip(TRIM_CHARACTERS)
        if name:
            names.append(name)
    if not names:
        return None
    return " ".join(names)


_TAG_PUNCTUATION = frozenset("-_.")


def _tag_characters(text: str) -> str:
    """Keep letters, digits, whitespace and - _ . ; combining marks stay with a kept base."""
    kept = []
    keep_marks = False
    for character in text:
        category = unicodedata.category(character)
        if category[0] == "L" or category == "Nd" or character in _TAG_PUNCTUATION:
            kept.append(character)
            keep_marks = category[0] == "L" or category == "Nd"
        elif category[0] == "M":
            if keep_marks:
                kept.append(character)
        elif character.isspace():
            kept.append(" ")
            keep_marks = False
        else:
            keep_marks = False
    return "".join(kept)


def normalize_tag(s: str, length: int = 25) -> str | None:
    if s is None:
        return None
    if not isinstance(s, str):
        raise wrong_type("normalize_tag", "a string", s)
    if not isinstance(length, int) or isinstance(length, bool) or length < 0:
        raise wrong_type("normalize_tag", "a length that is an integer >= 0", length)
    return _normalized_tag(s, length)


# Tags repeat across records (every member of a segment carries the segment's name), so the
# per-character work is done once per distinct tag.
@functools.lru_cache(maxsize=8192)
def _normalized_tag(s: str, length: int) -> str | None:
    # Characters are removed before whitespace is collapsed, so "a & b" becomes "a b" and a
    # second pass changes nothing; NFC runs again because removals can bring composable
    # characters together.
    text = unicodedata.normalize("NFC", s)
    text = _tag_characters(text)
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    text = cut_at_boundary(text, length).strip()
    return text or None

