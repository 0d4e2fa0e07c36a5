"""The operators' HTTP API, keyed by ADMIN_API_KEY (off without it).

GET  /admin/stats              the /stats figures as JSON
POST /admin/broadcast          {"text": "..."} → 202 {"id", "recipients", ...}
GET  /admin/broadcast/{id}     {"recipients", "delivered", "failed", "pending"}
The key comes as ``Authorization: Bearer <key>`` or ``X-API-Key``; compared in
constant time; anything else is 401.
"""

from __future__ import annotations

import hmac
import json

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from concierge.skills.admin.service import MAX_TEXT, AdminService

log = structlog.get_logger(__name__)

MAX_BODY = 64 * 1024


class AdminAPI:
    def __init__(self, service: AdminService, api_key: str | None) -> None:
        self._service = service
        self._key = api_key.encode() if api_key else None

    def routes(self) -> list[BaseRoute]:
        if self._key is None:
            return []  # no key, no API
        return [
            Route("/admin/stats", self.stats, methods=["GET"]),
            Route("/admin/broadcast", self.broadcast, methods=["POST"]),
            Route("/admin/broadcast/{broadcast_id:int}", self.progress, methods=["GET"]),
        ]

    def _authorized(self, request: Request) -> bool:
        assert self._key is not None
        header = request.headers.get("authorization", "")
        given = header[7:] if header.lower().startswith("bearer ") else ""
        given = given or request.headers.get("x-api-key", "")
        ok = hmac.compare_digest(given.encode(), self._key)
        if not ok:
            log.warning("admin_api_refused", path=request.url.path, client=_client(request))
        return ok

    async def stats(self, request: Request) -> Response:
        if not self._authorized(request):
            return _unauthorized()
        return JSONResponse(await self._service.stats())

    async def broadcast(self, request: Request) -> Response:
        if not self._authorized(request):
            return _unauthorized()
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            data = json.loads(body)
        except ValueError:
            return JSONResponse({"error": "body must be JSON"}, status_code=400)
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            error = f"'text' must be a non-empty string of at most {MAX_TEXT} characters"
            return JSONResponse({"error": error}, status_code=400)
        progress = await self._service.broadcast(text.strip(), None)
        assert progress is not None  # no token, never a repeat
        return JSONResponse(progress.as_dict(), status_code=202)

    async def progress(self, request: Request) -> Response:
        if not self._authorized(request):
            return _unauthorized()
        found = await self._service.progress(int(request.path_params["broadcast_id"]))
        if found is None:
            return JSONResponse({"error": "no such broadcast"}, status_code=404)
        return JSONResponse(found.as_dict())


def _unauthorized() -> Response:
    return JSONResponse(
        {"error": "missing or wrong API key"},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"
