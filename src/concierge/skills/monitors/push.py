"""``monitors.push``: one match becomes one notice, and maybe a download.

Runs as the match's own job, so the buttons are created for the user here (stored:
they work after a restart) and the notice goes out through ``Notifier.enqueue``
under ``monitors.push:<monitor id>:<release key>``: sent once, however often this
job or the check before it runs. With auto-download the recommended release is
first sent to the user's own client (a repeat is harmless: the client already has
it, and the downloads skill tracks it once); its completion notice comes from the
downloads skill like any other download's.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from concierge.core.jobs import JobContext, JobKind, PermanentJobError, Retry
from concierge.core.messages import literal
from concierge.core.notify import Notifier
from concierge.skills.monitors.checker import PUSH_KIND, PushPayload
from concierge.skills.monitors.context import UserContexts
from concierge.skills.monitors.models import MonitorMatchRow
from concierge.skills.monitors.ports import OwnClient
from concierge.skills.monitors.render import PushView, push_card
from concierge.skills.monitors.store import MonitorStore
from concierge.skills.movies.render import TorrentButtonFactory
from concierge.skills.movies.service import MoviesService
from concierge.skills.movies.store import torrent_from_dict
from concierge.storage.repos import UserRepo

log = structlog.get_logger(__name__)


def push_key(match: MonitorMatchRow) -> str:
    return f"monitors.push:{match.monitor_id}:{match.release_key}"


class Pusher:
    def __init__(
        self,
        *,
        store: MonitorStore,
        users: UserRepo,
        notifier: Notifier,
        contexts: UserContexts,
        movies: MoviesService,
        own_client: OwnClient | None,
        torrent_buttons: Sequence[TorrentButtonFactory] = (),
    ) -> None:
        self._store = store
        self._users = users
        self._notifier = notifier
        self._contexts = contexts
        self._movies = movies
        self._own_client = own_client
        self._torrent_buttons = list(torrent_buttons)

    def job_kind(self) -> JobKind[PushPayload]:
        return JobKind(PUSH_KIND, PushPayload, self._run, retry=Retry(max_attempts=6))

    async def _run(self, _ctx: JobContext, payload: PushPayload) -> None:
        await self.push(payload.match_id)

    async def push(self, match_id: int) -> None:
        match = await self._store.match(match_id)
        if match is None:
            raise PermanentJobError(f"monitor match {match_id} is gone")
        user = await self._users.get(match.user_id)
        if user is None:
            raise PermanentJobError(f"user {match.user_id} no longer exists")
        monitor = await self._store.get(match.monitor_id)
        if monitor is None:
            log.info("monitor_push_skipped_removed", match=match.id, user=user.key)
            return
        ctx, _ = self._contexts.for_user(user)
        picks = [(p["role"], torrent_from_dict(p["result"])) for p in match.details["picks"]]
        sent: str | None = None
        best = picks[0][1]
        auto = monitor.auto or await self._store.user_auto(user.id)
        if match.auto_state == "sent":  # a rerun: the client has it already
            sent = ctx.t("monitors.push.auto_done", name=literal(best.name))
        elif auto and self._own_client is not None:
            outcome = await self._own_client.send(
                ctx, name=best.name, magnet=best.magnet, torrent_url=best.torrent_url
            )
            await self._store.set_auto_state(match.id, "sent" if outcome.added else "failed")
            if not outcome.added:
                log.warning("monitor_auto_download_failed", match=match.id, user=user.key)
            sent = outcome.text
        view = PushView(
            title=match.title,
            year=match.year,
            kind=match.kind,
            tmdb_id=match.tmdb_id,
            quality=match.quality,
            episode=match.details.get("episode"),
            pack=bool(match.details.get("pack")),
            poster_url=match.details.get("poster_url"),
            picks=picks,
            auto_text=sent,
        )
        card = await push_card(
            ctx, view, can_fetch_file=self._movies.can_fetch_torrent_file,
            extra_buttons=self._torrent_buttons,
        )  # fmt: skip
        await self._notifier.enqueue(user, card, key=push_key(match))
        log.info("monitor_push_queued", match=match.id, user=user.key, auto=bool(sent))
