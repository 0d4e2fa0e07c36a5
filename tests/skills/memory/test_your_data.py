"""/export hands over everything the user stored; after /forget_me none of it is left.

Through the dispatcher of the real application (offline model, fixture TMDB).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from concierge.core.messages import File
from concierge.storage.models import Base
from tests.skills.movies.harness import MoviesWorld, movies_settings
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer

SECRET = "my daughter loves Studio Ghibli"


@pytest.fixture
async def world(server: FixtureServer, tmp_path: Path) -> AsyncIterator[MoviesWorld]:
    w = await MoviesWorld.start(movies_settings(server, tmp_path, access_mode="open"))
    try:
        yield w
    finally:
        await w.close()


async def _rows_mentioning(world: MoviesWorld, user_id: int, needle: str) -> list[str]:
    found: list[str] = []
    async with world.db.session() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).all():
                values = dict(row._mapping)
                mine = any(values.get(c) == user_id for c in ("user_id", "owner_user_id"))
                if needle in str(values) or (mine and table.name != "users"):
                    found.append(table.name)
    return found


async def test_export_holds_everything_and_forget_me_leaves_nothing(world: MoviesWorld) -> None:
    ann = Person(world.app, 701, "Ann")
    await ann.say("/start")
    await ann.press(ann.outbox.button("English").id)
    await ann.press(ann.outbox.button("4K").id)
    await ann.say(f"remember that {SECRET}")
    await ann.say("/watchlist Dune Part Two")
    await ann.say("/rate Dune Part One 8")
    await ann.say("/blocklist horror")
    await ann.say("/timezone Lisbon")

    await ann.say("/export")
    files = [r for r in ann.outbox.sent if isinstance(r, File)]
    assert [f.filename for f in files] == ["concierge-export.json", "concierge-export.md"]
    data = json.loads(files[0].inline or b"")
    assert data["profile"]["quality"] == 2160 and data["user"]["language"] == "en"
    assert data["user"]["timezone"] == "Europe/Lisbon"
    assert data["notes"][0]["text"] == SECRET
    assert [e["title"] for e in data["lists"]["watchlist"]] == ["Dune: Part Two"]
    assert data["lists"]["watched"][0]["rating"] == 8
    assert [e["key"] for e in data["lists"]["blocked"]] == ["genre:horror"]
    assert any("Ghibli" in json.dumps(m) for m in data["history"])  # the chat itself
    markdown = (files[1].inline or b"").decode()
    assert "- Dune (2021) — ★ 8/10" in markdown and SECRET in markdown

    bob = Person(world.app, 702, "Bob")
    await bob.say("/watchlist Dune Part Two")  # another user's data must survive
    ann_user = await world.app.users.find("telegram", 701)
    assert ann_user is not None
    assert await _rows_mentioning(world, ann_user.id, "Ghibli")

    await ann.say("/forget_me")
    assert "cannot be undone" in ann.outbox.texts()[-1]
    await ann.press(ann.outbox.button("Yes, delete everything").id)
    assert "everything about you is deleted" in ann.outbox.texts()[-1]
    assert await _rows_mentioning(world, ann_user.id, "Ghibli") == []
    kept = await world.app.users.find("telegram", 701)
    assert kept is not None and kept.language is None and kept.timezone is None
    await bob.say("/watchlist")
    assert "Dune: Part Two (2024)" in bob.outbox.texts()[-1]
