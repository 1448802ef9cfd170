"""When to sync: the company's daily sync times, in its own time zone.

Polish banks post incoming Elixir transfers after each clearing session (roughly 9:30,
13:30 and 16:30 on business days), so syncing at 11:45, 15:15 and 18:30 picks up each
session's postings while staying within PSD2's four unattended calls a day
(``shared/research/polish_domain_ux.md`` §5.3, Fakturownia's help pages).

Every function takes and returns *naive UTC* datetimes, as Odoo stores them; the time zone
only decides which UTC moments the local times of day fall on (summer time included).

>>> import datetime
>>> times = parse_sync_times("11:45, 15:15, 18:30")
>>> next_sync_after(datetime.datetime(2026, 11, 26, 10, 0), times, "Europe/Warsaw")
datetime.datetime(2026, 11, 26, 10, 45)
>>> next_sync_after(datetime.datetime(2026, 7, 1, 17, 0), times, "Europe/Warsaw")
datetime.datetime(2026, 7, 2, 9, 45)
"""

import datetime
import re
import zoneinfo

from .i18n import _lt

DEFAULT_SYNC_TIMES = "11:45, 15:15, 18:30"
_TIME_RE = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
#: More than this many runs a day would exceed PSD2's four unattended calls a day once a
#: manual "Sync now" or a retry is added (Delegated Regulation (EU) 2018/389, art. 36(5)).
MAX_SYNC_TIMES = 4


def parse_sync_times(text):
    """Parse ``"11:45, 15:15, 18:30"`` into a sorted tuple of :class:`datetime.time`.

    Separators may be commas, semicolons or spaces; ``9.30`` and ``9h30`` are accepted.

    :raise ValueError: with a sentence naming the bad part, for an empty list, a time that
        does not exist, or more than :data:`MAX_SYNC_TIMES` times.
    """
    parts = [part for part in re.split(r"[,;\s]+", (text or "").strip()) if part]
    if not parts:
        raise ValueError(_lt("Give at least one sync time, for example 11:45."))
    times = set()
    for part in parts:
        match = _TIME_RE.match(part)
        if not match:
            raise ValueError(
                _lt(
                    "%(value)s is not a time of day; write it as HH:MM, e.g. 11:45.",
                    value=repr(part),
                )
            )
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(
                _lt(
                    "%(value)s is not a time of day; hours go to 23, minutes to 59.",
                    value=repr(part),
                )
            )
        times.add(datetime.time(hour, minute))
    if len(times) > MAX_SYNC_TIMES:
        raise ValueError(
            _lt(
                "At most %(count)s sync times a day: banks allow four unattended reads a day "
                "under PSD2.",
                count=MAX_SYNC_TIMES,
            )
        )
    return tuple(sorted(times))


def format_sync_times(times):
    """Inverse of :func:`parse_sync_times`: ``"11:45, 15:15, 18:30"``."""
    return ", ".join(time.strftime("%H:%M") for time in times)


def _local_slots(day, times, zone):
    """UTC moments of ``times`` on local ``day`` (non-existent DST times move forward)."""
    slots = []
    for time_of_day in times:
        local = datetime.datetime.combine(day, time_of_day, tzinfo=zone)
        # Round-trip through UTC normalizes a time that falls in the spring-forward gap.
        utc = local.astimezone(datetime.timezone.utc)
        slots.append(utc.replace(tzinfo=None))
    return slots


def next_sync_after(moment, times, tz_name):
    """Return the first slot strictly after ``moment`` (naive UTC), as naive UTC."""
    zone = _zone(tz_name)
    local_day = _to_local(moment, zone).date()
    for offset in range(3):
        for slot in _local_slots(local_day + datetime.timedelta(days=offset), times, zone):
            if slot > moment:
                return slot
    raise ValueError("No sync time configured.")  # pragma: no cover - times is never empty


def last_slot_at_or_before(moment, times, tz_name):
    """Return the latest slot at or before ``moment`` (naive UTC), as naive UTC."""
    zone = _zone(tz_name)
    local_day = _to_local(moment, zone).date()
    for offset in range(3):
        slots = _local_slots(local_day - datetime.timedelta(days=offset), times, zone)
        for slot in reversed(slots):
            if slot <= moment:
                return slot
    raise ValueError("No sync time configured.")  # pragma: no cover


def is_sync_due(last_sync, now, times, tz_name):
    """Tell whether a connection last synced at ``last_sync`` must sync at ``now``.

    Due when a slot has passed since the last sync (or it never synced). A connection
    synced by hand after a slot is therefore not synced again for that slot.
    """
    if not last_sync:
        return True
    return last_slot_at_or_before(now, times, tz_name) > last_sync


def local_today(moment, tz_name):
    """The calendar date at ``moment`` (naive UTC) in ``tz_name``: the bank's 'today'."""
    return _to_local(moment, _zone(tz_name)).date()


def _zone(tz_name):
    try:
        return zoneinfo.ZoneInfo(tz_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _to_local(moment, zone):
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
