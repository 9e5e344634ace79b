"""The documented rates of the hard cases the synthetic data carries on purpose.

Tests and the sandbox documentation read these numbers; the generators draw against them. Rates
are per record of the object named in the comment (approximate: each record draws on its own).
"""

from __future__ import annotations

from datetime import UTC, datetime

# The fixed "now" of every data set, so that "modified recently" is deterministic. Sandboxes move
# records past it when a test modifies them.
REFERENCE_TIME = datetime(2025, 6, 2, 12, 0, 0, tzinfo=UTC)
REFERENCE_EPOCH = int(REFERENCE_TIME.timestamp())
# How far back synthetic histories reach (created_at of the oldest records).
HISTORY_DAYS = 3 * 365

# People (users, contacts, persons).
MISSING_EMAIL = 0.06  # no email at all
DUPLICATE_EMAIL = 0.02  # the email of an earlier person, sometimes in other case or with spaces
NO_SURNAME = 0.05  # surname absent (None) or empty
UNICODE_NAME = 0.08  # CJK, emoji, combining marks or right-to-left script, beyond the country's own
LOCAL_PHONE_FORMAT = 0.15  # national format ("0532 123 45 67") instead of E.164
SPACED_PHONE_FORMAT = 0.10  # international but spaced ("+90 532 123 45 67")
MISSING_PHONE = 0.20
INACTIVE = 0.12  # deactivated / unsubscribed / not seen for a year
RECENTLY_MODIFIED = 0.03  # updated within the last 48 hours before REFERENCE_TIME (delta pass)
RECENT_WINDOW_SECONDS = 48 * 3600

# References.
ORPHAN_REFERENCE = 0.01  # points at a record that does not exist (deleted upstream)

# Activity skew: share of people with no events at all, and the share of all events that the
# "power users" (1 in POWER_USER_EVERY people) produce; older people accumulate more.
SILENT_PEOPLE = 0.15
POWER_USER_EVERY = 100
POWER_USER_EVENT_SHARE = 0.3

# Labels.
TAG_LIMIT = 25  # the length the targets accept; a share of tag names is longer
LONG_TAG_EVERY = 6  # every sixth generated tag name is longer than TAG_LIMIT

# Assets (Netmera widget limits quoted by the seeds; unconfirmed in Netmera's public docs).
IMAGE_LIMIT_BYTES = 1 * 1024 * 1024
VIDEO_LIMIT_BYTES = 12 * 1024 * 1024
OVERSIZED_ASSET = 0.12  # share of widget/attachment assets above their limit
