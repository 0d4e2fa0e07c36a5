"""A link that is itself a media file, streamed straight to disk inside the child.

yt-dlp's generic extractor would take such a link too, but its downloader moves a
loopback file at about a third of curl's speed (small adaptive blocks, a progress
computation per block); a plain read loop into one 1 MB buffer keeps up with curl. So
the generic route asks first: one GET, redirects followed hop by hop (every connection
goes through the child's guarded ``getaddrinfo``, so a redirect to a private address is
refused like the first hop), and when the answer is media by its content type *and* its
first bytes it is written here. Anything else (a page, an error status, an unknown type)
is left to yt-dlp and gallery-dl as before: ``fetch`` returns None and closes the
connection after the headers.
"""

from __future__ import annotations

import http.client
import os
import ssl
import time
import urllib.request
from email.message import Message
from http.cookiejar import MozillaCookieJar
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from concierge.skills.grab import guard, media
from concierge.skills.grab.fetchers import Emit, Failure
from concierge.skills.grab.protocol import ChildSpec, Event, Reason

BLOCK = 1024 * 1024
MAX_REDIRECTS = 10
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
_MEDIA_TYPES = ("video/", "audio/", "image/")
_OPAQUE_TYPES = ("application/octet-stream", "binary/octet-stream", "application/ogg")
_REDIRECTS = (301, 302, 303, 307, 308)
Connection = http.client.HTTPConnection


def _is_media_type(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind.startswith(_MEDIA_TYPES) or kind in _OPAQUE_TYPES


def _connect(url: str, timeout: float) -> tuple[Connection, str]:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.hostname or ""
    if parts.scheme == "https":
        return http.client.HTTPSConnection(host, parts.port, timeout=timeout), target
    return http.client.HTTPConnection(host, parts.port, timeout=timeout), target


def _headers(url: str, cookies: MozillaCookieJar | None) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": "identity"}
    if cookies is not None:
        probe = urllib.request.Request(url)  # noqa: S310 (never opened: a cookie lookup)
        cookies.add_cookie_header(probe)
        if probe.has_header("Cookie"):
            headers["Cookie"] = str(probe.get_header("Cookie"))
    return headers


def _name(url: str, disposition: str | None) -> str:
    if disposition:
        message = Message()
        message["content-disposition"] = disposition
        given = message.get_filename()
        if given:
            return given
    return urlsplit(url).path.rsplit("/", 1)[-1] or "download"


def _refuse_status(status: int) -> None:
    """A busy or missing file fails here as it would in yt-dlp; other statuses go to it."""
    if status >= 500 or status == 429:
        raise Failure(Reason.NETWORK, f"HTTP {status}")  # transient: the queue retries
    if status in (404, 410):
        raise Failure(Reason.GONE, f"HTTP {status}")


def _write_all(descriptor: int, data: memoryview) -> None:
    while data:
        data = data[os.write(descriptor, data) :]


def _load_cookies(path: str | None) -> MozillaCookieJar | None:
    if path is None:
        return None
    jar = MozillaCookieJar(path)
    try:
        jar.load(ignore_discard=True, ignore_expires=True)
    except (OSError, ValueError):
        return None  # a broken cookie file: yt-dlp will say so in its own words
    return jar


def fetch(spec: ChildSpec, emit: Emit) -> list[Path] | None:
    """The file, when ``spec.url`` (after redirects) answers with media; else None."""
    cookies = _load_cookies(spec.cookies)
    url = spec.url
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            if urlsplit(url).scheme not in ("http", "https"):
                return None
            connection, target = _connect(url, spec.socket_timeout)
            try:
                connection.request("GET", target, headers=_headers(url, cookies))
                response = connection.getresponse()
                location = response.getheader("Location")
                if response.status in _REDIRECTS and location:
                    url = urljoin(url, location)
                    continue
                _refuse_status(response.status)
                if response.status != 200 or not _is_media_type(
                    response.getheader("Content-Type", "")
                ):
                    return None
                return _stream(spec, emit, url, response)
            finally:
                connection.close()
    except ssl.SSLCertVerificationError as exc:
        raise Failure(Reason.FAILED, f"certificate: {exc.verify_message}") from exc
    except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, cut short
        reason = Reason.REFUSED if guard.refused else Reason.NETWORK
        raise Failure(reason, f"{type(exc).__name__}: {exc}") from exc
    return None  # redirected in circles: let yt-dlp say what it makes of it


def _stream(
    spec: ChildSpec, emit: Emit, url: str, response: http.client.HTTPResponse
) -> list[Path] | None:
    length = response.getheader("Content-Length")
    total = int(length) if length and length.isdigit() else None
    if total is not None and total > spec.max_bytes:
        raise Failure(Reason.TOO_BIG, f"{total} bytes")
    buffer = bytearray(BLOCK)
    view = memoryview(buffer)
    first = response.readinto(view)
    if media.sniff_bytes(bytes(view[: min(first, 16)])) is None:
        return None  # says media, is not (an HTML error page, a binary blob)
    part = Path(spec.folder) / "direct.part"
    done = 0
    started = time.monotonic()
    descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        count = first
        while count:
            done += count
            if done > spec.max_bytes:
                raise Failure(Reason.TOO_BIG, f"over {spec.max_bytes} bytes")
            _write_all(descriptor, view[:count])
            speed = done / max(time.monotonic() - started, 1e-6)
            eta = (total - done) / speed if total else None
            emit(Event(type="progress", downloaded=done, total=total, speed=speed, eta=eta))
            count = response.readinto(view)
    except BaseException:
        os.close(descriptor)
        part.unlink(missing_ok=True)
        raise
    os.close(descriptor)
    if total is not None and done < total:
        part.unlink(missing_ok=True)
        raise Failure(Reason.NETWORK, f"connection closed after {done} of {total} bytes")
    name = _name(url, response.getheader("Content-Disposition"))
    target = part.with_name(media.safe_name(name, "bin"))
    part.rename(target)  # ``settle`` gives it its true extension from the content
    return [target]
