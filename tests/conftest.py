"""Suite-wide guards and storage fixtures.

- No network: sockets may connect only to loopback and Unix paths.
- No real model: pydantic-ai refuses model requests.
- No leaked tasks: an async test that leaves tasks running fails.
- Storage: ``db`` runs on SQLite, and on Postgres too when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pydantic_ai.models
import pytest

from concierge.storage.db import Database

pytest_plugins = ["daemon_fixtures"]

pydantic_ai.models.ALLOW_MODEL_REQUESTS = False

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


class NetworkBlocked(RuntimeError):
    pass


def _is_local(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) else address
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_local(address):
        raise NetworkBlocked(f"tests may not connect to {address!r}")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_local(address):
        raise NetworkBlocked(f"tests may not connect to {address!r}")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and not _is_local((name,)) and not _resolves_locally(name):
        raise NetworkBlocked(f"tests may not resolve {name!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def _resolves_locally(name: str) -> bool:
    return name.endswith(".localhost") or name in ("localhost.localdomain", "ip6-localhost")


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _guarded_getaddrinfo


@pytest.fixture(autouse=True)
async def _no_leaked_tasks() -> AsyncIterator[None]:
    """Each background task has an owner that stops it; a test may not leave one behind."""
    before = set(asyncio.all_tasks())
    yield
    for _ in range(3):
        await asyncio.sleep(0)
    leaked = [
        t
        for t in asyncio.all_tasks()
        if t not in before and t is not asyncio.current_task() and not t.done()
    ]
    if leaked:
        for task in leaked:
            task.cancel()
        pytest.fail(f"test leaked running tasks: {[t.get_name() for t in leaked]}")


# --- storage -----------------------------------------------------------------

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def _run_in_thread(coro: Any) -> Any:
    """Run a coroutine to completion even when called from inside a running loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated Postgres database for this test session, dropped at the end."""
    yield from _postgres_database(migrated=True)


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """A fresh Postgres database with no tables, for this test only."""
    yield from _postgres_database(migrated=False)


def _postgres_database(*, migrated: bool) -> Iterator[str]:
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must run the Postgres tests: TEST_DATABASE_URL is not set")
        pytest.skip("Postgres not configured (set TEST_DATABASE_URL to run these)")
    import asyncpg
    from sqlalchemy.engine import make_url

    base = make_url(POSTGRES_URL)
    name = f"concierge_test_{uuid.uuid4().hex[:10]}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    _run_in_thread(admin(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)

    async def migrate() -> None:
        db = Database(url)
        await db.upgrade()
        await db.close()

    if migrated:
        _run_in_thread(migrate())
    try:
        yield url
    finally:
        _run_in_thread(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate(db: Database) -> None:
    from sqlalchemy import text

    async with db.session() as s:
        tables = (
            await s.scalars(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'alembic_version'"
                )
            )
        ).all()
        if tables:
            names = ", ".join(f'"{name}"' for name in tables)
            await s.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
    await db.upgrade()
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The same test on SQLite and (when configured) Postgres."""
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        await database.upgrade()
    else:
        database = Database(request.getfixturevalue("postgres_url"))
        await _truncate(database)
    try:
        yield database
    finally:
        await database.close()
