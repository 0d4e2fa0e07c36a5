"""Client settings: ``transmission://user:pass@host:9091/transmission/rpc`` and friends.

One ``ClientConfig`` describes a client whatever its origin (the operator's
TORRENT_CLIENT_URL or a user's /client answers); it is stored encrypted as JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

ClientKind = Literal["transmission", "qbittorrent", "deluge"]
CLIENT_KINDS: tuple[ClientKind, ...] = ("transmission", "qbittorrent", "deluge")
DEFAULT_PORTS: dict[ClientKind, int] = {"transmission": 9091, "qbittorrent": 8080, "deluge": 8112}
DEFAULT_PATHS: dict[ClientKind, str] = {
    "transmission": "/transmission/rpc",
    "qbittorrent": "",
    "deluge": "",
}
MAX_FIELD = 512


class InvalidClientURL(ValueError):
    """The client URL can't be understood; the message never repeats the password."""


@dataclass(frozen=True, slots=True)
class ClientConfig:
    kind: ClientKind
    url: str  # http(s)://host:port/path the adapter talks to
    username: str = ""
    password: str = ""

    def redacted(self) -> str:
        """For showing the user: no password."""
        user = f"{self.username}@" if self.username else ""
        parts = urlsplit(self.url)
        return f"{self.kind}: {parts.scheme}://{user}{parts.netloc}{parts.path}"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> ClientConfig:
        data = json.loads(raw)
        kind = parse_kind(str(data["kind"]))
        return cls(kind, str(data["url"]), str(data["username"]), str(data["password"]))


def _default_port(kind: ClientKind, scheme: str) -> int:
    """Without a port, https means a reverse proxy on 443; http the daemon's own port."""
    return 443 if scheme == "https" else DEFAULT_PORTS[kind]


def parse_kind(value: str) -> ClientKind:
    kind = value.strip().lower()
    aliases = {"qbit": "qbittorrent", "qbt": "qbittorrent", "tr": "transmission"}
    kind = aliases.get(kind, kind)
    for known in CLIENT_KINDS:
        if kind == known:
            return known
    raise InvalidClientURL(f"unknown client type {value[:32]!r}")


def normalize_http_url(kind: ClientKind, url: str) -> str:
    """A user's ``host:port`` or ``http(s)://host[:port][/path]`` → a full adapter URL."""
    text = url.strip()
    if len(text) > MAX_FIELD or any(c.isspace() for c in text):
        raise InvalidClientURL("the URL is too long or contains spaces")
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidClientURL("the URL's port is not a number") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidClientURL("the URL must be http(s)://host[:port][/path]")
    if parts.username or parts.password:
        raise InvalidClientURL("put the username and password in their own answers")
    if parts.query or parts.fragment:
        raise InvalidClientURL("the URL must not have a query or fragment")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    path = parts.path.rstrip("/") or DEFAULT_PATHS[kind]
    if kind == "transmission" and path in ("/transmission", "/transmission/web"):
        path = "/transmission/rpc"
    return f"{parts.scheme}://{host}:{port or _default_port(kind, parts.scheme)}{path}"


def parse_client_url(url: str) -> ClientConfig:
    """``kind[+https]://[user[:password]@]host[:port][/path]`` → ``ClientConfig``."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise InvalidClientURL("the client URL is malformed") from exc
    kind_text, _, transport = parts.scheme.partition("+")
    kind = parse_kind(kind_text)
    if transport not in ("", "http", "https"):
        raise InvalidClientURL("the scheme suffix must be +https or +http")
    if not parts.hostname:
        raise InvalidClientURL("the client URL has no host")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    path = parts.path.rstrip("/") or DEFAULT_PATHS[kind]
    scheme = transport or "http"
    http_url = f"{scheme}://{host}:{port or _default_port(kind, scheme)}{path}"
    return ClientConfig(
        kind, http_url, unquote(parts.username or ""), unquote(parts.password or "")
    )


def format_client_url(config: ClientConfig) -> str:
    """The inverse of ``parse_client_url`` (used by tests and ``doctor``)."""
    parts = urlsplit(config.url)
    suffix = "+https" if parts.scheme == "https" else ""
    auth = ""
    if config.username or config.password:
        auth = f"{quote(config.username, safe='')}:{quote(config.password, safe='')}@"
    return f"{config.kind}{suffix}://{auth}{parts.netloc}{parts.path}"
