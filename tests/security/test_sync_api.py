"""The sync API refuses hostile bodies with a 4xx instead of failing inside."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette

from concierge.skills.downloads.sync_api import MAX_BODY, SyncAPI
from tests.skills.downloads.support import Downloads

KEY = "k3y-for-the-nas-companion"
AUTH = {"Authorization": f"Bearer {KEY}"}


def client(d: Downloads) -> httpx.AsyncClient:
    sync = SyncAPI(db=d.db, api_key=KEY, monitor=d.monitor, library=d.library)
    app = Starlette(routes=sync.routes())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://nas.test")


async def test_deeply_nested_json_is_a_400_not_a_crash(downloads: Downloads) -> None:
    async with client(downloads) as api:
        response = await api.post("/api/sync/library-index", headers=AUTH, content=b"[" * 200_000)
    assert response.status_code == 400
    assert response.json() == {"error": "body is not JSON (or nested too deeply)"}


async def test_an_oversized_body_without_a_length_is_refused(downloads: Downloads) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(MAX_BODY // 65536 + 2):
            yield b" " * 65536

    async with client(downloads) as api:
        response = await api.post("/api/sync/complete", headers=AUTH, content=chunks())
    assert response.status_code == 413
