"""The fake Discord's gateway websocket (mixed into FakeDiscord, see fake_discord.py).

HELLO on connect; IDENTIFY → READY (the guild unavailable) then its GUILD_CREATE, or close
4014 when the app may not use the Message Content intent; heartbeat → ACK; injected
dispatches as op 0 frames with increasing sequence numbers.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from tests.support.fake_discord_payloads import Payloads

MESSAGE_CONTENT = 1 << 15


class GatewayMixin:
    payloads: Payloads
    message_content: bool
    identified: int
    intents: int | None
    heartbeats: int
    _ws: web.WebSocketResponse | None
    _seq: int
    _loop: asyncio.AbstractEventLoop | None

    @property
    def gateway_url(self) -> str:
        raise NotImplementedError

    async def wait_for(self, predicate: Any, seconds: float = 10.0, what: str = "") -> None:
        raise NotImplementedError

    async def ready(self) -> None:
        await self.wait_for(lambda: self.identified > 0 and self._ws is not None, what="IDENTIFY")

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Push a gateway DISPATCH (op 0) to the connected client (blocks until sent)."""
        self._send(event, data).result(5)

    async def push(self, event: str, data: dict[str, Any]) -> None:
        """``dispatch`` without blocking the caller's event loop (for bursts, benches)."""
        await asyncio.wrap_future(self._send(event, data))

    def _send(self, event: str, data: dict[str, Any]) -> Future[None]:
        loop = self._loop
        assert loop is not None

        async def send() -> None:
            assert self._ws is not None, "no client connected to the gateway"
            self._seq += 1
            await self._ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

        return asyncio.run_coroutine_threadsafe(send(), loop)

    # --- gateway ----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            op = frame.get("op")
            if op == 1:
                self.heartbeats += 1
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                self.identified += 1
                self.intents = frame["d"].get("intents")
                if not self.message_content and self.intents & MESSAGE_CONTENT:
                    await ws.close(code=4014, message=b"Disallowed intent(s).")
                    break
                await self._ready(ws)
        if self._ws is ws:
            self._ws = None
        return ws

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        from tests.support.fake_discord import APP_ID, GUILD_ID

        self._seq += 1
        ready = {
            "v": 10,
            "user": self.payloads.bot_user(),
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": self._seq, "d": ready}))
        self._seq += 1
        guild = self.payloads.guild()
        await ws.send_str(json.dumps({"op": 0, "t": "GUILD_CREATE", "s": self._seq, "d": guild}))
