"""What a downloaded file is (by its first bytes, never its name) and a safe name for it.

A site names files; a hostile one names them ``../../etc/passwd``, with NUL bytes or 300
characters. Every file a tool wrote is renamed inside the job folder before it is used,
and only the media types below are delivered.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Literal

MediaKind = Literal["video", "photo", "audio", "document"]
MAX_NAME = 120  # characters of a delivered file's name, extension included
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")

# (offset, magic, kind, extension); checked in order
_MAGIC: tuple[tuple[int, bytes, MediaKind, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "photo", "png"),
    (0, b"\xff\xd8\xff", "photo", "jpg"),
    (0, b"GIF87a", "photo", "gif"),
    (0, b"GIF89a", "photo", "gif"),
    (0, b"\x1a\x45\xdf\xa3", "video", "webm"),
    (0, b"OggS", "audio", "ogg"),
    (0, b"fLaC", "audio", "flac"),
    (0, b"ID3", "audio", "mp3"),
    (0, b"%PDF-", "document", "pdf"),
)
_AUDIO_BRANDS = (b"M4A ", b"M4B ", b"F4A ")


def sniff(path: Path) -> tuple[MediaKind, str] | None:
    """(kind, extension) from the content, or None for a type we do not deliver."""
    with path.open("rb") as handle:
        return sniff_bytes(handle.read(16))


def sniff_bytes(head: bytes) -> tuple[MediaKind, str] | None:
    """``sniff`` of a file's first 16 bytes (a download that is still streaming)."""
    for offset, magic, kind, ext in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return kind, ext
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return "audio", "m4a"
        return "video", "mov" if brand == b"qt  " else "mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "photo", "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio", "wav"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "audio", "mp3"
    return None


def safe_name(raw: str, extension: str, fallback: str = "file") -> str:
    """A name with no separators, traversal, control characters; bounded; true extension."""
    name = unicodedata.normalize("NFC", raw.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE.sub("_", stem).strip(" ._") or fallback
    suffix = f".{extension}"
    return stem[: MAX_NAME - len(suffix)].rstrip(" ._") + suffix


def _written(path: Path) -> tuple[int, str]:
    try:
        return path.stat().st_mtime_ns, path.name
    except OSError:
        return 0, path.name


def settle(folder: Path, found: list[Path]) -> list[tuple[Path, MediaKind]]:
    """Rename each downloaded file to a safe, unique name directly inside ``folder``.

    Files outside ``folder`` (a tool that escaped it) and types we do not deliver are
    deleted and left out.
    """
    root = folder.resolve()
    settled: list[tuple[Path, MediaKind]] = []
    taken: set[str] = set()
    for path in sorted(found, key=_written):  # in the order the tool wrote them
        real = path.resolve()
        if not real.is_file():
            continue
        if root not in real.parents:
            real.unlink(missing_ok=True)
            continue
        sniffed = sniff(real)
        if sniffed is None:
            real.unlink()
            continue
        kind, ext = sniffed
        name = safe_name(real.name, ext)
        n = 1
        while name in taken or ((root / name).exists() and root / name != real):
            n += 1
            name = safe_name(f"{real.stem}-{n}", ext)
        taken.add(name)
        target = root / name
        real.rename(target)
        settled.append((target, kind))
    return settled
