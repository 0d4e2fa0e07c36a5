"""`concierge nas-sync`: runs on the NAS, copies finished seedbox downloads home.

Each pass: ask the bot what is pending, copy each item with rsync over SSH (key
authentication only: ``BatchMode=yes`` so no password is ever asked for or put on a
command line, ``StrictHostKeyChecking=yes`` so the seedbox's host key must already
be known), file it under ``Movies/Title (Year)`` or ``Series/Title/Season NN`` by the
parsed release name, report it done (by info-hash), then push the library index.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog

from concierge.core.release_names import parse_name

log = structlog.get_logger(__name__)

VIDEO_SUFFIXES = {".mkv", ".mp4", ".avi", ".m4v", ".mov", ".ts", ".webm", ".wmv"}
MOVIES, SERIES = "Movies", "Series"
RSYNC_TIMEOUT = 6 * 3600
MAX_NAME_BYTES = 255  # a file name on every common filesystem
MAX_PATH_BYTES = 4096


class NasSyncError(RuntimeError):
    """A pass could not complete; the message says which step and why."""


@dataclass(frozen=True, slots=True)
class NasSyncConfig:
    server_url: str  # the bot's HTTP address, e.g. https://bot.example.com
    api_key: str  # SYNC_API_KEY
    library_dir: Path  # the NAS folder holding Movies/ and Series/
    ssh_target: str = ""  # user@seedbox; empty copies from a locally mounted path
    ssh_key: Path | None = None
    known_hosts: Path | None = None
    rsync: str = "rsync"
    timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class Placement:
    kind: str  # "movie" | "series"
    title: str
    year: int | None
    folder: PurePosixPath  # relative to the library dir


@dataclass
class PassReport:
    copied: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    indexed: int = 0


def place(release_name: str) -> Placement:
    """Where a release belongs in the library, by its parsed name."""
    parsed = parse_name(release_name)
    title = _clean(str(parsed.get("title") or release_name)) or "Unknown"
    year = parsed.get("year")
    year = int(year) if isinstance(year, int) else None
    seasons = parsed.get("seasons") or []
    if seasons or parsed.get("episodes"):
        season = int(seasons[0]) if seasons else 1
        return Placement(
            "series", title, year, PurePosixPath(SERIES, title, f"Season {season:02d}")
        )
    folder = f"{title} ({year})" if year else title
    return Placement("movie", title, year, PurePosixPath(MOVIES, folder))


def _clean(name: str) -> str:
    """A safe folder name: no path separators or control characters."""
    return re.sub(r"[\x00-\x1f/\\:*?\"<>|]+", " ", name).strip(" .")[:150]


def source_path(save_path: str, name: str) -> str:
    """The seedbox path of one download; raises ``NasSyncError`` for a name that is not one
    plain file or folder name (``..``, ``/``, NUL, too long) or a folder that climbs out.

    Relative paths get ``./`` so a name starting with ``-`` can never read as an option.
    """
    if (
        not name
        or name in (".", "..")
        or "/" in name
        or "\x00" in name
        or len(name.encode(errors="replace")) > MAX_NAME_BYTES
    ):
        raise NasSyncError(f"refused an unsafe download name {name[:80]!r}")
    folder = save_path or "."
    if (
        "\x00" in folder
        or ".." in PurePosixPath(folder).parts
        or len(folder.encode(errors="replace")) > MAX_PATH_BYTES
    ):
        raise NasSyncError(f"refused an unsafe save path {folder[:80]!r}")
    source = str(PurePosixPath(folder, name))
    return source if source.startswith("/") else f"./{source}"


def rsync_command(config: NasSyncConfig, source: str, destination: Path) -> list[str]:
    """The rsync argv (never run through a shell; no secret on it; ``--`` ends options)."""
    command = [config.rsync, "--archive", "--partial", "--protect-args"]
    if config.ssh_target:
        ssh = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
        if config.ssh_key is not None:
            ssh += ["-i", str(config.ssh_key), "-o", "IdentitiesOnly=yes"]
        if config.known_hosts is not None:
            ssh += ["-o", f"UserKnownHostsFile={config.known_hosts}"]
        command += [
            "-e",
            " ".join(shlex.quote(part) for part in ssh),
            "--",
            f"{config.ssh_target}:{source}",
        ]
    else:
        command += ["--", source]
    return [*command, f"{destination}/"]


async def _copy(config: NasSyncConfig, source: str, destination: Path) -> None:
    await asyncio.to_thread(destination.mkdir, parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        *rsync_command(config, source, destination),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), RSYNC_TIMEOUT)
    except TimeoutError as exc:
        process.kill()
        await process.wait()
        raise NasSyncError(f"rsync of {source} took longer than {RSYNC_TIMEOUT} s") from exc
    if process.returncode != 0:
        detail = stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise NasSyncError(f"rsync exited {process.returncode}: {detail[0][:200]}")


def library_index(library_dir: Path) -> list[dict[str, Any]]:
    """Films are folders under Movies/, series folders under Series/ (episodes counted)."""
    items: list[dict[str, Any]] = []
    for kind, top in (("movie", MOVIES), ("series", SERIES)):
        root = library_dir / top
        if not root.is_dir():
            continue
        for entry in sorted(root.iterdir()):
            if not entry.is_dir():
                continue
            files = [
                p for p in entry.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES
            ]
            match = re.fullmatch(r"(.+?) \((\d{4})\)", entry.name)
            title, year = (match.group(1), int(match.group(2))) if match else (entry.name, None)
            items.append(
                {
                    "kind": kind,
                    "title": title[:300],
                    "year": year,
                    "path": f"{top}/{entry.name}"[:1000],
                    "size_bytes": sum(p.stat().st_size for p in files),
                    "episodes": len(files) if kind == "series" else 0,
                }
            )
    return items


async def sync_once(config: NasSyncConfig, http: httpx.AsyncClient) -> PassReport:
    """One pass; ``http`` is built with the server URL (tests hand in an ASGI transport)."""
    report = PassReport()
    headers = {"Authorization": f"Bearer {config.api_key}"}
    response = await _call(http, "GET", "/api/sync/pending", headers)
    if response.status_code != 200:
        raise NasSyncError(f"the bot answered HTTP {response.status_code} for pending items")
    for item in _pending_items(response):
        name = str(item.get("name") or "")
        try:
            source = source_path(str(item.get("save_path") or ""), name)
            placement = place(name)
            await _copy(config, source, config.library_dir / placement.folder)
        except NasSyncError as exc:
            log.warning("nas_sync_copy_failed", name=name[:200], reason=str(exc))
            report.failed.append(name)
            continue
        done = await _call(
            http,
            "POST",
            "/api/sync/complete",
            headers,
            json={"info_hash": item.get("info_hash"), "name": name},
        )
        if done.status_code != 200:
            log.warning("nas_sync_report_failed", name=name[:200], status=done.status_code)
        report.copied.append(name)
    index = await asyncio.to_thread(library_index, config.library_dir)
    pushed = await _call(http, "POST", "/api/sync/library-index", headers, json={"items": index})
    if pushed.status_code != 200:
        raise NasSyncError(f"the bot refused the library index (HTTP {pushed.status_code})")
    report.indexed = len(index)
    return report


async def _call(
    http: httpx.AsyncClient,
    method: str,
    path: str,
    headers: dict[str, str],
    json: Any = None,
) -> httpx.Response:
    """One request to the bot; any transport failure becomes ``NasSyncError`` (no key in it)."""
    try:
        return await http.request(method, path, headers=headers, json=json)
    except httpx.HTTPError as exc:
        raise NasSyncError(f"cannot reach the bot ({type(exc).__name__} on {path})") from exc


def _pending_items(response: httpx.Response) -> list[dict[str, Any]]:
    """The pending list, or ``NasSyncError`` when the answer is not the documented shape."""
    try:
        items = response.json().get("items", [])
    except (ValueError, AttributeError, RecursionError) as exc:
        raise NasSyncError("the bot's pending list is not the expected JSON") from exc
    if not isinstance(items, list):
        raise NasSyncError("the bot's pending list is not a list")
    return [item for item in items if isinstance(item, dict)]


def insecure_server_url(url: str) -> str | None:
    """Why sending the sync key to ``url`` would expose it, or None when it is safe.

    Plain http is fine on loopback and private networks (NAS and bot side by side);
    anywhere else the key would cross the internet in clear text.
    """
    parts = urlsplit(url)
    if parts.scheme == "https":
        return None
    if parts.scheme != "http" or not parts.hostname:
        return f"server URL must be http(s)://host, got {url!r}"
    host = parts.hostname
    if host == "localhost" or host.endswith(".local"):
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"{host} is reached over plain http; use https so SYNC_API_KEY is not sent in clear"
    if address.is_loopback or address.is_private:
        return None
    return f"{host} is reached over plain http; use https so SYNC_API_KEY is not sent in clear"


async def run_nas_sync(
    config: NasSyncConfig, *, once: bool = False, interval: float = 300.0
) -> int:
    """The `concierge nas-sync` entry point; returns the process exit code."""
    async with httpx.AsyncClient(base_url=config.server_url, timeout=config.timeout) as http:
        while True:
            try:
                report = await sync_once(config, http)
                log.info(
                    "nas_sync_pass",
                    copied=len(report.copied),
                    failed=len(report.failed),
                    indexed=report.indexed,
                )
                if once:
                    return 1 if report.failed else 0
            except NasSyncError as exc:
                log.error("nas_sync_failed", reason=str(exc))
                if once:
                    return 2
            await asyncio.sleep(interval)
