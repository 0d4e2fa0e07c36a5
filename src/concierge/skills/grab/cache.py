"""Files kept from a delivery, keyed by the normalized URL, within a storage quota.

The same link again is re-sent from these files without a download; the entries live
as rows plus a folder per URL under ``<work dir>/cache``, so they survive restarts.
Past the quota the least recently used entries go first; folders with no row (a crash
between moving files and writing the row) are removed by ``sweep``.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import delete, select, update

from concierge.core.clock import Clock
from concierge.skills.grab.models import GrabCacheRow
from concierge.storage.db import Database

_TRACKING = ("utm_", "fbclid", "gclid", "si", "feature")


def normalize(url: str) -> str:
    """Scheme and host lower-cased, default port, fragment and tracking parameters dropped."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if not k.lower().startswith(_TRACKING)]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(kept), ""))


def url_key(url: str) -> str:
    return hashlib.sha256(normalize(url).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CachedFile:
    path: Path
    kind: str


class FileCache:
    def __init__(self, db: Database, root: Path, clock: Clock, quota_bytes: int) -> None:
        self._db = db
        self.root = root
        self._clock = clock
        self._quota = quota_bytes

    async def get(self, key: str) -> list[CachedFile] | None:
        async with self._db.session() as s:
            row = await s.get(GrabCacheRow, key)
            if row is None:
                return None
            files = [CachedFile(Path(f["path"]), str(f["kind"])) for f in row.files["files"]]
            if not files or not all(f.path.is_file() for f in files):
                await s.delete(row)
                return None
            row.used_at = self._clock.now()
        return files

    async def put(self, key: str, files: list[tuple[Path, str]]) -> list[CachedFile]:
        """Move ``files`` into the cache (replacing an older entry); the new locations."""
        folder = self.root / key
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        kept = []
        for path, kind in files:
            target = folder / path.name
            shutil.move(path, target)
            kept.append(CachedFile(target, kind))
        size = sum(f.path.stat().st_size for f in kept)
        now = self._clock.now()
        listing = {"files": [{"path": str(f.path), "kind": f.kind} for f in kept]}
        async with self._db.session() as s:
            row = await s.get(GrabCacheRow, key)
            if row is None:
                s.add(
                    GrabCacheRow(
                        url_key=key, files=listing, size_bytes=size, created_at=now, used_at=now
                    )
                )
            else:
                await s.execute(
                    update(GrabCacheRow)
                    .where(GrabCacheRow.url_key == key)
                    .values(files=listing, size_bytes=size, used_at=now)
                )
        await self.enforce_quota(keep=key)
        return kept

    async def enforce_quota(self, keep: str | None = None) -> int:
        """Evict least recently used entries until the cache fits; how many went."""
        async with self._db.session() as s:
            rows = list(
                await s.execute(
                    select(GrabCacheRow.url_key, GrabCacheRow.size_bytes).order_by(
                        GrabCacheRow.used_at
                    )
                )
            )
        total = sum(size for _, size in rows)
        evicted = 0
        for key, size in rows:
            if total <= self._quota:
                break
            if key == keep:
                continue
            await self.drop(key)
            total -= size
            evicted += 1
        return evicted

    async def drop(self, key: str) -> None:
        async with self._db.session() as s:
            await s.execute(delete(GrabCacheRow).where(GrabCacheRow.url_key == key))
        shutil.rmtree(self.root / key, ignore_errors=True)

    async def sweep(self) -> int:
        """Remove cache folders no row points at; how many."""
        if not self.root.is_dir():
            return 0
        async with self._db.session() as s:
            known = set(await s.scalars(select(GrabCacheRow.url_key)))
        removed = 0
        for folder in self.root.iterdir():
            if folder.name not in known:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed
