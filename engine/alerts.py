"""When to tell people about a bank connection: consent reminders and failure streaks.

One incident, one alert: the Odoo layer remembers the level it last announced and speaks
again only when the level gets more urgent (14 days left, then 7, then 1, then expired) or
when a new failure streak starts. These functions decide the level; they do no I/O.

>>> import datetime
>>> now = datetime.datetime(2026, 11, 26, 12, 0)
>>> thresholds = parse_reminder_days("14, 7, 1")
>>> consent_reminder_level(now + datetime.timedelta(days=20), now, thresholds) is None
True
>>> consent_reminder_level(now + datetime.timedelta(days=6, hours=3), now, thresholds)
7
>>> consent_reminder_level(now - datetime.timedelta(minutes=1), now, thresholds)
0
"""

import re

from .i18n import _lt

DEFAULT_REMINDER_DAYS = "14, 7, 1"
DEFAULT_FAILURES_BEFORE_ALERT = 2
#: Level of an ended consent (more urgent than any reminder).
EXPIRED = 0


def parse_reminder_days(text):
    """Parse ``"14, 7, 1"`` into a descending tuple of positive day counts.

    :raise ValueError: with a sentence, for anything but positive whole numbers.
    """
    parts = [part for part in re.split(r"[,;\s]+", (text or "").strip()) if part]
    days = set()
    for part in parts:
        if not part.isdigit() or not 0 < int(part) <= 180:
            raise ValueError(
                _lt("%(value)s is not a number of days between 1 and 180.", value=repr(part))
            )
        days.add(int(part))
    return tuple(sorted(days, reverse=True))


def consent_reminder_level(valid_until, now, thresholds):
    """The reminder due for a consent ending at ``valid_until`` (naive UTC), or ``None``.

    Returns the smallest threshold (in days) that the time left has reached, :data:`EXPIRED`
    once the consent has ended, ``None`` when no reminder is due or the end is unknown.
    """
    if valid_until is None:
        return None
    left = valid_until - now
    if left.total_seconds() <= 0:
        return EXPIRED
    reached = [days for days in thresholds if left.total_seconds() <= days * 86400]
    return min(reached) if reached else None


def is_more_urgent(level, announced):
    """Tell whether reminder ``level`` must be announced after ``announced`` was."""
    if level is None:
        return False
    return announced is None or level < announced


def is_failing(failure_count, failures_before_alert):
    """A connection is failing once it failed that many runs in a row."""
    return failure_count >= max(1, failures_before_alert)
