"""Unicode rules the builtins share: which characters trim away, and where text may be cut."""

from __future__ import annotations

import unicodedata

# Everything str.isspace() accepts (all Unicode spaces, line and paragraph separators) plus
# the zero-width space and the byte-order mark, which spreadsheet exports leave at the edges
# of cells although Unicode does not call them whitespace. No space character lies above
# U+3000, so scanning up to there finds them all.
TRIM_CHARACTERS = (
    "".join(chr(code) for code in range(0x3001) if chr(code).isspace()) + "\u200b\ufeff"
)

_ZERO_WIDTH_JOINER = "\u200d"
_VIRAMA_CLASS = 9
_FIRST_REGIONAL_INDICATOR = "\U0001f1e6"
_LAST_REGIONAL_INDICATOR = "\U0001f1ff"


def _extends_previous(character: str) -> bool:
    """True when `character` belongs to the user-perceived character before it."""
    if unicodedata.category(character) in ("Mn", "Mc", "Me"):
        return True
    code = ord(character)
    return (
        character == _ZERO_WIDTH_JOINER
        or 0xFE00 <= code <= 0xFE0F  # variation selectors (text vs emoji presentation)
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # emoji tag sequences (subdivision flags)
        or 0xDC00 <= code <= 0xDFFF  # low half of a surrogate pair that arrived unpaired
    )


def _joins_next(character: str, following: str) -> bool:
    """True when `character` glues `following` onto itself (ZWJ, or a virama before a letter)."""
    if character == _ZERO_WIDTH_JOINER:
        return True
    # A virama (canonical combining class 9) fuses consonants into one conjunct in Indic scripts.
    return (
        unicodedata.combining(character) == _VIRAMA_CLASS
        and unicodedata.category(following) == "Lo"
    )


def cut_at_boundary(text: str, length: int) -> str:
    """Return at most `length` code points of `text` without cutting through a character.

    A base character is dropped together with its combining marks, a ZWJ emoji sequence, an
    Indic conjunct (consonants joined by a virama) and a flag (a pair of regional indicators)
    are dropped whole, and a surrogate pair is never split. Hangul jamo and other rarer
    clusters are cut by code point.
    """
    if len(text) <= length:
        return text
    end = length
    while end > 0 and (_extends_previous(text[end]) or _joins_next(text[end - 1], text[end])):
        end -= 1
    first, last = _FIRST_REGIONAL_INDICATOR, _LAST_REGIONAL_INDICATOR
    if end > 0 and first <= text[end] <= last and first <= text[end - 1] <= last:
        # Flags are pairs: an odd run of indicators before the cut means it splits a flag.
        start = end
        while start > 0 and first <= text[start - 1] <= last:
            start -= 1
        if (end - start) % 2:
            end -= 1
    return text[:end]
