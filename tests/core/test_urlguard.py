"""The SSRF guard: which URLs the server may be pointed at, by whom."""

from __future__ import annotations

import pytest

from concierge.core.urlguard import Refusal, UnsafeURL, check_url


def resolver_for(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("Name or service not known")
        return table[host]

    return resolve


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("http://169.254.169.254/latest/meta-data/", Refusal.METADATA),
        ("http://169.254.10.1:9091/", Refusal.LINK_LOCAL),
        ("http://[fe80::1]:8080/", Refusal.LINK_LOCAL),
        ("http://metadata.google.internal/computeMetadata/v1/", Refusal.METADATA),
        ("http://METADATA.google.internal./", Refusal.METADATA),
        ("http://0.0.0.0:9091/", Refusal.UNSPECIFIED),
        ("http://[::]:9091/", Refusal.UNSPECIFIED),
        ("http://224.0.0.1/", Refusal.MULTICAST),
        ("http://[::ffff:169.254.169.254]/", Refusal.METADATA),
        ("http://[fd00:ec2::254]/", Refusal.METADATA),
    ],
)
async def test_always_refused_even_for_the_owner(url: str, refusal: Refusal) -> None:
    with pytest.raises(UnsafeURL) as caught:
        await check_url(url, allow_private=True, resolver=resolver_for({}))
    assert caught.value.refusal is refusal


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9091/transmission/rpc",
        "http://localhost:8080",
        "http://10.0.0.5:8112",
        "http://192.168.1.20:9091",
        "http://172.16.3.4",
        "http://[::1]:8080",
        "http://[fd12:3456::1]:8080",
        "http://100.64.1.1",
        "http://2130706433:9091",  # 127.0.0.1 written as one number
        "http://[::ffff:127.0.0.1]/",
    ],
)
async def test_private_and_loopback_only_when_allowed(url: str) -> None:
    resolve = resolver_for({"localhost": ["127.0.0.1", "::1"], "2130706433": ["127.0.0.1"]})
    with pytest.raises(UnsafeURL) as caught:
        await check_url(url, allow_private=False, resolver=resolve)
    assert caught.value.refusal is Refusal.PRIVATE
    checked = await check_url(url, allow_private=True, resolver=resolve)
    assert checked.addresses


async def test_a_name_resolving_to_a_public_and_an_internal_address_is_refused() -> None:
    resolve = resolver_for({"seedbox.example": ["93.184.216.34", "10.1.2.3"]})
    with pytest.raises(UnsafeURL) as caught:
        await check_url("https://seedbox.example:8080", allow_private=False, resolver=resolve)
    assert caught.value.refusal is Refusal.PRIVATE


async def test_a_public_seedbox_is_accepted_with_its_port() -> None:
    resolve = resolver_for({"seedbox.example": ["93.184.216.34"]})
    checked = await check_url("https://seedbox.example/qbt", allow_private=False, resolver=resolve)
    assert (checked.host, checked.port) == ("seedbox.example", 443)


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("ftp://seedbox.example/", Refusal.SCHEME),
        ("file:///etc/passwd", Refusal.SCHEME),
        ("http://", Refusal.MALFORMED),
        ("http://seedbox.example:99999/", Refusal.MALFORMED),
        ("http://no-such-host.example/", Refusal.UNRESOLVABLE),
    ],
)
async def test_malformed_or_unresolvable(url: str, refusal: Refusal) -> None:
    with pytest.raises(UnsafeURL) as caught:
        await check_url(url, allow_private=True, resolver=resolver_for({}))
    assert caught.value.refusal is refusal


async def test_the_system_resolver_resolves_localhost() -> None:
    checked = await check_url("http://localhost:1/", allow_private=True)
    assert any(a.is_loopback for a in checked.addresses)
