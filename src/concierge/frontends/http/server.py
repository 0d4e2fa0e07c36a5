"""uvicorn run inside our event loop, started and stopped by the CLI, not by signals."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import socket
from collections.abc import Iterator

import structlog
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

log = structlog.get_logger(__name__)


class HttpServerError(RuntimeError):
    """The server could not bind its address or its app failed to start."""


MAX_CONNECTIONS = 4096  # past this (or the open-files limit) uvicorn answers 503
IDLE_SECONDS = 10.0  # a connection that sends no request within this is closed
KEEP_ALIVE_SECONDS = 5


class _IdleClosingProtocol(H11Protocol):
    """uvicorn times out idle keep-alive connections only after a first response; this
    also closes a fresh connection that never sends a request, so idle sockets cannot
    pile up until the process runs out of file descriptors."""

    idle_seconds = IDLE_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(
            self.idle_seconds, self.timeout_keep_alive_handler
        )


def raise_file_limit() -> int:
    """Lift the soft open-files limit to the hard one (many chats, many sockets)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            return target
    return soft


class _Server(uvicorn.Server):
    """The CLI owns SIGINT/SIGTERM and calls ``stop()``; uvicorn must not take them over."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    """Bind ourselves so a taken port is a typed error, not uvicorn's ``sys.exit``."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise HttpServerError(f"cannot resolve HTTP_HOST {host!r}: {exc.strerror}") from exc
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # accepted sockets inherit this on Linux; without it small replies wait ~40 ms (Nagle)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise HttpServerError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.set_inheritable(True)
    return sock


class HttpServer:
    """``await start()`` returns once listening; ``await stop()`` drains in-flight requests."""

    def __init__(
        self,
        app: ASGIApp,
        host: str,
        port: int,
        *,
        graceful_timeout: int = 30,
        max_connections: int = MAX_CONNECTIONS,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self._app = app
        self._max_connections = max_connections
        self._idle_seconds = idle_seconds
        self._host = host
        self._port = port
        self._graceful_timeout = graceful_timeout
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port: int | None = None  # the bound port, also when asked for port 0

    async def start(self) -> None:
        if self._task is not None:
            raise HttpServerError("HTTP server already started")
        sock = _bind(self._host, self._port)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self._app,
            log_config=None,  # our logging pipeline formats uvicorn's records
            lifespan="on",
            timeout_graceful_shutdown=self._graceful_timeout,
            server_header=False,
            http=type("IdleClosing", (_IdleClosingProtocol,), {"idle_seconds": self._idle_seconds}),
            limit_concurrency=min(
                self._max_connections,
                max(64, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 128),  # keep fds spare
            ),
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            h11_max_incomplete_event_size=16 * 1024,  # request line + headers
        )
        server = _Server(config)
        self._server = server
        task = asyncio.create_task(self._serve(server, sock), name="http-server")
        self._task = task
        while not server.started:
            if task.done():
                self._server = self._task = None
                await task  # raises HttpServerError
                raise HttpServerError("HTTP server stopped during startup")
            await asyncio.sleep(0.01)
        log.info("http_listening", host=self._host, port=self.port)

    async def _serve(self, server: _Server, sock: socket.socket) -> None:
        try:
            await server.serve(sockets=[sock])
        except SystemExit as exc:  # uvicorn exits the process when the app's startup fails
            raise HttpServerError("HTTP app failed to start; see the previous log event") from exc
        finally:
            sock.close()

    async def stop(self) -> None:
        """Stop accepting, let in-flight requests finish, run the app's shutdown."""
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await self._task
        finally:
            self._server = None
            self._task = None
            log.info("http_stopped", host=self._host, port=self.port)

    async def wait(self) -> None:
        """Until the server exits (after ``stop()`` or a failure)."""
        if self._task is not None:
            await asyncio.shield(self._task)


async def serve_http(
    app: ASGIApp, host: str, port: int, *, started: asyncio.Event | None = None
) -> None:
    """Serve until cancelled; cancelling shuts down gracefully before re-raising."""
    server = HttpServer(app, host, port)
    await server.start()
    if started is not None:
        started.set()
    try:
        await server.wait()
    finally:
        await server.stop()
