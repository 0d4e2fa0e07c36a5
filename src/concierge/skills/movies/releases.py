"""Release names → the facts ranking needs.

parsett (PTT) does the heavy lifting; on top of it sit the conventions of
Russian trackers that it does not know: voice-over marks (``Dub``, ``MVO``,
``ПМ``, RuTor's ``| D, P, A`` tails), season ranges written in Russian, and
``4K``/``UHD`` without a pixel height.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from concierge.core.release_names import parse_name

# PTT sees a real name's worth (``release_names.MAX_PARSED_NAME``); our own linear
# patterns see more, for the voice-over marks RuTracker puts at the end.
MAX_SCANNED_NAME = 1000

RESOLUTIONS = {"2160p": 2160, "1440p": 1440, "1080p": 1080, "720p": 720, "576p": 576, "480p": 480}

# Normalized source names, best first (a remux beats an encode of the same disc).
SOURCES = ("remux", "bluray", "web-dl", "webrip", "hdtv", "dvd", "cam")

# Russian translation kinds, best first: full dubbing, then voice-overs.
DUB = "dub"
MVO = "mvo"  # multi-voice (professional or amateur)
DVO = "dvo"  # two voices
AVO = "avo"  # one named author (Гаврилов, Володарский…)
VO = "vo"  # one voice
DUBBING_KINDS = (DUB, MVO, DVO, AVO, VO)

_MARKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (DUB, re.compile(r"\bdub(?:bed|bing)?\b|дубляж|дублир|\bлицензия\b|\bЛицензия\b", re.I)),
    (MVO, re.compile(r"\bmvo\b|\bпм\b|многоголос", re.I)),
    (DVO, re.compile(r"\bdvo\b|\bпд\b|двухголос", re.I)),
    (AVO, re.compile(r"\bavo\b|\bап\b|авторск", re.I)),
    (VO, re.compile(r"(?<![a-z])vo\b|\bло\b|одноголос", re.I)),
)
# RuTor puts translation letters in a pipe-separated tail: "… | D, P, A".
_TAIL_LETTERS = {"D": DUB, "P": MVO, "P1": VO, "P2": DVO, "L": MVO, "L1": VO, "L2": DVO, "A": AVO}
_TAIL_TOKEN = re.compile(r"^(?:D|P\d?|L\d?|A|Лицензия)$")
_RU_SEASON_RANGE = re.compile(r"(\d{1,2})\s*[-–]\s*(\d{1,2})\s*сезон", re.I)
_RU_SEASON_ONE = re.compile(r"(?:сезон[:\s]*(\d{1,2})|(\d{1,2})\s*сезон)", re.I)
_RUS_AUDIO = re.compile(r"\brus\b|\bru\b|русск|\brus\s*\+", re.I)
_UHD = re.compile(r"\b(?:4k|uhd)\b", re.I)
# Audio-only releases (a film's soundtrack, a composer's discography) share the film's
# name; a mark below and no video resolution give them away.
_AUDIO_WORK = re.compile(
    r"soundtrack|\bost\b|саундтрек|дискография|discography|аудиокниг|audiobook", re.I
)
_AUDIO_FORMAT = re.compile(
    r"\b(?:mp3|flac|aac|alac|wav|m4a|m4b|lossless|lossy)\b|\b\d{2,4}\s*kbps\b",
    re.I,
)
_VIDEO_SOURCES = frozenset({"remux", "bluray", "hdtv", "dvd", "cam"})
# Tracker sections for music and audio, in the words trackers use for them.
_AUDIO_CATEGORY = re.compile(
    r"\baudio\b|\bmusic\b|soundtrack|\blossy\b|\blossless\b|\bmp3\b|\bflac\b"
    r"|аудио|музык|саундтрек|дискограф",
    re.I,
)
_CAM = re.compile(r"\b(?:cam(?:rip)?|ts|telesync|hdts|tc|telecine|scr|screener)\b", re.I)


@dataclass(frozen=True, slots=True)
class Release:
    """What a release name tells about the file(s) behind it."""

    title: str
    year: int | None
    resolution: int | None  # pixel height; None when the name does not say
    source: str | None  # one of SOURCES
    codec: str | None  # "hevc", "avc", "av1", "xvid"
    hdr: frozenset[str]  # "DV", "HDR", "HDR10+"
    audio: tuple[str, ...]
    languages: tuple[str, ...]
    dubbing: frozenset[str]  # subset of DUBBING_KINDS
    seasons: tuple[int, ...]
    episodes: tuple[int, ...]
    complete: bool
    audio_only: bool = False  # a soundtrack, album or audiobook: no picture at all

    @property
    def is_pack(self) -> bool:
        """A whole season (or several) rather than one episode."""
        return bool(self.seasons) and (len(self.episodes) != 1 or len(self.seasons) > 1)

    @property
    def russian_audio(self) -> bool:
        return bool(self.dubbing) or "ru" in self.languages

    @property
    def best_dubbing(self) -> str | None:
        return next((kind for kind in DUBBING_KINDS if kind in self.dubbing), None)

    @property
    def dolby_vision(self) -> bool:
        return "DV" in self.hdr


def _source(quality: str | None, name: str) -> str | None:
    q = (quality or "").lower()
    if "remux" in q or re.search(r"remux", name, re.I):
        return "remux"
    if q in {"bluray", "bdrip", "brrip", "blu-ray"} or q.startswith("bluray"):
        return "bluray"
    if q in {"web-dl", "web"}:
        return "web-dl"
    if q in {"webrip", "web-dlrip", "hdrip", "webmux"}:
        return "webrip"
    if q.startswith("hdtv") or q in {"satrip", "dvb", "tvrip", "pdtv"}:
        return "hdtv"
    if q.startswith("dvd"):
        return "dvd"
    if q in {"cam", "telesync", "telecine", "scr", "screener", "ts", "tc"} or (
        not q and _CAM.search(name)
    ):
        return "cam"
    return None


def _codec(raw: str | None, name: str) -> str | None:
    codec = (raw or "").lower()
    if codec in {"hevc", "avc", "av1", "xvid"}:
        return codec
    if re.search(r"\b(?:x265|h\.?265|hevc)\b", name, re.I):
        return "hevc"
    if re.search(r"\b(?:x264|h\.?264|avc)\b", name, re.I):
        return "avc"
    return None


def _dubbing(name: str, dubbed: bool) -> frozenset[str]:
    found = {kind for kind, pattern in _MARKS if pattern.search(name)}
    for segment in name.split("|")[1:]:
        tokens = [t.strip() for t in segment.split(",") if t.strip()]
        if tokens and all(_TAIL_TOKEN.match(t) for t in tokens):
            found.update(_TAIL_LETTERS.get(t, DUB) for t in tokens)
    if dubbed and not found:
        found.add(DUB)
    return frozenset(found)


def _seasons(parsed: Mapping[str, Any], name: str) -> tuple[int, ...]:
    ranged = _RU_SEASON_RANGE.search(name)
    if ranged:
        first, last = int(ranged.group(1)), int(ranged.group(2))
        if 0 < first <= last <= 99:
            return tuple(range(first, last + 1))
    seasons = tuple(int(s) for s in parsed.get("seasons") or ())
    if not seasons:
        single = _RU_SEASON_ONE.search(name)
        if single:
            return (int(single.group(1) or single.group(2)),)
    return seasons


def _audio_only(name: str, resolution: int | None, source: str | None, codec: str | None) -> bool:
    """No picture: a soundtrack/discography mark, or an audio format with no video sign."""
    if resolution is not None:
        return False
    if _AUDIO_WORK.search(name):
        return True
    return codec is None and source not in _VIDEO_SOURCES and bool(_AUDIO_FORMAT.search(name))


def audio_category(category: str | None) -> bool:
    """A tracker section for music or audio ("Audio", "Саундтреки к фильмам (lossy)")."""
    return bool(category) and _AUDIO_CATEGORY.search(category or "") is not None


def parse_release(name: str) -> Release:
    """Parse one release name; PTT's part (~97% of the time) is cached by name."""
    parsed = parse_name(name)
    name = name[:MAX_SCANNED_NAME]
    resolution = RESOLUTIONS.get(str(parsed.get("resolution") or "").lower())
    if resolution is None and _UHD.search(name):
        resolution = 2160
    hdr = frozenset(str(h) for h in parsed.get("hdr") or () if str(h) != "SDR")
    if re.search(r"dolby\s*vision|\bdovi\b", name, re.I):
        hdr = hdr | {"DV"}
    languages = [str(code) for code in parsed.get("languages") or ()]
    dubbing = _dubbing(name, bool(parsed.get("dubbed")))
    if (dubbing or _RUS_AUDIO.search(name)) and "ru" not in languages:
        languages.append("ru")
    seasons = _seasons(parsed, name)
    source = _source(parsed.get("quality"), name)
    codec = _codec(parsed.get("codec"), name)
    episodes = tuple(int(e) for e in parsed.get("episodes") or ()) if seasons else ()
    return Release(
        title=str(parsed.get("title") or name),
        year=int(parsed["year"]) if parsed.get("year") else None,
        resolution=resolution,
        source=source,
        codec=codec,
        hdr=hdr,
        audio=tuple(str(a) for a in parsed.get("audio") or ()),
        languages=tuple(languages),
        dubbing=dubbing,
        seasons=seasons,
        episodes=episodes,
        complete=bool(parsed.get("complete")),
        audio_only=_audio_only(name, resolution, source, codec),
    )
