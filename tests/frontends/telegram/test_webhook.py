"""Webhook mode: Telegram POSTs updates to the shared ASGI app with its secret token."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from pydantic import SecretStr
from starlette.applications import Starlette

from concierge.frontends.telegram.app import TelegramFrontend
from concierge.storage.db import Database
from tests.frontends.telegram.conftest import OWNER, Stack, build_stack, running
from tests.support.fake_telegram import FakeTelegram


class _Dispatching:
    """Forwards to whichever app is current, so a 'restarted' bot can take the same port."""

    def __init__(self, holder: dict[str, Starlette]) -> None:
        self.holder = holder

    async def __call__(self, scope: object, receive: object, send: object) -> None:
        await self.holder["app"](scope, receive, send)  # type: ignore[arg-type]


@asynccontextmanager
async def webhook_bot(
    stack: Stack, fake: FakeTelegram, secret: str | None = None
) -> AsyncIterator[TelegramFrontend]:
    holder: dict[str, Starlette] = {}
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    frontend = stack.frontend(
        fake,
        webhook_url=f"http://127.0.0.1:{port}/tg/hook",
        webhook_secret=SecretStr(secret) if secret else None,
    )
    holder["app"] = Starlette(routes=frontend.routes())
    server = uvicorn.Server(
        uvicorn.Config(_Dispatching(holder), lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:  # noqa: ASYNC110 (uvicorn only exposes a flag)
            await asyncio.sleep(0.01)
        async with running(frontend):
            yield frontend
    finally:
        server.should_exit = True
        await task


async def test_webhook_registers_a_secret_and_rejects_wrong_ones(
    fake: FakeTelegram, stack: Stack
) -> None:
    async with webhook_bot(stack, fake):
        assert fake.webhook is not None
        assert fake.webhook["url"].endswith("/tg/hook")
        secret = fake.webhook["secret_token"]
        assert secret and len(secret) >= 32  # random when not configured

        update = fake.text_update(OWNER, "/start")
        update["update_id"] = 1
        wrong = await asyncio.wrap_future(fake.deliver(update, secret="not-the-secret"))
        missing = await asyncio.wrap_future(fake.deliver(update, secret=None))
        assert (wrong, missing) == (401, 401)
        await asyncio.sleep(0.2)
        assert await stack.users.find("telegram", OWNER) is None  # never reached the dispatcher
        assert fake.sent_texts() == []

        assert await asyncio.wrap_future(fake.deliver(update)) == 200
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
    assert not [c for c in fake.calls_to() if not c.ok]
    assert not any(c.method == "getUpdates" for c in fake.calls_to())


async def test_same_update_delivered_twice_is_handled_once(
    fake: FakeTelegram, sqlite_db: Database
) -> None:
    update = fake.text_update(OWNER, "/menu")
    update["update_id"] = 77
    stack = build_stack(sqlite_db)
    async with webhook_bot(stack, fake, secret="configured-secret_1"):
        assert fake.webhook is not None and fake.webhook["secret_token"] == "configured-secret_1"
        statuses = await asyncio.gather(
            asyncio.wrap_future(fake.deliver(update)), asyncio.wrap_future(fake.deliver(update))
        )
        assert list(statuses) == [200, 200]  # Telegram must not retry
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
        await asyncio.sleep(0.2)

    # Redelivered after a restart (nothing in memory): the update log still knows it.
    restarted = build_stack(sqlite_db)
    async with webhook_bot(restarted, fake, secret="configured-secret_1"):
        assert await asyncio.wrap_future(fake.deliver(update)) == 200
        await asyncio.sleep(0.3)
    assert fake.sent_texts(OWNER) == ["Pick one:"]


async def test_bad_webhook_bodies_are_refused(fake: FakeTelegram, stack: Stack) -> None:
    import httpx

    async with webhook_bot(stack, fake) as frontend:
        assert fake.webhook is not None
        url, secret = fake.webhook["url"], fake.webhook["secret_token"]
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with httpx.AsyncClient() as client:
            not_json = await client.post(url, content=b"{nope", headers=headers)
            no_id = await client.post(url, json={"message": {}}, headers=headers)
            get = await client.get(url, headers=headers)
        assert (not_json.status_code, no_id.status_code, get.status_code) == (400, 400, 405)
        assert frontend.webhook_path == "/tg/hook"
