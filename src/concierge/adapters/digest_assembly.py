"""Settings → the digests skill's pieces: TMDB lists, the feeds, the summary writer.

Called only by ``bootstrap.py``. The monitors skill's matches are wired in by the lead
(``matches``); without them the digest has no monitor section.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from concierge.adapters.retro_assembly import retro_model
from concierge.skills.digests import DigestsDeps
from concierge.skills.digests.ports import DigestWriter, MonitorMatches, ReleaseCatalog

if TYPE_CHECKING:
    from concierge.adapters.http import HttpFactory
    from concierge.config import Settings
    from concierge.core.deps import CoreServices


def digest_catalog(settings: Settings, http: HttpFactory) -> ReleaseCatalog | None:
    if settings.tmdb_api_key is None:
        return None
    from concierge.adapters.tmdb_discover import TmdbDiscover

    return TmdbDiscover(
        http,
        base_url=settings.tmdb_base_url,
        image_base_url=settings.tmdb_image_base_url,
        api_key=settings.tmdb_api_key.get_secret_value(),
    )


def digest_writer(settings: Settings) -> DigestWriter | None:
    """``DIGEST_SUMMARY``: auto (the default model when one is configured), llm, list."""
    if settings.digest_summary == "list":
        return None
    found = retro_model(settings)
    if found is None:
        if settings.digest_summary == "llm":
            raise ValueError("DIGEST_SUMMARY=llm needs a language model (LLM_PROVIDER and a key)")
        return None
    from concierge.skills.digests.writer import ModelDigestWriter

    return ModelDigestWriter(found[0], found[1], timeout=min(settings.llm_request_timeout, 60.0))


def digest_deps(
    settings: Settings,
    core: CoreServices,
    http: HttpFactory,
    matches: MonitorMatches | None = None,
) -> DigestsDeps:
    from concierge.adapters.rss_feeds import RssFeeds

    return DigestsDeps(
        core=core,
        buttons=core.buttons,
        catalog=digest_catalog(settings, http),
        feeds=RssFeeds(http, allow_private=settings.digest_feeds_allow_private)
        if settings.digest_feeds
        else None,
        feed_urls=tuple(settings.digest_feeds),
        matches=matches,
        writer=digest_writer(settings),
        cache_ttl=timedelta(minutes=settings.digest_cache_minutes),
    )
