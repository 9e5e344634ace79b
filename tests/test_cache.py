"""The derived-data cache saves work, sees changed inputs, and never fails a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from migc import cache


@pytest.fixture
def cache_in(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MIGC_CACHE_DIR", str(tmp_path / "cache"))
    cache.cache_dir.cache_clear()
    yield tmp_path / "cache"
    cache.cache_dir.cache_clear()


def test_a_value_is_derived_once_per_input(cache_in: Path) -> None:
    calls = []

    def derive(value):
        calls.append(value)
        return {"value": value}

    assert cache.cached("t", b"one", lambda: derive(1), code=("migc.cache",)) == {"value": 1}
    assert cache.cached("t", b"one", lambda: derive(2), code=("migc.cache",)) == {"value": 1}
    assert cache.cached("t", b"two", lambda: derive(3), code=("migc.cache",)) == {"value": 3}
    assert calls == [1, 3]


def test_a_corrupt_entry_is_derived_again(cache_in: Path) -> None:
    cache.cached("t", b"x", lambda: 1, code=("migc.cache",))
    for entry in cache_in.iterdir():
        entry.write_bytes(b"not a pickle")
    assert cache.cached("t", b"x", lambda: 2, code=("migc.cache",)) == 2


def test_an_unwritable_cache_only_costs_time(tmp_path: Path, monkeypatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory should be")
    monkeypatch.setenv("MIGC_CACHE_DIR", str(blocked / "cache"))
    cache.cache_dir.cache_clear()
    try:
        assert cache.cached("t", b"x", lambda: 5, code=("migc.cache",)) == 5
    finally:
        cache.cache_dir.cache_clear()
