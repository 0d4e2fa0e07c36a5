"""A fake Trakt (API v2) that answers as trakt.docs.apiary.io documents, and remembers.

Device flow: the first token poll is 400 (code not entered yet), the next one 200.
The first token expires in an hour, so a sync refreshes it; refreshed tokens last
three months. Sync endpoints require ``trakt-api-version: 2``, the app's
``trakt-api-key`` and the current bearer token; what is pushed joins the lists, so
a second sync finds it there.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tests.support.fixture_server import Handler

CLIENT_ID = "trakt-client-id-123"
CLIENT_SECRET = "trakt-client-secret-456"
DEVICE_CODE = "d9c126a7706328d808914cfd1e40274b6e009f684b1aca271b8b116bf5c3d34a"
USER_CODE = "5055CC52"
FIRST_ACCESS, FIRST_REFRESH = "tok-access-first-0f1e2d", "tok-refresh-first-3c4b5a"
NEW_ACCESS, NEW_REFRESH = "tok-access-renewed-9a8b7c", "tok-refresh-renewed-6d5e4f"
ARRIVAL = {
    "title": "Arrival",
    "year": 2016,
    "ids": {"trakt": 210449, "slug": "arrival-2016", "imdb": "tt2543164", "tmdb": 329865},
}
BLADE_RUNNER = {
    "title": "Blade Runner 2049",
    "year": 2017,
    "ids": {"trakt": 245287, "slug": "blade-runner-2049-2017", "imdb": "tt1856101", "tmdb": 335984},
}


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data), status_code=status, media_type="application/json", headers=headers
    )


@dataclass
class FakeTrakt:
    polls: int = 0
    access: str = FIRST_ACCESS
    revoked: list[str] = field(default_factory=list)
    pushed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "id": 1,
                "watched_at": "2024-01-10T21:00:00.000Z",
                "action": "watch",
                "type": "movie",
                "movie": ARRIVAL,
            }
        ]
    )
    ratings: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {"rated_at": "2024-01-11T10:00:00.000Z", "rating": 8, "type": "movie", "movie": ARRIVAL}
        ]
    )
    watchlist: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "rank": 1,
                "id": 7,
                "listed_at": "2024-01-12T10:00:00.000Z",
                "type": "movie",
                "movie": BLADE_RUNNER,
            }
        ]
    )

    def routes(self, prefix: str) -> dict[str, Handler]:
        return {
            f"{prefix}/oauth/device/code": self._device_code,
            f"{prefix}/oauth/device/token": self._device_token,
            f"{prefix}/oauth/token": self._refresh,
            f"{prefix}/oauth/revoke": self._revoke,
            f"{prefix}/sync/history/movies": self._list("history"),
            f"{prefix}/sync/ratings/movies": self._list("ratings"),
            f"{prefix}/sync/watchlist/movies": self._list("watchlist"),
            f"{prefix}/sync/history": self._push("history"),
            f"{prefix}/sync/ratings": self._push("ratings"),
            f"{prefix}/sync/watchlist": self._push("watchlist"),
        }

    @staticmethod
    def _app_ok(request: Request) -> bool:
        return (
            request.headers.get("trakt-api-version") == "2"
            and request.headers.get("trakt-api-key") == CLIENT_ID
        )

    async def _device_code(self, request: Request) -> Response:
        body = json.loads(await request.body())
        if body.get("client_id") != CLIENT_ID:
            return _json({"error": "invalid_client"}, 401)
        return _json(
            {
                "device_code": DEVICE_CODE,
                "user_code": USER_CODE,
                "verification_url": "https://trakt.tv/activate",
                "expires_in": 600,
                "interval": 5,
            }
        )

    def _token(self, access: str, refresh: str, expires_in: int) -> Response:
        self.access = access
        return _json(
            {
                "access_token": access,
                "token_type": "bearer",
                "expires_in": expires_in,
                "refresh_token": refresh,
                "scope": "public",
                "created_at": int(time.time()),
            }
        )

    async def _device_token(self, request: Request) -> Response:
        body = json.loads(await request.body())
        if body.get("code") != DEVICE_CODE or body.get("client_secret") != CLIENT_SECRET:
            return _json({}, 404)
        self.polls += 1
        if self.polls == 1:
            return _json({}, 400)  # pending: the user has not entered the code yet
        return self._token(FIRST_ACCESS, FIRST_REFRESH, 3600)

    async def _refresh(self, request: Request) -> Response:
        body = json.loads(await request.body())
        if body.get("refresh_token") != FIRST_REFRESH or body.get("grant_type") != "refresh_token":
            return _json({"error": "invalid_grant"}, 401)
        return self._token(NEW_ACCESS, NEW_REFRESH, 7_776_000)

    async def _revoke(self, request: Request) -> Response:
        self.revoked.append(json.loads(await request.body()).get("token"))
        return _json({})

    def _authorized(self, request: Request) -> bool:
        return (
            self._app_ok(request)
            and request.headers.get("authorization") == f"Bearer {self.access}"
        )

    def _list(self, name: str) -> Handler:
        async def handle(request: Request) -> Response:
            if not self._authorized(request):
                return _json({"error": "invalid_token"}, 401)
            items = getattr(self, name)
            return _json(items, headers={"X-Pagination-Page": "1", "X-Pagination-Page-Count": "1"})

        return handle

    def _push(self, name: str) -> Handler:
        async def handle(request: Request) -> Response:
            if not self._authorized(request):
                return _json({"error": "invalid_token"}, 401)
            movies = json.loads(await request.body()).get("movies", [])
            self.pushed.setdefault(name, []).extend(movies)
            for movie in movies:
                entry: dict[str, Any] = {
                    "type": "movie",
                    "movie": {
                        "title": movie.get("title"),
                        "year": movie.get("year"),
                        "ids": movie["ids"],
                    },
                }
                if name == "ratings":
                    entry["rating"] = movie["rating"]
                getattr(self, name).append(entry)
            return _json({"added": {"movies": len(movies)}, "not_found": {"movies": []}}, 201)

        return handle
