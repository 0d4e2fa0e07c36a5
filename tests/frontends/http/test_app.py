"""The probes, metrics and graceful stop, over real HTTP on a loopback port."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from concierge.core.metrics import Metrics
from concierge.frontends.http.app import build_http_app
from concierge.frontends.http.server import HttpServer, HttpServerError, serve_http
from concierge.storage.db import Database

Serve = Callable[..., Awaitable[str]]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sqlite_db(path: Path) -> Database:
    return Database(f"sqlite+aiosqlite:///{path}")


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Starts an app on a free port and returns its base URL; stops everything after."""
    servers: list[HttpServer] = []
    databases: list[Database] = []

    async def start(
        db: Database,
        metrics: Metrics | None = None,
        routes: list[BaseRoute] | None = None,
        stopping: asyncio.Event | None = None,
    ) -> str:
        databases.append(db)
        app = build_http_app(
            db=db,
            metrics=metrics or Metrics(),
            routes=routes or [],
            stopping=(stopping or asyncio.Event()).is_set,
        )
        server = HttpServer(app, "127.0.0.1", 0)
        await server.start()
        servers.append(server)
        return f"http://127.0.0.1:{server.port}"

    yield start
    for server in servers:
        await server.stop()
    for db in databases:
        await db.close()


async def test_health_answers_ok(serve: Serve, tmp_path: Path) -> None:
    base = await serve(sqlite_db(tmp_path / "c.db"))
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_once_migrated(serve: Serve, tmp_path: Path) -> None:
    db = sqlite_db(tmp_path / "c.db")
    await db.upgrade()
    base = await serve(db)
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_a_stopping_replica_is_not_ready_but_still_healthy(
    serve: Serve, tmp_path: Path
) -> None:
    db = sqlite_db(tmp_path / "c.db")
    await db.upgrade()
    stopping = asyncio.Event()
    base = await serve(db, stopping=stopping)
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        assert (await client.get("/ready")).status_code == 200
        stopping.set()  # SIGTERM: the load balancer must stop sending here
        response = await client.get("/ready")
        assert response.status_code == 503 and response.json() == {"status": "stopping"}
        assert (await client.get("/health")).status_code == 200


async def test_not_ready_before_migrations_says_what_to_do(serve: Serve, tmp_path: Path) -> None:
    base = await serve(sqlite_db(tmp_path / "c.db"))
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert "concierge db upgrade" in body["reason"]
    assert "\n" not in body["reason"]


@pytest.mark.parametrize("backend", ["sqlite-directory", "postgres-closed-port"])
async def test_not_ready_when_database_unreachable(
    serve: Serve, tmp_path: Path, backend: str
) -> None:
    if backend == "sqlite-directory":  # the "file" is a directory: cannot be opened
        (tmp_path / "db-is-a-dir").mkdir()
        db = sqlite_db(tmp_path / "db-is-a-dir")
    else:
        db = Database(f"postgresql+asyncpg://concierge:pw@127.0.0.1:{closed_port()}/concierge")
    base = await serve(db)
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    reason = response.json()["reason"]
    assert reason.startswith("database unreachable: ")
    assert "Traceback" not in response.text
    assert "\n" not in reason


async def test_metrics_expose_counters_after_updates(serve: Serve, tmp_path: Path) -> None:
    metrics = Metrics()
    metrics.updates.labels(platform="telegram", kind="text").inc(3)
    metrics.tool_calls.labels(tool="search_movies").inc()
    metrics.latency.labels(kind="text").observe(0.2)
    base = await serve(sqlite_db(tmp_path / "c.db"), metrics)
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    text = response.text
    assert 'concierge_updates_total{kind="text",platform="telegram"} 3.0' in text
    assert 'concierge_tool_calls_total{tool="search_movies"} 1.0' in text
    assert 'concierge_update_seconds_bucket{kind="text",le="0.25"} 1.0' in text


async def test_passed_in_routes_are_served_next_to_probes(serve: Serve, tmp_path: Path) -> None:
    async def webhook(request: Request) -> Response:
        return PlainTextResponse(f"got {len(await request.body())} bytes")

    base = await serve(
        sqlite_db(tmp_path / "c.db"), routes=[Route("/telegram/webhook", webhook, methods=["POST"])]
    )
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        response = await client.post("/telegram/webhook", content=b"12345")
    assert response.text == "got 5 bytes"


def test_routes_cannot_shadow_the_probes(tmp_path: Path) -> None:
    async def fake(_request: Request) -> Response:
        return PlainTextResponse("mine")

    with pytest.raises(ValueError, match="/health"):
        build_http_app(
            db=sqlite_db(tmp_path / "c.db"), metrics=Metrics(), routes=[Route("/health", fake)]
        )


async def test_stop_lets_an_in_flight_request_finish_and_refuses_new_ones(tmp_path: Path) -> None:
    entered = asyncio.Event()
    shutdown_ran: list[str] = []

    async def slow(_request: Request) -> Response:
        entered.set()
        await asyncio.sleep(0.5)
        return PlainTextResponse("finished")

    async def on_shutdown() -> None:
        shutdown_ran.append("yes")

    db = sqlite_db(tmp_path / "c.db")
    app = build_http_app(
        db=db, metrics=Metrics(), routes=[Route("/slow", slow)], on_shutdown=on_shutdown
    )
    server = HttpServer(app, "127.0.0.1", 0)
    await server.start()
    base = f"http://127.0.0.1:{server.port}"
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        in_flight = asyncio.create_task(client.get("/slow"))
        await entered.wait()
        await server.stop()
        response = await in_flight
    assert response.status_code == 200
    assert response.text == "finished"
    assert shutdown_ran == ["yes"]
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/health")
    await db.close()


async def test_taken_port_is_a_typed_error(tmp_path: Path) -> None:
    db = sqlite_db(tmp_path / "c.db")
    app = build_http_app(db=db, metrics=Metrics(), routes=[])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = HttpServer(app, "127.0.0.1", int(taken.getsockname()[1]))
        with pytest.raises(HttpServerError, match=r"cannot listen on 127\.0\.0\.1"):
            await server.start()
    await db.close()


async def test_serve_http_runs_until_cancelled(tmp_path: Path) -> None:
    db = sqlite_db(tmp_path / "c.db")
    app = build_http_app(db=db, metrics=Metrics(), routes=[])
    port = closed_port()
    started = asyncio.Event()
    task = asyncio.create_task(serve_http(app, "127.0.0.1", port, started=started))
    await asyncio.wait_for(started.wait(), 5)
    async with httpx.AsyncClient(timeout=5) as client:
        assert (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with httpx.AsyncClient(timeout=2) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/health")
    await db.close()


async def test_app_whose_startup_fails_is_a_typed_error_and_can_be_stopped(
    tmp_path: Path,
) -> None:
    async def broken_shutdown() -> None:
        return None

    db = sqlite_db(tmp_path / "c.db")
    app = build_http_app(db=db, metrics=Metrics(), routes=[], on_shutdown=broken_shutdown)

    async def lifespan_fails(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.failed", "message": "no skills"})
            return
        await app(scope, receive, send)

    server = HttpServer(lifespan_fails, "127.0.0.1", 0)
    with pytest.raises(HttpServerError, match="failed to start"):
        await server.start()
    await server.stop()  # nothing left to stop; must not raise again
    await db.close()
