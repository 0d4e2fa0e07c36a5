"""The release-name corpus: every field ranking relies on, for 200 real-world names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from concierge.skills.movies.releases import audio_category, parse_release

CORPUS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[2] / "fixtures" / "movies" / "release_corpus.json").read_text("utf-8")
)


def test_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 150
    assert {c["resolution"] for c in CORPUS} >= {2160, 1080, 720}
    assert sum(c["pack"] for c in CORPUS) >= 30
    assert sum(bool(c["dubbing"]) for c in CORPUS) >= 40
    assert sum("DV" in c["hdr"] for c in CORPUS) >= 15
    assert sum(c["source"] == "remux" for c in CORPUS) >= 10


@pytest.mark.parametrize("case", CORPUS, ids=[c["name"][:60] for c in CORPUS])
def test_release_fields(case: dict[str, Any]) -> None:
    release = parse_release(case["name"])
    assert release.resolution == case["resolution"]
    assert release.source == case["source"]
    assert release.codec == case["codec"]
    assert sorted(release.hdr) == case["hdr"]
    assert sorted(release.dubbing) == case["dubbing"]
    assert list(release.seasons) == case["seasons"]
    assert release.is_pack == case["pack"]
    if case["episode"] is not None:
        assert release.episodes == (case["episode"],)
    assert release.russian_audio == case["russian_audio"]


def test_rutor_letter_tail_means_dub_and_voiceovers() -> None:
    release = parse_release("Матрица / The Matrix (1999) BDRip 1080p | D, P, A")
    assert release.best_dubbing == "dub"
    assert release.dubbing == {"dub", "mvo", "avo"}


def test_russian_season_range_beats_ptt_guess() -> None:
    assert parse_release("Новичок (Новобранец) (1-6 сезоны: 1-108 серии из 108)").seasons == (
        1,
        2,
        3,
        4,
        5,
        6,
    )


def test_word_po_is_not_a_voiceover_mark() -> None:
    assert not parse_release("Бегущий по лезвию 2049 (2017) BDRip 1080p").dubbing


def test_4k_without_height_is_2160() -> None:
    assert parse_release("Dune Part Two 2024 4K HDR").resolution == 2160


@pytest.mark.parametrize(
    ("name", "audio_only"),
    [
        ("(Soundtrack) Dune: Part Two (by Hans Zimmer) - 2024, MP3, 320 kbps", True),
        ("Hans Zimmer - Dune (Original Motion Picture Soundtrack) 2021 WEB FLAC", True),
        ("Дюна: Часть вторая (Саундтрек) 2024 MP3", True),
        ("Ханс Циммер - Дискография (1985-2024) FLAC", True),
        ("Dune OST 2021", True),
        ("Dune.Part.Two.2024.720p.WEBRip.x264.AAC-YTS.MX", False),
        ("Dune (2021) DVDRip AAC", False),
        ("Interstellar.2014.1080p.BluRay.OST.Edition.x264", False),
    ],
)
def test_audio_only_releases_are_recognised(name: str, audio_only: bool) -> None:
    assert parse_release(name).audio_only is audio_only


def test_audio_sections_of_trackers() -> None:
    for section in ("Audio (104)", "Саундтреки к фильмам (lossy)", "Музыка", "Audio/MP3 (3010)"):
        assert audio_category(section), section
    video: tuple[str | None, ...] = ("Video (207)", "Зарубежное кино (HD Video)", "Movies (2045)")
    for other in (*video, None, ""):
        assert not audio_category(other), other
