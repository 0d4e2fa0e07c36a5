"""Per-user credentials (tracker logins, client passwords, cookies), encrypted at rest."""

from __future__ import annotations

from sqlalchemy import delete, select

from concierge.storage.db import Database
from concierge.storage.models import CredentialRow
from concierge.storage.secrets import SecretBox

OPERATOR = 0  # user_id for operator-wide credentials


class CredentialStore:
    def __init__(self, db: Database, box: SecretBox) -> None:
        self._db = db
        self._box = box

    async def put(self, user_id: int, name: str, value: str) -> None:
        ciphertext = self._box.encrypt(value)
        async with self._db.session() as s:
            row = await s.scalar(
                select(CredentialRow).where(
                    CredentialRow.user_id == user_id, CredentialRow.name == name
                )
            )
            if row is None:
                s.add(CredentialRow(user_id=user_id, name=name, ciphertext=ciphertext))
            else:
                row.ciphertext = ciphertext

    async def get(self, user_id: int, name: str) -> str | None:
        async with self._db.session() as s:
            ciphertext = await s.scalar(
                select(CredentialRow.ciphertext).where(
                    CredentialRow.user_id == user_id, CredentialRow.name == name
                )
            )
        return None if ciphertext is None else self._box.decrypt(ciphertext)

    async def delete(self, user_id: int, name: str) -> None:
        async with self._db.session() as s:
            await s.execute(
                delete(CredentialRow).where(
                    CredentialRow.user_id == user_id, CredentialRow.name == name
                )
            )

    async def rotate_all(self) -> int:
        """Re-encrypt every stored secret under the newest key; returns how many."""
        async with self._db.session() as s:
            rows = (await s.scalars(select(CredentialRow))).all()
            for row in rows:
                row.ciphertext = self._box.rotate(row.ciphertext)
        return len(rows)
