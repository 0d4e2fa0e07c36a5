"""Start-up skips Alembic when the database is at the heads, and only then."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from concierge.storage.db import Database, _alembic_config, _version_locations
from concierge.storage.migration_heads import script_heads

TINY = Path(__file__).parents[1] / "tiny_skill" / "migrations"


def test_the_heads_read_from_the_scripts_are_alembic_s() -> None:
    from alembic.script import ScriptDirectory

    for extra in ((), (TINY,)):
        alembic = ScriptDirectory.from_config(_alembic_config(extra)).get_heads()
        assert script_heads(_version_locations(extra)) == frozenset(alembic)


def test_a_script_it_cannot_follow_leaves_the_decision_to_alembic(tmp_path: Path) -> None:
    (tmp_path / "x1.py").write_text('revision = "x1"\ndown_revision = "0001_core"\n')
    assert script_heads([tmp_path]) == {"x1"}
    (tmp_path / "x2.py").write_text('revision = make_id()\ndown_revision = "x1"\n')
    assert script_heads([tmp_path]) is None
    (tmp_path / "x2.py").write_text('revision = "x2"\ndown_revision = "x1"\ndepends_on = "y"\n')
    assert script_heads([tmp_path]) is None


async def _versions(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return {
            row[0] for row in await conn.execute(text("SELECT version_num FROM alembic_version"))
        }


async def test_a_new_skill_s_migration_is_applied_to_a_database_at_the_old_heads(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    try:
        await db.upgrade()
        assert await db._at_heads()
        await db.upgrade()  # at the heads: nothing to do, nothing changes
        before = await _versions(db)
        db.migration_locations.append(TINY)
        assert not await db._at_heads()
        await db.upgrade()
        assert await _versions(db) - before == {"t0001_tiny_notes"}
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT key FROM tiny_notes"))
        assert await db._at_heads()
    finally:
        await db.close()
