"""The NAS companion's HTTP API: key checks, completion by hash or name, library index."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from concierge.core.access import Role
from concierge.skills.downloads.models import DownloadNoticeRow, DownloadRow, LibraryItemRow
from concierge.skills.downloads.sync_api import SyncAPI
from concierge.storage.models import utcnow
from tests.skills.downloads.support import Downloads

KEY = "k3y-for-the-nas-companion"
HASH_A = "a" * 40
HASH_B = "b" * 40


@pytest.fixture
async def api(downloads: Downloads) -> AsyncIterator[httpx.AsyncClient]:
    from starlette.applications import Starlette

    sync = SyncAPI(
        db=downloads.db, api_key=KEY, monitor=downloads.monitor, library=downloads.library
    )
    app = Starlette(routes=sync.routes())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://nas.test"
    ) as client:
        yield client


async def seed_pending(d: Downloads, platform_id: int, info_hash: str, name: str) -> int:
    user = await d.user(platform_id, Role.USER)
    async with d.db.session() as s:
        row = DownloadRow(
            user_id=user.id, client_key=f"user:{user.id}", client_kind="transmission",
            info_hash=info_hash, name=name, normalized_name=" ".join(name.lower().split(".")),
            chat_key=f"telegram:{platform_id}", status="complete", progress=1.0,
            size_bytes=1000, save_path="/seedbox/done", sync_state="pending", completed_at=utcnow(),
        )  # fmt: skip
        s.add(row)
        await s.flush()
        return row.id


AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.mark.parametrize("prefix", ["/api/sync", "/sync"])
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"X-API-Key": KEY[:-1]}, {"Authorization": KEY}],
)
async def test_missing_or_wrong_key_is_401(
    api: httpx.AsyncClient, prefix: str, headers: dict[str, str]
) -> None:
    assert (await api.get(f"{prefix}/pending", headers=headers)).status_code == 401
    response = await api.post(f"{prefix}/complete", headers=headers, json={"info_hash": HASH_A})
    assert response.status_code == 401
    response = await api.post(f"{prefix}/library-index", headers=headers, json={"items": []})
    assert response.status_code == 401


async def test_pending_lists_seedbox_downloads(
    api: httpx.AsyncClient, downloads: Downloads
) -> None:
    await seed_pending(downloads, 5, HASH_A, "Some.Film.2020.1080p")
    response = await api.get("/api/sync/pending", headers={"X-API-Key": KEY})
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert (item["info_hash"], item["name"], item["save_path"]) == (
        HASH_A,
        "Some.Film.2020.1080p",
        "/seedbox/done",
    )


async def test_complete_by_hash_tells_the_right_user_ready_to_watch(
    api: httpx.AsyncClient, downloads: Downloads
) -> None:
    await seed_pending(downloads, 5, HASH_A, "Some.Film.2020.1080p")
    await seed_pending(downloads, 6, HASH_B, "Other.Show.S01E01")
    response = await api.post(
        "/api/sync/complete", headers=AUTH, json={"info_hash": HASH_A.upper()}
    )
    assert response.status_code == 200 and response.json() == {"matched": 1}
    await downloads.jobs.run_until_idle()
    assert downloads.inbox.received == {
        5: ["✅ On your NAS and ready to watch: Some.Film.2020.1080p"]
    }
    again = await api.post("/api/sync/complete", headers=AUTH, json={"info_hash": HASH_A})
    assert again.status_code == 404  # already synced: no second notice
    assert (await api.get("/api/sync/pending", headers=AUTH)).json()["items"][0][
        "info_hash"
    ] == HASH_B


async def test_complete_falls_back_to_the_normalized_name(
    api: httpx.AsyncClient, downloads: Downloads
) -> None:
    await seed_pending(downloads, 6, HASH_B, "Other.Show.S01E01")
    response = await api.post(
        "/sync/complete", headers=AUTH, json={"info_hash": "c" * 40, "name": "other show s01e01"}
    )
    assert response.json() == {"matched": 1}
    await downloads.jobs.run_until_idle()
    assert downloads.inbox.received == {6: ["✅ On your NAS and ready to watch: Other.Show.S01E01"]}


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/sync/complete", b"not json", 400),
        ("/api/sync/complete", b"{}", 422),
        ("/api/sync/complete", b'{"info_hash": "xyz"}', 422),
        ("/api/sync/complete", b'{"info_hash": 12345}', 422),
        ("/api/sync/complete", b'{"info_hash": "' + b"a" * 40 + b'", "extra": 1}', 422),
        ("/api/sync/complete", b"[1, 2]", 422),
        ("/api/sync/library-index", b'{"items": [{"kind": "film", "title": "X"}]}', 422),
        ("/api/sync/library-index", b'{"items": [{"kind": "movie", "title": ""}]}', 422),
        (
            "/api/sync/library-index",
            b'{"items": [{"kind": "movie", "title": "X", "year": "1999"}]}',
            422,
        ),
        ("/api/sync/library-index", b'{"items": "all"}', 422),
        ("/api/sync/library-index", b"{" + b" " * (9 * 1024 * 1024) + b"}", 413),
    ],
)
async def test_malformed_bodies_are_4xx_and_store_nothing(
    api: httpx.AsyncClient, downloads: Downloads, path: str, body: bytes, status: int
) -> None:
    await seed_pending(downloads, 5, HASH_A, "Some.Film.2020")
    response = await api.post(
        path, headers={**AUTH, "Content-Type": "application/json"}, content=body
    )
    assert response.status_code == status
    assert response.json()["error"]
    async with downloads.db.session() as s:
        assert await s.scalar(select(func.count(DownloadNoticeRow.id))) == 0
        assert await s.scalar(select(func.count(LibraryItemRow.id))) == 0
        assert await s.scalar(select(DownloadRow.sync_state)) == "pending"
    assert downloads.inbox.received == {}


async def test_library_index_replaces_the_last_one(
    api: httpx.AsyncClient, downloads: Downloads
) -> None:
    first = {"items": [{"kind": "movie", "title": "Old Film", "year": 1990, "path": "Movies/Old"}]}
    assert (await api.post("/api/sync/library-index", headers=AUTH, json=first)).json() == {
        "stored": 1
    }
    second = {
        "items": [
            {
                "kind": "movie",
                "title": "The Matrix",
                "year": 1999,
                "path": "Movies/The Matrix (1999)",
            },
            {
                "kind": "series",
                "title": "Dark",
                "year": 2017,
                "path": "Series/Dark",
                "episodes": 26,
            },
        ]
    }
    assert (await api.post("/sync/library-index", headers=AUTH, json=second)).json() == {
        "stored": 2
    }
    assert await downloads.library.has("the matrix", 1999)
    assert await downloads.library.has("The Matrix")
    assert not await downloads.library.has("The Matrix", 2021)
    assert not await downloads.library.has("Old Film")
    page = await downloads.library.browse(kind="series")
    assert [(i.title, i.episodes) for i in page.items] == [("Dark", 26)]


async def test_without_a_configured_key_the_api_is_off(downloads: Downloads) -> None:
    from starlette.applications import Starlette

    sync = SyncAPI(
        db=downloads.db, api_key=None, monitor=downloads.monitor, library=downloads.library
    )
    transport = httpx.ASGITransport(app=Starlette(routes=sync.routes()))
    async with httpx.AsyncClient(transport=transport, base_url="http://nas.test") as client:
        response = await client.get("/api/sync/pending", headers={"Authorization": "Bearer "})
    assert response.status_code == 503
