"""``concierge doctor``'s look at what link downloads need: yt-dlp, gallery-dl, ffmpeg."""

from __future__ import annotations

import shutil
from importlib import metadata

from concierge.skills.grab.router import parse_routes


async def check_grab(routes: list[str]) -> tuple[bool, str]:
    """(ok, one line): the libraries' versions, ffmpeg/ffprobe on PATH, GRAB_ROUTES valid."""
    found: list[str] = []
    missing: list[str] = []
    for package in ("yt-dlp", "gallery-dl"):
        try:
            found.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            missing.append(package)
    for binary in ("ffmpeg", "ffprobe"):
        (found if shutil.which(binary) else missing).append(binary)
    try:
        parse_routes(routes)
    except ValueError as exc:
        return False, str(exc)
    if missing:
        return (
            False,
            f"missing: {', '.join(missing)} (link downloads need them); have {', '.join(found)}",
        )
    return True, ", ".join(found)
