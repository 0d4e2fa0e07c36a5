"""Roles and the approval rule: the one place that decides who may do what."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    USER = "user"
    PENDING = "pending"
    BLOCKED = "blocked"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def allows(self, required: Role) -> bool:
        """Whether this role may use something that requires ``required``."""
        return self.rank >= required.rank


_RANK = {Role.BLOCKED: -1, Role.PENDING: 0, Role.USER: 1, Role.ADMIN: 2, Role.OWNER: 3}


def parse_owner_ids(entries: list[str]) -> set[tuple[str, int]]:
    """``["telegram:123", "discord:9"]`` → {("telegram", 123), ("discord", 9)}.

    Raises ``ValueError`` naming the bad entry, so ``doctor`` can report it.
    """
    owners: set[tuple[str, int]] = set()
    for entry in entries:
        platform, sep, raw_id = entry.partition(":")
        if not sep or not raw_id.strip().lstrip("-").isdigit():
            raise ValueError(f"OWNER_IDS entry {entry!r} is not platform:numeric_id")
        owners.add((platform.strip().lower(), int(raw_id)))
    return owners
