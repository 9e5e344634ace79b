"""Synthetic Netmera data: users, devices, segments, tags, campaigns, push results, events,
journeys, widgets, surveys and survey responses, in the field names of `specs/netmera.toml`.

Times are epoch milliseconds (Netmera's `dateOfBirth`, `startDate`, `timeStamp`) except event
timestamps, which are ISO 8601 as the REST docs ask. A few values are derived by whoever serves
the data rather than stored per record, because they summarise many records: a segment's
`userCount`, a tag's `extIds`, a survey's `responses` (`segment_ids`, `tag_names` and the
`SurveyResponse` object give them cheaply).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from migc.sandbox.synth.draw import Draw, scramble40, stream_key, unit, unscramble40
from migc.sandbox.synth.hardcases import (
    IMAGE_LIMIT_BYTES,
    INACTIVE,
    ORPHAN_REFERENCE,
    OVERSIZED_ASSET,
    POWER_USER_EVENT_SHARE,
    REFERENCE_EPOCH,
    VIDEO_LIMIT_BYTES,
)
from migc.sandbox.synth.labels import numbered, tag_name
from migc.sandbox.synth.people import Employer, active_person, company, identity
from migc.sandbox.synth.population import Growth, Model
from migc.sandbox.synth.timeline import between, created_at, iso
from migc.sandbox.synth.vocabulary import LOREM

PLATFORM = "netmera"
# Every user has one result for each of this many distinct push campaigns.
PUSH_RESULTS_PER_USER = 3
MODEL = Model(
    platform=PLATFORM,
    user_object="User",
    growth={
        "User": Growth(per=1),
        # One installation per user (web push for those without the app).
        "Device": Growth(per=1),
        "Segment": Growth(base=8, per=1, every=2000, cap=300),
        "Tag": Growth(base=12, per=1, every=5000, cap=400),
        "Campaign": Growth(base=6, per=1, every=200, cap=5000),
        "PushResult": Growth(per=PUSH_RESULTS_PER_USER),
        "Journey": Growth(base=3, per=1, every=5000, cap=150),
        "Event": Growth(per=20),
        "Widget": Growth(base=4, per=1, every=4000, cap=250),
        "Survey": Growth(base=2, per=1, every=20000, cap=60),
        "SurveyResponse": Growth(per=3, every=10),
    },
)
# Employers are not a Netmera object (the seeds synthesize Accounts from user attributes), but
# they grow with the users the same way.
_EMPLOYERS = Growth(base=5, per=1, every=25)
_NO_EMPLOYER = 0.3

SEGMENT_ID_BASE = 1000
NOTIFICATION_KEY_BASE = 50000
ALL_USERS_SEGMENT = "All Users"
CHANNELS = ("Push", "In-App", "SMS", "Email")
_OTHER_CHANNELS = CHANNELS[1:]
EVENT_NAMES = ("app_open", "page_view", "search", "add_to_cart", "purchase", "signup", "upgrade",
               "push_open", "share")
HIGH_VALUE_EVENTS = ("purchase", "signup", "upgrade")
# Custom profile attributes every synthetic account defines (code -> Netmera data type, is array).
CUSTOM_ATTRIBUTES: dict[str, tuple[str, bool]] = {
    "company": ("STRING", False),
    "companyDomain": ("STRING", False),
    "owner": ("STRING", False),
    "loyaltyTier": ("STRING", False),
    "lifetimeValue": ("DOUBLE", False),
    "isPremium": ("BOOLEAN", False),
    "favouriteCategories": ("STRING", True),
    "lastPurchaseDate": ("DATE", False),
    "lastActiveDate": ("DATE", False),
}
# Standard attributes the synthetic users carry (code -> data type).
STANDARD_ATTRIBUTES: dict[str, str] = {
    "email": "STRING", "msisdn": "STRING", "name": "STRING", "surname": "STRING", "gender": "STRING",
    "dateOfBirth": "DATE", "country": "STRING", "city": "STRING", "language": "STRING",
    "occupation": "STRING", "isSubscribed": "BOOLEAN", "externalSegments": "STRING",
}
_SEGMENT_NAMES = (ALL_USERS_SEGMENT, "VIP Users", "Active last 30 days", "Cart abandoners",
                  "İstanbul users", "Android users", "iOS users", "Newsletter subscribers",
                  "Dormant 90 days", "High spenders", "Churn risk (predictive)", "Premium plan")
_SEGMENT_TYPES = ("STANDARD", "PREDICTIVE", "PRODUCT_SEGMENT", "CONNECTOR")
_CAMPAIGN_NAMES = ("Welcome series", "Black Friday", "Cart reminder", "Ramazan indirimi",
                   "App update", "Win-back", "Weekly digest", "Flash sale", "Birthday treat")
_JOURNEY_NAMES = ("Onboarding", "Re-engagement", "Post-purchase", "Trial to paid",
                  "Abandoned cart", "Loyalty upgrade")
_WIDGET_NAMES = ("Spin the wheel", "Newsletter pop-up", "App rating prompt", "Promo banner",
                 "Feature tooltip", "Exit intent offer")
_SURVEY_NAMES = ("NPS", "App satisfaction", "Checkout feedback", "Feature wishlist")
_DEVICE_MODELS = {"IOS": ("iPhone15,2", "iPhone14,5", "iPhone13,1", "iPad13,4"),
                  "ANDROID": ("SM-G991B", "Pixel 8", "Redmi Note 12", "SM-A546E", "CPH2451"),
                  "CHROME": ("Chrome 124 / Windows", "Chrome 125 / macOS"),
                  "SAFARI": ("Safari 17 / macOS",)}
_OS_VERSIONS = {"IOS": ("16.7", "17.4", "17.5.1", "18.0"), "ANDROID": ("12", "13", "14"),
                "CHROME": ("10", "14.4"), "SAFARI": ("14.4",)}
_APP_VERSIONS = ("4.2.0", "4.3.1", "4.4.0", "5.0.0", "5.0.2")
_LOYALTY_TIERS = ("bronze", "silver", "gold", "platinum")
_CATEGORIES = ("electronics", "fashion", "home", "beauty", "sports", "books", "toys")
_OCCUPATIONS = ("engineer", "teacher", "student", "doctor", "designer", "retired", None)
_PUSH_ERRORS = (("InvalidToken", "Token is not registered"), ("NotRegistered", "App uninstalled"),
                ("Throttled", "Provider throttled the send"))

_STREAMS = {name: stream_key(f"{PLATFORM}.{name}") for name in MODEL.growth}
_USER = _STREAMS["User"]
_MEMBERSHIP = stream_key("netmera.User.segments")
_TAGGING = stream_key("netmera.User.tags")
_EMPLOYER = stream_key("netmera.User.employer")
_CHANNEL = stream_key("netmera.Campaign.channel")
_MISSING = 1 << 39  # indices from here on name users that do not exist (orphans)


def ext_id(seed: int, index: int) -> str:
    """The extId of user `index`."""
    return f"u{scramble40(seed, _USER, index):010x}"


def orphan_ext_id(seed: int, index: int) -> str:
    """An extId in the same format that no user has (a deleted user's)."""
    return ext_id(seed, _MISSING + index)


def user_index(seed: int, external_id: str) -> int | None:
    """The index of the user with this extId, or None when it cannot be one of ours."""
    if len(external_id) != 11 or not external_id.startswith("u"):
        return None
    try:
        index = unscramble40(seed, _USER, int(external_id[1:], 16))
    except ValueError:
        return None
    return index if index < _MISSING else None


def segment_id(index: int) -> int:
    return SEGMENT_ID_BASE + index


def segment_name(index: int) -> str:
    return numbered(_SEGMENT_NAMES, index)


def segment_ids(seed: int, user: int) -> list[int]:
    """The segments user `user` belongs to (sorted); everyone is in segment 0, "All Users"."""
    draw = Draw(seed, _MEMBERSHIP, user)
    bound = MODEL.bound("User", user, "Segment")
    extra = draw.weighted(((0, 2), (1, 4), (2, 3), (3, 1)))
    chosen = {0} | {1 + draw.below(bound - 1) for _ in range(extra)}
    return [segment_id(index) for index in sorted(chosen)]


def tag_names(seed: int, user: int) -> list[str]:
    """The tags of user `user` (sorted); a quarter have none (Netmera's tagless capture)."""
    draw = Draw(seed, _TAGGING, user)
    bound = MODEL.bound("User", user, "Tag")
    count = draw.weighted(((0, 25), (1, 35), (2, 25), (3, 15)))
    return sorted({tag_name(draw.below(bound)) for _ in range(count)})


@cache  # one function per seed, so identity()'s cache recognises it
def _employer_of(seed: int) -> Employer:
    def employer(user: int) -> int | None:
        draw = Draw(seed, _EMPLOYER, user)
        if draw.chance(_NO_EMPLOYER):
            return None
        return draw.below(_EMPLOYERS.count(MODEL.users_for("User", user)))

    return employer


def _ms(seconds: int) -> int:
    return seconds * 1000


def user(seed: int, index: int) -> dict[str, Any]:
    person = identity(seed, PLATFORM, index, _employer_of(seed))
    draw = Draw(seed, _USER, index)
    created = created_at(seed, _USER, index)
    works_at = company(seed, PLATFORM, person.company_index) if person.company_index is not None else None
    inactive = draw.chance(INACTIVE) or index == 1  # user 1 is, so that even a small data set has one
    last_active = created + int((REFERENCE_EPOCH - created) * draw.uniform())
    if inactive:
        last_active = min(last_active, REFERENCE_EPOCH - 400 * 86400)
    owner = draw.below(12) if draw.chance(0.6) else None
    segments = segment_ids(seed, index)
    return {
        "extId": ext_id(seed, index),
        "email": person.email,
        "msisdn": person.phone,
        "wpNumbers": [person.phone_e164] if person.phone_e164 and draw.chance(0.3) else [],
        "name": person.first_name,
        "surname": person.last_name,
        "gender": person.gender.upper(),
        "dateOfBirth": _ms(int((person.birth_year - 1970) * 365.25 * 86400) + draw.below(365) * 86400),
        "country": person.country,
        "city": person.city,
        "language": person.language,
        "occupation": draw.pick(_OCCUPATIONS),
        "isSubscribed": not inactive and draw.chance(0.8),
        "externalSegments": ["crm-import"] if draw.chance(0.1) else [],
        "company": works_at.name if works_at else None,
        "companyDomain": works_at.domain if works_at else None,
        "owner": f"agent{owner + 1}@netmera-customer.example" if owner is not None else None,
        "tags": tag_names(seed, index),
        "segments": [segment_name(segment - SEGMENT_ID_BASE) for segment in segments],
        "categoryPreferences": {"campaigns": draw.chance(0.7), "news": draw.chance(0.5),
                                "transactional": True},
        "profile": {
            "loyaltyTier": draw.pick(_LOYALTY_TIERS),
            "lifetimeValue": round(draw.uniform() ** 3 * 25000, 2),
            "isPremium": draw.chance(0.15),
            "favouriteCategories": sorted(set(draw.sample(_CATEGORIES, draw.below(4)))),
            "lastPurchaseDate": _ms(between(draw, created, REFERENCE_EPOCH)) if draw.chance(0.6) else None,
            "lastActiveDate": _ms(last_active),
        },
    }


def installation_id(seed: int, user: int) -> str:
    return f"i{scramble40(seed, _STREAMS['Device'], user):010x}"


def device(seed: int, index: int) -> dict[str, Any]:
    """The installation of user `index` (the user with the same index)."""
    draw = Draw(seed, _STREAMS["Device"], index)
    platform = draw.weighted((("ANDROID", 52), ("IOS", 33), ("CHROME", 11), ("SAFARI", 4)))
    token_prefix = {"IOS": "apns", "ANDROID": "fcm"}.get(platform, "webpush")
    return {
        "extId": ext_id(seed, index),
        "platform": platform,
        "token": f"{token_prefix}-{draw.hex(32)}",
        "installationId": installation_id(seed, index),
        "deviceModel": draw.pick(_DEVICE_MODELS[platform]),
        "pushPermitted": draw.chance(0.75),
        "osVersion": draw.pick(_OS_VERSIONS[platform]),
        "appVersion": draw.pick(_APP_VERSIONS) if platform in ("IOS", "ANDROID") else None,
    }


def segment(seed: int, index: int) -> dict[str, Any]:
    draw = Draw(seed, _STREAMS["Segment"], index)
    return {
        "id": segment_id(index),
        "name": segment_name(index),
        "type": "STANDARD" if index == 0 else draw.pick(_SEGMENT_TYPES),
        "rule": "every user" if index == 0 else f"{draw.pick(EVENT_NAMES)} in last {draw.pick((7, 30, 90))} days",
    }


def tag(seed: int, index: int) -> dict[str, Any]:
    return {"name": tag_name(index)}


def notification_key(index: int) -> int:
    return NOTIFICATION_KEY_BASE + index


def campaign_channel(seed: int, index: int) -> str:
    """The channel of campaign `index`: every even-numbered campaign is a push; campaigns 1, 3
    and 5 (there from one user on) are the other channels in turn, later ones drawn."""
    if index % 2 == 0:
        return "Push"
    if index < 2 * len(_OTHER_CHANNELS):
        return _OTHER_CHANNELS[index // 2]
    point = unit(seed, _CHANNEL, index)
    return "In-App" if point < 0.4 else "SMS" if point < 0.7 else "Email"


def campaign(seed: int, index: int) -> dict[str, Any]:
    """A sent (or sending) notification; push stats only know those two states."""
    stream = _STREAMS["Campaign"]
    draw = Draw(seed, stream, index)
    channel = campaign_channel(seed, index)
    start = created_at(seed, stream, index)
    status = "SENDING" if draw.chance(0.05) or index == 1 else "FINISHED"  # campaign 1 is still sending
    stats = []
    for platform in ("ANDROID", "IOS") if channel in ("Push", "In-App") else (channel.upper(),):
        sent = draw.between(100, 100_000)
        failed = int(sent * draw.uniform() * 0.08)
        stats.append({"platform": platform, "sent": sent, "failed": failed,
                      "clicked": int((sent - failed) * draw.uniform() * 0.2)})
    segment_bound = MODEL.bound("Campaign", index, "Segment")
    creative = []
    if channel in ("Push", "In-App", "Email") and draw.chance(0.6):
        creative.append(_asset(draw, "image", f"campaign-{notification_key(index)}"))
    if channel == "In-App" and draw.chance(0.2):
        creative.append(_asset(draw, "video", f"campaign-{notification_key(index)}"))
    return {
        "notificationKey": notification_key(index),
        "status": status,
        "startDate": _ms(start),
        "endDate": _ms(start + draw.between(3600, 14 * 86400)) if status == "FINISHED" else None,
        "stats": stats,
        "name": f"{numbered(_CAMPAIGN_NAMES, index)} – {channel}",
        "channel": channel,
        "segmentNames": sorted({segment_name(draw.below(segment_bound)) for _ in range(draw.between(1, 3))}),
        "title": " ".join(draw.sample(LOREM, 4)).capitalize(),
        "text": " ".join(draw.sample(LOREM, 12)).capitalize() + ".",
        "creative": creative,
    }


def _asset(draw: Draw, kind: str, stem: str) -> dict[str, Any]:
    limit = IMAGE_LIMIT_BYTES if kind == "image" else VIDEO_LIMIT_BYTES
    if draw.chance(OVERSIZED_ASSET):
        size = limit + 1 + draw.below(limit)
    else:
        size = draw.between(limit // 50, limit)
    extension = "png" if kind == "image" else "mp4"
    return {"file": f"{stem}-{draw.hex(6)}.{extension}", "bytes": size, "kind": kind}


def push_result(seed: int, index: int) -> dict[str, Any]:
    """One recipient's result for a push campaign; a user's results are for distinct campaigns."""
    recipient, slot = divmod(index, PUSH_RESULTS_PER_USER)
    draw = Draw(seed, _STREAMS["PushResult"], index)
    pushes = (MODEL.bound("PushResult", index, "Campaign") + 1) // 2
    first = int(pushes * unit(seed, _STREAMS["PushResult"], recipient))
    sent = campaign(seed, 2 * ((first + slot) % pushes))
    installation = device(seed, recipient)
    failed = draw.chance(0.06)
    error_code, error_message = draw.pick(_PUSH_ERRORS) if failed else (None, None)
    sent_at = sent["startDate"] // 1000
    return {
        "notificationKey": sent["notificationKey"],
        "installationId": installation["installationId"],
        "extId": installation["extId"],
        "platform": installation["platform"],
        "status": "FAILED" if failed else "SUCCESS",
        "errorCode": error_code,
        "errorMsg": error_message,
        "timeStamp": _ms(between(draw, sent_at, sent_at + 3600)),
        "msgTitle": sent["title"],
        "msgText": sent["text"],
    }


def journey(seed: int, index: int) -> dict[str, Any]:
    draw = Draw(seed, _STREAMS["Journey"], index)
    segment_bound = MODEL.bound("Journey", index, "Segment")
    if draw.chance(0.5):
        entry = f"event {draw.pick(EVENT_NAMES)} happens"
    else:
        entry = f"user enters segment {segment_name(draw.below(segment_bound))!r}"
    steps = []
    for _ in range(draw.between(2, 7)):
        channel = draw.pick(("push", "email", "sms", "in-app", None))
        if channel is None:
            steps.append({"channel": None, "action": "wait", "wait": f"{draw.between(1, 72)}h"})
        else:
            steps.append({"channel": channel, "action": " ".join(draw.sample(LOREM, 3)), "wait": None})
    return {
        "id": 700 + index,
        "name": numbered(_JOURNEY_NAMES, index),
        "status": draw.weighted((("ACTIVE", 50), ("PAUSED", 20), ("DRAFT", 15), ("FINISHED", 15))),
        "entryConditions": entry,
        "steps": steps,
        "conversionEvent": draw.pick(HIGH_VALUE_EVENTS),
    }


def event(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Event"]
    draw = Draw(seed, stream, index)
    if draw.chance(ORPHAN_REFERENCE):
        owner = orphan_ext_id(seed, index)
        since = created_at(seed, _USER, 0)
    else:
        person = active_person(seed, PLATFORM, draw, MODEL.bound("Event", index, "User"), POWER_USER_EVENT_SHARE)
        owner = ext_id(seed, person)
        since = created_at(seed, _USER, person)
    name = draw.weighted((("app_open", 30), ("page_view", 25), ("search", 10), ("add_to_cart", 10),
                          ("push_open", 10), ("purchase", 8), ("share", 4), ("signup", 2), ("upgrade", 1)))
    attributes: dict[str, Any] = {"platform": draw.weighted((("ANDROID", 55), ("IOS", 35), ("CHROME", 10)))}
    if name == "purchase":
        attributes.update(revenue=round(draw.uniform() ** 2 * 900 + 5, 2),
                          currency=draw.pick(("TRY", "EUR", "USD")), productId=f"sku-{draw.digits(5)}")
    elif name == "page_view":
        attributes.update(page=f"/{draw.pick(('home', 'product', 'cart', 'campaigns', 'profile'))}")
    elif name == "search":
        attributes.update(query=draw.pick(("telefon", "ayakkabı", "kulaklık", "çanta", "laptop")))
    elif name == "add_to_cart":
        attributes.update(productId=f"sku-{draw.digits(5)}", quantity=draw.between(1, 4))
    elif name == "upgrade":
        attributes.update(plan=draw.pick(("plus", "premium")), revenue=draw.pick((99.0, 199.0, 499.0)))
    return {
        "id": f"e{scramble40(seed, stream, index):010x}",
        "extId": owner,
        "name": name,
        "timestamp": iso(between(draw, since, REFERENCE_EPOCH)),
        "attributes": attributes,
    }


def widget(seed: int, index: int) -> dict[str, Any]:
    draw = Draw(seed, _STREAMS["Widget"], index)
    kind = draw.pick(("pop-up", "banner", "tooltip", "full-screen", "in-app message"))
    assets = [_asset(draw, "image", f"widget-{index}") for _ in range(draw.between(0, 3))]
    if kind in ("pop-up", "full-screen") and draw.chance(0.35):
        assets.append(_asset(draw, "video", f"widget-{index}"))
    segment_bound = MODEL.bound("Widget", index, "Segment")
    audience = sorted({segment_name(draw.below(segment_bound)) for _ in range(draw.between(0, 2))})
    return {
        "id": 300 + index,
        "name": numbered(_WIDGET_NAMES, index),
        "type": kind,
        "content": " ".join(draw.sample(LOREM, 10)).capitalize(),
        "triggerConditions": f"on {draw.pick(EVENT_NAMES)} after {draw.pick((0, 5, 30))}s",
        "targeting": ", ".join(audience) if audience else "all users",
        "assets": assets,
    }


def survey(seed: int, index: int) -> dict[str, Any]:
    draw = Draw(seed, _STREAMS["Survey"], index)
    questions = [{"id": "q1", "text": "How likely are you to recommend us?", "format": "RATING_10"}]
    for number in range(2, draw.between(2, 5) + 1):
        questions.append({"id": f"q{number}", "text": " ".join(draw.sample(LOREM, 5)).capitalize() + "?",
                          "format": draw.pick(("RATING_5", "YES_NO", "TEXT"))})
    return {
        "id": 900 + index,
        "name": numbered(_SURVEY_NAMES, index),
        "questions": questions,
        "triggerConditions": f"after {draw.pick(EVENT_NAMES)}",
    }


def survey_response(seed: int, index: int) -> dict[str, Any]:
    """One answer sheet; served inside its survey's `responses`."""
    stream = _STREAMS["SurveyResponse"]
    draw = Draw(seed, stream, index)
    survey_index = draw.below(MODEL.bound("SurveyResponse", index, "Survey"))
    asked = survey(seed, survey_index)
    if draw.chance(ORPHAN_REFERENCE):
        respondent = orphan_ext_id(seed, index)
    else:
        respondent = ext_id(seed, draw.below(MODEL.bound("SurveyResponse", index, "User")))
    answers: dict[str, Any] = {}
    for question in asked["questions"]:
        if question["id"] != "q1" and draw.chance(0.15):
            continue  # optional question skipped
        answer_format = question["format"]
        if answer_format == "RATING_10":
            answers[question["id"]] = draw.between(0, 10)
        elif answer_format == "RATING_5":
            answers[question["id"]] = draw.between(1, 5)
        elif answer_format == "YES_NO":
            answers[question["id"]] = draw.pick(("yes", "no"))
        else:
            answers[question["id"]] = " ".join(draw.sample(LOREM, draw.between(2, 9)))
    opened = created_at(seed, _STREAMS["Survey"], survey_index)
    return {
        "id": f"r{scramble40(seed, stream, index):010x}",
        "surveyId": asked["id"],
        "extId": respondent,
        "answers": answers,
        "submittedAt": _ms(between(draw, opened, REFERENCE_EPOCH)),
    }


BUILDERS = {
    "User": user,
    "Device": device,
    "Segment": segment,
    "Tag": tag,
    "Campaign": campaign,
    "PushResult": push_result,
    "Journey": journey,
    "Event": event,
    "Widget": widget,
    "Survey": survey,
    "SurveyResponse": survey_response,
}
