"""The grab skill's knobs, as bootstrap passes them in (from the GRAB_* settings).

Kept free of heavy imports: the download child imports this package too, and every
module it pulls in costs start-up time for each link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from concierge.core.urlguard import Resolver, system_resolver


@dataclass(frozen=True, slots=True)
class Limits:
    max_waiting: int = 50
    max_running: int = 5
    per_user: int = 2
    daily_count: int = 50
    daily_bytes: int = 2000 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class GrabConfig:
    work_dir: Path
    limits: Limits = field(default_factory=Limits)
    max_file_bytes: int = 50 * 1024 * 1024
    max_duration: int = 3 * 3600
    timeout: float = 1800.0
    storage_bytes: int = 2000 * 1024 * 1024
    memory_mb: int = 1024
    spare_children: int = 1  # started ahead, imports done (GRAB_SPARE_CHILDREN)
    routes: dict[str, str] = field(default_factory=dict)
    allow_private: bool = False  # plain users may fetch non-public addresses (GRAB_ALLOW_PRIVATE)
    # "host:port" endpoints anyone may download from although not public (a LAN media
    # server; tests stand a "public" site on loopback with it): GRAB_ALLOWED_ENDPOINTS
    trusted_endpoints: frozenset[str] = frozenset()
    cookies_dir: Path | None = None
    upload_limit: int = 50 * 1024 * 1024
    links_mode: str = "auto"  # "auto": fit videos first, link otherwise; "always": link
    min_video_kbps: int = 300  # below this a fitted video is not worth watching: link it
    public_base_url: str | None = None  # PUBLIC_BASE_URL: where /files/<token> is reached
    link_ttl_hours: int = 24
    resolver: Resolver = system_resolver
