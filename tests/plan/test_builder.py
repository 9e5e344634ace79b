"""Tests for migc.plan.builder: phase order, merges and link passes, cycles, estimates, calls, totals."""

from __future__ import annotations

import pytest

from migc.plan import PlanError, build_plan
from migc.plan.sizing import Sizing
from tests.plan.helpers import CYCLE, CYCLE_BROKEN_BY_MERGE, EXAMPLE_NAMES, ORDERING, ROUTING, check_text, example, example_plan


@pytest.fixture
def ordering(tmp_path):
    return check_text(tmp_path, ORDERING)


def _phase(plan, name):
    return next(p for p in plan.phases if p.object == name)


class TestOrder:
    def test_a_refs_target_loads_before_the_object_that_holds_the_ref(self, ordering) -> None:
        plan = build_plan(ordering, {"User": 1000, "Task": 5000, "MessageAnalytics": 40000})
        assert [p.object for p in plan.phases] == ["Contacts", "Tasks"]
        who = next(l for l in _phase(plan, "Tasks").lookups if l.field == "Who_Id")
        assert (who.resolution, who.phase) == ("loaded-earlier", 1)

    @pytest.mark.parametrize("name", EXAMPLE_NAMES)
    def test_every_example_loads_each_ref_target_first(self, name) -> None:
        plan = example_plan(name)
        number = {p.object: p.number for p in plan.phases}
        in_cycle = {o for c in plan.cycles for o in c.objects}
        for edge in plan.edges:
            if edge.kind == "ref":
                assert number[edge.target] < number[edge.dependent], f"{edge.dependent}.{edge.field} -> {edge.target}"
            if edge.kind == "cycle":
                assert edge.dependent in in_cycle and edge.target in in_cycle

    def test_merges_run_after_the_maps_that_create_their_records(self, ordering) -> None:
        steps = _phase(build_plan(ordering, None), "Contacts").steps
        assert [s.kind for s in steps] == ["upsert", "merge", "link"]
        assert steps[1].map == "MessageAnalytics->Contacts" and steps[1].operation == "update"

    def test_a_self_reference_gets_a_link_pass_after_the_insert(self, ordering) -> None:
        plan = build_plan(ordering, {"User": 1000})
        contacts = _phase(plan, "Contacts")
        link = contacts.steps[-1]
        assert link.kind == "link" and link.items == ("Manager_Lookup__c",)
        assert link.records.records == 1000 and link.calls == 10
        assert any("link pass sets it" in note for note in contacts.steps[0].notes)
        manager = next(l for l in contacts.lookups if l.field == "Manager_Lookup__c")
        assert manager.resolution == "second-pass"
        assert any(e.kind == "self" and e.field == "Manager_Lookup__c" for e in plan.edges)

    def test_cycles_are_reported_and_every_object_is_planned_once(self, tmp_path) -> None:
        analysis = check_text(tmp_path, CYCLE)
        assert any(d.code == "MIG0601" for d in analysis.diagnostics)
        plan = build_plan(analysis, {"User": 100})
        assert plan.errors == 1
        assert [p.object for p in plan.phases] == ["Accounts", "Contacts"]
        assert [c.objects for c in plan.cycles] == [("Accounts", "Contacts")]
        assert all(p.in_cycle for p in plan.phases)
        assert {l.resolution for p in plan.phases for l in p.lookups} == {"cycle"}
        assert {e.kind for e in plan.edges} == {"cycle"}


    def test_a_merge_that_looks_up_a_later_object_runs_after_every_create(self, tmp_path) -> None:
        analysis = check_text(tmp_path, CYCLE_BROKEN_BY_MERGE)
        assert not analysis.has_errors
        plan = build_plan(analysis, {"User": 100})
        assert [(p.number, p.object, p.late) for p in plan.phases] == [(1, "Accounts", False), (2, "Contacts", False), (3, "Accounts", True)]
        assert [s.kind for s in plan.phases[0].steps] == ["upsert"]
        late = plan.phases[2]
        assert [(s.kind, s.map) for s in late.steps] == [("merge", "User->Accounts#2")]
        assert [(l.field, l.resolution, l.phase) for l in late.lookups] == [("Primary_Contact__c", "loaded-earlier", 2)]
        assert late.records == 0 and not plan.cycles
        assert {e.kind for e in plan.edges if e.field == "Primary_Contact__c"} == {"late"}

    def test_a_merge_setting_a_self_reference_needs_no_link_pass(self, tmp_path) -> None:
        text = ORDERING.replace("  Message_Count__c <- count()\n", "  Message_Count__c <- count()\n  Manager_Lookup__c <- ref Contacts by Source_Actimo_ID__c = first(contact_id) else null\n")
        text = text.replace("  Manager_Lookup__c <- ref Contacts by Source_Actimo_ID__c = manager_id else null\n", "")
        plan = build_plan(check_text(tmp_path, text))
        assert [s.kind for s in _phase(plan, "Contacts").steps] == ["upsert", "merge"]


class TestEstimates:
    @pytest.fixture
    def routing(self, tmp_path):
        return check_text(tmp_path, ROUTING)

    def test_routes_split_evenly_and_a_filter_is_an_upper_bound(self, routing) -> None:
        plan = build_plan(routing, {"User": 1000, "Event": 10001})
        tasks, notes = _phase(plan, "Tasks").steps[0], _phase(plan, "Notes").steps[0]
        assert (tasks.records.records, notes.records.records) == (5001, 5001)  # rounded up: never under
        accounts = _phase(plan, "Accounts").steps[0]
        assert accounts.records.records == 1000 and accounts.records.upper_bound
        assert "company != null" in accounts.records.basis and "distinct by lower(trim(company))" in accounts.records.basis

    def test_a_map_count_wins_and_the_other_routes_share_the_rest(self, routing) -> None:
        plan = build_plan(routing, {"User": 1000, "Event": 10000, "Event->Tasks": 400, "User->Accounts": 35})
        assert _phase(plan, "Tasks").steps[0].records.records == 400
        assert _phase(plan, "Notes").steps[0].records.records == 9600
        assert _phase(plan, "Accounts").steps[0].records.records == 35

    def test_a_merge_updates_no_more_records_than_were_created(self, ordering) -> None:
        merge = _phase(build_plan(ordering, {"User": 1000, "MessageAnalytics": 40000}), "Contacts").steps[1]
        assert merge.records.records == 1000 and merge.records.upper_bound

    def test_missing_counts_leave_numbers_unknown_and_totals_incomplete(self, routing) -> None:
        plan = build_plan(routing, {"User": 1000})
        assert plan.missing_counts == ("Event",)
        assert _phase(plan, "Tasks").calls is None and _phase(plan, "Tasks").seconds is None
        assert not plan.totals.complete
        assert plan.totals.calls == plan.schema.calls + _phase(plan, "Accounts").calls + _phase(plan, "Contacts").calls

    def test_without_counts_only_the_schema_phase_is_timed(self, routing) -> None:
        plan = build_plan(routing)
        assert plan.totals.records is None
        assert plan.totals.calls == plan.schema.calls > 0
        assert any("No counts file" in line for line in plan.assumptions)


class TestCallsAndCheckpoints:
    def test_batches_come_from_the_catalog(self, tmp_path) -> None:
        plan = build_plan(check_text(tmp_path, ROUTING), {"User": 250, "Event": 1000})
        contacts = _phase(plan, "Contacts").steps[0]
        assert (contacts.operation, contacts.batch_size, contacts.calls) == ("upsert", 100, 3)
        assert contacts.endpoint == "POST /Contacts/upsert"
        tasks = _phase(plan, "Tasks").steps[0]
        assert (tasks.operation, tasks.batch_size) == ("create", 100)  # Zoho Tasks have no upsert endpoint

    def test_pipedrive_loads_one_record_per_call_and_searches_before_creating(self) -> None:
        plan = example_plan("netmera_to_pipedrive")
        persons = _phase(plan, "persons")
        kinds = [s.kind for s in persons.steps]
        assert kinds[:2] == ["lookup", "insert"]
        assert all(s.batch_size == 1 for s in persons.steps)
        assert persons.steps[0].operation == "search"
        assert "search endpoints" in persons.steps[0].binding or "daily-tokens" in persons.steps[0].binding

    def test_schema_phase_orders_modules_fields_then_tags(self) -> None:
        plan = example_plan("actimo_to_zoho")
        kinds = [s.kind for s in plan.schema.steps]
        last_module = max(i for i, k in enumerate(kinds) if k == "create-module")
        first_fields = min(i for i, k in enumerate(kinds) if k == "create-fields")
        assert last_module < first_fields
        modules = {s.object for s in plan.schema.steps if s.kind == "create-module"}
        field_objects = [s.object for s in plan.schema.steps if s.kind == "create-fields"]
        # the modules' own fields come before the fields added to existing objects
        assert field_objects[: len(modules)] == [o for o in field_objects if o in modules]
        contacts = next(s for s in plan.schema.steps if s.kind == "create-fields" and s.object == "Contacts")
        assert contacts.batch_size == 5 and contacts.calls == -(-len(contacts.items) // 5)

    def test_picklist_options_follow_the_fields(self, tmp_path) -> None:
        text = ORDERING.replace(
            'create field Contacts.Message_Count__c: integer(9) label "Messages"\n',
            'create field Contacts.Message_Count__c: integer(9) label "Messages"\ncreate picklist Contacts.Lead_Source += ["Actimo", "Intranet"]\n',
        )
        plan = build_plan(check_text(tmp_path, text))
        kinds = [s.kind for s in plan.schema.steps]
        assert kinds == ["create-fields", "read-field-names", "add-picklist-values"]
        options = plan.schema.steps[-1]
        assert (options.object, options.items, options.calls) == ("Contacts", ("Actimo", "Intranet"), 1)

    def test_zoho_tags_are_created_per_module(self) -> None:
        plan = example_plan("netmera_to_zoho")
        tags = [s for s in plan.schema.steps if s.kind == "create-tags"]
        assert [t.object for t in tags] == ["Contacts"]
        assert tags[0].endpoint == "POST /settings/tags?module=Contacts"
        assert "Tag <- User.tags" in tags[0].items

    def test_checkpoints_name_quarantine_and_skip_reasons(self, tmp_path) -> None:
        plan = build_plan(check_text(tmp_path, ROUTING), {"User": 10, "Event": 10}, sizing=Sizing(tier="Professional"))
        contacts = _phase(plan, "Contacts").checkpoint
        assert contacts.quarantine_when == ("User->Contacts: no email: set aside",)
        assert contacts.identities == ("User->Contacts: 10 User records read = loaded + quarantined + skipped",)
        assert contacts.checksum_fields[0] == "Netmera_Id__c"
        notes = _phase(plan, "Notes").checkpoint
        assert notes.quarantine_when == ("Event->Notes: no Contacts found for Parent_Id",)
        assert notes.skipped_when == ("Event->Notes: records an earlier `where` map took",)
        assert contacts.sample == 100  # no `sample` in the header

    def test_totals_add_up(self) -> None:
        for name in EXAMPLE_NAMES:
            plan = example_plan(name)
            steps = list(plan.schema.steps) + [s for p in plan.phases for s in p.steps]
            assert plan.totals.calls == sum(s.calls or 0 for s in steps)
            assert plan.totals.seconds >= max(p.seconds or 0 for p in plan.phases)


class TestInputs:
    def test_an_unknown_tier_is_a_plan_error_listing_the_tiers(self, ordering) -> None:
        with pytest.raises(PlanError, match="`Gold` is not a tier Zoho CRM publishes limits for; tiers: Free, Standard"):
            build_plan(ordering, None, sizing=Sizing(tier="Gold"))

    @pytest.mark.parametrize(
        ("key", "message"),
        [("Usr", "`Usr` is not an object of Actimo; did you mean `User`?"), ("User->Contact", "did you mean `User->Contacts`?")],
    )
    def test_a_counts_key_must_name_a_source_object_or_a_map(self, ordering, key, message) -> None:
        with pytest.raises(PlanError, match=message.replace("(", r"\(").replace("?", r"\?")):
            build_plan(ordering, {key: 5})

    def test_counts_of_source_objects_the_mapping_does_not_read_are_allowed(self, ordering) -> None:
        assert build_plan(ordering, {"Workspace": 3}).counts_given == ("Workspace",)

    def test_a_library_file_has_nothing_to_plan(self, tmp_path) -> None:
        analysis = check_text(tmp_path, 'let vip = ["a"]\n', name="lib.mig")
        with pytest.raises(PlanError, match="no checked model"):
            build_plan(analysis)

    def test_the_plan_holds_no_machine_path(self, tmp_path, ordering) -> None:
        from migc.plan import render_json, render_markdown

        plan = build_plan(ordering, {"User": 5})
        assert plan.file == "case.mig"
        for text in (render_json(plan), render_markdown(plan)):
            assert str(tmp_path) not in text

    def test_the_plan_agrees_with_the_model_on_compatibility(self) -> None:
        for name in EXAMPLE_NAMES:
            one, objects = example(name).model.compatibility
            assert (example_plan(name).compatibility.one_to_one, example_plan(name).compatibility.objects) == (one, objects)
