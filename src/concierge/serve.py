"""`concierge serve`: the HTTP app, chat front-ends and jobs, stopped gracefully on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Sequence
from typing import Protocol

import structlog
from starlette.routing import BaseRoute

from concierge.bootstrap import App, build_app
from concierge.config import Settings
from concierge.frontends.http.app import build_http_app
from concierge.frontends.http.server import HttpServer, raise_file_limit

log = structlog.get_logger(__name__)

DRAIN_SECONDS = 30.0


class FrontEnd(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def routes(self) -> Sequence[BaseRoute]: ...


def build_frontends(settings: Settings, app: App) -> list[FrontEnd]:
    """The chat front-ends the settings ask for (Telegram when a token is set)."""
    frontends: list[FrontEnd] = []
    if settings.telegram_bot_token is not None:
        from concierge.frontends.telegram.wiring import build_telegram

        frontends.append(build_telegram(settings, app))
    return frontends


async def run_server(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[int], None] | None = None,
) -> None:
    """Serve until ``stop`` is set or SIGTERM/SIGINT arrives; then drain and exit."""
    stop = stop or asyncio.Event()
    raise_file_limit()
    app = await build_app(settings)
    frontends = build_frontends(settings, app)
    routes = [*app.registry.routes, *(r for f in frontends for r in f.routes())]
    http = HttpServer(
        build_http_app(db=app.db, metrics=app.metrics, routes=routes),
        settings.http_host,
        settings.http_port,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    started: list[FrontEnd] = []
    try:
        await http.start()
        for frontend in frontends:
            await frontend.start()
            started.append(frontend)
        await app.jobs.start()
        await app.scheduler.start()
        log.info(
            "serving",
            host=settings.http_host,
            port=http.port,
            frontends=[type(f).__name__ for f in frontends],
        )
        if on_ready is not None and http.port is not None:
            on_ready(http.port)
        await stop.wait()
        log.info("stopping", reason="signal")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        for frontend in reversed(started):  # stop taking new updates first
            await frontend.stop()
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
    try:
        await app.jobs.start()
        await app.scheduler.start()
        log.info("worker_running", backend=settings.effective_jobs_backend())
        await stop.wait()
        log.info("stopping", reason="signal")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        await app.close()  # hands running jobs back to the queue
        log.info("stopped")
