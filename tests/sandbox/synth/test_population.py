"""Tests for synth.population: sizes grow monotonically and `users_for` inverts `count`."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migc.sandbox.synth.population import Growth, Model, SynthError

GROWTHS = st.builds(
    Growth,
    base=st.integers(0, 20),
    per=st.integers(1, 30),
    every=st.integers(1, 5000),
    cap=st.one_of(st.none(), st.integers(1, 500)),
)


def test_count_formula() -> None:
    growth = Growth(base=8, per=1, every=2000, cap=300)
    assert growth.count(1) == 8
    assert growth.count(4000) == 10
    assert growth.count(10_000_000) == 300
    assert Growth(per=20).count(50) == 1000


@given(growth=GROWTHS, users=st.integers(1, 10**6))
def test_count_never_shrinks(growth: Growth, users: int) -> None:
    assert growth.count(users + 1) >= growth.count(users)


@given(growth=GROWTHS, index=st.integers(0, 10**6))
def test_users_for_is_the_smallest_size_holding_the_index(growth: Growth, index: int) -> None:
    if growth.cap is not None and index >= growth.cap:
        with pytest.raises(SynthError, match="never exists"):
            growth.users_for(index)
        return
    users = growth.users_for(index)
    assert growth.count(users) > index
    assert users == 1 or growth.count(users - 1) <= index


def test_bound_keeps_references_inside_every_data_set() -> None:
    model = Model(platform="p", user_object="User", growth={
        "User": Growth(per=1), "Event": Growth(per=20), "Segment": Growth(base=8, per=1, every=2000, cap=300)})
    for users in (1, 7, 50, 999, 4001):
        sizes = model.counts(users)
        for source in ("Event", "Segment", "User"):
            for index in range(0, sizes[source], max(1, sizes[source] // 50)):
                for target in sizes:
                    assert model.bound(source, index, target) <= sizes[target]


def test_counts_rejects_empty_data_sets() -> None:
    model = Model(platform="p", user_object="User", growth={"User": Growth(per=1)})
    with pytest.raises(SynthError, match="at least 1 user"):
        model.counts(0)


def test_index_beyond_cap_never_exists() -> None:
    with pytest.raises(SynthError, match="at most 3"):
        Growth(base=3, per=0, cap=3).users_for(3)
    with pytest.raises(SynthError, match="never exists"):
        Growth(base=2, per=0).users_for(5)
