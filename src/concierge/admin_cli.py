"""Operator commands behind `concierge users …` and `concierge keys rotate`."""

from __future__ import annotations

from concierge.bootstrap import build_database, build_secret_box
from concierge.config import Settings
from concierge.core.access import Role
from concierge.storage.credentials import CredentialStore
from concierge.storage.repos import UserRecord, UserRepo


async def list_users(settings: Settings, role: str | None) -> list[str]:
    db = build_database(settings)
    try:
        await db.upgrade()
        users = await UserRepo(db).list(Role(role) if role else None)
    finally:
        await db.close()
    if not users:
        return ["no users yet"]
    return [f"#{u.id:<4} {u.key:<24} {u.role.value:<8} {u.display_name}" for u in users]


async def _find(repo: UserRepo, ref: str) -> UserRecord | None:
    if ref.startswith("#") and ref[1:].isdigit():
        return await repo.get(int(ref[1:]))
    platform, sep, raw_id = ref.partition(":")
    if not sep or not raw_id.lstrip("-").isdigit():
        raise ValueError(f"{ref!r} is neither platform:id nor #db-id")
    return await repo.find(platform.lower(), int(raw_id))


async def decide(settings: Settings, ref: str, role: str) -> str:
    db = build_database(settings)
    try:
        await db.upgrade()
        repo = UserRepo(db)
        user = await _find(repo, ref)
        if user is None:
            raise ValueError(f"no user {ref}; see `concierge users list`")
        if user.role is Role.OWNER:
            raise ValueError("owners are set by OWNER_IDS and can't be changed here")
        await repo.set_role(user.id, Role(role))
    finally:
        await db.close()
    return f"{user.key} is now {role}"


async def rotate_keys(settings: Settings) -> int:
    db = build_database(settings)
    try:
        await db.upgrade()
        return await CredentialStore(db, build_secret_box(settings)).rotate_all()
    finally:
        await db.close()
