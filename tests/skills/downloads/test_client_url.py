"""TORRENT_CLIENT_URL and /client answers → the URL an adapter talks to."""

from __future__ import annotations

import pytest

from concierge.skills.downloads.client_url import (
    ClientConfig,
    InvalidClientURL,
    format_client_url,
    normalize_http_url,
    parse_client_url,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "transmission://user:pass@nas:9091/transmission/rpc",
            ClientConfig("transmission", "http://nas:9091/transmission/rpc", "user", "pass"),
        ),
        (
            "transmission://nas",
            ClientConfig("transmission", "http://nas:9091/transmission/rpc"),
        ),
        (
            "qbittorrent://admin:p%40ss%3Aword@box.example:8080",
            ClientConfig("qbittorrent", "http://box.example:8080", "admin", "p@ss:word"),
        ),
        (
            "qbittorrent+https://admin:pw@seedbox.example/qbittorrent/",
            ClientConfig("qbittorrent", "https://seedbox.example:443/qbittorrent", "admin", "pw"),
        ),
        (
            "deluge://:secret@10.0.0.2:8112",
            ClientConfig("deluge", "http://10.0.0.2:8112", "", "secret"),
        ),
        ("deluge+https://:s@[::1]", ClientConfig("deluge", "https://[::1]:443", "", "s")),
    ],
)
def test_operator_urls(url: str, expected: ClientConfig) -> None:
    assert parse_client_url(url) == expected


def test_round_trip_through_format() -> None:
    config = ClientConfig("qbittorrent", "https://box:8443/q", "ad min", "p@ss/word")
    assert parse_client_url(format_client_url(config)) == config


@pytest.mark.parametrize(
    "url", ["rtorrent://host", "transmission+ftp://host", "transmission://", "deluge://h:port"]
)
def test_bad_operator_urls_are_refused_without_echoing_secrets(url: str) -> None:
    with pytest.raises(InvalidClientURL):
        parse_client_url(url)


def test_password_never_in_error_or_redacted_form() -> None:
    with pytest.raises(InvalidClientURL) as caught:
        parse_client_url("transmission://u:hunter2secret@host:notaport/")
    assert "hunter2secret" not in str(caught.value)
    config = parse_client_url("transmission://u:hunter2secret@host")
    assert "hunter2secret" not in config.redacted()
    assert ClientConfig.from_json(config.to_json()) == config


@pytest.mark.parametrize(
    ("kind", "answer", "url"),
    [
        ("transmission", "nas.local", "http://nas.local:9091/transmission/rpc"),
        ("transmission", "http://nas:9091/transmission/web/", "http://nas:9091/transmission/rpc"),
        ("qbittorrent", "https://seedbox.example/qb/", "https://seedbox.example:443/qb"),
        ("qbittorrent", "https://seedbox.example:443", "https://seedbox.example:443"),
        ("deluge", "192.168.1.5", "http://192.168.1.5:8112"),
    ],
)
def test_user_answers_are_normalized(kind: str, answer: str, url: str) -> None:
    assert normalize_http_url(kind, answer) == url  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "answer",
    [
        "ftp://nas",
        "http://u:p@nas:9091",
        "http://nas:9091/?x=1",
        "http://nas :80",
        "http://nas:abc",
    ],
)
def test_user_answers_that_are_refused(answer: str) -> None:
    with pytest.raises(InvalidClientURL):
        normalize_http_url("transmission", answer)
