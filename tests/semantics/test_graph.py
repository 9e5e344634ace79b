"""Dependency ordering: refs load first, self-references are second passes, cycles reported."""

from __future__ import annotations

from migc.semantics.graph import dependency_order, order_conflicts
from migc.semantics.model import RefEdge
from migc.source import Span

SPAN = Span(file="t.mig", line=1, column=1, end_line=1, end_column=1, start=0, end=0)


def edge(dependent: str, target: str, field: str = "f") -> RefEdge:
    return RefEdge(dependent=dependent, field=field, target=target, span=SPAN)


def test_targets_load_before_dependents_keeping_file_order_otherwise() -> None:
    result = dependency_order(["Contacts", "Notes", "Accounts", "Campaigns"], [edge("Contacts", "Accounts"), edge("Notes", "Contacts")])
    assert result.order == ("Accounts", "Contacts", "Notes", "Campaigns")
    assert result.cycles == ()


def test_self_reference_is_a_second_pass_not_a_cycle() -> None:
    result = dependency_order(["Contacts"], [edge("Contacts", "Contacts", "Manager_Lookup__c")])
    assert result.order == ("Contacts",)
    assert result.cycles == () and len(result.self_refs) == 1


def test_cycles_are_reported_once_and_never_loop() -> None:
    result = dependency_order(["A", "B", "C", "D"], [edge("A", "B"), edge("B", "C"), edge("C", "A"), edge("D", "A")])
    assert result.cycles == (("A", "B", "C"),)
    assert set(result.order) == {"A", "B", "C", "D"}


def test_declared_order_conflicts() -> None:
    conflicts = order_conflicts(["Contacts", "Accounts"], [edge("Contacts", "Accounts", "Account_Name")])
    assert [(c.dependent, c.target) for c in conflicts] == [("Contacts", "Accounts")]
