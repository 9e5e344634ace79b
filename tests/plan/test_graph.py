"""Tests for migc.plan.graph: DOT and Mermaid, self-loops as second passes, cycles in red."""

from __future__ import annotations

from migc.plan import build_plan, render_dot, render_mermaid
from tests.plan.helpers import CYCLE, CYCLE_BROKEN_BY_MERGE, ORDERING, check_text, example_plan


def test_edges_run_in_load_order_and_carry_the_field(tmp_path) -> None:
    plan = build_plan(check_text(tmp_path, ORDERING))
    dot = render_dot(plan)
    assert '"Contacts" -> "Tasks" [label="Who_Id"];' in dot
    assert '"Contacts" -> "Contacts" [label="Manager_Lookup__c (second pass)", style=dashed];' in dot
    mermaid = render_mermaid(plan)
    assert 'n1 -.->|"Manager_Lookup__c (second pass)"| n1' in mermaid
    assert 'n1 -->|"Who_Id"| n2' in mermaid


def test_cycles_are_highlighted(tmp_path) -> None:
    plan = build_plan(check_text(tmp_path, CYCLE))
    dot = render_dot(plan)
    assert '"Accounts" [label="1. Accounts", color="#c62828", penwidth=2];' in dot
    assert dot.count('color="#c62828", fontcolor="#c62828"') == 2
    mermaid = render_mermaid(plan)
    assert "class n1,n2 cycle" in mermaid and "linkStyle 0,1 stroke:#c62828" in mermaid


def test_existing_objects_are_drawn_dashed() -> None:
    plan = example_plan("actimo_to_zoho")
    assert '"Users" [label="Users (existing)", style="rounded,dashed"];' in render_dot(plan)
    assert '(["Users (existing)"])' in render_mermaid(plan)


def test_quotes_in_names_cannot_break_the_output(tmp_path) -> None:
    plan = build_plan(check_text(tmp_path, ORDERING))
    from msgspec.structs import replace

    tricky = replace(plan, migration='say "hi"')
    assert render_dot(tricky).startswith('digraph "say \\"hi\\"" {')


def test_a_merges_lookup_to_a_later_object_is_dashed_and_draws_no_second_node(tmp_path) -> None:
    plan = build_plan(check_text(tmp_path, CYCLE_BROKEN_BY_MERGE))
    dot = render_dot(plan)
    assert dot.count('\n  "Accounts" [label=') == 1
    assert '"Contacts" -> "Accounts" [label="Primary_Contact__c (merge, after all creates)", style=dashed];' in dot
    assert 'n2 -.->|"Primary_Contact__c (merge, after all creates)"| n1' in render_mermaid(plan)
