"""The one ASGI app: probes and metrics here, webhooks and skill APIs passed in as routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import structlog
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from concierge.core.metrics import Metrics
from concierge.storage.db import Database, DatabaseError

log = structlog.get_logger(__name__)

READY_TIMEOUT_SECONDS = 5.0
RESERVED_PATHS = frozenset({"/health", "/ready", "/metrics"})


async def readiness(db: Database, seconds: float = READY_TIMEOUT_SECONDS) -> str | None:
    """None when the database answers at the head revision, else a one-line reason."""
    try:
        current, head = await asyncio.wait_for(db.migration_status(), seconds)
    except DatabaseError as exc:
        return str(exc)
    except TimeoutError:
        return f"database did not answer within {seconds:g} s"
    if current != head:
        return (
            f"database schema at {current or 'no revision'}, expected {head}; "
            "run `concierge db upgrade`"
        )
    return None


def build_http_app(
    *,
    db: Database,
    metrics: Metrics,
    routes: Sequence[BaseRoute] = (),
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
    ready_timeout: float = READY_TIMEOUT_SECONDS,
    stopping: Callable[[], bool] = lambda: False,
) -> Starlette:
    """Probes for the orchestrator, Prometheus text for the scraper, plus ``routes``.

    ``stopping`` turns ``/ready`` false as soon as SIGTERM arrives, so a load balancer
    stops sending before the replica stops taking updates.
    """
    clashing = sorted(RESERVED_PATHS & {getattr(r, "path", "") for r in routes})
    if clashing:
        raise ValueError(f"routes may not take over {', '.join(clashing)}")

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(_request: Request) -> Response:
        if stopping():
            return JSONResponse({"status": "stopping"}, status_code=503)
        reason = await readiness(db, ready_timeout)
        if reason is None:
            return JSONResponse({"status": "ready"})
        log.warning("not_ready", reason=reason)
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)

    async def prometheus(_request: Request) -> Response:
        return Response(await metrics.scrape(), media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if on_shutdown is not None:
            await on_shutdown()

    return Starlette(
        routes=[
            Route("/health", health, methods=["GET", "HEAD"]),
            Route("/ready", ready, methods=["GET", "HEAD"]),
            Route("/metrics", prometheus, methods=["GET"]),
            *routes,
        ],
        lifespan=lifespan,
    )
