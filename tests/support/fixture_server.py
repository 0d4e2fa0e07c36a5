"""A real HTTP server on 127.0.0.1 that answers from fixtures, for tests and bench/.

Runs uvicorn + Starlette in a background thread, so both async tests and plain
scripts can use it. Routes map a path to a handler; helpers build the common
answers (JSON, text, a status with headers, a hang, a sequence). Every request
is recorded, so a test can prove that a second search made no network call.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Hit:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None, delay: float = 0.0
) -> Handler:
    body = json.dumps(data, ensure_ascii=False).encode()
    return raw(body, status, "application/json; charset=utf-8", headers, delay)


def text(
    body: str,
    status: int = 200,
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
    delay: float = 0.0,
) -> Handler:
    return raw(body.encode(), status, content_type, headers, delay)


def raw(
    body: bytes,
    status: int = 200,
    content_type: str = "application/octet-stream",
    headers: dict[str, str] | None = None,
    delay: float = 0.0,
) -> Handler:
    async def handle(_request: Request) -> Response:
        if delay:
            await asyncio.sleep(delay)
        return Response(body, status_code=status, media_type=content_type, headers=headers)

    return handle


def fixture_file(path: Path, status: int = 200, delay: float = 0.0) -> Handler:
    kind = {
        ".json": "application/json; charset=utf-8",
        ".xml": "application/rss+xml; charset=utf-8",
        ".html": "text/html; charset=utf-8",
    }.get(path.suffix, "application/octet-stream")
    return raw(path.read_bytes(), status, kind, None, delay)


def hang(seconds: float = 30.0) -> Handler:
    """Accept the request and answer only after ``seconds`` (a stuck upstream).

    Gives up early when the server is stopping, so shutdown stays quick and quiet.
    """

    async def handle(request: Request) -> Response:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not request.app.state.stopping:  # noqa: ASYNC110 - the flag is set from another thread
            await asyncio.sleep(0.05)
        return Response(b"[]", media_type="application/json")

    return handle


def sequence(handlers: Iterable[Handler]) -> Handler:
    """Answer with each handler in turn, then keep repeating the last."""
    queue = list(handlers)

    async def handle(request: Request) -> Response:
        current = queue.pop(0) if len(queue) > 1 else queue[0]
        return await current(request)

    return handle


class FixtureServer:
    """``with FixtureServer({"/path": handler}) as server: server.url``."""

    def __init__(self, routes: dict[str, Handler] | None = None) -> None:
        self.routes: dict[str, Handler] = dict(routes or {})
        self.hits: list[Hit] = []
        self.port = free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._app: Starlette | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def hits_for(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    async def _dispatch(self, request: Request) -> Response:
        body = await request.body()
        self.hits.append(
            Hit(
                request.method,
                request.url.path,
                dict(request.query_params),
                dict(request.headers),
                body,
            )
        )
        handler = self.routes.get(request.url.path)
        if handler is None:
            return Response(b"no fixture for this path", status_code=404)
        return await handler(request)

    def start(self) -> FixtureServer:
        app = Starlette(
            routes=[Route("/{rest:path}", self._dispatch, methods=["GET", "POST", "HEAD"])]
        )
        app.state.stopping = False
        self._app = app
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="error",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fixture server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._app is not None:
            self._app.state.stopping = True
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
