"""Settings → vendor adapters for each skill; called only by ``bootstrap.py``.

Kept apart from bootstrap so the app's assembly stays readable and each skill's
adapters are listed in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.core.access import parse_owner_ids
from concierge.skills.downloads.client_url import parse_client_url
from concierge.skills.downloads.service import ClientPolicy

if TYPE_CHECKING:
    from concierge.adapters.http import HttpFactory
    from concierge.adapters.rutracker import RutrackerSource
    from concierge.config import Settings
    from concierge.core.deps import CoreServices
    from concierge.services.transcriber import Transcriber
    from concierge.skills.memory.ports import TraktService
    from concierge.skills.movies.ports import MetadataSource, RatingsSource, TorrentSource
    from concierge.skills.voice import VoiceDeps
    from concierge.storage.credentials import CredentialStore


def client_policy(settings: Settings) -> ClientPolicy:
    """TORRENT_CLIENT_URL (``?seedbox=1`` marks a remote seedbox), its users, the URL flag."""
    configured = settings.torrent_client_url
    raw = configured.get_secret_value() if configured is not None else ""
    url, _, query = raw.partition("?")
    return ClientPolicy(
        global_client=parse_client_url(url) if url else None,
        global_is_seedbox="seedbox=1" in query or "seedbox=true" in query,
        global_users=frozenset(parse_owner_ids(settings.torrent_client_users)),
        allow_private_urls=settings.allow_private_client_urls,
    )


def http_factory(settings: Settings) -> HttpFactory:
    """The metadata and tracker clients share one persistent cache under the data directory."""
    from concierge.adapters.http import HttpFactory

    cache = settings.data_dir / "http-cache" if settings.http_cache_enabled else None
    return HttpFactory(cache)


def rutracker_source(
    settings: Settings, http: HttpFactory, credentials: CredentialStore
) -> RutrackerSource | None:
    """RuTracker, when enabled: a torrent source and where users keep their own logins."""
    if "rutracker" not in {name.lower() for name in settings.torrent_sources}:
        return None
    from concierge.adapters.rutracker import RutrackerSource

    password = settings.rutracker_password
    return RutrackerSource(
        http,
        base_url=settings.rutracker_base_url,
        credentials=credentials,
        operator_username=settings.rutracker_username,
        operator_password=password.get_secret_value() if password else None,
    )


def torrent_sources(
    settings: Settings, http: HttpFactory, rutracker: RutrackerSource | None
) -> list[TorrentSource]:
    from concierge.adapters.apibay import ApibaySource
    from concierge.adapters.torapi import TorApiSource
    from concierge.adapters.torznab import TorznabSource

    enabled = {name.lower() for name in settings.torrent_sources}
    sources: list[TorrentSource] = []
    if "torapi" in enabled:
        sources.append(TorApiSource(http, base_url=settings.torapi_base_url))
    if "apibay" in enabled:
        sources.append(ApibaySource(http, base_url=settings.apibay_base_url))
    if rutracker is not None:
        sources.append(rutracker)
    for index, endpoint in enumerate(settings.torznab_endpoints):
        sources.append(TorznabSource(http, endpoint=endpoint, index=index))
    return sources


def metadata_catalog(settings: Settings, http: HttpFactory) -> MetadataSource | None:
    if settings.tmdb_api_key is None:
        return None
    from concierge.adapters.tmdb import TmdbCatalog

    return TmdbCatalog(
        http,
        base_url=settings.tmdb_base_url,
        image_base_url=settings.tmdb_image_base_url,
        api_key=settings.tmdb_api_key.get_secret_value(),
    )


def trakt_api(settings: Settings, http: HttpFactory) -> TraktService | None:
    """Trakt, when the operator registered an app (client id and secret)."""
    if not settings.trakt_client_id or settings.trakt_client_secret is None:
        return None
    from concierge.adapters.trakt import TraktApi, TraktApp

    app = TraktApp(settings.trakt_client_id, settings.trakt_client_secret.get_secret_value())
    return TraktApi(http, base_url=settings.trakt_base_url, app=app)


def ratings_sources(settings: Settings, http: HttpFactory) -> list[RatingsSource]:
    from concierge.adapters.kinopoisk import KinopoiskRatings
    from concierge.adapters.omdb import OmdbRatings

    ratings: list[RatingsSource] = []
    if settings.omdb_api_key is not None:
        ratings.append(
            OmdbRatings(
                http,
                base_url=settings.omdb_base_url,
                api_key=settings.omdb_api_key.get_secret_value(),
            )
        )
    if settings.kinopoisk_api_key is not None:
        ratings.append(
            KinopoiskRatings(
                http,
                base_url=settings.kinopoisk_base_url,
                api_key=settings.kinopoisk_api_key.get_secret_value(),
            )
        )
    return ratings


def transcriber(settings: Settings, http: HttpFactory) -> Transcriber | None:
    """STT_PROVIDER → the speech-to-text adapter (None when voice is off)."""
    provider = settings.effective_stt_provider()
    if provider == "off":
        return None
    if provider == "local":
        from concierge.adapters.stt_local import DecodeOptions, LocalWhisper

        return LocalWhisper(
            settings.stt_model,
            data_dir=settings.data_dir,
            threads=settings.stt_threads,
            timeout=settings.stt_timeout_seconds,
            options=DecodeOptions(
                beam_size=settings.stt_beam_size, vad_filter=settings.stt_vad_filter
            ),
        )
    from concierge.adapters.stt_openai import OPENAI_BASE_URL, OpenAITranscriber

    key = settings.stt_api_key or (settings.openai_api_key if provider == "openai" else None)
    return OpenAITranscriber(
        http,
        name=provider,
        base_url=settings.stt_base_url or OPENAI_BASE_URL,
        api_key=key.get_secret_value() if key is not None else None,
        model=settings.stt_openai_model,
        timeout=settings.stt_api_timeout_seconds,
        price_per_minute=settings.stt_price_per_minute,
    )


def voice_deps(settings: Settings, core: CoreServices, http: HttpFactory) -> VoiceDeps:
    """The voice skill's audio limits, temp folder and transcriber."""
    from concierge.services.voice import MB, AudioWorkshop, VoiceLimits
    from concierge.skills.voice import VoiceDeps

    limits = VoiceLimits(
        max_bytes=settings.voice_max_mb * MB,
        max_seconds=settings.voice_max_seconds,
        ffmpeg_timeout=settings.ffmpeg_timeout_seconds,
        min_free_bytes=settings.voice_min_free_mb * MB,
    )
    workshop = AudioWorkshop(settings.data_dir / "voice-tmp", limits)
    return VoiceDeps(core=core, workshop=workshop, transcriber=transcriber(settings, http))
