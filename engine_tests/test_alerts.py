import datetime

import pytest

from engine.alerts import (
    EXPIRED,
    consent_reminder_level,
    is_failing,
    is_more_urgent,
    parse_reminder_days,
)

NOW = datetime.datetime(2026, 11, 26, 12, 0)
DAYS = parse_reminder_days("14, 7, 1")


def ends_in(**delta):
    return NOW + datetime.timedelta(**delta)


def test_reminder_days_are_sorted_most_distant_first_without_repeats():
    assert parse_reminder_days("1;7 14, 7") == (14, 7, 1)


@pytest.mark.parametrize("text", ["0", "-1", "two", "200", "7.5"])
def test_bad_reminder_days_are_refused(text):
    with pytest.raises(ValueError):
        parse_reminder_days(text)


@pytest.mark.parametrize(
    ("delta", "level"),
    [
        ({"days": 30}, None),
        ({"days": 14, "hours": 1}, None),
        ({"days": 14}, 14),
        ({"days": 8}, 14),
        ({"days": 7}, 7),
        ({"hours": 23}, 1),
        ({"seconds": 0}, EXPIRED),
        ({"days": -3}, EXPIRED),
    ],
)
def test_reminder_level_follows_the_days_left(delta, level):
    assert consent_reminder_level(ends_in(**delta), NOW, DAYS) == level


def test_unknown_consent_end_raises_no_reminder():
    assert consent_reminder_level(None, NOW, DAYS) is None


def test_a_level_is_announced_once_and_only_more_urgent_ones_after():
    assert is_more_urgent(14, None)
    assert not is_more_urgent(14, 14)
    assert is_more_urgent(7, 14)
    assert is_more_urgent(EXPIRED, 1)
    assert not is_more_urgent(14, 7), "a renewed-then-shortened consent does not go back"
    assert not is_more_urgent(None, 7)


def test_failing_starts_at_the_configured_streak():
    assert not is_failing(1, 2)
    assert is_failing(2, 2)
    assert is_failing(1, 0), "a zero setting still needs one failure"
