"""``doctor``'s live checks: one cheap authenticated call to each configured service.

Each answers (ok, "what was found (123 ms)"); a wrong key, a closed port or a
timeout is a failure with the reason, never the URL (it may carry credentials).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from concierge.adapters.tmdb import tmdb_secrets
from concierge.config import Settings
from concierge.skills.downloads.client_url import InvalidClientURL, parse_client_url
from concierge.skills.downloads.factory import default_factory
from concierge.skills.downloads.ports import TorrentClientError

Outcome = tuple[bool, str]
PROBE_TIMEOUT_SECONDS = 8.0


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None and value.get_secret_value() else None


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


async def torrent_client(settings: Settings) -> Outcome:
    url = _secret(settings.torrent_client_url)
    if url is None:
        return True, "not configured (users can add their own with /client)"
    try:
        config = parse_client_url(url)
    except InvalidClientURL as exc:
        return False, f"TORRENT_CLIENT_URL: {exc}"
    client = default_factory(config, None)
    started = time.perf_counter()
    try:
        version = await client.test_connection()
    except TorrentClientError as exc:
        return False, f"{config.redacted()}: {exc}"
    finally:
        await client.close()
    return True, f"{config.redacted()}: {config.kind} {version} ({_ms(started)})"


Judge = Callable[[httpx.Response], str | None]  # None: fine; else why not


async def _get(name: str, url: str, judge: Judge, **kwargs: object) -> Outcome:
    host = urlsplit(url).netloc
    started = time.perf_counter()
    try:
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_SECONDS, trust_env=False) as http:
            response = await http.get(url, **kwargs)  # type: ignore[arg-type]
    except httpx.TimeoutException:
        return False, f"{name} at {host} did not answer within {PROBE_TIMEOUT_SECONDS:g} s"
    except httpx.HTTPError as exc:
        return False, f"cannot reach {name} at {host}: {type(exc).__name__}"
    problem = judge(response)
    if problem is not None:
        return False, f"{name} at {host}: {problem}"
    return True, f"{name} at {host} accepted the key ({_ms(started)})"


def _status(response: httpx.Response) -> str | None:
    if response.status_code in (401, 403):
        return f"the key was rejected (HTTP {response.status_code})"
    if response.status_code != 200:
        return f"answered HTTP {response.status_code}"
    return None


def _omdb(response: httpx.Response) -> str | None:
    problem = _status(response)
    if problem is not None:
        return problem
    try:
        body = response.json()
    except ValueError:
        return "answered without JSON"
    if (
        isinstance(body, dict)
        and body.get("Response") == "False"
        and "key" in str(body.get("Error", "")).lower()
    ):
        return f"the key was rejected ({body.get('Error')})"
    return None


def _torznab(response: httpx.Response) -> str | None:
    problem = _status(response)
    if problem is not None:
        return problem
    if b"<caps" not in response.content[:4096]:
        return "answered without Torznab capabilities (is this the API path?)"
    return None


def metadata(settings: Settings) -> list[tuple[str, Awaitable[Outcome]]]:
    """A probe per configured metadata API; unconfigured ones say so and pass."""
    probes: list[tuple[str, Awaitable[Outcome]]] = []
    if (tmdb := _secret(settings.tmdb_api_key)) is not None:
        auth = tmdb_secrets(tmdb)
        url = settings.tmdb_base_url.rstrip("/") + "/configuration"
        probes.append(
            ("tmdb", _get("TMDB", url, _status, params=auth.params, headers=auth.headers))
        )
    if (omdb := _secret(settings.omdb_api_key)) is not None:
        url = settings.omdb_base_url.rstrip("/") + "/"
        probes.append(("omdb", _get("OMDb", url, _omdb, params={"apikey": omdb, "i": "tt0111161"})))
    if (kp := _secret(settings.kinopoisk_api_key)) is not None:
        url = settings.kinopoisk_base_url.rstrip("/") + "/api/v2.2/films/301"
        probes.append(("kinopoisk", _get("Kinopoisk", url, _status, headers={"X-API-KEY": kp})))
    return probes


def torznab(settings: Settings) -> list[tuple[str, Awaitable[Outcome]]]:
    probes: list[tuple[str, Awaitable[Outcome]]] = []
    for index, endpoint in enumerate(settings.torznab_endpoints):
        parts = urlsplit(endpoint)
        url = (
            endpoint if "t=" in parts.query else endpoint + ("&" if parts.query else "?") + "t=caps"
        )
        probes.append((f"torznab #{index + 1}", _get("Torznab", url, _torznab)))
    return probes
