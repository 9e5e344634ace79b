"""Synthetic Actimo data: employees (contacts) with managers and workspaces, groups and their posts,
messages and per-contact message analytics, learning paths and enrollments, pulse surveys and
responses, tasks, attachments, flows and integrations.

Field names follow the contact fields Actimo's API shows (`first_name`, `msisdn`, `country_code`,
`phone_number`, `dataN` custom fields); the rest use the same snake_case style. Times are ISO 8601.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from migc.sandbox.synth.draw import Draw, stream_key, unit
from migc.sandbox.synth.hardcases import INACTIVE, ORPHAN_REFERENCE, REFERENCE_EPOCH
from migc.sandbox.synth.labels import numbered
from migc.sandbox.synth.people import Employer, company, identity
from migc.sandbox.synth.population import Growth, Model
from migc.sandbox.synth.timeline import between, created_at, iso, updated_at
from migc.sandbox.synth.vocabulary import COUNTRIES, LOREM

PLATFORM = "actimo"
# Per-employee rows: each employee's rows cover distinct messages / paths / surveys.
ANALYTICS_PER_USER = 6
ENROLLMENTS_PER_USER = 2
RESPONSES_PER_USER = 2
MODEL = Model(
    platform=PLATFORM,
    user_object="User",
    growth={
        "User": Growth(per=1),
        "Workspace": Growth(base=2, per=1, every=500, cap=200),
        "Group": Growth(base=4, per=1, every=50, cap=2000),
        "GroupPost": Growth(per=1, every=2),
        "Message": Growth(base=10, per=1, every=20, cap=20000),
        "MessageAnalytics": Growth(per=ANALYTICS_PER_USER),
        "LearningPath": Growth(base=3, per=1, every=200, cap=300),
        "LearningEnrollment": Growth(per=ENROLLMENTS_PER_USER),
        "PulseSurvey": Growth(base=2, per=1, every=300, cap=500),
        "SurveyResponse": Growth(per=RESPONSES_PER_USER),
        "Task": Growth(per=1),
        "Attachment": Growth(base=5, per=1, every=5),
        "Flow": Growth(base=3, per=1, every=1000, cap=100),
        "Integration": Growth(base=2, per=1, every=20000, cap=12),
    },
)
# Every MANAGER_EVERY-th employee has the engagement role "manager"; the others report to one.
MANAGER_EVERY = 12
ENROLLMENT_STATUSES = ("Not Started", "In Progress", "Completed")
# Tasks are read from the UI export, which writes the display labels (the same words as learning
# progress); a few tasks were cancelled, a status the agreed mapping does not list. The first
# tasks take each status and priority in turn (`Draw.spread`), so a small data set has them all.
TASK_STATUSES = (("Not Started", 30), ("In Progress", 20), ("Completed", 47), ("Cancelled", 3))
TASK_PRIORITIES = (("Low", 30), ("Normal", 55), ("High", 15))
# Files hang off messages, learning paths, tasks and group posts; the first attachments take the
# parent types in turn (a group post where none exists yet at one user: a message instead).
ATTACHMENT_PARENTS = (("Message", 45), ("LearningPath", 20), ("Task", 20), ("GroupPost", 15))
# Attachment LARGE_VIDEO is a recorded town hall above the CRMs' attachment limits (100 MB in Zoho).
LARGE_VIDEO = 4
_DEPARTMENTS = ("Sales", "Operations", "Warehouse", "HR", "Finance", "IT", "Customer Service",
                "Marketing", "Store")
_TITLES = ("Associate", "Specialist", "Coordinator", "Team Lead", "Driver", "Cashier",
           "Consultant", "Engineer", "Analyst")
_WORKSPACES = ("Headquarters", "Stores Jutland", "Stores Zealand", "Logistics", "Sweden",
               "Poland operations", "Field service")
_GROUPS = ("All employees", "Store managers", "Warehouse team", "Drivers", "New joiners",
           "Social club", "Safety reps", "Denmark", "Sweden", "Night shift")
_LEARNING_PATHS = ("Onboarding basics", "Food safety", "GDPR for everyone", "Forklift license",
                   "Customer first", "Leadership 101")
_SURVEYS = ("Weekly pulse", "eNPS Q1", "Workplace safety check", "Manager feedback")
_FLOWS = ("New hire onboarding", "Birthday greeting", "Safety training reminder",
          "Survey follow-up")
_INTEGRATIONS = (("Workday", "HRIS"), ("Azure AD", "SSO"), ("Danløn", "payroll"),
                 ("SAP SuccessFactors", "HRIS"), ("SFTP employee file", "SFTP"))

_STREAMS = {name: stream_key(f"{PLATFORM}.{name}") for name in MODEL.growth}
_USER = _STREAMS["User"]
_CONTACT_ID = stream_key("actimo.User.id")
_EMPLOYER = stream_key("actimo.User.employer")
_GROUPS_OF = stream_key("actimo.User.groups")
_WORKSPACE_OF = stream_key("actimo.User.workspace")
_ORGANISATIONS = 3  # the customer's legal entities employees belong to


def contact_id(seed: int, index: int) -> int:
    """Actimo's id of contact `index`: increasing with gaps, as deleted contacts leave them."""
    return 1_000_000 + 3 * index + int(3 * unit(seed, _CONTACT_ID, index))


def orphan_contact_id(seed: int, index: int) -> int:
    """An id in the same range that no contact has (its slot was a deleted contact's)."""
    taken = contact_id(seed, index)
    return taken + 1 if (taken - 1_000_000) % 3 < 2 else taken - 1


def workspace_id(index: int) -> int:
    return 10 + index


def group_id(index: int) -> int:
    return 500 + index


def message_id(index: int) -> int:
    return 40_000 + index


def learning_path_id(index: int) -> int:
    return 7_000 + index


def survey_id(index: int) -> int:
    return 8_000 + index


def task_id(index: int) -> int:
    return 200_000 + index


def group_post_id(index: int) -> int:
    return 900_000 + index


def manager_index(index: int) -> int | None:
    """The employee that employee `index` reports to (always an earlier one), None for the top."""
    if index == 0:
        return None
    if index % MANAGER_EVERY == 0:
        return MANAGER_EVERY * ((index // MANAGER_EVERY) // 2)
    return MANAGER_EVERY * ((index - 1) // MANAGER_EVERY)


def group_name(index: int) -> str:
    return numbered(_GROUPS, index)


def group_indices(seed: int, index: int) -> list[int]:
    """The groups employee `index` is a member of (indices, sorted); the contact's `tags` name them."""
    draw = Draw(seed, _GROUPS_OF, index)
    bound = MODEL.bound("User", index, "Group")
    return sorted({draw.below(bound) for _ in range(draw.weighted(((0, 10), (1, 40), (2, 35), (3, 15))))})


@cache  # one function per seed, so identity()'s cache recognises it
def workspace_index(seed: int, index: int) -> int:
    """The workspace employee `index` belongs to."""
    return int(MODEL.bound("User", index, "Workspace") * unit(seed, _WORKSPACE_OF, index))


def _employer(seed: int) -> Employer:
    def employer(index: int) -> int | None:
        return int(_ORGANISATIONS * unit(seed, _EMPLOYER, index))

    return employer


def user(seed: int, index: int) -> dict[str, Any]:
    person = identity(seed, PLATFORM, index, _employer(seed))
    draw = Draw(seed, _USER, index)
    created = created_at(seed, _USER, index)
    country = COUNTRIES[person.country]
    boss = manager_index(index)
    if boss is not None and draw.chance(ORPHAN_REFERENCE):
        manager_id: int | None = orphan_contact_id(seed, boss)
    else:
        manager_id = contact_id(seed, boss) if boss is not None else None
    inactive = draw.chance(INACTIVE) or index == 1  # employee 1 is, so that even a small data set has one
    full_name = " ".join(part for part in (person.first_name, person.last_name) if part)
    organisation = company(seed, PLATFORM, person.company_index or 0)
    return {
        "id": contact_id(seed, index),
        "user_id": f"usr-{contact_id(seed, index)}" if not inactive else None,
        "employee_id": f"E{100000 + index}",
        "first_name": person.first_name,
        "last_name": person.last_name,
        "name": full_name,
        "title": draw.pick(_TITLES) if index % MANAGER_EVERY else "Manager",
        "department": draw.pick(_DEPARTMENTS),
        "company": organisation.name,
        "email": person.email,
        "msisdn": person.phone,
        "country_code": f"+{country.calling_code}" if person.phone else None,
        "phone_number": person.phone_e164[len(country.calling_code) + 1:] if person.phone_e164 else None,
        "addr_line_1": f"{draw.pick(LOREM).title()}vej {draw.between(1, 180)}" if draw.chance(0.6) else None,
        "addr_line_2": None,
        "addr_city": person.city,
        "addr_state": None,
        # Letters occur (GB, NL, IE postcodes): the API connector's "integer" type is wrong.
        "addr_zip": f"{draw.between(1000, 9990)}" if country.iso not in ("GB", "NL", "IE")
        else f"{draw.pick(('SW1A', 'D02', '1012'))} {draw.between(1, 9)}{draw.pick(('AB', 'XY', 'KL'))}",
        "addr_country": person.country,
        "timezone": person.timezone,
        "source_type": draw.pick(("api", "import", "manual")),
        "source_data": None,
        "opt_out": draw.chance(0.03),
        "allow_email": person.email is not None and draw.chance(0.8),
        "allow_sms": person.phone is not None and draw.chance(0.6),
        "shared": False,
        "tags": [group_name(group) for group in group_indices(seed, index)],
        "created_at": iso(created),
        "updated_at": iso(updated_at(draw, created)),
        "location": f"{person.city} {draw.pick(('office', 'store', 'warehouse'))}",
        "manager_id": manager_id,
        "engagement_role": "manager" if index % MANAGER_EVERY == 0 else "member",
        "active": not inactive,
        "workspace_id": workspace_id(workspace_index(seed, index)),
        "engagement_score": round(draw.uniform() * 100, 1) if not inactive else None,
        "data1": f"CC-{draw.between(100, 999)}",  # cost centre
        "data2": draw.pick(("day", "evening", "night", None)),  # shift
        "data3": iso(created)[:10],  # hire date
    }


def workspace(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Workspace"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    return {
        "id": workspace_id(index),
        "name": numbered(_WORKSPACES, index),
        "description": " ".join(draw.sample(LOREM, 6)).capitalize(),
        "created_at": iso(created),
    }


def group(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Group"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    return {
        "id": group_id(index),
        "name": group_name(index),
        "description": " ".join(draw.sample(LOREM, 5)).capitalize(),
        "created_at": iso(created),
    }


def _author(seed: int, draw: Draw, source: str, index: int) -> int:
    if draw.chance(ORPHAN_REFERENCE):
        return orphan_contact_id(seed, index)
    return contact_id(seed, draw.below(MODEL.bound(source, index, "User")))


def group_post(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["GroupPost"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    return {
        "id": group_post_id(index),
        "group_id": group_id(draw.below(MODEL.bound("GroupPost", index, "Group"))),
        "author_id": _author(seed, draw, "GroupPost", index),
        "content": " ".join(draw.sample(LOREM, draw.between(3, 20))).capitalize()
        + draw.pick(("", "", " 🎉", " 👍", " ❤️")),
        "reactions": int(draw.uniform() ** 2 * 60),
        "created_at": iso(created),
    }


def message(seed: int, index: int) -> dict[str, Any]:
    """A message or news post with the counters the analytics page shows (the platform's own
    counters: they include deleted contacts and so differ from the per-contact rows)."""
    stream = _STREAMS["Message"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    modules = [{"type": "text", "text": " ".join(draw.sample(LOREM, draw.between(8, 20))).capitalize() + "."}]
    if draw.chance(0.3):
        modules.append({"type": "image", "text": f"https://media.actimo.example/{draw.hex(12)}.jpg"})
    published_to = draw.between(5, 5000)
    notified_to = int(published_to * (0.8 + 0.25 * draw.uniform()))
    opened_by = int(published_to * draw.uniform() * 0.9)
    total_views = opened_by + int(opened_by * draw.uniform() * 2)
    return {
        "id": message_id(index),
        "subject": " ".join(draw.sample(LOREM, 4)).capitalize(),
        "type": draw.weighted((("message", 60), ("news", 40))),
        "modules": modules,
        "author_id": _author(seed, draw, "Message", index),
        "workspace_id": workspace_id(draw.below(MODEL.bound("Message", index, "Workspace"))),
        "created_at": iso(created),
        "updated_at": iso(updated_at(draw, created)),
        "published_to": published_to,
        "notified_to": notified_to,
        "push_opened": int(notified_to * draw.uniform() * 0.5),
        "opened_by": opened_by,
        "open_rate": round(opened_by / published_to, 4),
        "total_views": total_views + draw.between(0, 20),  # public views count too
        "unique_views": opened_by,
    }


def message_analytics(seed: int, index: int) -> dict[str, Any]:
    """One contact's engagement with one message; a contact's rows cover distinct messages."""
    employee, slot = divmod(index, ANALYTICS_PER_USER)
    messages = MODEL.bound("MessageAnalytics", index, "Message")
    first = int(messages * unit(seed, _STREAMS["MessageAnalytics"], employee))
    draw = Draw(seed, _STREAMS["MessageAnalytics"], index)
    notified = draw.weighted((("push", 50), ("email", 25), ("sms", 15), (None, 10)))
    message_index = (first + slot) % messages
    opened = draw.chance(0.65)
    views = draw.between(1, 6) if opened else 0
    sent = created_at(seed, _STREAMS["Message"], message_index)
    return {
        "id": f"{message_id(message_index)}-{contact_id(seed, employee)}",
        "message_id": message_id(message_index),
        "contact_id": contact_id(seed, employee),
        "published": True,
        "notified_channel": notified,
        "bounced": notified in ("email", "sms") and draw.chance(0.03),
        "opened_at": iso(between(draw, sent, sent + 5 * 86400)) if opened else None,
        "views": views,
        "clicks": draw.between(0, views),
        "reactions": draw.between(0, 1) if opened else 0,
    }


def learning_path(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["LearningPath"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    return {
        "id": learning_path_id(index),
        "name": numbered(_LEARNING_PATHS, index),
        "description": " ".join(draw.sample(LOREM, 8)).capitalize(),
        "duration_minutes": draw.pick((15, 30, 45, 60, 90, 120)),
        "module_count": draw.between(2, 12),
        "workspace_id": workspace_id(draw.below(MODEL.bound("LearningPath", index, "Workspace"))),
        "status": draw.weighted((("active", 80), ("archived", 20))),
        "created_at": iso(created),
        "updated_at": iso(updated_at(draw, created)),
    }


def learning_enrollment(seed: int, index: int) -> dict[str, Any]:
    """One contact in one learning path; a contact's enrollments are in distinct paths."""
    employee, slot = divmod(index, ENROLLMENTS_PER_USER)
    stream = _STREAMS["LearningEnrollment"]
    paths = MODEL.bound("LearningEnrollment", index, "LearningPath")
    first = int(paths * unit(seed, stream, employee))
    draw = Draw(seed, stream, index)
    enrolled = created_at(seed, stream, index)
    # The first employees are a new joiner who has started nothing, one midway and one done.
    status = draw.spread(employee, ((ENROLLMENT_STATUSES[0], 25), (ENROLLMENT_STATUSES[1], 30), (ENROLLMENT_STATUSES[2], 45)))
    progress = {"Not Started": 0, "In Progress": draw.between(5, 95), "Completed": 100}[status]
    path_index = (first + slot) % paths
    return {
        "id": f"{learning_path_id(path_index)}-{contact_id(seed, employee)}",
        "learning_path_id": learning_path_id(path_index),
        "contact_id": contact_id(seed, employee),
        "status": status,
        "progress": progress,
        "score": draw.between(40, 100) if status == "Completed" else None,
        "points": progress * draw.between(1, 5),
        "enrolled_at": iso(enrolled),
        "completed_at": iso(between(draw, enrolled, enrolled + 60 * 86400)) if status == "Completed" else None,
        "updated_at": iso(updated_at(draw, enrolled)),
    }


def pulse_survey(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["PulseSurvey"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    questions: list[dict[str, Any]] = [
        {"id": "q1", "text": "How are you feeling about work this week?", "scale_max": 5},
        {"id": "q2", "text": "How likely are you to recommend us as an employer?", "scale_max": 10},
    ]
    for number in range(3, draw.between(3, 6)):
        question: dict[str, Any] = {"id": f"q{number}", "text": " ".join(draw.sample(LOREM, 6)).capitalize() + "?"}
        scale = draw.pick((5, 10, None))
        if scale is not None:
            question["scale_max"] = scale
        questions.append(question)
    questions.append({"id": f"q{len(questions) + 1}", "text": "Anything else you want to share?"})
    return {
        "id": survey_id(index),
        "name": numbered(_SURVEYS, index),
        "question_count": len(questions),
        "period_start": iso(created)[:10],
        "period_end": iso(created + draw.between(3, 30) * 86400)[:10],
        "anonymous": draw.chance(0.3),
        "questions": questions,
    }


def survey_response(seed: int, index: int) -> dict[str, Any]:
    """One contact's answers to one pulse survey; a contact answers distinct surveys."""
    employee, slot = divmod(index, RESPONSES_PER_USER)
    surveys = MODEL.bound("SurveyResponse", index, "PulseSurvey")
    first = int(surveys * unit(seed, _STREAMS["SurveyResponse"], employee))
    draw = Draw(seed, _STREAMS["SurveyResponse"], index)
    survey_index = (first + slot) % surveys
    asked = pulse_survey(seed, survey_index)
    answers: dict[str, int | str] = {}
    for question in asked["questions"]:
        scale = question.get("scale_max")
        if scale is None:
            if draw.chance(0.5):
                continue  # open questions are often left empty
            answers[question["id"]] = " ".join(draw.sample(LOREM, draw.between(2, 12)))
        else:
            answers[question["id"]] = draw.between(1, scale)
    opened = created_at(seed, _STREAMS["PulseSurvey"], survey_index)
    return {
        "id": 600_000 + index,
        "survey_id": asked["id"],
        "contact_id": None if asked["anonymous"] else contact_id(seed, employee),
        "submitted_at": iso(between(draw, opened, opened + 30 * 86400)),
        "answers": answers,
    }


def task(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Task"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    status = draw.spread(index, TASK_STATUSES)
    due = created + draw.between(1, 45) * 86400
    managers = (MODEL.bound("Task", index, "User") - 1) // MANAGER_EVERY + 1
    assignee = draw.below(MODEL.bound("Task", index, "User"))
    orphan = draw.chance(ORPHAN_REFERENCE)
    return {
        "id": task_id(index),
        "subject": " ".join(draw.sample(LOREM, 3)).capitalize(),
        "description": " ".join(draw.sample(LOREM, 10)).capitalize() + ".",
        "status": status,
        "priority": draw.spread(index, TASK_PRIORITIES),
        "due_date": iso(due)[:10],
        "completed_at": iso(between(draw, created, due + 10 * 86400)) if status == "Completed" else None,
        "assignee_id": orphan_contact_id(seed, assignee) if orphan else contact_id(seed, assignee),
        "assignee_email": None if orphan else identity(seed, PLATFORM, assignee, _employer(seed)).email,
        "created_by_id": contact_id(seed, MANAGER_EVERY * draw.below(managers)),
        "created_at": iso(created),
        "updated_at": iso(updated_at(draw, created)),
    }


_FILE_KINDS = (("pdf", "application/pdf", 8_000_000),
               ("jpg", "image/jpeg", 6_000_000),
               ("mp4", "video/mp4", 120_000_000),
               ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 4_000_000))


def attachment(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Attachment"]
    draw = Draw(seed, stream, index)
    parent_type = draw.spread(index, ATTACHMENT_PARENTS)
    if not MODEL.bound("Attachment", index, parent_type):
        parent_type = "Message"  # the first files exist from one user on, group posts from two
    parent_index = draw.below(MODEL.bound("Attachment", index, parent_type))
    parent_id = {"Message": message_id, "LearningPath": learning_path_id, "Task": task_id,
                 "GroupPost": group_post_id}[parent_type](parent_index)
    extension, mime, limit = draw.pick(_FILE_KINDS)
    if index == LARGE_VIDEO:
        extension, mime, limit = _FILE_KINDS[2]
    filename = f"{'-'.join(draw.sample(LOREM, 2))}-{index}.{extension}"
    # Skewed: most are small, a tail (videos above all) exceeds CRM attachment limits (~20 MB).
    size = int(draw.uniform() ** 3 * limit) + 1024
    if index == LARGE_VIDEO:
        size = limit - size % (limit // 8)
    return {
        "id": 70_000 + index,
        "file_name": filename,
        "mime_type": mime,
        "bytes": size,
        "parent_type": parent_type,
        "parent_id": parent_id,
        "url": f"https://files.actimo.example/{draw.hex(16)}/{filename}",
        "uploaded_at": iso(created_at(seed, stream, index)),
    }


def flow(seed: int, index: int) -> dict[str, Any]:
    stream = _STREAMS["Flow"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    trigger = draw.pick(("contact created",
                         f"joined group {group_name(draw.below(MODEL.bound('Flow', index, 'Group')))!r}",
                         "365 days after data3 (hire date)"))
    steps = []
    for _ in range(draw.between(1, 5)):
        kind = draw.pick(("send_message", "enroll_learning_path", "wait", "add_to_group"))
        if kind == "send_message":
            steps.append({"type": kind, "message_id": message_id(draw.below(MODEL.bound("Flow", index, "Message")))})
        elif kind == "enroll_learning_path":
            steps.append({"type": kind, "learning_path_id": learning_path_id(draw.below(MODEL.bound("Flow", index, "LearningPath")))})
        elif kind == "wait":
            steps.append({"type": kind, "days": draw.between(1, 14)})
        else:
            steps.append({"type": kind, "group_id": group_id(draw.below(MODEL.bound("Flow", index, "Group")))})
    return {
        "id": 80 + index,
        "name": numbered(_FLOWS, index),
        "trigger": trigger,
        "steps": steps,
        "active": draw.chance(0.7),
        "created_at": iso(created),
    }


def integration(seed: int, index: int) -> dict[str, Any]:
    """An integration's description for the rebuild brief; credentials are never part of it."""
    stream = _STREAMS["Integration"]
    draw = Draw(seed, stream, index)
    created = created_at(seed, stream, index)
    provider, kind = _INTEGRATIONS[index % len(_INTEGRATIONS)]
    return {
        "id": 60 + index,
        "name": numbered(tuple(name for name, _ in _INTEGRATIONS), index),
        "kind": kind,
        "provider": provider,
        "endpoint": f"https://{provider.lower().replace(' ', '-').replace('ø', 'o')}.example/api",
        "auth_type": draw.pick(("oauth2", "api_key", "basic", "saml")),
        "sync_frequency": draw.pick(("hourly", "daily", "weekly")),
        "payload": {"format": draw.pick(("json", "csv")),
                    "fields": sorted(draw.sample(("employee_id", "email", "first_name", "last_name", "department",
                                                  "manager", "location", "msisdn"), draw.between(3, 7)))},
        "status": draw.weighted((("active", 80), ("failing", 10), ("disabled", 10))),
        "last_sync_at": iso(between(draw, created, REFERENCE_EPOCH)),
        "created_at": iso(created),
    }


BUILDERS = {
    "User": user,
    "Workspace": workspace,
    "Group": group,
    "GroupPost": group_post,
    "Message": message,
    "MessageAnalytics": message_analytics,
    "LearningPath": learning_path,
    "LearningEnrollment": learning_enrollment,
    "PulseSurvey": pulse_survey,
    "SurveyResponse": survey_response,
    "Task": task,
    "Attachment": attachment,
    "Flow": flow,
    "Integration": integration,
}
