"""The shared HTTP client: cache, retries, Retry-After, timeouts, typed errors, secrets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from concierge.adapters.errors import (
    AuthFailed,
    BadResponse,
    Blocked,
    NotFound,
    RateLimited,
    SourceTimeout,
    SourceUnavailable,
)
from concierge.adapters.http import HttpFactory, Secrets, parse_retry_after
from tests.support.fixture_server import FixtureServer, hang, json_response, sequence, text

KEY = "super-secret-api-key-123"


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    with FixtureServer() as srv:
        yield srv


@pytest.fixture
def factory(tmp_path: Path, server: FixtureServer) -> HttpFactory:
    server.hits.clear()
    server.routes.clear()
    return HttpFactory(tmp_path / "cache", timeout=0.5, retries=2, backoff=0.01)


async def test_repeated_get_within_ttl_makes_one_request(
    factory: HttpFactory, server: FixtureServer
) -> None:
    server.route("/data", json_response({"n": 1}))
    client = factory.client("svc", server.url, secrets=Secrets(params={"api_key": KEY}))
    first = await client.get_json("/data", params={"q": "dune"}, ttl=60)
    second = await client.get_json("/data", params={"q": "dune"}, ttl=60)
    other = await client.get_json("/data", params={"q": "other"}, ttl=60)
    await factory.aclose()
    assert first == second == other == {"n": 1}
    assert len(server.hits) == 2
    assert server.hits[0].query == {"q": "dune", "api_key": KEY}


async def test_cache_survives_a_new_client_and_expires(
    factory: HttpFactory, server: FixtureServer, tmp_path: Path
) -> None:
    server.route("/data", json_response({"n": 1}))
    client = factory.client("svc", server.url)
    await client.get_json("/data", ttl=0.3)
    await factory.aclose()
    again = HttpFactory(tmp_path / "cache", timeout=0.5, backoff=0.01)
    await again.client("svc", server.url).get_json("/data", ttl=0.3)
    assert len(server.hits) == 1  # persistent: answered from disk
    await asyncio.sleep(0.35)
    await again.client("svc2", server.url).get_json("/data", ttl=0.3)
    await again.aclose()
    assert len(server.hits) == 2


async def test_secrets_never_reach_the_cache_file(
    factory: HttpFactory, server: FixtureServer, tmp_path: Path
) -> None:
    server.route("/data", json_response({"ok": True}))
    client = factory.client(
        "svc", server.url, secrets=Secrets(params={"api_key": KEY}, headers={"X-API-KEY": KEY})
    )
    await client.get_json("/data", ttl=60)
    await factory.aclose()
    assert server.hits[0].headers["x-api-key"] == KEY
    stored = b"".join(p.read_bytes() for p in (tmp_path / "cache").glob("svc.db*"))
    assert stored and KEY.encode() not in stored


async def test_5xx_is_retried_then_succeeds(factory: HttpFactory, server: FixtureServer) -> None:
    server.route("/flaky", sequence([text("down", 503), text("down", 502), json_response([1])]))
    assert await factory.client("svc", server.url).get_json("/flaky") == [1]
    assert len(server.hits) == 3


async def test_persistent_5xx_is_unavailable(factory: HttpFactory, server: FixtureServer) -> None:
    server.route("/down", text("oops", 500))
    with pytest.raises(SourceUnavailable) as err:
        await factory.client("svc", server.url).get_json("/down")
    assert err.value.status == 500
    assert len(server.hits) == 3


async def test_429_waits_for_retry_after(factory: HttpFactory, server: FixtureServer) -> None:
    server.route(
        "/limited",
        sequence([json_response({}, 429, {"Retry-After": "1"}), json_response({"ok": 1})]),
    )
    started = time.monotonic()
    assert await factory.client("svc", server.url).get_json("/limited") == {"ok": 1}
    assert time.monotonic() - started >= 0.95


async def test_429_with_long_retry_after_fails_fast(
    factory: HttpFactory, server: FixtureServer
) -> None:
    server.route("/limited", json_response({}, 429, {"Retry-After": "3600"}))
    with pytest.raises(RateLimited) as err:
        await factory.client("svc", server.url).get_json("/limited")
    assert err.value.retry_after == 3600
    assert len(server.hits) == 1


async def test_timeout_is_typed(factory: HttpFactory, server: FixtureServer) -> None:
    server.route("/slow", hang(5))
    with pytest.raises(SourceTimeout):
        await factory.client("svc", server.url).get_json("/slow")


@pytest.mark.parametrize(
    ("status", "error"), [(401, AuthFailed), (403, AuthFailed), (404, NotFound), (400, BadResponse)]
)
async def test_client_errors_are_typed_and_not_retried(
    factory: HttpFactory, server: FixtureServer, status: int, error: type[Exception]
) -> None:
    server.route("/x", json_response({"status_message": "no"}, status))
    with pytest.raises(error) as err:
        await factory.client("svc", server.url, secrets=Secrets(params={"k": KEY})).get_json("/x")
    assert KEY not in str(err.value)
    assert len(server.hits) == 1


async def test_malformed_json_and_block_pages(factory: HttpFactory, server: FixtureServer) -> None:
    server.route("/broken", text("{not json", 200, "application/json"))
    server.route("/blocked", text("<h1>Доступ к информационному ресурсу ограничен</h1>"))
    client = factory.client("svc", server.url)
    with pytest.raises(BadResponse):
        await client.get_json("/broken")
    with pytest.raises(Blocked):
        await client.get_json("/blocked")


async def test_unreachable_host_is_unavailable(factory: HttpFactory) -> None:
    from tests.support.fixture_server import free_port

    client = factory.client("svc", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(SourceUnavailable):
        await client.get_json("/")


def test_retry_after_formats() -> None:
    assert parse_retry_after("7") == 7
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
