"""Synthetic Netmera data: users with profile attributes and devices, segments, tags, campaigns,
journeys, events, widgets, surveys and survey responses.

Field names follow Netmera's own (`extId`, `msisdn`, `dateOfBirth`, epoch milliseconds for times)
where the REST API shows them; objects the API does not document (campaign definitions, journeys,
widgets, surveys) use the same camelCase style.
"""

from __future__ import annotations

from typing import Any

from migc.sandbox.synth.draw import Draw, scramble40, stream_key
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
from migc.sandbox.synth.timeline import between, created_at, iso, updated_at
from migc.sandbox.synth.vocabulary import LOREM

PLATFORM = "netmera"
MODEL = Model(
    platform=PLATFORM,
    user_object="User",
    growth={
        "User": Growth(per=1),
        "Segment": Growth(base=8, per=1, every=2000, cap=300),
        "Tag": Growth(base=12, per=1, every=5000, cap=400),
        "Campaign": Growth(base=6, per=1, every=200, cap=5000),
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
CHANNELS = ("PUSH", "IN_APP", "SMS", "EMAIL")
EVENT_NAMES = ("app_open", "page_view", "search", "add_to_cart", "purchase", "signup", "upgrade",
               "push_open", "share")
HIGH_VALUE_EVENTS = ("purchase", "signup", "upgrade")
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
                  "ANDROID": ("SM-G991B", "Pixel 8", "Redmi Note 12", "SM-A546E", "CPH2451")}
_OS_VERSIONS = {"IOS": ("16.7", "17.4", "17.5.1", "18.0"), "ANDROID": ("12", "13", "14")}
_APP_VERSIONS = ("4.2.0", "4.3.1", "4.4.0", "5.0.0", "5.0.2")
_LOYALTY_TIERS = ("bronze", "silver", "gold", "platinum")
_CATEGORIES = ("electronics", "fashion", "home", "beauty", "sports", "books", "toys")

_STREAMS = {name: stream_key(f"{PLATFORM}.{name}") for name in MODEL.growth}
_USER = _STREAMS["User"]
_MEMBERSHIP = stream_key("netmera.User.segments")
_EMPLOYER = stream_key("netmera.User.employer")


def ext_id(seed: int, index: int) -> str:
    """The extId of user `index`; indices from 2**39 on are used for users that do not exist."""
    return f"u{scramble40(seed, _USER, index):010x}"


def orphan_ext_id(seed: int, index: int) -> str:
    return ext_id(seed, (1 << 39) + index)


def segment_id(index: int) -> int:
    return SEGMENT_ID_BASE + index


def segment_ids(seed: int, user: int) -> list[int]:
    """The segments user `user` belongs to (sorted); everyone is in segment 0, "All Users"."""
    draw = Draw(seed, _MEMBERSHIP, user)
    bound = MODEL.bound("User", user, "Segment")
    chosen = {0} | {1 + draw.below(bound - 1) for _ in range(draw.weighted(((0, 2), (1, 4), (2, 3), (3, 1))))}
    return [segment_id(index) for index in sorted(chosen)]


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
    employer = _employer_of(seed)
    person = identity(seed, PLATFORM, index, employer)
    draw = Draw(seed, _USER, index)
    created = created_at(seed, _USER, index)
    updated = updated_at(draw, created)
    employer_index = person.company_index
    works_at = company(seed, PLATFORM, employer_index) if employer_index is not None else None
    inactive = draw.chance(INACTIVE)
    devices = []
    for position in range(draw.weighted(((0, 15), (1, 70), (2, 15)))):
        os = draw.weighted((("ANDROID", 60), ("IOS", 40)))
        devices.append({
            "platform": os,
            "token": f"{'apns' if os == 'IOS' else 'fcm'}-{draw.hex(32)}",
            "deviceModel": draw.pick(_DEVICE_MODELS[os]),
            "osVersion": draw.pick(_OS_VERSIONS[os]),
            "appVersion": draw.pick(_APP_VERSIONS),
            "pushPermitted": not inactive and draw.chance(0.8 if position == 0 else 0.5),
        })
    primary = devices[0] if devices else None
    tag_bound = MODEL.bound("User", index, "Tag")
    tag_count = draw.weighted(((0, 25), (1, 35), (2, 25), (3, 15)))
    last_active = created + int((REFERENCE_EPOCH - created) * draw.uniform())
    if inactive:
        last_active = min(last_active, REFERENCE_EPOCH - 400 * 86400)
    manager = draw.below(index) if index and draw.chance(0.6) else None
    return {
        "extId": ext_id(seed, index),
        "name": person.first_name,
        "surname": person.last_name,
        "email": person.email,
        "msisdn": person.phone,
        "gender": person.gender.upper(),
        "dateOfBirth": _ms(int((person.birth_year - 1970) * 365.25 * 86400) + draw.below(365) * 86400),
        "country": person.country,
        "city": person.city,
        "language": person.language,
        "company": works_at.name if works_at else None,
        "company_domain": works_at.domain if works_at else None,
        "tags": sorted({tag_name(draw.below(tag_bound)) for _ in range(tag_count)}),
        "segments": segment_ids(seed, index),
        "devices": devices,
        "os": primary["platform"] if primary else None,
        "os_version": primary["osVersion"] if primary else None,
        "app_version": primary["appVersion"] if primary else None,
        "device_model": primary["deviceModel"] if primary else None,
        "push_token": primary["token"] if primary else None,
        "emailPermitted": person.email is not None and not inactive and draw.chance(0.7),
        "smsPermitted": person.phone is not None and not inactive and draw.chance(0.5),
        "loyaltyTier": draw.pick(_LOYALTY_TIERS),
        "lifetimeValue": round(draw.uniform() ** 3 * 25000, 2),
        "isPremium": draw.chance(0.15),
        "favouriteCategories": sorted(set(draw.sample(_CATEGORIES, draw.below(4)))),
        "lastPurchaseDate": _ms(between(draw, created, REFERENCE_EPOCH)) if draw.chance(0.6) else None,
        "lastActiveDate": _ms(last_active),
        "accountManager": f"am{manager % 12 + 1}@netmera-customer.example" if manager is not None else None,
        "createdAt": _ms(created),
        "updatedAt": _ms(updated),
    }


def segment(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Segment"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    name = numbered(_SEGMENT_NAMES, index)
    return {
        "id": segment_id(index),
        "name": name,
        "type": "STANDARD" if index == 0 else draw.pick(_SEGMENT_TYPES),
        "status": "READY" if index == 0 else draw.weighted((("READY", 85), ("CALCULATING", 5), ("NOT_ACTIVE", 10))),
        "rule": "every user" if index == 0 else f"{draw.pick(EVENT_NAMES)} in last {draw.pick((7, 30, 90))} days",
        "createdAt": _ms(created),
        "updatedAt": _ms(updated_at(draw, created)),
    }


def tag(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Tag"]
    return {"name": tag_name(index), "createdAt": _ms(created_at(seed, stream, index))}


def notification_key(index: int) -> int:
    return NOTIFICATION_KEY_BASE + index


def campaign(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Campaign"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    channel = draw.weighted((("PUSH", 50), ("IN_APP", 20), ("SMS", 15), ("EMAIL", 15)))
    status = draw.weighted((("FINISHED", 75), ("SENDING", 5), ("SCHEDULED", 10), ("DRAFT", 10)))
    start = between(draw, created, REFERENCE_EPOCH)
    sent = draw.between(500, 200000) if status in ("FINISHED", "SENDING") else 0
    failed = int(sent * draw.uniform() * 0.08)
    delivered = sent - failed
    opened = int(delivered * draw.uniform() * 0.4)
    clicked = int(opened * draw.uniform() * 0.5)
    segment_bound = MODEL.bound("Campaign", index, "Segment")
    creative = []
    if channel in ("PUSH", "IN_APP", "EMAIL") and draw.chance(0.6):
        creative.append(_asset(draw, "image", f"campaign-{notification_key(index)}"))
    if channel == "IN_APP" and draw.chance(0.2):
        creative.append(_asset(draw, "video", f"campaign-{notification_key(index)}"))
    return {
        "notificationKey": notification_key(index),
        "name": f"{numbered(_CAMPAIGN_NAMES, index)} – {channel.lower().replace('_', '-')}",
        "channel": channel,
        "status": status,
        "startDate": _ms(start) if status != "DRAFT" else None,
        "endDate": _ms(start + draw.between(3600, 14 * 86400)) if status == "FINISHED" else None,
        "segmentIds": sorted({segment_id(draw.below(segment_bound)) for _ in range(draw.between(1, 3))}),
        "title": " ".join(draw.sample(LOREM, 4)).capitalize(),
        "message": " ".join(draw.sample(LOREM, 12)).capitalize() + ".",
        "creative": creative,
        "stats": {"sent": sent, "delivered": delivered, "failed": failed, "opened": opened,
                  "clicked": clicked, "converted": int(clicked * draw.uniform() * 0.3)},
        "createdAt": _ms(created),
        "updatedAt": _ms(updated_at(draw, created)),
    }


def _asset(draw: Draw, kind: str, stem: str) -> dict[str, Any]:
    limit = IMAGE_LIMIT_BYTES if kind == "image" else VIDEO_LIMIT_BYTES
    if draw.chance(OVERSIZED_ASSET):
        size = limit + 1 + draw.below(limit)
    else:
        size = draw.between(limit // 50, limit)
    extension, mime = (("png", "image/png") if kind == "image" else ("mp4", "video/mp4"))
    name = f"{stem}-{draw.hex(6)}.{extension}"
    return {"kind": kind, "fileName": name, "sizeBytes": size, "mimeType": mime,
            "url": f"https://cdn.netmera-web.example/assets/{name}"}


def journey(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Journey"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    segment_bound = MODEL.bound("Journey", index, "Segment")
    if draw.chance(0.5):
        entry = {"type": "EVENT", "event": draw.pick(EVENT_NAMES)}
    else:
        entry = {"type": "SEGMENT", "segmentId": segment_id(draw.below(segment_bound))}
    steps = []
    for order in range(draw.between(2, 7)):
        kind = draw.pick(("WAIT", "PUSH", "EMAIL", "SMS", "IN_APP", "CONDITION"))
        detail = {"WAIT": f"{draw.between(1, 72)}h", "CONDITION": f"if {draw.pick(EVENT_NAMES)}"}.get(
            kind, " ".join(draw.sample(LOREM, 3)))
        steps.append({"order": order + 1, "type": kind, "detail": detail})
    entered = draw.between(0, 50000)
    return {
        "id": 700 + index,
        "name": numbered(_JOURNEY_NAMES, index),
        "status": draw.weighted((("ACTIVE", 50), ("PAUSED", 20), ("DRAFT", 15), ("FINISHED", 15))),
        "entry": entry,
        "steps": steps,
        "conversionEvent": draw.pick(HIGH_VALUE_EVENTS),
        "enteredUsers": entered,
        # Netmera counts a conversion once per user per journey (setup docs): never above entries.
        "convertedUsers": int(entered * draw.uniform() * 0.2),
        "createdAt": _ms(created),
        "updatedAt": _ms(updated_at(draw, created)),
    }


def event(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Event"]
    draw = Draw(seed, stream, index)
    if draw.chance(ORPHAN_REFERENCE):
        owner = orphan_ext_id(seed, index)
        since = created_at(seed, _USER, 0)
    else:
        person = active_person(seed, PLATFORM, draw, MODEL.bound("Event", index, "User"),
                               POWER_USER_EVENT_SHARE)
        owner = ext_id(seed, person)
        since = created_at(seed, _USER, person)
    name = draw.weighted((("app_open", 30), ("page_view", 25), ("search", 10), ("add_to_cart", 10),
                          ("push_open", 10), ("purchase", 8), ("share", 4), ("signup", 2), ("upgrade", 1)))
    record: dict[str, Any] = {
        "eventId": f"e{scramble40(seed, stream, index):010x}",
        "extId": owner,
        "name": name,
        "timestamp": iso(between(draw, since, REFERENCE_EPOCH)),
        "platform": draw.weighted((("ANDROID", 55), ("IOS", 35), ("CHROME", 10))),
    }
    if name == "purchase":
        record.update(revenue=round(draw.uniform() ** 2 * 900 + 5, 2), currency=draw.pick(("TRY", "EUR", "USD")),
                      productId=f"sku-{draw.digits(5)}")
    elif name == "page_view":
        record.update(page=f"/{draw.pick(('home', 'product', 'cart', 'campaigns', 'profile'))}")
    elif name == "search":
        record.update(query=draw.pick(("telefon", "ayakkabı", "kulaklık", "çanta", "laptop")))
    elif name == "add_to_cart":
        record.update(productId=f"sku-{draw.digits(5)}", quantity=draw.between(1, 4))
    elif name == "upgrade":
        record.update(plan=draw.pick(("plus", "premium")), revenue=draw.pick((99.0, 199.0, 499.0)))
    return record


def widget(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Widget"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    kind = draw.pick(("POPUP", "BANNER", "TOOLTIP", "FULL_SCREEN", "SURVEY"))
    assets = [_asset(draw, "image", f"widget-{index}") for _ in range(draw.between(0, 3))]
    if kind in ("POPUP", "FULL_SCREEN") and draw.chance(0.35):
        assets.append(_asset(draw, "video", f"widget-{index}"))
    segment_bound = MODEL.bound("Widget", index, "Segment")
    campaign_bound = MODEL.bound("Widget", index, "Campaign")
    return {
        "id": 300 + index,
        "name": numbered(_WIDGET_NAMES, index),
        "type": kind,
        "content": " ".join(draw.sample(LOREM, 10)).capitalize(),
        "trigger": {"event": draw.pick(EVENT_NAMES), "delaySeconds": draw.pick((0, 5, 30))},
        "segmentIds": sorted({segment_id(draw.below(segment_bound)) for _ in range(draw.between(0, 2))}),
        "campaignKey": notification_key(draw.below(campaign_bound)) if draw.chance(0.5) else None,
        "assets": assets,
        "createdAt": _ms(created),
        "updatedAt": _ms(updated_at(draw, created)),
    }


def survey(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Survey"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    questions = [{"id": "q1", "type": "RATING_10", "text": "How likely are you to recommend us?"}]
    for number in range(2, draw.between(2, 5) + 1):
        kind = draw.pick(("RATING_5", "SINGLE_CHOICE", "TEXT"))
        question: dict[str, Any] = {"id": f"q{number}", "type": kind,
                                    "text": " ".join(draw.sample(LOREM, 5)).capitalize() + "?"}
        if kind == "SINGLE_CHOICE":
            question["options"] = ["Yes", "No", "Not sure"]
        questions.append(question)
    return {
        "id": 900 + index,
        "name": numbered(_SURVEY_NAMES, index),
        "status": draw.weighted((("ACTIVE", 60), ("CLOSED", 40))),
        "questions": questions,
        "trigger": {"event": draw.pick(EVENT_NAMES)},
        "createdAt": _ms(created),
        "updatedAt": _ms(updated_at(draw, created)),
    }


def survey_response(seed: int, index: int) -> dict[str, Any]:
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
        kind = question["type"]
        if kind == "RATING_10":
            answers[question["id"]] = draw.between(0, 10)
        elif kind == "RATING_5":
            answers[question["id"]] = draw.between(1, 5)
        elif kind == "SINGLE_CHOICE":
            answers[question["id"]] = draw.pick(question["options"])
        else:
            answers[question["id"]] = " ".join(draw.sample(LOREM, draw.between(2, 9)))
    return {
        "id": f"r{scramble40(seed, stream, index):010x}",
        "surveyId": asked["id"],
        "extId": respondent,
        "submittedAt": _ms(between(draw, asked["createdAt"] // 1000, REFERENCE_EPOCH)),
        "answers": answers,
    }


BUILDERS = {
    "User": user,
    "Segment": segment,
    "Tag": tag,
    "Campaign": campaign,
    "Journey": journey,
    "Event": event,
    "Widget": widget,
    "Survey": survey,
    "SurveyResponse": survey_response,
}
