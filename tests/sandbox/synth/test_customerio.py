"""Tests for synth.customerio: people, anonymous profiles, objects and the records that point at them."""

from migc.sandbox.synth import customerio, hardcases

from .conftest import USERS, universe


def test_people_relate_to_company_objects() -> None:
    data = universe("customerio")
    objects = {record["object_id"]: record for record in data["Object"]}
    people = data["Person"]
    with_company = [person for person in people if person["attributes"]["company_id"]]
    assert 0.5 * USERS < len(with_company) < USERS
    for person in with_company:
        company = objects[person["attributes"]["company_id"]]
        assert company["object_type_id"] == customerio.COMPANY_TYPE
        assert company["name"] == person["company"]
    assert {person["lifecycle_stage"] for person in people} <= set(customerio.LIFECYCLE_STAGES)
    assert len({person["cio_id"] for person in people}) == USERS


def test_relationships_one_per_person_mostly_to_existing_objects() -> None:
    data = universe("customerio")
    objects = {record["cio_object_id"]: record for record in data["Object"]}
    relationships = data["Relationship"]
    assert [relationship["person"] for relationship in relationships] == [p["cio_id"] for p in data["Person"]]
    missing = [r for r in relationships if r["object"] not in objects]
    assert len(missing) <= 3 * hardcases.ORPHAN_REFERENCE * USERS + 2
    for relationship in relationships:
        if relationship["object"] in objects:
            assert objects[relationship["object"]]["object_id"] == relationship["object_id"]
    assert len({relationship["id"] for relationship in relationships}) == len(relationships)


def test_anonymous_profiles_have_no_email_and_their_own_cio_ids() -> None:
    data = universe("customerio")
    anonymous = data["AnonymousProfile"]
    assert anonymous and all(p["email"] is None and p["id"] is None and p["anonymous_id"] for p in anonymous)
    assert not {p["cio_id"] for p in anonymous} & {p["cio_id"] for p in data["Person"]}


def test_events_belong_to_people_or_anonymous_profiles() -> None:
    data = universe("customerio")
    people = {person["id"] for person in data["Person"]}
    anonymous = {profile["anonymous_id"] for profile in data["AnonymousProfile"]}
    orphans = 0
    for event in data["Event"]:
        if event["customer_id"] is None:
            assert event["anonymous_id"] in anonymous
        elif event["customer_id"] not in people:
            orphans += 1
        assert len(event["id"]) == 26
    assert any(event["anonymous_id"] for event in data["Event"])
    assert 0 < orphans < 3 * hardcases.ORPHAN_REFERENCE * len(data["Event"])
    assert len({event["id"] for event in data["Event"]}) == len(data["Event"])


def test_deliveries_reference_their_parent_and_action() -> None:
    data = universe("customerio")
    people = {person["id"]: person for person in data["Person"]}
    parents = {
        "campaign_id": {record["id"]: record for record in data["Campaign"]},
        "broadcast_id": {record["id"]: record for record in data["Broadcast"]},
        "transactional_message_id": {record["id"]: record for record in data["TransactionalMessage"]},
    }
    kinds = set()
    for delivery in data["Delivery"]:
        kinds.add(delivery["type"])
        set_parents = [field for field in parents if delivery[field] is not None]
        assert len(set_parents) == 1
        parent = parents[set_parents[0]][delivery[set_parents[0]]]
        if "actions" in parent:
            action_types = {action["id"]: action["type"] for action in parent["actions"]}
            assert action_types[delivery["action_id"]] == delivery["type"]
        person = people.get(delivery["customer_id"])
        if person is not None and delivery["type"] == "email":
            assert delivery["recipient"] == person["email"]
        assert delivery["metrics"]["sent"] >= delivery["created"]
    assert kinds == {"email", "twilio"}
    assert any(delivery["forgotten"] for delivery in data["Delivery"]) or any(
        delivery["customer_id"] not in people for delivery in data["Delivery"])


def test_segments_and_campaigns_reference_existing_segments() -> None:
    data = universe("customerio")
    segments = {segment["id"] for segment in data["Segment"]}
    for person in data["Person"]:
        assert set(person["segments"]) <= segments
    for campaign in data["Campaign"]:
        assert set(campaign["trigger_segment_ids"]) | set(campaign["filter_segment_ids"]) <= segments
        assert campaign["deduplicate_id"] == f"{campaign['id']}:{campaign['updated']}"


def test_every_data_set_has_a_subscription_object_and_subscribers_relate_to_one() -> None:
    smallest = universe("customerio", users=1)
    assert [record["object_type_id"] for record in smallest["Object"][:2]] == [customerio.COMPANY_TYPE, customerio.SUBSCRIPTION_TYPE]
    data = universe("customerio")
    types = {record["cio_object_id"]: record["object_type_id"] for record in data["Object"]}
    subscribers = [r for r in data["Relationship"] if r["attributes"]["role"] == "subscriber"]
    assert subscribers
    for relationship in subscribers:
        assert types[relationship["object"]] == relationship["object_type_id"] == customerio.SUBSCRIPTION_TYPE


def test_the_first_people_are_at_each_lifecycle_stage() -> None:
    people = universe("customerio", users=len(customerio.LIFECYCLE_STAGES))["Person"]
    for person, stage in zip(people, customerio.LIFECYCLE_STAGES, strict=True):
        # Qualification comes with an account: without a company, sql and opportunity are leads.
        unqualified = stage in ("sql", "opportunity") and person["company"] is None
        assert person["lifecycle_stage"] == ("lead" if unqualified else stage)
