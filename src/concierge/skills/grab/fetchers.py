"""yt-dlp and gallery-dl through their Python APIs, inside the child process.

Both write into the job's folder only; their failures become one ``Failure`` with a
``Reason`` the user gets a clear message for. yt-dlp's external downloaders (ffmpeg for
HLS, aria2c) are switched off, so every byte comes through the guarded sockets here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from concierge.skills.grab import guard
from concierge.skills.grab.protocol import ChildSpec, Event, Reason

Emit = Callable[[Event], None]
_LEFTOVER = (".part", ".ytdl", ".temp", ".tmp")


class Failure(Exception):
    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


_MESSAGES: tuple[tuple[Reason, tuple[str, ...]], ...] = (
    (Reason.TOO_BIG, ("max-filesize", "larger than allowed maximum", "file size larger")),
    (Reason.UNSUPPORTED, ("unsupported url", "no suitable extractor", "no extractor")),
    (Reason.PRIVATE, ("private video", "this video is private", "is private")),
    (Reason.LOGIN, ("sign in", "login required", "log in", "--cookies", "authenticat")),
    (Reason.GEO, ("geo restrict", "not available in your country", "geo-restrict")),
    (
        Reason.GONE,
        ("removed", "no longer available", "http error 404", "404 not found", "http error 410"),
    ),
    (Reason.NETWORK, ("http error 5", "connection", "temporary failure", "reset by peer")),
    (Reason.NETWORK, ("timed out", "timeout")),
)


def classify(message: str) -> Reason:
    text = message.lower()
    if guard.refused:
        return Reason.REFUSED
    for reason, needles in _MESSAGES:
        if any(n in text for n in needles):
            return reason
    return Reason.FAILED


def produced(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(_LEFTOVER)]


class _Log:
    """yt-dlp's logger: everything to stderr, and the last error kept for classification."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def debug(self, msg: str) -> None:
        if "max-filesize" in msg:  # yt-dlp says this at debug level and skips the file
            self.warnings.append(msg)

    def info(self, msg: str) -> None:
        self.debug(msg)

    def warning(self, msg: str) -> None:
        self.warnings.append(msg)
        logging.getLogger("yt-dlp").warning(msg)

    def error(self, msg: str) -> None:
        self.errors.append(msg)
        logging.getLogger("yt-dlp").error(msg)


def run_ytdlp(spec: ChildSpec, emit: Emit, *, generic: bool) -> list[Path]:
    """``generic``: only yt-dlp's generic extractors (direct files, og:video, HTML5 media),
    which spares the child building the whole extractor list (seconds of CPU)."""
    import yt_dlp  # type: ignore[import-untyped]
    from yt_dlp.utils import (  # type: ignore[import-untyped]
        DownloadError,
        GeoRestrictedError,
        UnsupportedError,
    )

    folder = Path(spec.folder)
    log = _Log()
    too_long: list[float] = []

    def progress(d: dict[str, Any]) -> None:
        if d.get("status") != "downloading":
            return
        done = int(d.get("downloaded_bytes") or 0)
        total = d.get("total_bytes") or d.get("total_bytes_estimate")
        if done > spec.max_bytes or (total and total > spec.max_bytes):
            raise Failure(Reason.TOO_BIG, f"{total or done} bytes")
        emit(
            Event(
                type="progress",
                downloaded=done,
                total=int(total) if total else None,
                speed=d.get("speed"),
                eta=d.get("eta"),
            )
        )

    def postprocessing(d: dict[str, Any]) -> None:
        if d.get("status") == "started":
            emit(Event(type="phase", phase="converting"))

    def duration_filter(info: dict[str, Any], *, incomplete: bool = False) -> str | None:
        duration = info.get("duration")
        if duration and duration > spec.max_duration:
            too_long.append(float(duration))
            return "too long"
        return None

    options: dict[str, Any] = {
        "paths": {"home": str(folder), "temp": str(folder)},
        "outtmpl": {"default": "%(title).100B [%(id).40B].%(ext)s"},
        "noplaylist": True,
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "logger": log,
        "progress_hooks": [progress],
        "postprocessor_hooks": [postprocessing],
        "max_filesize": spec.max_bytes,
        "match_filter": duration_filter,
        "socket_timeout": spec.socket_timeout,
        "retries": 2,
        "fragment_retries": 2,
        # only protocols yt-dlp downloads itself through the guarded sockets (no rtmpdump,
        # no ffmpeg reading a URL): plain HTTP(S) and HLS with its native downloader
        "format": "/".join(
            f"bv*[protocol^={p}]+ba[protocol^={p}]/b[protocol^={p}]" for p in ("http", "m3u8")
        ),
        "external_downloader": {"default": "native"},
        "hls_prefer_native": True,
        "restrictfilenames": True,
        "windowsfilenames": True,
        "overwrites": True,
        "cachedir": False,
    }
    if spec.cookies:
        options["cookiefile"] = spec.cookies
    try:
        with yt_dlp.YoutubeDL(options, auto_init=not generic) as ydl:
            if generic:  # the generic page extractor and its HTML5 <video>/<audio> embeds
                from yt_dlp.extractor.generic import GenericIE  # type: ignore[import-untyped]
                from yt_dlp.extractor.genericembeds import (  # type: ignore[import-untyped]
                    HTML5MediaEmbedIE,
                    QuotedHTMLIE,
                )

                for ie in (HTML5MediaEmbedIE, QuotedHTMLIE, GenericIE):
                    ydl.add_info_extractor(ie())
            ydl.download([spec.url])
    except Failure:
        raise
    except UnsupportedError as exc:
        raise Failure(Reason.UNSUPPORTED, str(exc)) from exc
    except GeoRestrictedError as exc:
        raise Failure(Reason.GEO, str(exc)) from exc
    except DownloadError as exc:
        cause = exc.exc_info[1] if exc.exc_info else None
        if isinstance(cause, Failure):
            raise cause from exc
        raise Failure(classify(str(exc)), str(exc)) from exc
    if too_long:
        raise Failure(Reason.TOO_LONG, f"{too_long[0]:.0f} s")
    files = produced(folder)
    if not files:
        if any("max-filesize" in w for w in log.warnings):
            raise Failure(Reason.TOO_BIG, "over max-filesize")
        raise Failure(classify(" ".join(log.errors)) if log.errors else Reason.NO_MEDIA)
    return files


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_gallery(spec: ChildSpec, emit: Emit, *, generic: bool) -> list[Path]:
    from gallery_dl import config, exception, job  # type: ignore[import-untyped]

    folder = Path(spec.folder)
    config.clear()
    config.set((), "base-directory", str(folder))
    config.set(("extractor",), "directory", [])
    config.set(("extractor",), "timeout", spec.socket_timeout)
    config.set(("extractor",), "retries", 2)
    config.set(("extractor",), "image-range", f"1-{spec.max_files}")
    config.set(("extractor", "generic"), "enabled", generic)
    if spec.cookies:
        config.set(("extractor",), "cookies", spec.cookies)
    config.set(("downloader",), "filesize-max", str(spec.max_bytes))
    config.set(("downloader",), "part-directory", str(folder))
    config.set(("output",), "mode", "null")
    capture = _Capture()
    logging.getLogger().addHandler(capture)
    count = 0

    class Job(job.DownloadJob):  # type: ignore[misc]
        def handle_url(self, url: str, kwdict: dict[str, Any]) -> None:
            nonlocal count
            count += 1
            emit(Event(type="progress", downloaded=count, total=None))
            super().handle_url(url, kwdict)

    try:
        status = Job(spec.url).run()
    except exception.NoExtractorError as exc:
        raise Failure(Reason.UNSUPPORTED, str(exc)) from exc
    files = produced(folder)
    said = " ".join(capture.messages)
    if files:
        return files
    if status & 16:
        raise Failure(Reason.LOGIN, said)
    reason = classify(said) if said else Reason.NO_MEDIA
    raise Failure(reason, said)
