"""Tests for synth.actimo: the org chart, references between objects, and the hard cases."""

from collections import Counter

from migc.sandbox.synth import actimo, hardcases

from .conftest import USERS, universe


def _ids(records: list[dict]) -> set:
    return {record["id"] for record in records}


def test_managers_are_earlier_employees_with_the_manager_role() -> None:
    users = universe("actimo")["User"]
    by_id = {user["id"]: user for user in users}
    orphans = 0
    reports = Counter()
    for user in users:
        manager = user["manager_id"]
        if manager is None:
            continue
        if manager not in by_id:
            orphans += 1
            continue
        assert by_id[manager]["engagement_role"] == "manager"
        reports[manager] += 1
    assert users[0]["manager_id"] is None
    assert 0 < orphans < 3 * hardcases.ORPHAN_REFERENCE * USERS + 3
    assert max(reports.values()) >= actimo.MANAGER_EVERY - 1
    assert {user["active"] for user in users} == {True, False}


def test_contacts_reference_workspaces_and_groups() -> None:
    data = universe("actimo")
    workspaces = _ids(data["Workspace"])
    for user in data["User"]:
        assert user["workspace_id"] in workspaces
        assert set(user["tags"]) <= {group["name"] for group in data["Group"]}
        assert user["employee_id"].startswith("E")
        if user["msisdn"]:
            assert user["country_code"].startswith("+") and user["phone_number"].isdigit()
    assert len(_ids(data["User"])) == USERS


def test_group_posts_messages_tasks_point_at_existing_records() -> None:
    data = universe("actimo")
    contacts = _ids(data["User"])
    groups = _ids(data["Group"])
    for post in data["GroupPost"]:
        assert post["group_id"] in groups
    for kind, field in (("GroupPost", "author_id"), ("Message", "author_id"), ("Task", "assignee_id")):
        missing = [record for record in data[kind] if record[field] not in contacts]
        assert len(missing) <= 0.05 * len(data[kind]) + 1, kind
    assert all(task["created_by_id"] in contacts for task in data["Task"])
    by_id = {user["id"]: user for user in data["User"]}
    for task in data["Task"]:
        if task["assignee_id"] in by_id:
            assert task["assignee_email"] == by_id[task["assignee_id"]]["email"]


def test_message_analytics_are_unique_per_message_and_contact() -> None:
    data = universe("actimo")
    messages, contacts = _ids(data["Message"]), _ids(data["User"])
    pairs = [(row["message_id"], row["contact_id"]) for row in data["MessageAnalytics"]]
    assert len(set(pairs)) == len(pairs)
    assert all(message in messages and contact in contacts for message, contact in pairs)
    assert all(row["clicks"] <= row["views"] for row in data["MessageAnalytics"])
    for message in data["Message"]:
        assert message["opened_by"] <= message["published_to"]
        assert message["unique_views"] <= message["total_views"]


def test_enrollments_have_the_three_progress_statuses() -> None:
    data = universe("actimo")
    paths, contacts = _ids(data["LearningPath"]), _ids(data["User"])
    rows = data["LearningEnrollment"]
    pairs = [(row["learning_path_id"], row["contact_id"]) for row in rows]
    assert len(set(pairs)) == len(pairs) == len(_ids(rows))
    assert all(path in paths and contact in contacts for path, contact in pairs)
    assert {row["status"] for row in rows} == set(actimo.ENROLLMENT_STATUSES)
    for row in rows:
        assert (row["completed_at"] is not None) == (row["status"] == "Completed")
        assert (row["progress"] == 100) == (row["status"] == "Completed")


def test_survey_responses_use_the_survey_scales() -> None:
    data = universe("actimo")
    surveys = {survey["id"]: survey for survey in data["PulseSurvey"]}
    contacts = _ids(data["User"])
    kinds = set()
    for response in data["SurveyResponse"]:
        survey = surveys[response["survey_id"]]
        assert survey["question_count"] == len(survey["questions"])
        scales = {question["id"]: question.get("scale_max") for question in survey["questions"]}
        if survey["anonymous"]:
            assert response["contact_id"] is None
        else:
            assert response["contact_id"] in contacts
        for question_id, value in response["answers"].items():
            scale = scales[question_id]
            kinds.add(scale)
            if scale is None:
                assert isinstance(value, str)
            else:
                assert 1 <= value <= scale
    assert kinds == {5, 10, None}


def test_attachments_have_parents_and_some_are_large() -> None:
    data = universe("actimo")
    parents = {name: _ids(data[name]) for name in ("Message", "LearningPath", "Task", "GroupPost")}
    for attachment in data["Attachment"]:
        assert attachment["parent_id"] in parents[attachment["parent_type"]]
    assert any(attachment["bytes"] > 20_000_000 for attachment in data["Attachment"])


def test_flows_and_integrations_carry_no_secrets() -> None:
    data = universe("actimo")
    for integration in data["Integration"]:
        assert not {"api_key", "token", "password", "secret"} & set(integration)
    assert all(flow["steps"] for flow in data["Flow"])


def test_tasks_use_the_export_labels_and_the_first_ones_span_them() -> None:
    tasks = universe("actimo")["Task"]
    statuses = [status for status, _ in actimo.TASK_STATUSES]
    priorities = [priority for priority, _ in actimo.TASK_PRIORITIES]
    assert [task["status"] for task in tasks[: len(statuses)]] == statuses
    assert [task["priority"] for task in tasks[: len(priorities)]] == priorities
    assert {task["status"] for task in tasks} == set(statuses)
    assert {task["priority"] for task in tasks} == set(priorities)
    for task in tasks:
        assert (task["completed_at"] is not None) == (task["status"] == "Completed")


def test_a_one_user_data_set_has_attachments_of_every_parent_that_exists_and_one_too_large() -> None:
    data = universe("actimo", users=1)
    parents = {name: _ids(data[name]) for name in ("Message", "LearningPath", "Task", "GroupPost")}
    assert not parents["GroupPost"], "group posts start at two users"
    for attachment in data["Attachment"]:
        assert attachment["parent_id"] in parents[attachment["parent_type"]], attachment
    assert {attachment["parent_type"] for attachment in data["Attachment"]} == {"Message", "LearningPath", "Task"}
    large = data["Attachment"][actimo.LARGE_VIDEO]
    assert large["mime_type"] == "video/mp4" and large["bytes"] > 100 * 1024 * 1024


def test_the_first_employees_are_active_and_inactive_and_at_every_learning_stage() -> None:
    data = universe("actimo", users=3)
    assert [user["active"] for user in data["User"][:2]] == [True, False]
    latest = {row["contact_id"]: row["status"] for row in data["LearningEnrollment"]}
    assert list(latest.values()) == list(actimo.ENROLLMENT_STATUSES)
