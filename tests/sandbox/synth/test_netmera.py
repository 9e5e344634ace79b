"""Tests for synth.netmera: references, hard cases and shapes of the Netmera data set."""

from collections import Counter

from migc.sandbox import synth
from migc.sandbox.synth import hardcases, netmera
from migc.sandbox.synth.timeline import iso

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
    for event in events[:300]:
        assert event["timestamp"].endswith("Z")
        if event["name"] == "purchase":
            assert event["attributes"]["revenue"] > 0 and event["attributes"]["currency"]


def test_users_reference_existing_segments_and_tags() -> None:
    data = universe("netmera")
    segment_names = {segment["name"] for segment in data["Segment"]}
    tag_names = {tag["name"] for tag in data["Tag"]}
    assert data["Segment"][0]["name"] == netmera.ALL_USERS_SEGMENT
    for user in data["User"]:
        assert netmera.ALL_USERS_SEGMENT in user["segments"]
        assert set(user["segments"]) <= segment_names
        assert set(user["tags"]) <= tag_names
    assert any(not user["tags"] for user in data["User"]), "tagless users (Netmera tagless capture)"


def test_membership_functions_match_the_user_record() -> None:
    data = universe("netmera")
    for index, user in enumerate(data["User"][:50]):
        names = [netmera.segment_name(segment - netmera.SEGMENT_ID_BASE) for segment in netmera.segment_ids(SEED, index)]
        assert user["segments"] == names
        assert user["tags"] == netmera.tag_names(SEED, index)
        assert netmera.user_index(SEED, user["extId"]) == index
    assert netmera.user_index(SEED, netmera.orphan_ext_id(SEED, 3)) is None
    assert netmera.user_index(SEED, "not-an-id") is None


def test_one_device_per_user_with_its_installation() -> None:
    data = universe("netmera")
    assert [device["extId"] for device in data["Device"]] == [user["extId"] for user in data["User"]]
    assert len({device["token"] for device in data["Device"]}) == USERS
    assert {device["platform"] for device in data["Device"]} >= {"IOS", "ANDROID"}


def test_campaigns_and_push_results() -> None:
    data = universe("netmera")
    segment_names = {segment["name"] for segment in data["Segment"]}
    campaigns = {campaign["notificationKey"]: campaign for campaign in data["Campaign"]}
    for campaign in campaigns.values():
        assert set(campaign["segmentNames"]) <= segment_names
        assert campaign["channel"] in netmera.CHANNELS and campaign["status"] in ("FINISHED", "SENDING")
        assert all(row["failed"] <= row["sent"] for row in campaign["stats"])
    installations = {device["installationId"]: device for device in data["Device"]}
    statuses = Counter()
    for result in data["PushResult"]:
        sent = campaigns[result["notificationKey"]]
        assert sent["channel"] == "Push" and result["msgTitle"] == sent["title"]
        assert installations[result["installationId"]]["extId"] == result["extId"]
        statuses[result["status"]] += 1
        assert (result["errorCode"] is None) == (result["status"] == "SUCCESS")
    assert statuses["FAILED"] > 0 and statuses["SUCCESS"] > statuses["FAILED"]


def test_widget_assets_include_oversized_images_and_videos() -> None:
    widgets = list(synth.generate("netmera", "Widget", 250, SEED))
    assets = [asset for widget in widgets for asset in widget["assets"]]
    images = [asset for asset in assets if asset["kind"] == "image"]
    videos = [asset for asset in assets if asset["kind"] == "video"]
    assert any(asset["bytes"] > hardcases.IMAGE_LIMIT_BYTES for asset in images)
    assert any(asset["bytes"] <= hardcases.IMAGE_LIMIT_BYTES for asset in images)
    assert any(asset["bytes"] > hardcases.VIDEO_LIMIT_BYTES for asset in videos)
    assert len({widget["name"] for widget in widgets}) == len(widgets)


def test_survey_responses_answer_the_questions_of_existing_surveys() -> None:
    data = universe("netmera")
    surveys = {survey["id"]: survey for survey in data["Survey"]}
    users = {user["extId"] for user in data["User"]}
    for response in data["SurveyResponse"]:
        survey = surveys[response["surveyId"]]
        questions = {question["id"]: question for question in survey["questions"]}
        assert set(response["answers"]) <= set(questions)
        assert 0 <= response["answers"]["q1"] <= 10
        for question_id, answer in response["answers"].items():
            if questions[question_id]["format"] == "RATING_5":
                assert 1 <= answer <= 5
    orphans = [response for response in data["SurveyResponse"] if response["extId"] not in users]
    assert len(orphans) < 0.05 * len(data["SurveyResponse"])


def test_long_tags_and_recent_events_exist() -> None:
    data = universe("netmera")
    assert any(len(tag["name"]) > hardcases.TAG_LIMIT for tag in data["Tag"])
    window = iso(hardcases.REFERENCE_EPOCH - hardcases.RECENT_WINDOW_SECONDS)
    recent = [event for event in data["Event"] if event["timestamp"] >= window]
    assert 0 < len(recent) < 0.1 * len(data["Event"])



def test_a_two_user_data_set_has_every_channel_both_campaign_states_and_an_unsubscribed_user() -> None:
    data = universe("netmera", users=2)
    campaigns = data["Campaign"]
    assert [campaign["channel"] for campaign in campaigns[:6]] == ["Push", "In-App", "Push", "SMS", "Push", "Email"]
    assert campaigns[1]["status"] == "SENDING" and campaigns[1]["endDate"] is None
    assert {campaign["status"] for campaign in campaigns} == {"FINISHED", "SENDING"}
    assert [user["isSubscribed"] for user in data["User"]][1] is False
