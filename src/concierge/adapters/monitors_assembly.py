"""Settings → the monitors skill's pieces, and its bridge to the downloads skill.

Auto-download must reach the user's *own* client: ``OwnClientBridge`` sends through a
``DownloadService`` whose policy has no global client, and refuses users without one
of their own, so the operator's client is never used. The download is recorded like
any other, so the downloads skill's monitor sends its completion notice once.
Called only by ``bootstrap.py``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import structlog

from concierge.adapters.assembly import client_policy
from concierge.core.messages import literal
from concierge.core.skill import Context
from concierge.core.torrents import InvalidTorrent
from concierge.core.urlguard import UnsafeURL
from concierge.skills.downloads.factory import default_factory
from concierge.skills.downloads.failures import SEND
from concierge.skills.downloads.service import DownloadService, NoClientConfigured
from concierge.skills.memory import preferences
from concierge.skills.monitors import MonitorsDeps
from concierge.skills.monitors.ports import SendOutcome
from concierge.storage.flows import SqlFlows

if TYPE_CHECKING:
    from concierge.config import Settings
    from concierge.core.deps import CoreServices
    from concierge.skills.movies.render import TorrentButtonFactory
    from concierge.skills.movies.service import MoviesService

log = structlog.get_logger(__name__)

FALLBACK_FETCH_SECONDS = 6.0  # the .torrent, when a magnet could be sent instead
FETCH_SECONDS = 15.0


class OwnClientBridge:
    """``monitors.ports.OwnClient`` over the downloads skill's service."""

    def __init__(self, service: DownloadService) -> None:
        self._service = service

    async def send(
        self, ctx: Context, *, name: str, magnet: str | None, torrent_url: str | None
    ) -> SendOutcome:
        if await self._service.own_client(ctx.user.id) is None:
            return SendOutcome(False, ctx.t("monitors.auto.no_client"))
        try:
            torrent = await self._torrent(ctx, torrent_url, magnet)
            added = await self._service.send(
                ctx.user, ctx.inbound.chat.key, magnet=magnet, torrent=torrent, name=name
            )
        except NoClientConfigured:
            return SendOutcome(False, ctx.t("monitors.auto.no_client"))
        except UnsafeURL:
            return SendOutcome(False, ctx.t("downloads.send.invalid"))
        except SEND.errors as exc:
            return SendOutcome(False, SEND.text(ctx, exc))
        return SendOutcome(True, ctx.t("monitors.push.auto_done", name=literal(added.name)))

    async def _torrent(self, ctx: Context, url: str | None, magnet: str | None) -> bytes | None:
        """The .torrent first (it carries a private tracker's passkey), else the magnet."""
        if not url:
            return None
        timeout = FALLBACK_FETCH_SECONDS if magnet else FETCH_SECONDS
        try:
            return await self._service.fetch_torrent(url, ctx.user, timeout=timeout)
        except (InvalidTorrent, UnsafeURL) as exc:
            if not magnet:
                raise
            log.info(
                "monitor_torrent_unavailable_sending_magnet", user=ctx.user.key, reason=str(exc)
            )
            return None


def monitors_deps(
    settings: Settings,
    core: CoreServices,
    movies: MoviesService,
    torrent_buttons: list[TorrentButtonFactory],
) -> MonitorsDeps:
    """Ranking by the user's stored answers (memory), auto-download to their own client."""
    policy = client_policy(settings)
    own = DownloadService(
        db=core.db,
        credentials=core.credentials,
        factory=default_factory,
        policy=replace(policy, global_client=None),  # never the operator's client
    )
    return MonitorsDeps(
        core=core,
        movies=movies,
        buttons=core.buttons,
        flows=SqlFlows(core.db),
        own_client=OwnClientBridge(own),
        preferences=preferences(core),
        torrent_buttons=torrent_buttons,
        per_user=settings.monitors_per_user,
        tick_seconds=float(settings.monitors_tick_seconds),
    )
