"""HTTP API for the NAS companion (``concierge nas-sync``), keyed by SYNC_API_KEY.

GET  /api/sync/pending        downloads finished on a seedbox, waiting to be copied
POST /api/sync/complete       {"info_hash": ..., "name": ...} copied → "ready to watch"
POST /api/sync/library-index  {"items": [...]} the NAS library, replacing the last one
The same routes answer without the ``/api`` prefix. Bad input gets a 4xx with a reason.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Literal, TypeVar

import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select, update
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from concierge.frontends.http.bodies import BodyError, DbInt, NoNul, read_json
from concierge.skills.downloads.library import LibraryIndex, LibraryItem
from concierge.skills.downloads.models import DownloadRow
from concierge.skills.downloads.monitor import CompletionMonitor
from concierge.skills.downloads.service import normalize_name
from concierge.storage.db import Database
from concierge.storage.models import utcnow

log = structlog.get_logger(__name__)

MAX_BODY = 8 * 1024 * 1024
MAX_ITEMS = 50_000
Text300 = Annotated[str, Field(min_length=1, max_length=300), NoNul]
Text500 = Annotated[str, Field(min_length=1, max_length=500), NoNul]
Path1000 = Annotated[str, Field(max_length=1000), NoNul]


class CompleteBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    info_hash: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{40}$")] | None = None
    name: Text500 | None = None
    path: Path1000 | None = None


class IndexItem(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    kind: Literal["movie", "series"]
    title: Text300
    year: Annotated[int, Field(ge=1870, le=2200)] | None = None
    path: Path1000 = ""
    size_bytes: DbInt = 0
    episodes: Annotated[int, Field(ge=0, le=100_000)] = 0


class IndexBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    items: Annotated[list[IndexItem], Field(max_length=MAX_ITEMS)]


_Body = TypeVar("_Body", bound=BaseModel)


def _problem(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


class SyncAPI:
    def __init__(
        self,
        *,
        db: Database,
        api_key: str | None,
        monitor: CompletionMonitor,
        library: LibraryIndex,
    ) -> None:
        self._db = db
        self._key = api_key.encode() if api_key else None
        self._monitor = monitor
        self._library = library

    def routes(self) -> list[BaseRoute]:
        found: list[BaseRoute] = []
        for prefix in ("/api/sync", "/sync"):
            found += [
                Route(f"{prefix}/pending", self.pending, methods=["GET"]),
                Route(f"{prefix}/complete", self.complete, methods=["POST"]),
                Route(f"{prefix}/library-index", self.library_index, methods=["POST"]),
            ]
        return found

    def _authorized(self, request: Request) -> Response | None:
        if self._key is None:
            return _problem(503, "the sync API is off: SYNC_API_KEY is not set")
        header = request.headers.get("authorization", "")
        given = header[7:] if header.lower().startswith("bearer ") else ""
        given = given or request.headers.get("x-api-key", "")
        if not hmac.compare_digest(given.encode(), self._key):
            log.warning(
                "sync_api_unauthorized", client=request.client.host if request.client else ""
            )
            return _problem(401, "missing or wrong API key")
        return None

    async def pending(self, request: Request) -> Response:
        if (refused := self._authorized(request)) is not None:
            return refused
        async with self._db.session() as s:
            rows = await s.scalars(
                select(DownloadRow)
                .where(DownloadRow.sync_state == "pending")
                .order_by(DownloadRow.completed_at)
            )
            items = [
                {
                    "id": row.id,
                    "info_hash": row.info_hash,
                    "name": row.name,
                    "save_path": row.save_path,
                    "size_bytes": row.size_bytes,
                    "completed_at": row.completed_at.isoformat() if row.completed_at else None,
                }
                for row in rows
            ]
        unique = list({item["info_hash"]: item for item in items}.values())
        return JSONResponse({"items": unique})

    async def _body(self, request: Request, model: type[_Body]) -> _Body | Response:
        """The caller's validated body, or the response that refuses it (401/4xx)."""
        if (refused := self._authorized(request)) is not None:
            return refused
        try:
            return model.model_validate(await read_json(request, MAX_BODY))
        except BodyError as exc:
            return _problem(exc.status, exc.reason)
        except ValidationError as exc:
            return _problem(422, _reason(exc))

    async def complete(self, request: Request) -> Response:
        body = await self._body(request, CompleteBody)
        if isinstance(body, Response):
            return body
        if body.info_hash is None and body.name is None:
            return _problem(422, "give info_hash, or name as a fallback")
        ids = await self._match(body)
        if not ids:
            return _problem(404, "no pending download matches")
        async with self._db.session() as s:
            await s.execute(
                update(DownloadRow)
                .where(DownloadRow.id.in_(ids), DownloadRow.sync_state == "pending")
                .values(sync_state="synced", synced_at=utcnow())
            )
        for download_id in ids:
            await self._monitor.add_notice(download_id, "ready")
        await self._monitor.deliver()
        log.info("sync_complete", downloads=ids)
        return JSONResponse({"matched": len(ids)})

    async def _match(self, body: CompleteBody) -> list[int]:
        async with self._db.session() as s:
            if body.info_hash is not None:
                found = list(
                    await s.scalars(
                        select(DownloadRow.id).where(
                            DownloadRow.sync_state == "pending",
                            DownloadRow.info_hash == body.info_hash.lower(),
                        )
                    )
                )
                if found:
                    return found
            if body.name is None:
                return []
            return list(
                await s.scalars(
                    select(DownloadRow.id).where(
                        DownloadRow.sync_state == "pending",
                        DownloadRow.normalized_name == normalize_name(body.name),
                    )
                )
            )

    async def library_index(self, request: Request) -> Response:
        body = await self._body(request, IndexBody)
        if isinstance(body, Response):
            return body
        stored = await self._library.replace(
            [
                LibraryItem(i.kind, i.title, i.year, i.path, i.size_bytes, i.episodes)
                for i in body.items
            ]
        )
        log.info("library_index_stored", items=stored)
        return JSONResponse({"stored": stored})


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "body"
    return f"{where}: {first.get('msg', 'invalid')}"[:300]
