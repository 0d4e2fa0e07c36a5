"""Quiet hours: parsing "23-08", and when a window around now ends (midnight, DST)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from concierge.skills.digests.quiet import parse_window, quiet_until

LA = ZoneInfo("America/Los_Angeles")


def test_windows_are_two_different_hours() -> None:
    assert parse_window("23-08") == (23, 8)
    assert parse_window("23:00 – 8:00") == (23, 8)
    assert parse_window("9-17") == (9, 17)
    assert parse_window("8-8") is None
    assert parse_window("25-08") is None
    assert parse_window("tonight") is None


def test_a_window_across_midnight_ends_at_its_local_hour_also_over_a_dst_change() -> None:
    window = (23, 8)
    # 23:30 PST on 7 March: quiet until 08:00 PDT on 8 March (clocks went forward at 02:00)
    late = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert quiet_until(window, late, LA) == datetime(2026, 3, 8, 15, 0, tzinfo=UTC)
    early = datetime(2026, 3, 8, 14, 59, tzinfo=UTC)  # 07:59 PDT: one minute left
    assert quiet_until(window, early, LA) == datetime(2026, 3, 8, 15, 0, tzinfo=UTC)
    assert quiet_until(window, datetime(2026, 3, 8, 15, 0, tzinfo=UTC), LA) is None  # 08:00
    assert quiet_until(None, late, LA) is None


def test_a_daytime_window_ends_the_same_day() -> None:
    noon = datetime(2026, 3, 5, 20, 0, tzinfo=UTC)  # 12:00 PST
    assert quiet_until((9, 17), noon, LA) == datetime(2026, 3, 6, 1, 0, tzinfo=UTC)
