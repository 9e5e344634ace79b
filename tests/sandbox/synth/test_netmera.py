"""Tests for synth.netmera: references, hard cases and shapes of the Netmera data set."""

from collections import Counter

from migc.sandbox import synth
from migc.sandbox.synth import hardcases, netmera

from .conftest import SEED, USERS, universe


def test_events_point_at_users_except_documented_orphans() -> None:
    data = universe("netmera")
    users = {user["extId"] for user in data["User"]}
    events = data["Event"]
    orphans = sum(event["extId"] not in users for event in events) / len(events)
    assert 0 < orphans < 3 * hardcases.ORPHAN_REFERENCE
    per_user = Counter(event["extId"] for event in events if event["extId"] in users)
    assert sum(1 for user in users if per_user[user] == 0) > 0.05 * USERS
    assert max(per_user.values()) > 200  # power users
    for event in events[:200]:
        assert event["timestamp"].endswith("Z")
        if event["name"] == "purchase":
            assert event["revenue"] > 0 and event["currency"]


def test_users_reference_existing_segments_and_tags() -> None:
    data = universe("netmera")
    segment_ids = {segment["id"] for segment in data["Segment"]}
    tag_names = {tag["name"] for tag in data["Tag"]}
    all_users = netmera.segment_id(0)
    assert data["Segment"][0]["name"] == netmera.ALL_USERS_SEGMENT
    for user in data["User"]:
        assert all_users in user["segments"]
        assert set(user["segments"]) <= segment_ids
        assert set(user["tags"]) <= tag_names
    assert any(not user["tags"] for user in data["User"]), "tagless users (Netmera tagless capture)"


def test_segment_membership_function_matches_the_user_record() -> None:
    data = universe("netmera")
    for index, user in enumerate(data["User"][:50]):
        assert user["segments"] == netmera.segment_ids(SEED, index)


def test_campaigns_journeys_widgets_reference_existing_records() -> None:
    data = universe("netmera")
    segment_ids = {segment["id"] for segment in data["Segment"]}
    keys = {campaign["notificationKey"] for campaign in data["Campaign"]}
    for campaign in data["Campaign"]:
        assert set(campaign["segmentIds"]) <= segment_ids
        assert campaign["channel"] in netmera.CHANNELS
        stats = campaign["stats"]
        assert stats["delivered"] + stats["failed"] == stats["sent"] and stats["clicked"] <= stats["opened"]
    for journey in data["Journey"]:
        assert journey["entry"].get("segmentId", next(iter(segment_ids))) in segment_ids
        assert journey["convertedUsers"] <= journey["enteredUsers"]
    for widget in data["Widget"]:
        assert set(widget["segmentIds"]) <= segment_ids
        assert widget["campaignKey"] is None or widget["campaignKey"] in keys


def test_widget_assets_include_oversized_images_and_videos() -> None:
    widgets = list(synth.generate("netmera", "Widget", 250, SEED))
    assets = [asset for widget in widgets for asset in widget["assets"]]
    images = [asset for asset in assets if asset["kind"] == "image"]
    videos = [asset for asset in assets if asset["kind"] == "video"]
    assert any(asset["sizeBytes"] > hardcases.IMAGE_LIMIT_BYTES for asset in images)
    assert any(asset["sizeBytes"] <= hardcases.IMAGE_LIMIT_BYTES for asset in images)
    assert any(asset["sizeBytes"] > hardcases.VIDEO_LIMIT_BYTES for asset in videos)


def test_survey_responses_answer_the_questions_of_existing_surveys() -> None:
    data = universe("netmera")
    surveys = {survey["id"]: survey for survey in data["Survey"]}
    users = {user["extId"] for user in data["User"]}
    for response in data["SurveyResponse"]:
        survey = surveys[response["surveyId"]]
        questions = {question["id"]: question for question in survey["questions"]}
        assert set(response["answers"]) <= set(questions)
        assert "q1" in response["answers"] and 0 <= response["answers"]["q1"] <= 10
        for question_id, answer in response["answers"].items():
            if questions[question_id]["type"] == "RATING_5":
                assert 1 <= answer <= 5
    orphans = [response for response in data["SurveyResponse"] if response["extId"] not in users]
    assert len(orphans) < 0.05 * len(data["SurveyResponse"])


def test_device_fields_follow_the_primary_device() -> None:
    for user in universe("netmera")["User"]:
        if user["devices"]:
            primary = user["devices"][0]
            assert (user["os"], user["push_token"], user["device_model"]) == (
                primary["platform"], primary["token"], primary["deviceModel"])
        else:
            assert user["push_token"] is None and user["os"] is None


def test_long_tags_and_recent_modifications_exist() -> None:
    data = universe("netmera")
    assert any(len(tag["name"]) > hardcases.TAG_LIMIT for tag in data["Tag"])
    window_start = (hardcases.REFERENCE_EPOCH - hardcases.RECENT_WINDOW_SECONDS) * 1000
    recent = [user for user in data["User"] if user["updatedAt"] >= window_start]
    assert 0 < len(recent) < 0.1 * USERS
    assert all(user["createdAt"] <= user["updatedAt"] <= hardcases.REFERENCE_EPOCH * 1000 for user in data["User"])
