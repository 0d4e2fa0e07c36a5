"""What people type for their time zone, and what a bad DEFAULT_TIMEZONE gets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from concierge.config import Settings
from concierge.core.time_commands import describe_zone
from concierge.core.timezones import find_zone, zone_at


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Moscow", "Europe/Moscow"),
        ("москва", "Europe/Moscow"),
        ("Санкт-Петербург", "Europe/Moscow"),
        ("New York", "America/New_York"),
        ("sao paulo", "America/Sao_Paulo"),
        ("europe/berlin", "Europe/Berlin"),
        ("Новосибирск", "Asia/Novosibirsk"),
        ("+3", "Etc/GMT-3"),  # POSIX names invert the sign
        ("UTC-5", "Etc/GMT+5"),
        ("GMT+05:30", "Asia/Kolkata"),
        ("utc", "UTC"),
        ("Narnia", None),
        ("+15", None),
        ("", None),
        ("x" * 200, None),
    ],
)
def test_cities_offsets_and_names_become_iana_zones(typed: str, zone: str | None) -> None:
    assert find_zone(typed) == zone


def test_a_shared_location_picks_the_nearest_zone() -> None:
    assert zone_at(55.75, 37.62) == "Europe/Moscow"
    assert zone_at(34.05, -118.24) == "America/Los_Angeles"
    assert zone_at(-33.87, 151.21) == "Australia/Sydney"


def test_zones_are_shown_with_their_offset_now() -> None:
    summer = datetime(2026, 7, 1, tzinfo=UTC)
    assert describe_zone("America/New_York", summer) == "America/New_York (UTC-04:00)"
    assert describe_zone("Etc/GMT-3", summer) == "UTC+03:00"
    assert describe_zone("UTC", summer) == "UTC"


def test_an_unknown_default_timezone_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not an IANA time zone"):
        Settings(concierge_data_dir=tmp_path, default_timezone="Mars/Olympus")
