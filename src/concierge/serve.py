"""`concierge serve`: the HTTP app, chat front-ends and jobs, stopped gracefully on SIGTERM.

Roles: ``all`` (the default, one machine) runs everything; ``web`` runs the HTTP app and
the front-ends but no jobs or schedules (``concierge worker`` runs those, sending through
a send-only front-end). What a bot may run only once — Telegram long polling, Discord's
gateway — runs on the replica holding its lease (``core/leases.py``); the others send
only, and one of them takes over when the holder dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal, Protocol

import structlog
from starlette.routing import BaseRoute

from concierge.bootstrap import App, build_app
from concierge.config import Settings
from concierge.core.leases import Lease
from concierge.frontends.http.app import build_http_app
from concierge.frontends.http.server import HttpServer, raise_file_limit
from concierge.storage.leases import SqlLeases

log = structlog.get_logger(__name__)

DRAIN_SECONDS = 30.0


Role = Literal["all", "web"]


class FrontEnd(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def routes(self) -> Sequence[BaseRoute]: ...


class Telegram(FrontEnd, Protocol):
    @property
    def single(self) -> bool: ...

    async def start(self, *, receive: bool = True) -> None: ...

    async def start_receiving(self) -> None: ...

    async def stop_receiving(self) -> None: ...


def build_frontends(settings: Settings, app: App) -> list[FrontEnd]:
    """The chat front-ends the settings ask for (Telegram when a token is set)."""
    frontends: list[FrontEnd] = []
    telegram = build_telegram_frontend(settings, app)
    if telegram is not None:
        frontends.append(telegram)
    if settings.discord_bot_token is not None:
        frontends.append(_discord(settings, app))  # and Discord when its token is set
    return frontends


def build_telegram_frontend(settings: Settings, app: App) -> Telegram | None:
    if settings.telegram_bot_token is None:
        return None
    from concierge.frontends.telegram.wiring import build_telegram

    return build_telegram(settings, app)


def _discord(settings: Settings, app: App) -> FrontEnd:
    from concierge.frontends.discord.wiring import build_discord

    return build_discord(settings, app)


class _Singles:
    """The once-per-bot front-ends, each run under its lease; stopped in reverse."""

    def __init__(self, settings: Settings, app: App) -> None:
        self._settings = settings
        self._app = app
        self._store = SqlLeases(app.db)
        self.leases: list[Lease] = []
        self._discord: FrontEnd | None = None

    def _lease(
        self, name: str, gain: Callable[[], Awaitable[None]], loss: Callable[[], Awaitable[None]]
    ) -> Lease:
        lease = Lease(
            self._store,
            name,
            self._settings.replica_name(),
            on_gain=gain,
            on_loss=loss,
            metrics=self._app.metrics,
        )
        self.leases.append(lease)
        return lease

    def telegram(self, telegram: Telegram) -> Lease:
        return self._lease("telegram.polling", telegram.start_receiving, telegram.stop_receiving)

    def discord(self) -> Lease:
        async def gain() -> None:
            self._discord = _discord(self._settings, self._app)  # a fresh client each time
            await self._discord.start()

        async def loss() -> None:
            if self._discord is not None:
                await self._discord.stop()
                self._discord = None

        return self._lease("discord.gateway", gain, loss)


async def run_server(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[int], None] | None = None,
    role: Role = "all",
) -> None:
    """Serve until ``stop`` is set or SIGTERM/SIGINT arrives; then drain and exit."""
    stop = stop or asyncio.Event()
    raise_file_limit()
    app = await build_app(settings)
    app.metrics.set_replica(settings.replica_name(), role)
    singles = _Singles(settings, app)
    telegram = build_telegram_frontend(settings, app)
    receivers: list[FrontEnd] = [telegram] if telegram is not None and not telegram.single else []
    routes = [*app.registry.routes, *(r for f in receivers for r in f.routes())]
    http = HttpServer(
        build_http_app(db=app.db, metrics=app.metrics, routes=routes, stopping=stop.is_set),
        settings.http_host,
        settings.http_port,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    started: list[FrontEnd | Lease] = []
    try:
        await http.start()
        if telegram is not None:
            await telegram.start(receive=not telegram.single)
            started.append(telegram)
            if telegram.single:
                started.append(singles.telegram(telegram))
        if settings.discord_bot_token is not None:
            started.append(singles.discord())
        for lease in singles.leases:
            await lease.start()
        if role == "all":
            await app.jobs.start()
            await app.scheduler.start()
        log.info(
            "serving",
            host=settings.http_host,
            port=http.port,
            role=role,
            replica=settings.replica_name(),
            frontends=[type(f).__name__ for f in started if not isinstance(f, Lease)],
            leases={lease.name: lease.held for lease in singles.leases},
        )
        if on_ready is not None and http.port is not None:
            on_ready(http.port)
        await stop.wait()
        log.info("stopping", reason="signal")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        for item in reversed(started):  # stop taking new updates first
            await item.stop()
        await http.stop()
        if not await app.dispatcher.drain(DRAIN_SECONDS):
            log.warning("drain_timeout", seconds=DRAIN_SECONDS)
        await app.close()
        log.info("stopped")


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """`concierge worker`: jobs and schedules only, for deployments that separate them."""
    stop = stop or asyncio.Event()
    app = await build_app(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    telegram = build_telegram_frontend(settings, app)  # send-only: notices, progress, files
    try:
        if telegram is not None:
            await telegram.start(receive=False)
        await app.jobs.start()
        await app.scheduler.start()
        log.info(
            "worker_running",
            backend=settings.effective_jobs_backend(),
            replica=settings.replica_name(),
        )
        await stop.wait()
        log.info("stopping", reason="signal")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        if telegram is not None:
            await telegram.stop()
        await app.close()  # hands running jobs back to the queue
        log.info("stopped")
