"""The one parsett entry point: guarded against hostile names, cached across searches."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from concierge.core.release_names import MAX_PARSED_NAME, cache_info, clear_cache, parse_name

NAME = "Dune.Part.Two.2024.2160p.WEB-DL.DV.HDR.x265-Group"


def test_a_name_reads_as_its_title_year_and_quality() -> None:
    parsed = parse_name(NAME)
    assert parsed["title"] == "Dune Part Two"
    assert parsed["year"] == 2024
    assert parsed["resolution"] == "2160p"


def test_a_repeated_search_re_parses_nothing() -> None:
    clear_cache()
    names = [f"{NAME} [{i}]" for i in range(50)]
    first = [parse_name(n) for n in names]
    hits_before, misses = cache_info()
    again = [parse_name(n) for n in names]
    hits_after, misses_after = cache_info()
    assert again == first
    assert misses_after == misses == len(names)
    assert hits_after - hits_before == len(names)


def test_a_reading_is_shared_so_nobody_can_change_it() -> None:
    parsed = parse_name("Show.S01E02.1080p")
    with pytest.raises(TypeError):
        parsed["title"] = "changed"  # type: ignore[index]
    assert isinstance(parsed["seasons"], tuple)


def test_a_hostile_name_is_read_only_as_far_as_a_real_name_goes() -> None:
    """PTT's cost explodes with length (10 KB took 7–30 s): it sees only the first 300."""
    hostile = "a." * 5000
    assert parse_name(hostile) is parse_name(hostile[:MAX_PARSED_NAME])


async def test_parsing_on_worker_threads_gives_what_the_loop_gets() -> None:
    clear_cache()
    names = [f"Film.{i}.2020.1080p.BluRay.x264" for i in range(40)]
    threaded = await asyncio.gather(*(asyncio.to_thread(parse_name, n) for n in names))
    assert list(threaded) == [parse_name(n) for n in names]


def test_every_corpus_name_reads_exactly_as_parsett_itself_reads_it() -> None:
    """Our parser (signatures precomputed, hopeless searches skipped) changes no reading.

    Upper-cased, case-swapped and spaced variants exercise the case-insensitive needs;
    a Kelvin sign and Greek capitals the names whose lower case would mislead.
    """
    import PTT

    corpus = Path(__file__).parents[1] / "fixtures" / "movies" / "release_corpus.json"
    corpus_names = [case["name"] for case in json.loads(corpus.read_text("utf-8"))]
    names = [v for n in corpus_names for v in (n, n.upper(), n.swapcase(), n.replace(".", " "))]
    names += ["\u212aING.2020.1080p.WEB-DL", "ΟΔΥΣΣΕΑΣ.2020.720p.HDTV", "日本の映画 2019 1080p"]
    from PTT.adult import load_adult_keywords

    keywords = sorted(load_adult_keywords())[::200]  # a few, long and short
    names += [NAME, "Show.S01E02.1080p", "[Group] Anime - 05 [1080p][RUS]", "XXX.Movie.2020"]
    names += [f"Some.{keyword.title()}.Clip.2020.720p" for keyword in keywords]
    clear_cache()
    for name in names:
        plain = PTT.parse_title(name)
        assert dict(parse_name(name)) == {
            k: tuple(v) if isinstance(v, list) else v for k, v in plain.items()
        }, name
