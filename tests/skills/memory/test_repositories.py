"""One contract suite for the new repositories, on SQLite and Postgres (the ``db`` fixture):
lists, profiles, core blocks with compaction, notes search, and the erase of a user."""

from __future__ import annotations

from datetime import date

from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from sqlalchemy import select, text

from concierge.core.access import Role
from concierge.core.messages import UserRef
from concierge.skills.memory.blocks import LIMITS, MemoryBlocks, merge_oldest
from concierge.skills.memory.notes import Notes
from concierge.skills.memory.profile import ProfileStore
from concierge.skills.memory.summarizer import ModelSummarizer
from concierge.skills.memory.userdata import UserData
from concierge.skills.movies.lists import ListEntry, TitleLists
from concierge.storage.db import Database
from concierge.storage.models import Base
from concierge.storage.repos import UserRepo

DUNE = ListEntry(key="movie:693134", title="Dune: Part Two", year=2024, genres=("scifi",))


async def _user(db: Database, platform_id: int = 77) -> int:
    return (await UserRepo(db).upsert(UserRef("telegram", platform_id, "Ann"), Role.USER)).id


async def test_lists_rules_hold_on_both_databases(db: Database) -> None:
    uid = await _user(db)
    lists = TitleLists(db)
    assert await lists.add_to_watchlist(uid, DUNE) is True
    assert await lists.add_to_watchlist(uid, DUNE) is False  # an upsert: delivered twice, once
    rated = ListEntry(DUNE.key, DUNE.title, 2024, rating=9, watched_on=date(2024, 3, 2))
    await lists.mark_watched(uid, rated)
    assert await lists.keys(uid, "watchlist") == set()  # watched leaves the watchlist
    await lists.mark_watched(uid, ListEntry(key=DUNE.key, title=DUNE.title))  # no rating given
    entry = await lists.get(uid, "watched", DUNE.key)
    assert entry is not None and entry.rating == 9 and entry.watched_on == date(2024, 3, 2)
    await lists.block(uid, ListEntry(key="genre:horror", title="Horror"))
    assert await lists.counts(uid) == {"watchlist": 0, "watched": 1, "blocked": 1, "rated": 1}
    page, total = await lists.page(uid, "watched", 0, 10, rated=True)
    assert total == 1 and page[0].label() == "Dune: Part Two (2024)"


async def test_a_note_is_found_by_a_word_it_contains(db: Database) -> None:
    uid, other = await _user(db), await _user(db, 78)
    notes = Notes(db)
    await notes.add(uid, "Watches films with her daughter on Sundays")
    await notes.add(uid, "Любит «Дюну» Вильнёва и пересматривает её зимой")
    await notes.add(other, "Sundays are for football")
    found = await notes.search(uid, "sundays")
    assert [n.text for n in found] == ["Watches films with her daughter on Sundays"]
    assert [n.text[:10] for n in await notes.search(uid, "Дюна")] == ["Любит «Дюн"]  # inflected
    assert await notes.search(uid, "football") == []  # another user's note stays theirs
    assert await notes.search(uid, "%") == []


async def test_profile_answers_are_stored_at_once(db: Database) -> None:
    uid = await _user(db)
    profiles = ProfileStore(db)
    await profiles.update(uid, onboarding="running", step="audio", quality=2160)
    again = await ProfileStore(db).get(uid)
    assert (again.onboarding, again.step, again.quality) == ("running", "audio", 2160)
    await profiles.update(uid, genres=["scifi", "drama"])
    assert (await profiles.get(uid)).genres == ("scifi", "drama")


async def test_a_block_past_70_percent_is_merged_without_a_model(db: Database) -> None:
    uid = await _user(db)
    blocks = MemoryBlocks(db)
    limit = LIMITS["style"]  # 400
    outcome = None
    for n in range(12):
        outcome = await blocks.write(uid, "style", f"entry {n:02d}: short answers, no spoilers")
        if outcome.compacted:
            break
    assert outcome is not None and outcome.compacted == "merged"
    assert len(outcome.content) <= limit * 0.5
    assert "entry 00" in outcome.content  # the oldest are merged, not dropped first
    assert outcome.content.splitlines()[-1].startswith("entry")  # the newest stays whole
    assert await blocks.read(uid, "style") == outcome.content


async def test_a_block_past_70_percent_is_summarised_by_the_model(db: Database) -> None:
    seen: list[str] = []

    def summarise(messages: list[ModelMessage], _info: AgentInfo) -> ModelResponse:
        seen.append(str(messages[-1].parts[-1].content))  # type: ignore[union-attr]
        return ModelResponse(parts=[TextPart("Likes: slow sci-fi; Russian dub; no horror")])

    uid = await _user(db)
    blocks = MemoryBlocks(db, ModelSummarizer(FunctionModel(summarise)))
    for n in range(30):
        outcome = await blocks.write(
            uid, "preferences", f"preference number {n}: likes slow sci-fi"
        )
        if outcome.compacted:
            break
    assert outcome.compacted == "model"
    assert outcome.content == "Likes: slow sci-fi; Russian dub; no horror"
    assert "preference number 0" in seen[0]


def test_merge_oldest_always_fits() -> None:
    text_in = "\n".join(f"a very long entry number {n} " * 3 for n in range(30))
    for target in (40, 200, 500):
        assert len(merge_oldest(text_in, target)) <= target


async def test_forget_leaves_nothing_but_the_user_row(db: Database) -> None:
    uid, other = await _user(db), await _user(db, 78)
    users = UserRepo(db)
    profiles, blocks, notes, lists = ProfileStore(db), MemoryBlocks(db), Notes(db), TitleLists(db)
    for who in (uid, other):
        await profiles.update(who, quality=720)
        await blocks.write(who, "identity", "Ann, lives in Lisbon")
        await notes.add(who, "Allergic to musicals")
        await lists.add_to_watchlist(who, DUNE)
    await users.set_timezone(uid, "Europe/Lisbon")
    user = await users.get(uid)
    assert user is not None
    data = UserData(db, users, profiles, blocks, notes, lists)
    exported = await data.export(user)
    assert exported["memory"] == {"identity": "Ann, lives in Lisbon"}
    assert exported["lists"]["watchlist"][0]["title"] == "Dune: Part Two"
    await data.forget(user)
    async with db.session() as s:
        for table in Base.metadata.sorted_tables:
            for column in ("user_id", "owner_user_id"):
                if column in table.columns and table.name != "users":
                    left = await s.scalar(
                        select(text("count(*)")).select_from(table).where(table.c[column] == uid)
                    )
                    assert left == 0, table.name
    kept = await users.get(uid)
    assert kept is not None and kept.role is Role.USER and kept.timezone is None
    assert len(await notes.search(other, "musicals")) == 1  # the other user keeps theirs
