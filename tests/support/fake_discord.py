"""A fake Discord (REST + gateway websocket) on loopback, for the real discord.py client.

It runs in its own thread and event loop (like a separate server). The gateway says
HELLO, answers IDENTIFY with READY and one GUILD_CREATE, acknowledges heartbeats and
pushes injected dispatches (INTERACTION_CREATE, MESSAGE_CREATE). REST serves the routes
the bot calls (users/@me, applications/@me, bulk command overwrite, interaction
callbacks, webhook edits and follow-ups, channel messages, DM channels, typing,
attachment download), records every call and can answer with injected 429s carrying
Discord's headers and body. Payload shapes follow https://discord.com/developers/docs;
a malformed dispatch would end ``Client.start()``, so builders here produce full ones.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.support.fake_discord_gateway import GatewayMixin
from tests.support.fake_discord_payloads import Payloads

TOKEN = "ODk2NTQzMjEwOTg3NjU0MzIx.fake.discord-token-for-tests-only"
BOT_ID = 896543210987654321
APP_ID = 896543210987654321
GUILD_ID = 700000000000000001
CHANNEL_ID = 700000000000000002
DISCORD_EPOCH_MS = 1_420_070_400_000
MAX_CONTENT = 2000
MAX_EMBEDS = 10


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Call:
    method: str
    path: str
    route: str  # e.g. "POST /channels/{channel_id}/messages"
    body: Any
    status: int
    result: Any
    at: float
    params: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class _Failure:
    route: str
    count: int
    retry_after: float
    is_global: bool


_ROUTES: list[tuple[str, str]] = [
    ("GET", "/users/@me"),
    ("GET", "/oauth2/applications/@me"),
    ("PUT", "/applications/{app_id}/commands"),
    ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands"),
    ("POST", "/interactions/{interaction_id}/{token}/callback"),
    ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}"),
    ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}"),
    ("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}"),
    ("POST", "/webhooks/{app_id}/{token}"),
    ("POST", "/users/@me/channels"),
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}"),
    ("POST", "/channels/{channel_id}/typing"),
]


def _pattern(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{regex}$")


_COMPILED = [(m, t, _pattern(t)) for m, t in _ROUTES]


class FakeDiscord(GatewayMixin):
    def __init__(
        self,
        *,
        token: str = TOKEN,
        dm_closed: frozenset[int] = frozenset(),
        message_content: bool = True,  # the privileged intent is switched on for the app
    ) -> None:
        self.token = token
        self.message_content = message_content
        self.port = 0
        self.calls: list[Call] = []
        self.identified = 0
        self.intents: int | None = None
        self.heartbeats = 0
        self.dm_closed = set(dm_closed)
        self.messages: dict[int, dict[str, Any]] = {}  # every message the bot posted, by id
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" | guild id → commands
        self.attachments: dict[str, bytes] = {}
        self._ids = itertools.count(1)
        self._failures: list[_Failure] = []
        self._interactions: dict[str, dict[str, Any]] = {}  # token → interaction payload
        self._originals: dict[str, int] = {}  # token → message id of the original response
        self._ws: web.WebSocketResponse | None = None
        self._seq = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        self.payloads = Payloads(self)

    # --- lifecycle --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def start(self) -> FakeDiscord:
        started = threading.Event()

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            app = web.Application(client_max_size=64 * 1024 * 1024)
            app.router.add_route("GET", "/gateway", self._gateway)
            app.router.add_route("GET", "/attachments/{name}", self._attachment)
            app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self._stopped = asyncio.Event()
            started.set()
            await self._stopped.wait()  # until stop()

        self._thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
        self._thread.start()
        if not started.wait(5):
            raise RuntimeError("fake Discord did not start")
        return self

    def stop(self) -> None:
        loop, runner = self._loop, self._runner
        if loop is None or runner is None:
            return

        async def shutdown() -> None:
            if self._ws is not None and not self._ws.closed:
                await self._ws.close()
            await runner.cleanup()
            assert self._stopped is not None
            self._stopped.set()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(5)
        self._runner = None
        if self._thread is not None:
            self._thread.join(5)

    # --- what tests do ----------------------------------------------------------------

    def fail(
        self, route: str, count: int = 1, *, retry_after: float = 0.05, is_global: bool = False
    ) -> None:
        """Answer the next ``count`` calls of ``route`` ("POST /channels/{channel_id}/messages")
        with 429 and Discord's rate-limit headers and body."""
        self._failures.append(_Failure(route, count, retry_after, is_global))

    def calls_to(self, *routes: str) -> list[Call]:
        return [c for c in self.calls if not routes or c.route in routes]

    def summary(self) -> list[str]:
        return [f"{c.route}:{c.status}" for c in self.calls]

    async def wait_for(
        self, predicate: Callable[[], bool], seconds: float = 10.0, what: str = "condition"
    ) -> None:
        deadline = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; calls: {self.summary()}")
            await asyncio.sleep(0.01)

    def visible(self, channel_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a channel as users see them now, oldest first."""
        return [
            m
            for m in self.messages.values()
            if int(m["channel_id"]) == channel_id and not m.get("deleted")
        ]

    def new_id(self, ago: float = 0.0) -> int:
        """A snowflake of now (or ``ago`` seconds back): discord.py reads creation times,
        and so an interaction token's expiry, from it."""
        millis = int((time.time() - ago) * 1000) - DISCORD_EPOCH_MS
        return (millis << 22) | (next(self._ids) & 0x3FFFFF)

    # --- REST -------------------------------------------------------------------------

    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # discord.py parses a body as JSON only for exactly "application/json"
        return web.Response(
            body=json.dumps(data).encode(),
            status=status,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, headers={"Content-Type": "application/octet-stream"})

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        found = next(
            (
                (m, t, r.match(path))
                for m, t, r in _COMPILED
                if m == request.method and r.match(path)
            ),
            None,
        )
        if found is None or found[2] is None:
            return self._json({"message": "404: Not Found", "code": 0}, 404)
        method, template, match = found
        route = f"{method} {template}"
        body, files = await self._body(request)
        call = Call(
            request.method, path, route, body, 0, None, time.monotonic(), dict(request.query)
        )
        call.files = files
        self.calls.append(call)
        token_routes = ("/webhooks/", "/interactions/")  # authorised by the interaction token
        authorised = request.headers.get("Authorization") == f"Bot {self.token}"
        if not authorised and not any(part in path for part in token_routes):
            call.status, call.result = 401, {"message": "401: Unauthorized", "code": 0}
            return self._json(call.result, 401)
        failure = next((f for f in self._failures if f.route == route and f.count > 0), None)
        if failure is not None:
            failure.count -= 1
            call.status = 429
            call.result = {
                "message": "You are being rate limited.",
                "retry_after": failure.retry_after,
                "global": failure.is_global,
            }
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(max(1, int(failure.retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": str(failure.retry_after),
                "X-RateLimit-Bucket": "fake-bucket",
            }
            if failure.is_global:
                headers["X-RateLimit-Global"] = "true"
            return self._json(call.result, 429, headers)
        try:
            status, result = self.payloads.answer(route, match.groupdict(), body, files, call)
        except _Refused as exc:
            status, result = exc.status, {"message": exc.message, "code": exc.code}
        call.status, call.result = status, result
        if status == 204:
            return web.Response(status=204)
        return self._json(result, status, {"X-RateLimit-Remaining": "4", "X-RateLimit-Limit": "5",
                                           "X-RateLimit-Reset-After": "1.0"})  # fmt: skip

    @staticmethod
    async def _body(request: web.Request) -> tuple[Any, dict[str, bytes]]:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            files: dict[str, bytes] = {}
            payload: Any = None
            for key, value in form.items():
                if key == "payload_json":
                    payload = json.loads(str(value))
                elif isinstance(value, web.FileField):
                    files[value.filename] = value.file.read()
            return payload, files
        raw = await request.read()
        if not raw:
            return None, {}
        if request.content_type != "application/json":
            raise web.HTTPBadRequest(text="Content-Type must be application/json")
        return json.loads(raw), {}


class _Refused(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def refuse(status: int, code: int, message: str) -> _Refused:
    return _Refused(status, code, message)
