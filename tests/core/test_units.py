"""Sizes read from tracker pages and written back in the user's language."""

from __future__ import annotations

import pytest

from concierge.core.i18n import Catalog
from concierge.core.units import format_size, parse_count, parse_size

KB, MB, GB, TB = 1024, 1024**2, 1024**3, 1024**4
CATALOG = Catalog.load()


@pytest.mark.parametrize(
    ("count", "en", "ru"),
    [
        (int(1.5 * GB), "1.5 GB", "1,5 ГБ"),
        (int(3.5 * MB), "3.5 MB", "3,5 МБ"),
        (20 * KB, "20.0 KB", "20,0 КБ"),
        (512, "512 B", "512 Б"),
        (2 * TB, "2.0 TB", "2,0 ТБ"),
        (3000 * TB, "3000.0 TB", "3000,0 ТБ"),  # no unit past TB
    ],
)
def test_sizes_are_written_in_the_users_language(count: int, en: str, ru: str) -> None:
    assert format_size(count, lang="en", catalog=CATALOG) == en
    assert format_size(count, lang="ru", catalog=CATALOG) == ru


def test_an_unknown_size_reads_as_a_question_mark() -> None:
    assert format_size(0, lang="en", catalog=CATALOG) == "?"
    assert format_size(-1, lang="ru", catalog=CATALOG) == "?"


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("18.33 GB", int(18.33 * GB)),
        ("32,79 ГБ", int(32.79 * GB)),
        ("944 MB", 944 * MB),
        ("1.2\xa0GiB", int(1.2 * GB)),
        ("Size: 700 kb, seeds 3", 700 * KB),
        ("123456", 123456),
        ("", 0),
        (None, 0),
        ("big", 0),
    ],
)
def test_tracker_sizes_read_as_bytes(text: str | None, count: int) -> None:
    assert parse_size(text) == count


def test_a_written_size_reads_back_close_to_itself() -> None:
    for count in (int(1.5 * GB), 7 * MB, 4 * TB):
        for lang in ("en", "ru"):
            back = parse_size(format_size(count, lang=lang, catalog=CATALOG))
            assert abs(back - count) / count < 0.05


@pytest.mark.parametrize(
    ("value", "count"),
    [("12", 12), (12, 12), (" 7 ", 7), ("N/A", 0), ("-1", 0), (None, 0), ("1_000", 0), ("٣", 0)],
)
def test_tracker_counts_read_as_whole_numbers_or_zero(value: object, count: int) -> None:
    assert parse_count(value) == count
