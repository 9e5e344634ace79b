"""Tests for migc.connectors.results."""

from __future__ import annotations

import msgspec
import pytest

from migc.connectors.results import RecordResult, failed_all


def test_ok_only_for_applied_writes() -> None:
    outcomes = ["created", "updated", "deleted", "duplicate", "invalid", "retryable", "failed"]
    assert [RecordResult(index=0, outcome=o).ok for o in outcomes] == [True] * 3 + [False] * 4


def test_results_are_frozen_and_encodable() -> None:
    result = RecordResult(index=2, outcome="invalid", code="INVALID_DATA", field="Last_Name")
    with pytest.raises(AttributeError):
        result.index = 3  # type: ignore[misc]
    decoded = msgspec.json.decode(msgspec.json.encode(result), type=RecordResult)
    assert decoded == result


def test_unknown_outcome_is_rejected_on_decode() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"index":0,"outcome":"maybe"}', type=RecordResult)


def test_failed_all_keeps_positions() -> None:
    results = failed_all(3, outcome="retryable", code="throttled", message="later")
    assert [r.index for r in results] == [0, 1, 2]
    assert {r.outcome for r in results} == {"retryable"}
