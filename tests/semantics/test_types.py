"""The coercion rules of the type model (docs/types.md)."""

from __future__ import annotations

import pytest

from migc.semantics import types as T

S = T.simple


@pytest.mark.parametrize(
    ("value", "target", "implicit"),
    [
        (S("null"), S("integer"), True),
        (S("any"), S("email"), True),
        (S("email"), S("string"), True),
        (S("string"), S("email"), False),
        (S("integer"), S("decimal"), True),
        (S("decimal"), S("integer"), False),
        (S("string"), S("picklist"), True),
        (T.list_of(S("string")), S("tags"), True),
        (T.list_of(S("integer")), S("tags"), False),
        (S("string"), S("tags"), False),
        (S("date"), S("datetime"), False),
        (S("lookup"), S("string"), True),
        (S("boolean"), S("string"), False),
    ],
)
def test_assignable(value: T.Type, target: T.Type, implicit: bool) -> None:
    assert T.assignable(value, target) is implicit


@pytest.mark.parametrize(
    ("value", "target", "possible"),
    [
        (S("string"), S("email"), True),
        (S("string"), S("date"), True),
        (S("decimal"), S("integer"), True),
        (S("boolean"), S("string"), True),
        (S("boolean"), S("date"), False),
        (T.list_of(S("string")), S("integer"), False),
        (S("json"), S("text"), True),
    ],
)
def test_castable(value: T.Type, target: T.Type, possible: bool) -> None:
    assert T.castable(value, target) is possible


def test_unify_prefers_the_wider_type() -> None:
    assert T.unify(S("integer"), S("decimal")) == S("decimal")
    assert T.unify(S("null"), S("email")) == S("email")
    assert T.unify(S("email"), S("phone")) == S("string")
    assert T.unify(S("boolean"), S("date")) == S("any")


def test_display() -> None:
    assert str(T.Type(kind="string", length=80)) == "string(80)"
    assert str(T.list_of(S("string"))) == "list[string]"
    assert str(T.Type(kind="picklist", values=("a", "b"))) == 'picklist("a", "b")'
