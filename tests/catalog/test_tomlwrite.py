"""Deterministic TOML writing (migc.catalog.tomlwrite): round trips through tomllib."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migc.catalog.tomlwrite import dumps

keys = st.text(min_size=1, max_size=8)
scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=12,
)
documents = st.dictionaries(keys, values, max_size=5)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_round_trip(document: dict[str, object]) -> None:
    assert tomllib.loads(dumps(document)) == document


def test_layout_sorted_tables_and_inline_tables_in_lists() -> None:
    text = dumps({"b": {"y": 1, "x": [{"k": "v"}]}, "a": "q\"uote", "c": {"d": {}}, "with space": True})
    assert text == (
        'a = "q\\"uote"\n'
        '"with space" = true\n'
        "\n"
        "[b]\n"
        'x = [{ k = "v" }]\n'
        "y = 1\n"
        "\n"
        "[c.d]\n"
    )


def test_unsupported_values_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot write object as TOML"):
        dumps({"a": object()})
