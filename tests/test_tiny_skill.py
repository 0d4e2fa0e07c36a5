"""A skill is one folder plus one line: ``tests/tiny_skill`` changes no other file.

Registered through ``build_app(extra_skills=[...])`` (the same line a built-in skill
gets in ``bootstrap.build_skills``), it contributes a command listed in /help, a job
kind, a schedule, a migration and catalogue entries in both languages.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from concierge.bootstrap import build_app
from concierge.storage.jobs import EmbeddedJobs
from tests import tiny_skill
from tests.support import app as support


async def test_a_skill_folder_brings_command_job_schedule_migration_and_texts(
    tmp_path: Path,
) -> None:
    app = await build_app(
        support.test_settings(tmp_path, access_mode="open"), extra_skills=[tiny_skill.build]
    )
    try:
        assert isinstance(app.jobs, EmbeddedJobs)
        ru, en = support.Person(app, 5, "Вера", lang="ru"), support.Person(app, 6, "Ann")
        await ru.say("/tiny")
        await en.say("/help")
        assert ru.outbox.texts() == ["Привет, Вера! Заметка записана."]
        assert "/tiny — say hello and leave a note" in en.outbox.texts()[0]

        assert "tiny.hourly" in [s.name for s in app.scheduler.schedules]
        await app.scheduler.tick()  # the hourly tick is due on first start
        await app.jobs.run_until_idle()
        async with app.db.session() as s:
            keys = set(await s.scalars(select(tiny_skill.notes.c.key)))
        vera = await app.users.find("telegram", 5)
        assert vera is not None and keys == {"hourly", f"tiny:{vera.id}:1"}
        current, heads = await app.db.migration_status()
        assert "t0001_tiny_notes" in (current or "") and current == heads
    finally:
        await app.close()
