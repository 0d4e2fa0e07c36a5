"""Storage contract: every repository behaves the same on SQLite and Postgres."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from concierge.core.access import Role
from concierge.core.messages import UserRef
from concierge.storage.buttons import SqlButtonStore
from concierge.storage.credentials import CredentialStore
from concierge.storage.db import Database
from concierge.storage.flows import SqlFlows
from concierge.storage.repos import Arrival, DuplicateUpdate, HistoryRepo, UpdateLog, UserRepo
from concierge.storage.secrets import SecretBox, generate_key
from tests.fakes.clock import FakeClock

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


async def test_migrations_are_current_after_upgrade(db: Database) -> None:
    await db.upgrade()  # idempotent: a second run changes nothing
    current, head = await db.migration_status()
    assert current == head is not None


async def test_user_is_keyed_by_platform_and_numeric_id_not_name(db: Database) -> None:
    users = UserRepo(db)
    first = await users.upsert(UserRef("telegram", 42, "alice", "ru"), Role.PENDING)
    renamed = await users.upsert(UserRef("telegram", 42, "alice_new", "en"), Role.USER)
    other_platform = await users.upsert(UserRef("discord", 42, "alice"), Role.PENDING)
    assert renamed.id == first.id
    assert renamed.display_name == "alice_new" and renamed.platform_language == "en"
    assert renamed.role is Role.PENDING  # the role never changes by writing again
    assert other_platform.id != first.id


async def test_telegram_sized_ids_round_trip(db: Database) -> None:
    users = UserRepo(db)
    big = 7_999_999_999_999
    created = await users.upsert(UserRef("telegram", big, "x"), Role.USER)
    found = await users.find("telegram", big)
    assert found is not None and found.id == created.id and found.platform_id == big


async def test_concurrent_first_messages_create_one_user(db: Database) -> None:
    users = UserRepo(db)
    results = await asyncio.gather(
        *(users.upsert(UserRef("telegram", 5, "bob"), Role.PENDING) for _ in range(5))
    )
    assert len({r.id for r in results}) == 1
    assert len(await users.list()) == 1


async def test_roles_language_and_model_are_persisted(db: Database) -> None:
    users = UserRepo(db)
    user = await users.upsert(UserRef("telegram", 1, "a"), Role.PENDING)
    await users.set_role(user.id, Role.USER)
    await users.set_language(user.id, "ru")
    await users.set_model(user.id, "anthropic:claude-sonnet-4-5", "high")
    stored = await users.get(user.id)
    assert stored is not None
    assert (stored.role, stored.language, stored.model, stored.thinking) == (
        Role.USER,
        "ru",
        "anthropic:claude-sonnet-4-5",
        "high",
    )
    assert [u.id for u in await users.list(Role.USER)] == [user.id]
    assert await users.list(Role.BLOCKED) == []


async def test_approval_prompt_is_claimed_once(db: Database) -> None:
    users = UserRepo(db)
    user = await users.upsert(UserRef("telegram", 9, "s"), Role.PENDING)
    claims = await asyncio.gather(*(users.claim_approval_prompt(user.id) for _ in range(4)))
    assert sorted(claims) == [False, False, False, True]


async def test_update_is_processed_once(db: Database) -> None:
    log = UpdateLog(db)
    assert await log.first_delivery("telegram", "100") is True
    assert await log.first_delivery("telegram", "100") is False
    assert await log.first_delivery("discord", "100") is True
    assert await log.prune(timedelta(days=1)) == 0


async def test_buttons_survive_and_expire(db: Database) -> None:
    store = SqlButtonStore(db)
    live = await store.create(owner_user_id=1, action="a.b", payload={"x": [1, "два"]})
    dead = await store.create(owner_user_id=1, action="a.b", payload={}, ttl=timedelta(seconds=-1))
    assert len(live.encode()) <= 64
    fresh_store = SqlButtonStore(db)  # as after a restart
    found = await fresh_store.get(live)
    assert found is not None and found.payload == {"x": [1, "два"]} and found.owner_user_id == 1
    assert await fresh_store.get(dead) is None
    assert await fresh_store.get("nope") is None
    assert await fresh_store.prune_expired() == 1


async def test_open_flows_coexist_the_latest_answers_and_each_expires_alone(
    db: Database,
) -> None:
    clock = FakeClock()
    flows = SqlFlows(db, clock)
    await flows.open(3, "downloads.client", "downloads.client.url", {"kind": "qbittorrent"}, HOUR)
    clock.advance(1)
    await flows.open(3, "movies.rutracker", "movies.rutracker.username", {}, timedelta(minutes=5))
    await flows.open(4, "other", "other.step", {}, HOUR)  # another user's flow is theirs
    taken = await SqlFlows(db, clock).take(3)  # as after a restart
    assert taken is not None and taken.flow == "movies.rutracker"
    current = await flows.current(3)
    assert current is not None and current.payload == {"kind": "qbittorrent"}
    clock.advance(2)
    await flows.open(3, "movies.rutracker", "movies.rutracker.password", {"u": "x"}, MINUTE)
    assert (await flows.current(3) or taken).action == "movies.rutracker.password"
    clock.advance(timedelta(minutes=2))  # the short flow timed out, the long one did not
    assert (await flows.current(3) or taken).flow == "downloads.client"
    assert await flows.prune() == 1
    assert await flows.close(3, "downloads.client") and await flows.take(3) is None
    assert (await flows.current(4) or taken).flow == "other"


async def test_history_keeps_the_newest_messages_in_order(db: Database) -> None:
    history = HistoryRepo(db)
    for i in range(7):
        await history.append("telegram:1", 1, [({"n": i}, 10)], keep=5)
    loaded = await history.load("telegram:1", limit=30)
    assert [p["n"] for p, _t in loaded] == [2, 3, 4, 5, 6]
    assert await history.count("telegram:2") == 0
    await history.clear("telegram:1")
    assert await history.load("telegram:1", limit=30) == []


async def test_credentials_are_encrypted_at_rest(db: Database) -> None:
    from sqlalchemy import select

    from concierge.storage.models import CredentialRow

    store = CredentialStore(db, SecretBox([generate_key()]))
    await store.put(7, "qbittorrent.password", "hunter2-секрет")
    await store.put(7, "qbittorrent.password", "hunter3")
    assert await store.get(7, "qbittorrent.password") == "hunter3"
    assert await store.get(8, "qbittorrent.password") is None
    async with db.session() as s:
        stored = (await s.scalars(select(CredentialRow.ciphertext))).all()
    assert len(stored) == 1 and "hunter" not in stored[0]
    await store.delete(7, "qbittorrent.password")
    assert await store.get(7, "qbittorrent.password") is None


@pytest.mark.parametrize("n", [3])
async def test_key_rotation_reencrypts_every_secret(db: Database, n: int) -> None:
    from sqlalchemy import select

    from concierge.storage.models import CredentialRow

    key_a, key_b = generate_key(), generate_key()
    under_a = CredentialStore(db, SecretBox([key_a]))
    for i in range(n):
        await under_a.put(i, "token", f"secret-{i}")
    async with db.session() as s:
        before = sorted((await s.scalars(select(CredentialRow.ciphertext))).all())

    rotating = CredentialStore(db, SecretBox([key_b, key_a]))
    assert await rotating.rotate_all() == n

    async with db.session() as s:
        after = sorted((await s.scalars(select(CredentialRow.ciphertext))).all())
    assert set(before).isdisjoint(after)
    only_b = CredentialStore(db, SecretBox([key_b]))
    assert [await only_b.get(i, "token") for i in range(n)] == [f"secret-{i}" for i in range(n)]


async def test_a_slow_writer_never_makes_another_writer_fail(sqlite_db: Database) -> None:
    """Regression: under load a writer outwaited SQLite's 5 s busy timeout and the update
    was dropped with "database is locked". Writers now queue instead of failing."""
    from sqlalchemy import text

    log = UpdateLog(sqlite_db)
    holding = asyncio.Event()

    async def slow_writer() -> None:
        async with sqlite_db.session() as s:
            await s.execute(
                text("INSERT INTO processed_updates VALUES ('t', 'slow', '2026-01-01')")
            )
            holding.set()
            await asyncio.sleep(5.5)

    slow = asyncio.create_task(slow_writer())
    await holding.wait()
    assert await log.first_delivery("telegram", "queued") is True
    await slow
    assert await log.first_delivery("telegram", "queued") is False


async def test_replicas_starting_at_once_migrate_in_turn(empty_postgres_url: str) -> None:
    """Three processes' worth of upgrades on one empty Postgres: all succeed, schema at head."""
    databases = [Database(empty_postgres_url) for _ in range(3)]
    try:
        await asyncio.gather(*(d.upgrade() for d in databases))
        current, head = await databases[0].migration_status()
        assert current == head is not None
    finally:
        for d in databases:
            await d.close()


async def test_arrival_says_whether_the_sender_has_any_flow_row(db: Database) -> None:
    clock = FakeClock()
    users = UserRepo(db)
    first = await users.arrive(UserRef("telegram", 31, "ann"), Role.USER, update_id="1")
    assert first.flows_open is False
    await SqlFlows(db, clock).open(first.user.id, "retro", "retro.answer", {}, MINUTE)
    assert (await users.arrive(UserRef("telegram", 31, "ann"), Role.USER)).flows_open is True
    clock.advance(timedelta(minutes=2))  # expired but not pruned: the flow store decides
    assert (await users.arrive(UserRef("telegram", 31, "ann"), Role.USER)).flows_open is True
    assert await SqlFlows(db, clock).take(first.user.id) is None
    assert (await users.arrive(UserRef("telegram", 32, "bob"), Role.USER)).flows_open is False


async def test_arrivals_at_once_are_each_claimed_created_and_renamed(db: Database) -> None:
    users = UserRepo(db)
    known = await users.upsert(UserRef("telegram", 1, "old name", "ru"), Role.USER)
    await users.set_unreachable(known.id)
    await UpdateLog(db).first_delivery("telegram", "seen")
    arrivals = await asyncio.gather(
        users.arrive(UserRef("telegram", 1, "new name", "en"), Role.PENDING, update_id="a"),
        users.arrive(UserRef("telegram", 2, "bob"), Role.PENDING, update_id="b"),
        users.arrive(UserRef("discord", 1, "carol"), Role.USER, update_id="c"),
        users.arrive(UserRef("telegram", 3, "dan"), Role.USER, update_id="seen"),
        return_exceptions=True,
    )
    renamed, created, other_platform, repeated = arrivals
    assert isinstance(repeated, DuplicateUpdate)  # a redelivery fails alone
    assert isinstance(renamed, Arrival) and renamed.user.id == known.id
    assert (renamed.user.display_name, renamed.user.platform_language) == ("new name", "en")
    assert renamed.user.role is Role.USER and renamed.user.unreachable is False
    assert isinstance(created, Arrival) and created.user.role is Role.PENDING
    assert isinstance(other_platform, Arrival) and other_platform.user.platform == "discord"
    stored = await users.get(known.id)
    assert stored is not None and stored.display_name == "new name" and not stored.unreachable
    assert await users.find("telegram", 3) is None  # its transaction was rolled back
    log = UpdateLog(db)
    assert [await log.first_delivery("telegram", u) for u in ("a", "b", "seen")] == [False] * 3
    assert await log.first_delivery("telegram", "c") is True  # discord's "c" is another id


async def test_histories_of_many_chats_at_once_keep_each_its_own_newest(db: Database) -> None:
    history = HistoryRepo(db)

    async def turn(chat: int, n: int) -> None:
        await history.append(f"telegram:{chat}", chat, [({"n": n}, 1), ({"n": n + 0.5}, 1)], 3)

    for n in range(3):
        await asyncio.gather(*(turn(chat, n) for chat in range(4)))
    loads = await asyncio.gather(
        history.load("telegram:0", limit=30),
        history.load("telegram:1", limit=2),
        history.load("telegram:9", limit=30),
        history.load("telegram:2", limit=0),
    )
    assert [[p["n"] for p, _ in rows] for rows in loads] == [[1.5, 2, 2.5], [2, 2.5], [], []]
    assert [await history.count(f"telegram:{c}") for c in range(4)] == [3, 3, 3, 3]


async def test_a_transaction_left_open_is_rolled_back_when_its_connection_returns(
    sqlite_db: Database,
) -> None:
    """SQLite skips SQLAlchemy's rollback after every commit; one still open is undone."""
    from sqlalchemy import text

    async with sqlite_db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.execute("INSERT INTO processed_updates VALUES ('t', 'open', '2026-01-01')")
        assert driver.in_transaction
    async with sqlite_db.transaction() as c:
        left = await c.scalar(text("SELECT count(*) FROM processed_updates WHERE platform = 't'"))
    assert left == 0
    assert await UpdateLog(sqlite_db).first_delivery("t", "open") is True
