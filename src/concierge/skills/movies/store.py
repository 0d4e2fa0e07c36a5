"""The user's last result list, kept in the database (survives restarts)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from concierge.skills.movies.domain import TitleHit, TorrentResult
from concierge.skills.movies.models import LastResultsRow
from concierge.storage.db import Database
from concierge.storage.models import utcnow

ListKind = Literal["titles", "torrents"]


def torrent_to_dict(result: TorrentResult) -> dict[str, Any]:
    return asdict(result)


def torrent_from_dict(data: dict[str, Any]) -> TorrentResult:
    fields: dict[str, Any] = {k: data[k] for k in TorrentResult.__dataclass_fields__ if k in data}
    return TorrentResult(**fields)


def hit_to_dict(hit: TitleHit) -> dict[str, Any]:
    return asdict(hit)


def hit_from_dict(data: dict[str, Any]) -> TitleHit:
    fields: dict[str, Any] = {k: data[k] for k in TitleHit.__dataclass_fields__ if k in data}
    return TitleHit(**fields)


class LastResults:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(
        self, user_id: int, kind: ListKind, query: str, items: list[dict[str, Any]]
    ) -> None:
        async with self._db.session() as s:
            row = await s.get(LastResultsRow, user_id)
            payload = {"items": items}
            if row is None:
                s.add(
                    LastResultsRow(user_id=user_id, kind=kind, query=query[:300], payload=payload)
                )
            else:
                row.kind, row.query, row.payload, row.updated_at = (
                    kind,
                    query[:300],
                    payload,
                    utcnow(),
                )

    async def load(self, user_id: int) -> tuple[ListKind, str, list[dict[str, Any]]] | None:
        async with self._db.session() as s:
            row = await s.get(LastResultsRow, user_id)
            if row is None:
                return None
            kind: ListKind = "torrents" if row.kind == "torrents" else "titles"
            return kind, row.query, list(row.payload.get("items") or [])
