"""Tests for the synth package API: generate/record/counts, determinism, streaming, errors."""

import time
import tracemalloc

import msgspec
import pytest

from migc.sandbox import synth
from migc.sandbox.synth import SynthError

from .conftest import SEED


# Tag names are a fixed vocabulary; nothing else about a tag is generated.
SEED_INDEPENDENT = {("netmera", "Tag")}
# The catalog's id-field of each object (PushResult: unique per campaign and installation).
IDENTITY = {("netmera", "PushResult"): ("notificationKey", "installationId"), ("netmera", "User"): ("extId",),
            ("netmera", "Device"): ("token",), ("netmera", "Tag"): ("name",), ("netmera", "Campaign"): ("notificationKey",),
            ("customerio", "Person"): ("cio_id",), ("customerio", "AnonymousProfile"): ("cio_id",),
            ("customerio", "Object"): ("cio_object_id",), ("actimo", "Integration"): ("name",)}


@pytest.mark.parametrize("platform", synth.PLATFORMS)
def test_record_equals_the_generated_one_and_is_deterministic(platform: str) -> None:
    for name in synth.objects(platform):
        size = synth.counts(platform, 40)[name]
        generated = list(synth.generate(platform, name, size, SEED))
        assert generated == list(synth.generate(platform, name, size, SEED))
        for index in {0, size // 2, size - 1}:
            assert synth.record(platform, name, index, SEED) == generated[index]
        if size > 1 and (platform, name) not in SEED_INDEPENDENT:
            assert list(synth.generate(platform, name, size, SEED + 1)) != generated, name


@pytest.mark.parametrize("platform", synth.PLATFORMS)
def test_records_are_json_with_unique_ids(platform: str) -> None:
    for name in synth.objects(platform):
        records = list(synth.generate(platform, name, synth.counts(platform, 60)[name], SEED))
        msgspec.json.encode(records)  # JSON-able: no sets, no datetimes
        key = IDENTITY.get((platform, name), ("id",))
        assert len({tuple(record[field] for field in key) for record in records}) == len(records), name


def test_smaller_data_set_is_a_prefix_of_a_larger_one() -> None:
    small, large = synth.counts("actimo", 50), synth.counts("actimo", 500)
    assert all(small[name] <= large[name] for name in small)
    prefix = list(synth.generate("actimo", "Task", small["Task"], SEED))
    assert prefix == list(synth.generate("actimo", "Task", large["Task"], SEED))[: small["Task"]]


def test_generate_from_an_offset() -> None:
    tail = list(synth.generate("netmera", "Event", 5, SEED, start=100))
    assert tail == [synth.record("netmera", "Event", index, SEED) for index in range(100, 105)]


def test_counts_are_sorted_and_scale() -> None:
    for platform in synth.PLATFORMS:
        sizes = synth.counts(platform, 10)
        assert list(sizes) == sorted(sizes)
        assert all(size >= 1 for size in sizes.values())
        assert synth.counts(platform, 1_000_000)[synth.model(platform).user_object] == 1_000_000
    assert synth.counts("netmera", 1000)["Event"] == 20_000


def test_a_million_record_generator_streams_in_constant_memory() -> None:
    started = time.perf_counter()
    stream = synth.generate("netmera", "Event", 1_000_000, SEED)
    first = next(stream)
    assert time.perf_counter() - started < 1.0  # nothing is precomputed
    assert first == synth.record("netmera", "Event", 0, SEED)
    for _ in range(200):  # warm caches (stream keys, imports) before measuring
        next(stream)
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        for _ in range(2000):
            next(stream)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - baseline < 512 * 1024
    assert current - baseline < 64 * 1024


def test_unknown_names_and_bad_indices_are_clear_errors() -> None:
    with pytest.raises(SynthError, match="no synthetic data for platform 'hubspot'"):
        synth.counts("hubspot", 10)
    with pytest.raises(SynthError, match="netmera has no synthetic object 'Contact'; known: Campaign"):
        synth.record("netmera", "Contact", 0, SEED)
    with pytest.raises(SynthError, match="never exists"):
        synth.record("netmera", "Survey", 60, SEED)
    with pytest.raises(SynthError, match="at most 60"):
        list(synth.generate("netmera", "Survey", 61, SEED))
    with pytest.raises(SynthError, match="must not be negative"):
        synth.generate("netmera", "User", -1, SEED)
    with pytest.raises(SynthError, match="at least 1 user"):
        synth.counts("actimo", 0)
