"""Engine, sessions and migrations for SQLite (WAL) or Postgres, chosen by URL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import PoolResetState

from concierge.storage.migration_heads import script_heads

if TYPE_CHECKING:
    from alembic.config import Config

log = structlog.get_logger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SKILLS_DIR = Path(__file__).parent.parent / "skills"


class DatabaseError(RuntimeError):
    """The database is unreachable or not at the expected schema."""


def _alembic_config(extra_locations: Sequence[Path] = ()) -> Config:
    """The core's migrations plus each skill's own ``migrations/`` folder (Alembic
    version_locations): every ``concierge/skills/*/migrations`` is found by itself, a skill
    living elsewhere (tests) adds its folder through ``Database.migration_locations``."""
    from alembic.config import Config  # imported when used: ~0.2 s of start-up (P7)

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    locations = _version_locations(extra_locations)
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    return cfg


def _version_locations(extra_locations: Sequence[Path] = ()) -> list[Path]:
    skills = sorted(p for p in SKILLS_DIR.glob("*/migrations") if p.is_dir())
    found = [MIGRATIONS_DIR / "versions", *skills, *extra_locations]
    return list(dict.fromkeys(p.resolve() for p in found))


def _rollback_if_in_transaction(dbapi_connection: Any, record: Any, state: PoolResetState) -> None:
    """SQLite's check-in reset: roll back only a transaction that is still open.

    SQLAlchemy rolls back on every check-in, after a commit too; through aiosqlite each
    rollback is one more trip to the driver's thread, three per message (issue 15).
    """
    if state.terminate_only or not state.asyncio_safe:
        return
    driver = record.driver_connection
    if driver is None or driver.in_transaction:
        dbapi_connection.rollback()


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """One engine per process; sessions are short and per unit of work."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.migration_locations: list[Path] = []  # skills' own migration folders
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # SQLite has one writer at a time. Many pooled connections only race for its
            # lock, and under load a writer can outwait the busy timeout and drop an
            # update ("database is locked"). One connection queues transactions in-process
            # instead; the busy timeout is left for other processes (the CLI, nas-sync).
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=120)
            kwargs["pool_reset_on_return"] = None  # _rollback_if_in_transaction instead
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _enable_sqlite_pragmas)
            event.listen(self.engine.sync_engine.pool, "reset", _rollback_if_in_transaction)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.backend = parsed.get_backend_name()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A transaction: committed on success, rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A Core transaction, committed on success: no ORM session to build, for the few
        statements every update runs (issue 15)."""
        async with self.engine.begin() as conn:
            yield conn

    async def upgrade(self) -> None:
        """Apply every pending migration (idempotent); at the heads, without Alembic."""
        if await self._at_heads():
            return
        from alembic import command

        def run(connection: Connection) -> None:
            cfg = _alembic_config(self.migration_locations)
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "heads")  # skills may keep their own branches

        async with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # replicas starting at once migrate in turn
                await conn.execute(text("SELECT pg_advisory_xact_lock(7406353820115)"))
            await conn.run_sync(run)

    async def _at_heads(self) -> bool:
        """Whether ``alembic_version`` already lists exactly the scripts' heads."""
        heads = script_heads(_version_locations(self.migration_locations))
        if heads is None:
            return False
        try:
            async with self.engine.connect() as conn:
                rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
                current = {str(row[0]) for row in rows}
        except Exception:  # no table yet (an empty database), or unreachable: Alembic says
            return False
        return current == heads

    async def migration_status(self) -> tuple[str | None, str | None]:
        """(current revisions, head revisions), each comma-joined and sorted (one per
        migration branch); current is None on an empty database. Raises ``DatabaseError``
        if unreachable."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        head = ",".join(
            sorted(
                ScriptDirectory.from_config(_alembic_config(self.migration_locations)).get_heads()
            )
        )

        def current(connection: Connection) -> str | None:
            revisions = MigrationContext.configure(connection).get_current_heads()
            return ",".join(sorted(revisions)) or None

        try:
            async with self.engine.connect() as conn:
                return await conn.run_sync(current), head
        except Exception as exc:  # driver errors vary by backend; name the cause
            raise DatabaseError(f"database unreachable: {type(exc).__name__}") from exc

    async def close(self) -> None:
        await self.engine.dispose()
