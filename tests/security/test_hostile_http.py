"""Hostile HTTP: no 5xx, bounded memory, idle sockets closed — on the real server too.

Every entry point reads its body through ``frontends/http/bodies.py``; the webhook
answers updates python-telegram-bot cannot read with 200 (Telegram would redeliver
them forever otherwise) and drops them. A hypothesis suite throws generated bodies at
the webhook and the sync API on SQLite and Postgres and counts server errors.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from starlette.routing import Route
from telegram.ext import Application, ApplicationBuilder

from concierge.core.metrics import Metrics
from concierge.frontends.http.app import build_http_app
from concierge.frontends.http.server import HttpServer
from concierge.frontends.telegram.webhook import MAX_WEBHOOK_BODY, SECRET_HEADER, WebhookEndpoint
from concierge.skills.downloads.service import ClientPolicy
from concierge.skills.downloads.sync_api import SyncAPI
from concierge.storage.credentials import CredentialStore
from concierge.storage.db import Database
from concierge.storage.secrets import SecretBox, generate_key
from tests.skills.downloads.support import Inbox, build
from tests.support.fake_telegram import TOKEN

SECRET = "hook-secret_0123456789"
KEY = "k3y-for-the-nas-companion"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))  # 5000 for the figures


def _webhook() -> tuple[Application, WebhookEndpoint]:  # type: ignore[type-arg]
    application = ApplicationBuilder().token(TOKEN).updater(None).build()
    endpoint = WebhookEndpoint(application, SecretStr(SECRET))
    endpoint.accepting = True
    return application, endpoint


def _app(db: Database) -> tuple[Any, Application]:  # type: ignore[type-arg]
    application, endpoint = _webhook()
    d = build(db, CredentialStore(db, SecretBox([generate_key()])), Inbox(), ClientPolicy())
    sync = SyncAPI(db=db, api_key=KEY, monitor=d.monitor, library=d.library)
    routes = [Route("/hook", endpoint.handle, methods=["POST"]), *sync.routes()]
    return build_http_app(db=db, metrics=Metrics(), routes=routes), application


@asynccontextmanager
async def _client(db: Database) -> AsyncIterator[tuple[httpx.AsyncClient, Application]]:  # type: ignore[type-arg]
    app, application = _app(db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as client:
        yield client, application


HOOK = {SECRET_HEADER: SECRET}
AUTH = {"Authorization": f"Bearer {KEY}"}


async def test_hostile_updates_get_4xx_or_are_dropped_with_200(sqlite_db: Database) -> None:
    async with _client(sqlite_db) as (api, application):
        deep = await api.post(
            "/hook", headers=HOOK, content=b'{"update_id": 1, "x": ' + b"[" * 100_000
        )
        shapes = [
            {"update_id": 2, "message": "not an object"},
            {"update_id": 3, "callback_query": 5},
            {"update_id": 4, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "/x", "entities": "nope"}},
            {"update_id": 5, "message": {"message_id": "one", "date": [], "chat": None}},
        ]  # fmt: skip
        answers = [await api.post("/hook", headers=HOOK, json=body) for body in shapes]
    assert deep.status_code == 400
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    assert application.update_queue.qsize() <= 1  # what PTB could read at all is queued


async def test_library_index_refuses_what_a_database_column_cannot_hold(db: Database) -> None:
    item = {"kind": "movie", "title": "Dune", "path": "/films/Dune", "size_bytes": 1}
    async with _client(db) as (api, _):
        huge = await api.post(
            "/sync/library-index", headers=AUTH, json={"items": [{**item, "size_bytes": 2**63}]}
        )
        nul_title = await api.post(
            "/sync/library-index", headers=AUTH, json={"items": [{**item, "title": "Du\x00ne"}]}
        )
        nul_path = await api.post(
            "/sync/library-index", headers=AUTH, json={"items": [{**item, "path": "/a\x00b"}]}
        )
        fine = await api.post(
            "/sync/library-index", headers=AUTH, json={"items": [{**item, "size_bytes": 2**63 - 1}]}
        )
    assert [r.status_code for r in (huge, nul_title, nul_path)] == [422, 422, 422]
    assert "NUL" in nul_title.json()["error"]
    assert fine.status_code == 200 and fine.json() == {"stored": 1}


_json = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)  # fmt: skip
_item = st.fixed_dictionaries(
    {"kind": st.sampled_from(["movie", "series", "x"]), "title": st.text(max_size=40)},
    optional={"year": _json | st.integers(), "path": st.text(max_size=40), "size_bytes": st.integers(min_value=-(2**70), max_value=2**70), "episodes": _json},
)  # fmt: skip
_update = st.fixed_dictionaries(
    {"update_id": st.integers(min_value=0, max_value=2**40)},
    optional={"message": _json, "callback_query": _json, "edited_message": _json, "my_chat_member": _json},
)  # fmt: skip
_body = st.one_of(
    _json.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
    st.fixed_dictionaries({"items": st.lists(_item, max_size=4)}).map(lambda v: json.dumps(v).encode()),
    _update.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"info_hash": st.text(max_size=45), "name": st.text(max_size=30)}).map(lambda v: json.dumps(v).encode()),
)  # fmt: skip
ROUTES = [
    ("/hook", HOOK),
    ("/sync/library-index", AUTH),
    ("/sync/complete", AUTH),
    ("/sync/pending", AUTH),
]


async def test_generated_requests_never_get_a_server_error(db: Database) -> None:
    counts = {path: 0 for path, _ in ROUTES}
    errors: list[tuple[str, int, bytes]] = []
    async with _client(db) as (api, application):

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(body=_body)
        def one(body: bytes) -> None:
            bodies.append(body)

        bodies: list[bytes] = []
        one()
        for path, headers in ROUTES:
            for body in bodies:
                method = "GET" if path.endswith("pending") else "POST"
                response = await api.request(method, path, headers=headers, content=body)
                counts[path] += 1
                if response.status_code >= 500:
                    errors.append((path, response.status_code, body[:200]))
                while not application.update_queue.empty():
                    application.update_queue.get_nowait()
    print(f"\n[{db.backend}] requests per route: {counts} server errors: {len(errors)}")
    assert errors == []


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@asynccontextmanager
async def _served(db: Database, **options: Any) -> AsyncIterator[HttpServer]:
    app, _ = _app(db)
    server = HttpServer(app, "127.0.0.1", 0, graceful_timeout=1, **options)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_a_300_mb_chunked_webhook_body_is_refused_and_memory_stays_flat(
    sqlite_db: Database,
) -> None:
    async with _served(sqlite_db) as server:
        before = _peak_rss_mb()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            f"POST /hook HTTP/1.1\r\nHost: bot\r\n{SECRET_HEADER}: {SECRET}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = b"[" * (1024 * 1024)
        sent = 0
        status = b""
        try:
            while sent < 300 * 1024 * 1024:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
                sent += len(chunk)
                if reader.at_eof() or reader._buffer:  # type: ignore[attr-defined]  # an answer came
                    break
        except (ConnectionResetError, BrokenPipeError):
            pass
        status = await asyncio.wait_for(reader.readline(), 10)
        writer.close()
        grown = _peak_rss_mb() - before
    print(f"\nsent {sent // (1024 * 1024)} MB before the answer; peak RSS grew {grown:.1f} MB")
    assert status.startswith(b"HTTP/1.1 413")
    assert sent < 300 * 1024 * 1024 and grown < 50
    assert MAX_WEBHOOK_BODY <= 1024 * 1024


async def test_two_thousand_idle_connections_neither_starve_health_nor_flood_the_log(
    sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with _served(sqlite_db, idle_seconds=1.0) as server:
        idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(2000)]
        async with httpx.AsyncClient() as client:
            health = await client.get(f"http://127.0.0.1:{server.port}/health", timeout=10)
        closed = await asyncio.wait_for(
            asyncio.gather(*(reader.read() for reader, _ in idle)), 30
        )  # the server hangs up on each idle one
        for _, writer in idle:
            writer.close()
    assert health.status_code == 200
    assert all(data == b"" for data in closed) and len(closed) == 2000
    assert len(caplog.records) < 100
