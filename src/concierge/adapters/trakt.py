"""Trakt API v2: device-code OAuth, token refresh and revoke, and the movie sync endpoints.

Documented at trakt.docs.apiary.io: ``POST /oauth/device/code`` → ``user_code`` and
``verification_url``; ``POST /oauth/device/token`` answers 400 while the user has
not entered the code yet, 404/409/410/418 when the code is wrong, used, expired or
denied, 429 when polled too fast; ``POST /oauth/token`` refreshes, ``POST
/oauth/revoke`` revokes. Every call carries ``trakt-api-version: 2`` and the app's
client id; the client secret travels in request bodies, tokens in the
``Authorization`` header only, never in a URL or a log line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from concierge.adapters.errors import BadResponse
from concierge.adapters.http import HttpFactory, ResilientClient, Secrets, json_body
from concierge.skills.memory.ports import DeviceCode, TraktMovie, TraktToken

PENDING = 400
DEVICE_FAILURES = {404: "invalid", 409: "used", 410: "expired", 418: "denied", 429: "slow_down"}
PAGE_LIMIT = 1000
MAX_PAGES = 20


def _movie(item: dict[str, Any], *, rating: int | None = None) -> TraktMovie | None:
    movie = item.get("movie")
    if not isinstance(movie, dict):
        return None
    ids = movie.get("ids") if isinstance(movie.get("ids"), dict) else {}
    tmdb = ids.get("tmdb") if isinstance(ids, dict) else None
    when = item.get("watched_at") or item.get("rated_at") or item.get("listed_at")
    return TraktMovie(
        title=str(movie.get("title") or ""),
        year=movie.get("year") if isinstance(movie.get("year"), int) else None,
        tmdb_id=tmdb if isinstance(tmdb, int) else None,
        rating=rating,
        on=_date(when),
    )


def _date(value: object) -> date | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date() if value else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class TraktApp:
    client_id: str
    client_secret: str


class TraktApi:
    """``TraktService`` over HTTP; raises ``ExternalServiceError`` subclasses."""

    name = "trakt"

    def __init__(self, http: HttpFactory, *, base_url: str, app: TraktApp) -> None:
        self._app = app
        self._client: ResilientClient = http.client(
            "trakt",
            base_url,
            secrets=Secrets(headers={"trakt-api-key": app.client_id}),
            headers={"trakt-api-version": "2", "Content-Type": "application/json"},
            cache=False,
            keep_cookies=False,
        )

    async def _post(
        self,
        path: str,
        body: dict[str, Any],
        *,
        token: str | None = None,
        ok: frozenset[int] = frozenset(),
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        response = await self._client.request(
            "POST", path, content=json.dumps(body).encode(), headers=headers, ok_statuses=ok
        )
        if response.status_code >= 400 or not response.content:
            return response.status_code, None
        return response.status_code, json_body(response, self.name)

    async def device_code(self) -> DeviceCode:
        _status, data = await self._post("/oauth/device/code", {"client_id": self._app.client_id})
        try:
            return DeviceCode(
                device_code=str(data["device_code"]),
                user_code=str(data["user_code"]),
                verification_url=str(data["verification_url"]),
                expires_in=int(data["expires_in"]),
                interval=int(data["interval"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadResponse(self.name, "device code without its fields") from exc

    async def device_token(self, device_code: str) -> TraktToken | str:
        """The token once the user entered the code; else "pending" or why not."""
        body = {
            "code": device_code,
            "client_id": self._app.client_id,
            "client_secret": self._app.client_secret,
        }
        status, data = await self._post(
            "/oauth/device/token", body, ok=frozenset({PENDING, *DEVICE_FAILURES})
        )
        if status == PENDING:
            return "pending"
        if status in DEVICE_FAILURES:
            return DEVICE_FAILURES[status]
        return self._token(data)

    async def refresh(self, refresh_token: str) -> TraktToken:
        body = {
            "refresh_token": refresh_token,
            "client_id": self._app.client_id,
            "client_secret": self._app.client_secret,
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
            "grant_type": "refresh_token",
        }
        _status, data = await self._post("/oauth/token", body)
        return self._token(data)

    async def revoke(self, access_token: str) -> None:
        body = {
            "token": access_token,
            "client_id": self._app.client_id,
            "client_secret": self._app.client_secret,
        }
        await self._post("/oauth/revoke", body)

    def _token(self, data: Any) -> TraktToken:
        try:
            return TraktToken(
                access_token=str(data["access_token"]),
                refresh_token=str(data["refresh_token"]),
                expires_at=int(data["created_at"]) + int(data["expires_in"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadResponse(self.name, "token answer without its fields") from exc

    async def _pages(self, path: str, token: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            response = await self._client.request(
                "GET",
                path,
                params={"page": page, "limit": PAGE_LIMIT},
                headers={"Authorization": f"Bearer {token}"},
            )
            data = json_body(response, self.name)
            if not isinstance(data, list):
                raise BadResponse(self.name, f"expected a list from {path}")
            items.extend(i for i in data if isinstance(i, dict))
            if page >= int(response.headers.get("X-Pagination-Page-Count") or 1):
                break
        return items

    async def history(self, token: str) -> list[TraktMovie]:
        found = [_movie(i) for i in await self._pages("/sync/history/movies", token)]
        return [m for m in found if m is not None]

    async def watchlist(self, token: str) -> list[TraktMovie]:
        found = [_movie(i) for i in await self._pages("/sync/watchlist/movies", token)]
        return [m for m in found if m is not None]

    async def ratings(self, token: str) -> list[TraktMovie]:
        items = await self._pages("/sync/ratings/movies", token)
        found = [
            _movie(i, rating=i.get("rating") if isinstance(i.get("rating"), int) else None)
            for i in items
        ]
        return [m for m in found if m is not None]

    async def push(
        self,
        token: str,
        *,
        history: list[TraktMovie],
        watchlist: list[TraktMovie],
        ratings: list[TraktMovie],
    ) -> None:
        """Add plays, watchlist entries and ratings (by TMDB id) the user made here."""

        def ids(m: TraktMovie) -> dict[str, Any]:
            return {"ids": {"tmdb": m.tmdb_id}, "title": m.title, "year": m.year}

        if history:
            movies = [
                {**ids(m), "watched_at": f"{m.on}T20:00:00.000Z" if m.on else "released"}
                for m in history
            ]
            await self._post("/sync/history", {"movies": movies}, token=token)
        if watchlist:
            await self._post(
                "/sync/watchlist", {"movies": [ids(m) for m in watchlist]}, token=token
            )
        if ratings:
            rated = [{**ids(m), "rating": m.rating} for m in ratings]
            await self._post("/sync/ratings", {"movies": rated}, token=token)
