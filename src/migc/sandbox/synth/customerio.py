"""Synthetic Customer.io data: people with traits, anonymous profiles, company (and subscription)
objects with their relationships, custom events, segments, campaigns, broadcasts, transactional
messages and deliveries.

Shapes follow the App API's schemas (customer_identifiers, object identifiers, delivery metrics as
unix timestamps, `deduplicate_id` = "<id>:<updated>"); all times are unix seconds. Trait values
keep their JSON types here; the sandbox returns scalar attributes as strings, as the API does.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from migc.sandbox.synth.draw import Draw, scramble40, stream_key, unit, unscramble40
from migc.sandbox.synth.hardcases import INACTIVE, ORPHAN_REFERENCE, POWER_USER_EVENT_SHARE, REFERENCE_EPOCH
from migc.sandbox.synth.labels import numbered
from migc.sandbox.synth.people import Employer, active_person, company, identity
from migc.sandbox.synth.population import Growth, Model
from migc.sandbox.synth.timeline import between, created_at, updated_at
from migc.sandbox.synth.vocabulary import LOREM

PLATFORM = "customerio"
MODEL = Model(
    platform=PLATFORM,
    user_object="Person",
    growth={
        "Person": Growth(per=1),
        "AnonymousProfile": Growth(per=3, every=10),
        "Object": Growth(base=3, per=1, every=20),
        # One relationship per person (to their company, else to a subscription object).
        "Relationship": Growth(per=1),
        "Event": Growth(per=15),
        "Segment": Growth(base=6, per=1, every=5000, cap=200),
        "Campaign": Growth(base=4, per=1, every=2000, cap=500),
        "Broadcast": Growth(base=2, per=1, every=10000, cap=100),
        "TransactionalMessage": Growth(base=3, per=1, every=20000, cap=60),
        "Delivery": Growth(per=6),
    },
)
COMPANY_TYPE = 1
SUBSCRIPTION_TYPE = 2
OBJECT_TYPES = {COMPANY_TYPE: "Companies", SUBSCRIPTION_TYPE: "Subscriptions"}
LIFECYCLE_STAGES = ("lead", "mql", "sql", "opportunity", "customer", "churned")
EVENT_NAMES = ("Signed Up", "Viewed Product", "Added to Cart", "Order Completed", "Plan Upgraded",
               "Feature Used", "Invited Teammate", "Support Ticket Opened")
_NO_COMPANY = 0.3
_SMS_ACTIONS = 0.4
_SEGMENT_NAMES = ("Active customers", "Trial users", "Churn risk", "Newsletter", "EU residents",
                  "High intent", "Dormant 60 days", "Enterprise accounts")
_CAMPAIGN_NAMES = ("Onboarding drip", "Trial expiring", "Win-back", "Feature adoption",
                   "Renewal reminder", "Abandoned cart")
_BROADCAST_NAMES = ("Product launch", "Maintenance notice", "Quarterly newsletter", "Price change")
_TRANSACTIONAL_NAMES = ("Password reset", "Receipt", "Email verification", "Invoice ready",
                        "Magic link login")
_PLANS = ("free", "starter", "pro", "enterprise")

_STREAMS = {name: stream_key(f"{PLATFORM}.{name}") for name in MODEL.growth}
_PERSON = _STREAMS["Person"]
_CIO_ID = stream_key("customerio.cio_id")
_OBJECT_TYPE = stream_key("customerio.Object.type")
_EMPLOYER = stream_key("customerio.Person.employer")
_MEMBERSHIP = stream_key("customerio.Person.segments")
_HAS_SMS = stream_key("customerio.action.sms")
_ANONYMOUS_OFFSET = 1 << 38  # cio_ids of anonymous profiles live above those of people
_ORPHAN_OFFSET = 1 << 39  # indices from here on name records that do not exist
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def person_id(seed: int, index: int) -> str:
    return f"cust_{scramble40(seed, _PERSON, index):010x}"


def person_cio_id(seed: int, index: int) -> str:
    return f"{scramble40(seed, _CIO_ID, index):010x}"


def anonymous_cio_id(seed: int, index: int) -> str:
    return person_cio_id(seed, _ANONYMOUS_OFFSET + index)


def profile_index(seed: int, cio_id: str) -> tuple[str, int] | None:
    """("Person" or "AnonymousProfile", index) of the profile with this cio_id, if it can be ours."""
    try:
        value = int(cio_id, 16)
    except ValueError:
        return None
    if len(cio_id) != 10:
        return None
    index = unscramble40(seed, _CIO_ID, value)
    if index < _ANONYMOUS_OFFSET:
        return "Person", index
    if index < _ORPHAN_OFFSET:
        return "AnonymousProfile", index - _ANONYMOUS_OFFSET
    return None


def person_index(seed: int, identifier: str) -> int | None:
    """The index of the person whose `id` is `identifier`, if it can be ours."""
    if not identifier.startswith("cust_") or len(identifier) != 15:
        return None
    try:
        index = unscramble40(seed, _PERSON, int(identifier[5:], 16))
    except ValueError:
        return None
    return index if index < _ORPHAN_OFFSET else None


def anonymous_id(seed: int, index: int) -> str:
    value = scramble40(seed, _STREAMS["AnonymousProfile"], index)
    return f"anon-{value:010x}-{value % 9973:04d}"


def object_type(seed: int, index: int) -> int:
    """The type of custom object `index`: mostly companies; object 0 always is one and object 1
    a subscription (both exist from one user on), so every data set holds both types."""
    if index == 1:
        return SUBSCRIPTION_TYPE
    if index == 0 or unit(seed, _OBJECT_TYPE, index) < 0.85:
        return COMPANY_TYPE
    return SUBSCRIPTION_TYPE


def object_id(seed: int, index: int) -> str:
    prefix = "co" if object_type(seed, index) == COMPANY_TYPE else "sub"
    return f"{prefix}_{scramble40(seed, _STREAMS['Object'], index):08x}"


def segment_id(index: int) -> int:
    return 1 + index


def campaign_id(index: int) -> int:
    return 1 + index


def broadcast_id(index: int) -> int:
    return 100 + index


def transactional_id(index: int) -> int:
    return 1 + index


def action_id(parent_stream: int, parent: int, slot: int) -> int:
    """Action `slot` of a campaign or broadcast: slot 0 is its email, slot 1 its SMS if it has one."""
    return 1000 * (parent + 1) + 100 * (parent_stream % 7) + slot


def has_sms(seed: int, parent_stream: int, parent: int) -> bool:
    return unit(seed, _HAS_SMS ^ parent_stream, parent) < _SMS_ACTIONS


@cache  # one function per seed, so identity()'s cache recognises it
def _employer_of(seed: int) -> Employer:
    def employer(index: int) -> int | None:
        draw = Draw(seed, _EMPLOYER, index)
        if draw.chance(_NO_COMPANY):
            return None
        candidate = draw.below(MODEL.bound("Person", index, "Object"))
        while object_type(seed, candidate) != COMPANY_TYPE:
            candidate -= 1
        return candidate

    return employer


def segment_ids(seed: int, index: int) -> list[int]:
    """The segments person `index` is a member of (sorted)."""
    draw = Draw(seed, _MEMBERSHIP, index)
    bound = MODEL.bound("Person", index, "Segment")
    count = draw.weighted(((0, 20), (1, 40), (2, 30), (3, 10)))
    return sorted({segment_id(draw.below(bound)) for _ in range(count)})


def _ulid(draw: Draw, epoch_seconds: int) -> str:
    value = (epoch_seconds * 1000 + draw.below(1000)) << 80 | draw.below(1 << 80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def person(seed: int, index: int) -> dict[str, Any]:
    who = identity(seed, PLATFORM, index, _employer_of(seed))
    draw = Draw(seed, _PERSON, index)
    created = created_at(seed, _PERSON, index)
    updated = updated_at(draw, created)
    employer = who.company_index
    works_at = company(seed, PLATFORM, employer) if employer is not None else None
    # The first six people are at each stage in turn: a small workspace still has all of them.
    stage = draw.spread(index, tuple(zip(LIFECYCLE_STAGES, (30, 15, 10, 8, 30, 7), strict=True)))
    if works_at is None and stage in ("sql", "opportunity"):
        stage = "lead"  # qualification comes with an account
    devices = []
    if draw.chance(0.35):
        platform = draw.pick(("ios", "android"))
        devices.append({
            "id": draw.hex(64) if platform == "ios" else f"{draw.hex(22)}:APA91b{draw.hex(40)}",
            "platform": platform,
            "last_used": between(draw, created, REFERENCE_EPOCH),
            "attributes": {"device_os": "17.4" if platform == "ios" else "14",
                           "device_model": draw.pick(("iPhone15,2", "Pixel 8", "SM-S911B")),
                           "app_version": draw.pick(("3.1.0", "3.2.4", "4.0.0")),
                           "push_enabled": draw.pick(("true", "false"))},
        })
    return {
        "cio_id": person_cio_id(seed, index),
        "id": person_id(seed, index),
        "email": who.email,
        "phone": who.phone,
        "anonymous_id": None,
        "created_at": created,
        "unsubscribed": draw.chance(INACTIVE),
        "cio_subscription_preferences": {"topics": {"topic_1": draw.chance(0.6), "topic_2": draw.chance(0.3)}},
        "first_name": who.first_name,
        "last_name": who.last_name,
        "lifecycle_stage": stage,
        "company": works_at.name if works_at else None,
        "country": who.country,
        "segments": segment_ids(seed, index),
        "devices": devices,
        "attributes": {
            "city": who.city,
            "language": who.language,
            "timezone": who.timezone,
            "plan": draw.pick(_PLANS) if stage in ("customer", "churned") else "free",
            "company_id": object_id(seed, employer) if employer is not None else None,
            "job_title": draw.pick(("CEO", "CTO", "Head of Growth", "Marketing Manager", "Developer",
                                    "Product Manager", None)),
            "signup_source": draw.pick(("organic", "google_ads", "referral", "linkedin", "import")),
            "interests": sorted(set(draw.sample(("analytics", "email", "sms", "push", "api", "crm"), draw.below(4)))),
            "preferences": {"newsletter": draw.chance(0.6), "frequency": draw.pick(("daily", "weekly", "monthly"))},
            "updated_at": updated,
        },
    }


def anonymous_profile(seed: int, index: int) -> dict[str, Any]:
    """A profile known only by its anonymous_id (no id, no email): a Lead candidate."""
    stream = _STREAMS["AnonymousProfile"]
    draw = Draw(seed, stream, index)
    first_seen = created_at(seed, stream, index)
    return {
        "cio_id": anonymous_cio_id(seed, index),
        "id": None,
        "email": None,
        "phone": None,
        "anonymous_id": anonymous_id(seed, index),
        "created_at": first_seen,
        "unsubscribed": False,
        "cio_subscription_preferences": None,
        "first_name": None,
        "last_name": None,
        "lifecycle_stage": None,
        "company": None,
        "country": draw.pick(("US", "GB", "DE", "BR", None)),
        "segments": [],
        "devices": [],
        "attributes": {
            "utm_source": draw.pick(("google", "facebook", "newsletter", "direct", None)),
            "landing_page": draw.pick(("/", "/pricing", "/blog/what-is-crm", "/signup", "/features/sms")),
            "last_seen": between(draw, first_seen, REFERENCE_EPOCH),
            "updated_at": updated_at(draw, first_seen),
        },
    }


def object_cio_id(seed: int, index: int) -> str:
    return f"o{scramble40(seed, _STREAMS['Object'] ^ 1, index):010x}"


def custom_object(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Object"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    kind = object_type(seed, index)
    if kind == COMPANY_TYPE:
        firm = company(seed, PLATFORM, index)
        name, domain = firm.name, firm.domain
        attributes: dict[str, Any] = {"industry": firm.industry, "employee_count": firm.employees,
                                      "country": firm.country, "mrr": round(draw.uniform() ** 2 * 20000, 2),
                                      "plan": draw.pick(_PLANS)}
    else:
        name, domain = f"{draw.pick(_PLANS).title()} subscription", None
        attributes = {"status": draw.weighted((("active", 70), ("past_due", 10), ("canceled", 20))),
                      "seats": draw.between(1, 250),
                      "renews_on": between(draw, REFERENCE_EPOCH, REFERENCE_EPOCH + 365 * 86400)}
    attributes.update(created_at=created, updated_at=updated_at(draw, created))
    return {
        "cio_object_id": object_cio_id(seed, index),
        "object_type_id": kind,
        "object_id": object_id(seed, index),
        "name": name,
        "domain": domain,
        "attributes": attributes,
    }


def relationship(seed: int, index: int) -> dict[str, Any]:
    """Person `index` and the object they relate to: their company, else a subscription."""
    stream = _STREAMS["Relationship"]
    draw = Draw(seed, stream, index)
    employer = _employer_of(seed)(index)
    if draw.chance(ORPHAN_REFERENCE):
        related, role = _ORPHAN_OFFSET + index, "member"
        kind, related_id = COMPANY_TYPE, f"co_deleted_{index}"
    else:
        if employer is not None:
            related, role = employer, draw.pick(("admin", "member", "billing", "owner"))
        else:
            # The nearest subscription at or below a drawn object (object 1 always is one).
            related = max(1, draw.below(MODEL.bound("Relationship", index, "Object")))
            while object_type(seed, related) != SUBSCRIPTION_TYPE:
                related -= 1
            role = "subscriber"
        kind, related_id = object_type(seed, related), object_id(seed, related)
    person = person_cio_id(seed, index)
    return {
        "id": f"{person}:{kind}:{related_id}",
        "person": person,
        "object": object_cio_id(seed, related),
        "object_type_id": kind,
        "object_id": related_id,
        "attributes": {"role": role, "created_at": created_at(seed, stream, index)},
    }


def event(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Event"]
    draw = Draw(seed, stream, index)
    name = draw.weighted(tuple(zip(EVENT_NAMES, (3, 35, 15, 12, 3, 25, 4, 3), strict=True)))
    customer: str | None
    anonymous: str | None = None
    identifiers: dict[str, Any] | None
    profiles = MODEL.bound("Event", index, "AnonymousProfile")
    if draw.chance(0.05) and profiles:
        profile = draw.below(profiles)
        customer, anonymous = None, anonymous_id(seed, profile)
        identifiers = {"email": None, "id": None, "cio_id": anonymous_cio_id(seed, profile)}
        since = created_at(seed, _STREAMS["AnonymousProfile"], profile)
    elif draw.chance(ORPHAN_REFERENCE):
        customer, since = person_id(seed, _ORPHAN_OFFSET + index), created_at(seed, _PERSON, 0)
        identifiers = {"email": None, "id": customer, "cio_id": person_cio_id(seed, _ORPHAN_OFFSET + index)}
    else:
        who = active_person(seed, PLATFORM, draw, MODEL.bound("Event", index, "Person"), POWER_USER_EVENT_SHARE)
        customer, since = person_id(seed, who), created_at(seed, _PERSON, who)
        identifiers = {"email": identity(seed, PLATFORM, who, _employer_of(seed)).email, "id": customer,
                       "cio_id": person_cio_id(seed, who)}
    timestamp = between(draw, since, REFERENCE_EPOCH)
    data: dict[str, Any] = {}
    if name == "Order Completed":
        data = {"order_id": f"ord_{draw.digits(7)}", "total": round(draw.uniform() ** 2 * 800 + 9, 2),
                "currency": draw.pick(("USD", "EUR", "GBP")), "items": draw.between(1, 6)}
    elif name == "Viewed Product":
        data = {"product_id": f"p_{draw.digits(4)}", "category": draw.pick(("shoes", "bags", "apps"))}
    elif name == "Plan Upgraded":
        data = {"from": "starter", "to": draw.pick(("pro", "enterprise"))}
    elif name == "Feature Used":
        data = {"feature": draw.pick(("export", "dashboards", "api", "sms", "segments"))}
    return {
        "id": _ulid(draw, timestamp),
        "type": "event",
        "name": name,
        "timestamp": timestamp,
        "customer_id": customer,
        "customer_identifiers": identifiers,
        "delivery_id": None,
        "delivery_type": None,
        "anonymous_id": anonymous,
        "data": data,
    }


def segment(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Segment"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    updated = updated_at(draw, created)
    kind = draw.weighted((("dynamic", 80), ("manual", 20)))
    return {
        "id": segment_id(index),
        "deduplicate_id": f"{segment_id(index)}:{updated}",
        "name": numbered(_SEGMENT_NAMES, index),
        "description": f"{draw.pick(EVENT_NAMES)} in the last {draw.pick((7, 30, 90))} days"
        if kind == "dynamic" else "Uploaded list",
        "state": "finished",
        "progress": None,
        "type": kind,
        "tags": draw.pick((None, ["lifecycle"], ["marketing", "q3"])),
        "created_at": created,
        "updated_at": updated,
    }


def _actions(seed: int, stream: int, parent: int, draw: Draw) -> list[dict[str, Any]]:
    actions = [{"type": "email", "id": action_id(stream, parent, 0)}]
    if has_sms(seed, stream, parent):
        actions.append({"type": "twilio", "id": action_id(stream, parent, 1)})
    for slot in range(2, 2 + draw.below(3)):
        actions.append({"type": draw.pick(("delay", "webhook", "push", "attribute_update")),
                        "id": action_id(stream, parent, slot)})
    return actions


def campaign(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Campaign"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    updated = updated_at(draw, created)
    state = draw.weighted((("running", 60), ("draft", 15), ("stopped", 25)))
    segments = MODEL.bound("Campaign", index, "Segment")
    event_triggered = draw.chance(0.4)
    return {
        "id": campaign_id(index),
        "deduplicate_id": f"{campaign_id(index)}:{updated}",
        "name": numbered(_CAMPAIGN_NAMES, index),
        "description": " ".join(draw.sample(LOREM, 6)).capitalize(),
        "created": created,
        "updated": updated,
        "active": state == "running",
        "state": state,
        "actions": _actions(seed, stream, index, draw),
        "first_started": between(draw, created, updated) if state != "draft" else None,
        "tags": sorted(set(draw.sample(("onboarding", "retention", "sales", "product"), draw.below(3)))),
        "trigger_segment_ids": [] if event_triggered else [segment_id(draw.below(segments))],
        "filter_segment_ids": sorted({segment_id(draw.below(segments)) for _ in range(draw.below(2))}),
        "event_name": draw.pick(EVENT_NAMES) if event_triggered else None,
    }


def broadcast(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Broadcast"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    updated = updated_at(draw, created)
    state = draw.weighted((("sent", 70), ("draft", 20), ("running", 10)))
    return {
        "id": broadcast_id(index),
        "deduplicate_id": f"{broadcast_id(index)}:{updated}",
        "name": numbered(_BROADCAST_NAMES, index),
        "type": "triggered_broadcast",
        "created": created,
        "updated": updated,
        "active": state == "running",
        "state": state,
        "actions": _actions(seed, stream, index, draw),
        "tags": None,
        "first_started": between(draw, created, updated) if state != "draft" else None,
        "created_by": f"marketing{draw.between(1, 4)}@customer.example",
        "segment_id": segment_id(draw.below(MODEL.bound("Broadcast", index, "Segment"))),
        "subject": " ".join(draw.sample(LOREM, 5)).capitalize(),
        "body": "<p>" + " ".join(draw.sample(LOREM, 20)).capitalize() + ".</p>",
    }


def transactional_message(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["TransactionalMessage"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    name = numbered(_TRANSACTIONAL_NAMES, index)
    return {
        "id": transactional_id(index),
        "name": name,
        "description": f"Sent by the app: {name.lower()}",
        "send_to_unsubscribed": True,
        "link_tracking": draw.chance(0.5),
        "open_tracking": draw.chance(0.7),
        "queue_drafts": False,
        "subject": f"{name} for {{{{customer.first_name}}}}",
        "body": "<p>Hi {{customer.first_name}}, " + " ".join(draw.sample(LOREM, 12)) + ".</p>",
        "created_at": created,
        "updated_at": updated_at(draw, created),
    }


def delivery(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Delivery"]
    draw = Draw(seed, stream, index)
    orphan = draw.chance(ORPHAN_REFERENCE)
    if orphan:
        who = _ORPHAN_OFFSET + index
    else:
        who = active_person(seed, PLATFORM, draw, MODEL.bound("Delivery", index, "Person"), POWER_USER_EVENT_SHARE)
    recipient = identity(seed, PLATFORM, who, _employer_of(seed)) if not orphan else None
    parent = draw.weighted((("campaign", 60), ("broadcast", 15), ("transactional", 25)))
    campaign_ref = broadcast_ref = transactional_ref = None
    if parent == "campaign":
        campaign_ref = draw.below(MODEL.bound("Delivery", index, "Campaign"))
        parent_stream, parent_index = _STREAMS["Campaign"], campaign_ref
    elif parent == "broadcast":
        broadcast_ref = draw.below(MODEL.bound("Delivery", index, "Broadcast"))
        parent_stream, parent_index = _STREAMS["Broadcast"], broadcast_ref
    else:
        transactional_ref = draw.below(MODEL.bound("Delivery", index, "TransactionalMessage"))
        parent_stream, parent_index = _STREAMS["TransactionalMessage"], transactional_ref
    email = recipient.email if recipient else None
    phone = recipient.phone_e164 if recipient else None
    sms_possible = phone is not None and (parent == "transactional" or has_sms(seed, parent_stream, parent_index))
    # Mostly email; SMS where the parent has an SMS action and the person a phone (or no email).
    kind = "twilio" if sms_possible and (email is None or draw.chance(0.2)) else "email"
    address = phone if kind == "twilio" else email
    since = created_at(seed, _PERSON, who if not orphan else 0)
    created = between(draw, since, REFERENCE_EPOCH)
    outcome = draw.weighted((("delivered", 80), ("bounced", 6), ("failed", 3), ("undeliverable", 4), ("opened", 7)))
    metrics: dict[str, int] = {"sent": created + draw.between(1, 120)}
    if outcome in ("delivered", "opened"):
        metrics["delivered"] = metrics["sent"] + draw.between(1, 60)
        if (outcome == "opened" or draw.chance(0.35)) and kind == "email":
            metrics["opened"] = metrics["delivered"] + draw.between(60, 86400)
            if draw.chance(0.3):
                metrics["clicked"] = metrics["opened"] + draw.between(5, 600)
    else:
        metrics[outcome] = metrics["sent"] + draw.between(1, 60)
    forgotten = orphan and draw.chance(0.5)
    return {
        "id": f"dlv{scramble40(seed, stream, index):010x}",
        "deduplicate_id": f"dlv{scramble40(seed, stream, index):010x}:{created}",
        "customer_id": None if forgotten else person_id(seed, who),
        "customer_identifiers": {
            "id": None if forgotten else person_id(seed, who),
            "email": recipient.email if recipient else None,
            "cio_id": person_cio_id(seed, who) if recipient else None,
        },
        "recipient": address,
        "subject": " ".join(draw.sample(LOREM, 5)).capitalize() if kind == "email" else None,
        "metrics": metrics,
        "created": created,
        "failure_message": "Mailbox unavailable" if outcome in ("bounced", "failed") else None,
        "campaign_id": campaign_id(campaign_ref) if campaign_ref is not None else None,
        "broadcast_id": broadcast_id(broadcast_ref) if broadcast_ref is not None else None,
        "newsletter_id": None,
        "transactional_message_id": transactional_id(transactional_ref) if transactional_ref is not None else None,
        "action_id": action_id(parent_stream, parent_index, 1 if kind == "twilio" else 0)
        if parent != "transactional" else None,
        "parent_action_id": None,
        "content_id": None,
        "trigger_event_id": None,
        "type": kind,
        "forgotten": forgotten,
    }


BUILDERS = {
    "Person": person,
    "AnonymousProfile": anonymous_profile,
    "Object": custom_object,
    "Relationship": relationship,
    "Event": event,
    "Segment": segment,
    "Campaign": campaign,
    "Broadcast": broadcast,
    "TransactionalMessage": transactional_message,
    "Delivery": delivery,
}
