"""History, search, export and delete: what a user gets back from their retros."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from concierge.core.messages import File
from concierge.skills.retro.cleanup import RuleCleaner
from concierge.skills.retro.search import query_prefixes
from concierge.skills.retro.store import RetroStore
from concierge.storage.db import Database
from tests.fakes.clock import FakeClock
from tests.skills.retro.conftest import START, retro_app
from tests.support.app import Person

DAYS = {
    "2026-03-02": ("3", "um the the deploy failed but we we fixed it"),
    "2026-03-03": ("4", "finished the quarterly report"),
    "2026-03-04": ("5", "ну закончил отчёт для клиента"),
    "2026-03-05": ("2", "long meetings, no focus time"),
}


async def test_search_finds_a_word_of_a_cleaned_answer_on_both_databases(db: Database) -> None:
    store = RetroStore(db)
    cleaner = RuleCleaner()
    now = datetime(2026, 3, 5, 18, 0)
    for user_id, (day, text) in [(1, ("2026-03-03", "uh finished the quarterly report")),
                                 (1, ("2026-03-04", "ну закончил отчёт отчёт")),
                                 (2, ("2026-03-04", "my own report"))]:  # fmt: skip
        retro = await store.open(user_id, date.fromisoformat(day), now, restart=False)
        lang = "ru" if "ну" in text else "en"
        await store.save_answer(
            retro, "went_well", text, await cleaner.clean(text, lang), now, mood=None
        )
    found = await store.search(1, query_prefixes("Reports"), 10)
    assert [(f.day.isoformat(), f.answer.cleaned) for f in found] == [
        ("2026-03-03", "Finished the quarterly report.")
    ]  # user 2's report is theirs alone
    russian = await store.search(1, query_prefixes("отчета"), 10)
    assert [f.answer.cleaned for f in russian] == ["Закончил отчёт."]
    assert await store.search(1, query_prefixes("quarterly finished"), 10)
    assert await store.search(1, query_prefixes("quarterly отчёт"), 10) == []
    assert await store.search(1, query_prefixes("100%_"), 10) == []  # LIKE marks are literal


async def keep_four_retros(me: Person, clock: FakeClock) -> None:
    for day, (mood, text) in DAYS.items():
        clock.set(datetime.fromisoformat(day).replace(hour=18, tzinfo=START.tzinfo))
        await me.say("/retro")
        await me.say(mood)
        await me.say(text)


async def test_export_holds_every_retro_in_range_and_json_keeps_raw_and_cleaned(
    tmp_path: Path, database: dict[str, Any]
) -> None:
    clock = FakeClock(START)
    steps = ["mood", "went_well"]
    async with retro_app(tmp_path, clock, retro_steps=steps, **database) as app:
        me = Person(app, 1)
        await keep_four_retros(me, clock)
        await me.say("/retro_export 2026-03-03 2026-03-04")
        sent = me.outbox.sent[-1]
        assert isinstance(sent, File) and sent.filename == "retros_2026-03-03_2026-03-04.md"
        markdown = sent.open().read().decode()
        assert "## 2026-03-03 — Mood 4/5" in markdown and "## 2026-03-04 — Mood 5/5" in markdown
        assert "Finished the quarterly report." in markdown
        assert "Закончил отчёт для клиента." in markdown
        assert "> ну закончил отчёт для клиента" in markdown  # the original beside it
        assert "2026-03-02" not in markdown and "2026-03-05" not in markdown
        await me.say("/retro_export")
        everything = me.outbox.sent[-1]
        assert isinstance(everything, File)
        text = everything.open().read().decode()
        assert all(f"## {day}" in text for day in DAYS)
        await me.say("/retro_export json 2026-03-02")
        as_json = me.outbox.sent[-1]
        assert isinstance(as_json, File) and as_json.filename.endswith(".json")
        data = json.loads(as_json.open().read())
        assert data["retros"][0]["answers"]["went_well"] == {
            "raw": "um the the deploy failed but we we fixed it",
            "cleaned": "The deploy failed but we fixed it.",
            "cleaner": "rules-v1",
        }
        await me.say("/retro_export 2026-13-01")
        assert me.outbox.texts()[-1].startswith("Send `/retro_export` (everything)")
        await me.say("/retro_export 2025-01-01 2025-01-31")
        assert me.outbox.texts()[-1] == "There are no retros in that range."


async def test_list_open_search_and_delete_through_the_chat(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with retro_app(tmp_path, clock, retro_steps=["mood", "went_well"]) as app:
        me = Person(app, 1)
        await me.say("/retros")
        assert me.outbox.texts()[-1] == "No retros yet. /retro starts today's."
        await keep_four_retros(me, clock)
        await me.say("/retros")
        listing = me.outbox.texts()[-1]
        assert listing.startswith("*Retros in 2026-03*: 4")
        assert "2026-03-03  ●●●●○  Finished the quarterly report." in listing
        await me.press(me.outbox.button("03 ●●●●○").id)
        assert "*What went well*\nFinished the quarterly report." in me.outbox.texts()[-1]
        await me.say("/retro_search Meeting")
        assert me.outbox.texts()[-1] == (
            "“Meeting” in your retros (1):\n"
            "*2026-03-05* · What went well: Long meetings, no focus time."
        )
        await me.say("/retro_search <b>nothing</b>")
        assert me.outbox.texts()[-1] == "Nothing in your retros matches “<b>nothing</b>”."
        await me.say("/retro_delete 2026-03-03")
        await me.press(me.outbox.button("Keep").id)
        assert me.outbox.texts()[-1] == "Nothing deleted."
        await me.press(me.outbox.buttons()[-2].id)  # "Delete" of that question
        assert me.outbox.texts()[-1] == "Deleted: 1 retro(s), with every answer."
        await me.say("/retro_search quarterly")
        assert me.outbox.texts()[-1].startswith("Nothing in your retros matches")
        await me.say("/retro_delete all")
        await me.press(me.outbox.button("Delete").id)
        assert me.outbox.texts()[-1] == "Deleted: 3 retro(s), with every answer."
        await me.say("/retros")
        assert me.outbox.texts()[-1] == "No retros yet. /retro starts today's."
        clock.advance(timedelta(days=1))


async def test_months_ranges_streak_days_and_delete_on_both_databases(db: Database) -> None:
    store = RetroStore(db)
    now = datetime(2026, 3, 5, 18, 0)
    cleaner = RuleCleaner()
    for day in ("2026-02-27", "2026-03-01", "2026-03-02"):
        retro = await store.open(7, date.fromisoformat(day), now, restart=False)
        await store.save_answer(
            retro, "focus", f"plan {day}", await cleaner.clean("x", "en"), now, mood=None
        )
        await store.move(retro, 0, now, "done")
    assert await store.months(7) == ["2026-03", "2026-02"]
    march = await store.between(7, date(2026, 3, 1), date(2026, 3, 31))
    assert [r.day.isoformat() for r in march] == ["2026-03-01", "2026-03-02"]
    assert await store.done_days(7, date(2026, 3, 1)) == [date(2026, 3, 1), date(2026, 3, 2)]
    assert await store.delete(7, march[0].id) == 1
    assert await store.search(7, query_prefixes("plan"), 10) != []
    assert await store.delete(7, None) == 2
    assert await store.months(7) == [] and await store.search(7, ["plan"], 10) == []
