"""Ranking states a preference and checks the order a user would see."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from concierge.core.release_names import clear_cache
from concierge.skills.movies.domain import TorrentResult
from concierge.skills.movies.ranking import (
    OFF_LOOP_NAMES,
    Preferences,
    RankedTorrent,
    parse_quality,
    pick_three,
    rank,
    rank_off_loop,
)
from tests.support.movie_fixtures import FIXTURES

GB = 1024**3


def t(
    name: str,
    seeders: int = 10,
    size_gb: float = 10.0,
    tracker: str = "X",
    category: str | None = None,
) -> TorrentResult:
    return TorrentResult(
        source="test",
        tracker=tracker,
        name=name,
        size=int(size_gb * GB),
        seeders=seeders,
        category=category,
    )


DUNE = [
    t("Dune.Part.Two.2024.2160p.UHD.BluRay.REMUX.DV.HDR.HEVC.TrueHD.Atmos.7.1-FGT", 40, 75),
    t("Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.Atmos.DV.HDR.H.265-FLUX", 300, 24),
    t("Dune.Part.Two.2024.1080p.WEB-DL.DDP5.1.Atmos.H.264-FLUX", 900, 9),
    t("Dune.Part.Two.2024.720p.WEBRip.x264.AAC-YTS.MX", 1500, 1.4),
    t("Dune.Part.Two.2024.HDCAM.x264-AOC", 5000, 1.1),
    t("Дюна: Часть вторая / Dune: Part Two (2024) WEB-DL 2160p | 4K | HDR | D", 120, 20),
    t("Дюна: Часть вторая / Dune: Part Two (2024) BDRip 1080p от селезень | D | Лицензия", 800, 5),
    t("Dune.Part.Two.2024.1080p.BluRay.x264-SPARKS", 0, 12),
]


def names(ranked: list) -> list[str]:  # type: ignore[type-arg]
    return [r.result.name for r in ranked]


def test_quality_words() -> None:
    assert parse_quality("4K") == 2160
    assert parse_quality("2160p") == 2160
    assert parse_quality("1080") == 1080
    assert parse_quality("FullHD") == 1080
    assert parse_quality("Dune") is None


def test_requested_4k_keeps_only_2160p_and_prefers_remux_for_english_speakers() -> None:
    ranked = rank(DUNE, Preferences(audio_language="en"), quality=2160)
    assert all(r.release.resolution == 2160 for r in ranked)
    assert names(ranked)[0].endswith("REMUX.DV.HDR.HEVC.TrueHD.Atmos.7.1-FGT")
    assert len(ranked) == 3


def test_russian_speaker_gets_dubbed_4k_first() -> None:
    ranked = rank(DUNE, Preferences(audio_language="ru"), quality=2160)
    assert names(ranked)[0].startswith("Дюна: Часть вторая / Dune: Part Two (2024) WEB-DL 2160p")


def test_cam_is_dropped_when_anything_else_exists() -> None:
    ranked = rank(DUNE, Preferences())
    assert not any("HDCAM" in n for n in names(ranked))
    only_cam = rank([DUNE[4]], Preferences())
    assert names(only_cam) == [DUNE[4].name]


def test_dead_torrents_are_dropped_unless_nothing_is_seeded() -> None:
    ranked = rank(DUNE, Preferences(min_seeders=1))
    assert DUNE[7].name not in names(ranked)


def test_size_bounds_filter() -> None:
    ranked = rank(DUNE, Preferences(max_size=10 * GB, min_size=2 * GB))
    assert all(2 * GB <= r.result.size <= 10 * GB for r in ranked)
    assert DUNE[2].name in names(ranked)


def test_preferred_1080p_wins_over_bigger_4k_without_request() -> None:
    ranked = rank(DUNE, Preferences(quality=1080, audio_language="en"))
    assert ranked[0].release.resolution == 1080


def test_three_picks_are_distinct() -> None:
    ranked = rank(DUNE, Preferences(quality=1080, audio_language="en"))
    picks = pick_three(ranked)
    assert picks.recommended is ranked[0]
    assert picks.fastest is not None and picks.fastest.result.name.endswith("YTS.MX")
    assert picks.smallest is not None
    chosen = [r.result.name for _, r in picks.present()]
    assert len(set(chosen)) == 3
    smallest_size = min(
        r.result.size for r in ranked if r not in (picks.recommended, picks.fastest)
    )
    assert picks.smallest.result.size == smallest_size


def test_episode_request_prefers_the_episode_then_packs() -> None:
    results = [
        t("Severance.S02.1080p.ATVP.WEB-DL.DDP5.1.H.264-NTb", 100, 40),
        t("Severance.S02E03.1080p.ATVP.WEB-DL.DDP5.1.H.264-NTb", 50, 3),
        t("Severance.S02E04.1080p.ATVP.WEB-DL.DDP5.1.H.264-NTb", 80, 3),
        t("Severance.S01.1080p.ATVP.WEB-DL.DDP5.1.H.264-NTb", 200, 40),
    ]
    ranked = rank(results, Preferences(), season=2, episode=3)
    assert names(ranked) == [results[0].name, results[1].name][::-1]


# Audio-only releases that share the film's name: by their marks, or by the tracker's section.
SOUNDTRACKS = [
    t(
        "(Soundtrack) Dune: Part Two (Original Motion Picture Soundtrack) (by Hans Zimmer)"
        " - 2024, MP3, 320 kbps",
        30,
        0.2,
    ),
    t("Hans Zimmer - Dune: Part Two (Original Soundtrack) 2024 WEB FLAC", 25, 0.6),
    t("Дюна: Часть вторая (Саундтрек) 2024 MP3", 15, 0.15),
    t("Hans Zimmer - Дискография (1985-2024) FLAC", 90, 40),
    t("Dune Part Two OST 2024", 12, 0.1),
    t("Hans Zimmer - Dune: Part Two (2024) [24bit-48kHz]", 8, 0.9, category="Audio (104)"),
    t("Dune: Part Two (2024)", 9, 0.3, category="Саундтреки к фильмам (lossy)"),
]


def test_soundtracks_are_never_film_picks() -> None:
    """Regression: "3. Smallest" on Dune was its MP3 soundtrack."""
    for prefs, quality in ((Preferences(), None), (Preferences(audio_language="ru"), None)):
        ranked = rank(DUNE + SOUNDTRACKS, prefs, quality=quality)
        assert not set(names(ranked)) & {s.name for s in SOUNDTRACKS}
        picks = pick_three(ranked)
        assert picks.smallest is not None and picks.smallest.release.resolution is not None
    assert rank(SOUNDTRACKS, Preferences()) == []


def test_video_with_aac_or_an_ost_mention_stays() -> None:
    videos = [
        t("Dune.Part.Two.2024.720p.WEBRip.x264.AAC-YTS.MX"),
        t("Dune (2021) DVDRip AAC"),
        t("Dune.Part.Two.2024.1080p.BluRay.x264.FLAC.5.1-OST"),
        t("Дюна (2021) HDRip", category="Зарубежное кино"),
    ]
    assert sorted(names(rank(videos, Preferences()))) == sorted(v.name for v in videos)


def test_one_candidate_gives_one_pick() -> None:
    picks = pick_three(rank([DUNE[2]], Preferences()))
    assert picks.recommended is not None
    assert picks.fastest is None and picks.smallest is None


def corpus_results(count: int) -> list[TorrentResult]:
    """``count`` distinct real-world release names (the corpus, numbered past its end)."""
    corpus = [c["name"] for c in json.loads((FIXTURES / "release_corpus.json").read_text())]
    return [
        t(f"{corpus[i % len(corpus)]} [{i}]", seeders=i % 97, size_gb=(i % 40 + 1) / 2)
        for i in range(count)
    ]


async def test_large_list_ranked_off_loop_is_identical_in_order_and_content() -> None:
    results = corpus_results(OFF_LOOP_NAMES * 3)
    for prefs, quality in ((Preferences(audio_language="ru"), 2160), (Preferences(), None)):
        clear_cache()
        threaded = await rank_off_loop(results, prefs, quality=quality)
        assert threaded == rank(results, prefs, quality=quality)
        assert pick_three(threaded) == pick_three(rank(results, prefs, quality=quality))
    small = results[:OFF_LOOP_NAMES]
    assert await rank_off_loop(small, Preferences()) == rank(small, Preferences())


async def turns_given_to_others(work: Callable[[], Awaitable[list[RankedTorrent]]]) -> int:
    """How many times another coroutine got to run while ``work`` was ranking."""
    done = False
    turns = 0

    async def other_user() -> None:
        nonlocal turns
        while not done:
            await asyncio.sleep(0)
            turns += 1

    others = asyncio.create_task(other_user())
    await asyncio.sleep(0)
    turns = 0
    await work()
    done = True
    await others
    return turns


async def test_parsing_a_large_list_does_not_stall_other_users() -> None:
    """No timing threshold: ranking on the loop lets nobody else run; off the loop, others do."""
    results = corpus_results(200)
    prefs = Preferences(quality=1080)

    async def on_loop() -> list[RankedTorrent]:
        return rank(results, prefs)

    clear_cache()
    assert await turns_given_to_others(on_loop) <= 1  # only the final hand-over
    clear_cache()
    threaded = await turns_given_to_others(lambda: rank_off_loop(results, prefs))
    assert threaded > 1, "other users waited for the whole parse"
