"""The one way adapters talk HTTP: timeouts, retries, typed errors, persistent cache.

``HttpFactory`` is built once by bootstrap and gives each adapter its own
``ResilientClient``. Secrets (API keys, tokens) are added by the innermost
transport on a copy of the request, so the cache never stores them and its
keys stay the same when a key is rotated. Responses are cached per call with
the TTL the adapter chooses for that endpoint (hishel, SQLite on disk).
Failures come out as the typed errors of errors.py.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

import httpx
import structlog
from hishel import AsyncSqliteStorage
from hishel.httpx import AsyncCacheTransport
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from concierge.adapters.errors import (
    AuthFailed,
    BadResponse,
    Blocked,
    ExternalServiceError,
    NotFound,
    RateLimited,
    ResponseTooLarge,
    SourceTimeout,
    SourceUnavailable,
    looks_blocked,
)
from concierge.adapters.lazy_network import LazyNetwork, SharedTls

log = structlog.get_logger(__name__)

USER_AGENT = "Concierge/0.1 (+self-hosted media concierge)"
MAX_RESPONSE_BYTES = 16 * 1024 * 1024  # far above any API answer, page or .torrent we read
_RETRYABLE = (SourceTimeout, SourceUnavailable, RateLimited)


def _cookieless_jar() -> CookieJar:
    """A jar that stores nothing: for clients whose cookies belong to different users."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


@dataclass(frozen=True, slots=True)
class Secrets:
    """Credentials added to every request just before it leaves the process."""

    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, limit: int, host: str) -> None:
        self._inner, self._limit, self._host = inner, limit, host

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        chunks = aiter(self._inner)
        try:
            async for chunk in chunks:
                seen += len(chunk)
                if seen > self._limit:
                    raise ResponseTooLarge(self._host, f"more than {self._limit} bytes")
                yield chunk
        finally:  # close the inner generator now, not from a finalizer task later
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()

    async def aclose(self) -> None:
        await self._inner.aclose()


class _SizeCap(httpx.AsyncBaseTransport):
    """Stops reading an answer past ``limit`` bytes (as sent), below the cache and retries."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int) -> None:
        self._inner = inner
        self._limit = limit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._limit:
            await response.aclose()
            raise ResponseTooLarge(request.url.host, f"declares {declared} bytes")
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_CappedStream(stream, self._limit, request.url.host),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class _SecretTransport(httpx.AsyncBaseTransport):
    """Adds secrets to a copy of the request, so upper layers never see them."""

    def __init__(self, inner: httpx.AsyncBaseTransport, secrets: Secrets) -> None:
        self._inner = inner
        self._secrets = secrets

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._secrets.params and not self._secrets.headers:
            return await self._inner.handle_async_request(request)
        url = request.url.copy_merge_params(dict(self._secrets.params))
        headers = httpx.Headers(request.headers)
        headers.update(dict(self._secrets.headers))
        outgoing = httpx.Request(
            request.method,
            url,
            headers=headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return await self._inner.handle_async_request(outgoing)

    async def aclose(self) -> None:
        await self._inner.aclose()


class _SelectiveCache(httpx.AsyncBaseTransport):
    """Requests carrying a ``caching`` extension go through the cache; others don't."""

    def __init__(self, cached: AsyncCacheTransport, direct: httpx.AsyncBaseTransport) -> None:
        self._cached = cached
        self._direct = direct

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if "caching" in request.extensions:
            return await self._cached.handle_async_request(request)
        return await self._direct.handle_async_request(request)

    async def aclose(self) -> None:
        await self._cached.aclose()  # closes the shared inner transport and the storage


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class ResilientClient:
    """One adapter's HTTP client. Errors come out typed; successes may come from cache."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        secrets: Secrets | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.4,
        max_retry_after: float = 4.0,
        storage: AsyncSqliteStorage | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        follow_redirects: bool = True,
        keep_cookies: bool = True,
        max_bytes: int = MAX_RESPONSE_BYTES,
        tls: SharedTls | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._retries = retries
        self._backoff = backoff
        self._max_retry_after = max_retry_after
        network = _SizeCap(transport or LazyNetwork(tls or SharedTls()), max_bytes)
        inner: httpx.AsyncBaseTransport = _SecretTransport(network, secrets or Secrets())
        self.caching = storage is not None
        if storage is not None:
            inner = _SelectiveCache(AsyncCacheTransport(inner, storage=storage), inner)
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            transport=inner,
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT, **dict(headers or {})},
            follow_redirects=follow_redirects,
            cookies=None if keep_cookies else _cookieless_jar(),
        )

    @property
    def cookies(self) -> httpx.Cookies:
        return self._client.cookies

    def _cache_extension(self, method: str, url: str, ttl: float | None) -> dict[str, Any]:
        if ttl is None or not self.caching:
            return {}
        key = hashlib.sha256(f"{self.name} {method} {url}".encode()).hexdigest()
        return {"caching": {"ttl": ttl, "key": key}}

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        ttl: float | None = None,
        ok_statuses: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        """Send with retries on 429/5xx/timeouts; ``ttl`` (seconds) caches a GET."""
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            url = str(self._client.build_request(method, path, params=clean).url)
        except httpx.InvalidURL as exc:  # e.g. a 100 KB search text: over httpx's URL limits
            log.warning("http_request_invalid", source=self.name, method=method, path=path[:200])
            raise BadResponse(self.name, "the request URL is too long or invalid") from exc
        extensions = self._cache_extension(method, url, ttl) if method == "GET" else {}

        async def attempt() -> httpx.Response:
            try:
                response = await self._client.request(
                    method,
                    path,
                    params=clean,
                    data=data,
                    content=content,
                    headers=headers,
                    extensions=extensions,
                )
            except ResponseTooLarge as exc:
                raise ResponseTooLarge(self.name, exc.detail) from exc
            except httpx.TimeoutException as exc:
                raise SourceTimeout(self.name, type(exc).__name__) from exc
            except httpx.TransportError as exc:
                raise SourceUnavailable(self.name, type(exc).__name__) from exc
            self._raise_for_status(response, ok_statuses)
            return response

        def should_retry(exc: BaseException) -> bool:
            if isinstance(exc, RateLimited) and (exc.retry_after or 0) > self._max_retry_after:
                return False
            return isinstance(exc, _RETRYABLE)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, RateLimited) and exc.retry_after is not None:
                return exc.retry_after
            jitter = 0.5 + random.random()
            return float(self._backoff * (2 ** (state.attempt_number - 1)) * jitter)

        try:
            async for retry_state in AsyncRetrying(
                stop=stop_after_attempt(self._retries + 1),
                retry=retry_if_exception(should_retry),
                wait=wait,
                reraise=True,
            ):
                with retry_state:
                    return await attempt()
        except ExternalServiceError as exc:
            log.warning(
                "http_request_failed",
                source=self.name,
                method=method,
                path=path,
                error=exc.kind,
                status=exc.status,
                detail=exc.detail,
            )
            raise
        raise AssertionError("unreachable: tenacity either returns or re-raises")

    def _raise_for_status(self, response: httpx.Response, ok: frozenset[int]) -> None:
        status = response.status_code
        if status < 400 or status in ok:
            return
        if status == 429:
            raise RateLimited(
                self.name, retry_after=parse_retry_after(response.headers.get("Retry-After"))
            )
        if status in (401, 403):
            raise AuthFailed(self.name, status=status)
        if status == 404:
            raise NotFound(self.name, status=status)
        if status >= 500:
            raise SourceUnavailable(self.name, f"HTTP {status}", status=status)
        raise BadResponse(self.name, f"HTTP {status}", status=status)

    async def get(
        self, path: str, *, params: Mapping[str, Any] | None = None, ttl: float | None = None
    ) -> httpx.Response:
        return await self.request("GET", path, params=params, ttl=ttl)

    async def get_json(
        self, path: str, *, params: Mapping[str, Any] | None = None, ttl: float | None = None
    ) -> Any:
        response = await self.get(path, params=params, ttl=ttl)
        return json_body(response, self.name)

    async def aclose(self) -> None:
        await self._client.aclose()


def json_body(response: httpx.Response, source: str) -> Any:
    """The JSON an API answered; a block page or garbage in its place is a typed error."""
    try:
        return response.json()
    except ValueError as exc:
        blocked = looks_blocked(response.text)
        log.warning("http_not_json", source=source, path=response.url.path, blocked=blocked)
        if blocked:
            raise Blocked(source, "block page instead of the API") from exc
        raise BadResponse(source, "malformed JSON") from exc


class HttpFactory:
    """Builds adapter clients that share one cache directory and default limits."""

    def __init__(
        self,
        cache_dir: Path | None,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.4,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._cache_dir = cache_dir
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._transport = transport
        self._tls = SharedTls()  # one CA bundle parse for all of them, at the first request
        self._clients: list[ResilientClient] = []

    def client(
        self,
        name: str,
        base_url: str,
        *,
        secrets: Secrets | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        cache: bool = True,
        follow_redirects: bool = True,
        keep_cookies: bool = True,
    ) -> ResilientClient:
        storage = None
        if cache and self._cache_dir is not None:
            self._cache_dir.mkdir(parents=True, exist_ok=True)
            storage = AsyncSqliteStorage(database_path=self._cache_dir / f"{name}.db")
        client = ResilientClient(
            name,
            base_url,
            secrets=secrets,
            headers=headers,
            timeout=timeout or self._timeout,
            retries=self._retries,
            backoff=self._backoff,
            storage=storage,
            transport=self._transport,
            follow_redirects=follow_redirects,
            keep_cookies=keep_cookies,
            tls=self._tls,
        )
        self._clients.append(client)
        return client

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()
        self._clients.clear()
