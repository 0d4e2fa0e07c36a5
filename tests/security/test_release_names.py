"""Tracker results carry names chosen by strangers: parsing one must stay cheap."""

from __future__ import annotations

import pytest

from concierge.core.release_names import MAX_PARSED_NAME, parse_name
from concierge.nas_sync import place
from concierge.skills.movies.releases import parse_release

HOSTILE = {
    "dots": "a." * 5000,
    "spaces": "a " * 5000,
    "digits": "1" * 10000,
    "russian seasons": "сезон " * 1700,
    "season words": "1 сезон " * 1250,
    "pipes": "| D, P, " * 1250,
    "dashes": "-" * 10000,
}


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_10kb_hostile_release_name_parses_as_cheaply_as_a_real_one(name: str) -> None:
    """Was 7–30 s each, blocking the event loop: PTT now reads a real name's worth of it."""
    assert parse_name(name) is parse_name(name[:MAX_PARSED_NAME])
    assert parse_release(name).title  # and the rest (linear patterns) still reads it


def test_a_long_but_real_name_keeps_its_late_marks() -> None:
    name = (
        "Матрица / The Matrix (Лана Вачовски, Лилли Вачовски) [1999, США, Австралия, "
        "фантастика, боевик, BDRemux 1080p] " + "x" * 250 + " Dub + AVO (Гаврилов)"
    )
    release = parse_release(name)
    assert release.resolution == 1080 and {"dub", "avo"} <= release.dubbing


def test_the_nas_companion_files_a_hostile_name_through_the_same_guard() -> None:
    hostile = "сезон " * 1700
    assert place(hostile) == place(hostile[:MAX_PARSED_NAME])
