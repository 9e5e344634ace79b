"""Tests for migc.sandbox.store: records, ids, baseline/reset, save/load."""

from __future__ import annotations

from pathlib import Path

import pytest

from migc.sandbox.store import Store, StoreError


def filled() -> Store:
    store = Store()
    for number in (3, 1, 2):
        store.insert("Contacts", str(number), {"id": str(number), "name": f"n{number}"})
    store.meta["fields"] = {"Contacts": ["name"]}
    return store


def test_records_keep_insertion_order() -> None:
    store = filled()
    assert [r["id"] for r in store.all("Contacts")] == ["3", "1", "2"]
    assert store.count("Contacts") == 3 and store.count("Nothing") == 0
    assert store.find("Contacts", lambda r: r["name"] == "n1") == [{"id": "1", "name": "n1"}]
    with pytest.raises(KeyError):
        store.insert("Contacts", "1", {})
    assert store.delete("Contacts", "1")["name"] == "n1" and store.delete("Contacts", "1") is None


def test_ids_count_from_start() -> None:
    store = Store()
    assert [store.next_id("a", start=100) for _ in range(3)] == [100, 101, 102]
    assert store.next_id("b") == 1


def test_reset_returns_to_the_baseline() -> None:
    store = filled()
    store.mark_baseline()
    store.insert("Contacts", "9", {"id": "9"})
    store.meta["fields"]["Contacts"].append("email")
    store.reset()
    assert store.count("Contacts") == 3 and store.meta["fields"] == {"Contacts": ["name"]}
    Store().reset()  # no baseline: empty


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    store = filled()
    store.next_id("zoho.id")
    path = tmp_path / "run" / "sandbox.json"
    store.save(path)
    loaded = Store.from_file(path)
    assert loaded.snapshot() == store.snapshot()
    assert [r["id"] for r in loaded.all("Contacts")] == ["3", "1", "2"]
    assert loaded.next_id("zoho.id") == 2
    assert path.read_bytes() == path.read_bytes() and not (tmp_path / "run" / "sandbox.json.tmp").exists()


def test_load_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot read"):
        Store.from_file(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(StoreError, match="not valid JSON"):
        Store.from_file(broken)
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"collections": []}')
    with pytest.raises(StoreError, match="wrong shape"):
        Store.from_file(wrong)
