"""Fuzzy matching builtins: text similarity and picking the closest candidate."""

from __future__ import annotations

import functools
import math
import unicodedata
from difflib import SequenceMatcher

from migc.runtime.builtins_errors import fail, show, wrong_type


@functools.lru_cache(maxsize=65536)
def comparable(text: str) -> str:
    """The form two texts are compared in: no accents, case-folded, single spaces, trimmed.

    Cached because fuzzy_match compares every record against the same candidate list.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    unaccented = "".join(
        character for character in decomposed if not unicodedata.combining(character)
    )
    # NFC puts back what decomposition split apart without being an accent (Hangul syllables).
    return " ".join(unicodedata.normalize("NFC", unaccented).casefold().split())


def _matcher(left: str, right: str) -> SequenceMatcher:
    # difflib's ratio depends on argument order when longest matches tie; a fixed order makes
    # the score symmetric. autojunk would ignore frequent characters in texts of 200+ chars.
    if left > right:
        left, right = right, left
    return SequenceMatcher(None, left, right, autojunk=False)


def _score(left: str, right: str) -> float:
    if left == right:
        return 1.0
    if not left or not right:
        return 0.0
    return _matcher(left, right).ratio()


def similarity(a: str, b: str) -> float | None:
    if a is None or b is None:
        return None
    if not isinstance(a, str):
        raise wrong_type("similarity", "a string", a)
    if not isinstance(b, str):
        raise wrong_type("similarity", "a string", b)
    return _score(comparable(a), comparable(b))


def fuzzy_match(s: str, candidates: list[str], threshold: float = 0.85) -> str | None:
    if s is None or candidates is None:
        return None
    if not isinstance(s, str):
        raise wrong_type("fuzzy_match", "a string", s)
    if not isinstance(candidates, (list, tuple)):
        raise wrong_type("fuzzy_match", "a list of candidate strings", candidates)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not (0.0 <= threshold <= 1.0)
        or math.isnan(threshold)
    ):
        raise fail("fuzzy_match", f"threshold must be a number from 0 to 1, got {show(threshold)}")
    target = comparable(s)
    best: str | None = None
    best_score = 0.0
    for candidate in candidates:
        if candidate is None:
            continue
        if not isinstance(candidate, str):
            raise wrong_type("fuzzy_match", "candidate strings", candidate)
        key = comparable(candidate)
        if key == target:
            return candidate  # a perfect score cannot be beaten, and earlier candidates win ties
        if not key or not target:
            continue
        matcher = _matcher(target, key)
        # The cheap upper bounds skip candidates that cannot reach the threshold or beat the
        # current best (ties keep the earlier candidate, so equal is not enough).
        if best is None:
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            score = matcher.ratio()
            if score >= threshold:
                best, best_score = candidate, score
        else:
            if matcher.real_quick_ratio() <= best_score or matcher.quick_ratio() <= best_score:
                continue
            score = matcher.ratio()
            if score > best_score:
                best, best_score = candidate, score
    return best
