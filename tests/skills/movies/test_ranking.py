"""Ranking states a preference and checks the order a user would see."""

from __future__ import annotations

from concierge.skills.movies.domain import TorrentResult
from concierge.skills.movies.ranking import Preferences, parse_quality, pick_three, rank

GB = 1024**3


def t(name: str, seeders: int = 10, size_gb: float = 10.0, tracker: str = "X") -> TorrentResult:
    return TorrentResult(
        source="test", tracker=tracker, name=name, size=int(size_gb * GB), seeders=seeders
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


def test_one_candidate_gives_one_pick() -> None:
    picks = pick_three(rank([DUNE[2]], Preferences()))
    assert picks.recommended is not None
    assert picks.fastest is None and picks.smallest is None
