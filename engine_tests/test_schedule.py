import datetime

import pytest

from engine.schedule import (
    format_sync_times,
    is_sync_due,
    last_slot_at_or_before,
    local_today,
    next_sync_after,
    parse_sync_times,
)

WARSAW = "Europe/Warsaw"
DEFAULT = parse_sync_times("11:45, 15:15, 18:30")


def utc(*args):
    return datetime.datetime(*args)


def test_sync_times_are_parsed_sorted_and_deduplicated():
    times = parse_sync_times("18:30;11:45 15.15, 9h05 11:45")
    assert format_sync_times(times) == "09:05, 11:45, 15:15, 18:30"


@pytest.mark.parametrize("text", ["", "  ", "25:00", "11:60", "noon", "11", "1:2:3"])
def test_bad_sync_times_are_refused_with_a_sentence(text):
    with pytest.raises(ValueError):
        parse_sync_times(text)


def test_more_than_four_sync_times_a_day_are_refused():
    with pytest.raises(ValueError, match="four unattended"):
        parse_sync_times("08:00 10:00 12:00 14:00 16:00")


def test_winter_slots_fall_one_hour_before_in_utc():
    assert next_sync_after(utc(2026, 11, 26, 10, 0), DEFAULT, WARSAW) == utc(2026, 11, 26, 10, 45)
    assert next_sync_after(utc(2026, 11, 26, 10, 45), DEFAULT, WARSAW) == utc(2026, 11, 26, 14, 15)


def test_summer_slots_fall_two_hours_before_in_utc():
    assert next_sync_after(utc(2026, 7, 1, 10, 0), DEFAULT, WARSAW) == utc(2026, 7, 1, 13, 15)


def test_after_the_last_slot_the_next_is_tomorrow_morning():
    assert next_sync_after(utc(2026, 11, 26, 18, 0), DEFAULT, WARSAW) == utc(2026, 11, 27, 10, 45)


def test_the_day_summer_time_ends_keeps_local_times():
    # 25 October 2026: clocks go back from 03:00 CEST to 02:00 CET.
    assert next_sync_after(utc(2026, 10, 25, 0, 0), DEFAULT, WARSAW) == utc(2026, 10, 25, 10, 45)


def test_connection_synced_by_hand_after_a_slot_is_not_due_again_for_it():
    times = DEFAULT
    manual = utc(2026, 11, 26, 11, 0)  # 12:00 Warsaw, after the 11:45 slot
    assert not is_sync_due(manual, utc(2026, 11, 26, 13, 0), times, WARSAW)
    assert is_sync_due(manual, utc(2026, 11, 26, 14, 16), times, WARSAW)


def test_never_synced_connection_is_due():
    assert is_sync_due(None, utc(2026, 11, 26, 1, 0), DEFAULT, WARSAW)


def test_last_slot_before_morning_is_yesterday_evening():
    assert last_slot_at_or_before(utc(2026, 11, 26, 6, 0), DEFAULT, WARSAW) == utc(
        2026, 11, 25, 17, 30
    )


def test_local_today_uses_the_company_time_zone():
    assert local_today(utc(2026, 11, 26, 23, 30), WARSAW) == datetime.date(2026, 11, 27)
    assert local_today(utc(2026, 11, 26, 23, 30), "UTC") == datetime.date(2026, 11, 26)


def test_unknown_time_zone_falls_back_to_utc():
    assert local_today(utc(2026, 11, 26, 23, 30), "Mars/Olympus") == datetime.date(2026, 11, 26)
