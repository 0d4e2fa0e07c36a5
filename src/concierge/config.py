"""Settings: the single description of every knob, read only by bootstrap.

Every secret is a ``SecretStr`` so it never leaks through ``repr`` or logs.
Lists are comma-separated strings in the environment (``A,B,C``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CsvList = Annotated[list[str], NoDecode]

NO_ACCOUNT_SOURCES = ["torapi", "apibay"]


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Everything an operator can configure; see the README's configuration table."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # --- core ---
    environment: Literal["development", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "console", "json"] = "auto"
    replica_id: str | None = None  # names this process in logs and leases; default host-pid
    concierge_data_dir: Path = Path("./data")
    database_url: SecretStr | None = None
    encryption_key: SecretStr | None = None
    owner_ids: CsvList = Field(default_factory=list)
    access_mode: Literal["approval", "open"] = "approval"
    default_language: Literal["en", "ru"] = "en"
    default_timezone: str = "UTC"  # IANA name; a user's own /timezone wins

    # --- background jobs ---
    jobs_backend: Literal["auto", "embedded", "procrastinate"] = "auto"
    jobs_concurrency: int = Field(default=4, ge=1, le=64)

    # --- language model ---
    llm_provider: Literal["auto", "offline", "anthropic", "openai", "openai-compatible"] = "auto"
    anthropic_api_key: SecretStr | None = None
    anthropic_model: str = "claude-sonnet-4-6"
    anthropic_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_model: str = "gpt-4.1-mini"
    openai_base_url: str | None = None
    llm_models: CsvList = Field(default_factory=list)
    llm_request_timeout: float = 120.0
    history_max_messages: int = 30
    history_max_tokens: int = 24_000

    # --- http ---
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    sync_api_key: SecretStr | None = None

    # --- telegram ---
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_upload_limit_mb: int = 50
    telegram_download_limit_mb: int = 20
    telegram_local_mode: bool = False
    telegram_send_pacing: bool = True  # false only for a test Bot API with no limits (benchmarks)
    telegram_queue_updates: bool = False  # webhook updates as per-user jobs (several replicas)
    redis_url: SecretStr | None = None  # Telegram send pacing shared by every replica
    bot_username: str | None = None

    # --- discord ---
    discord_bot_token: SecretStr | None = None
    discord_api_base_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    discord_guild_ids: CsvList = Field(default_factory=list)
    discord_upload_limit_mb: int | None = Field(default=None, ge=1)  # None: what Discord reports
    discord_link_channels: CsvList = Field(default_factory=list)
    _split_discord = field_validator("discord_guild_ids", "discord_link_channels", mode="before")(
        _split_csv
    )
    # --- retro ---
    retro_steps: CsvList = Field(
        default_factory=lambda: ["mood", "went_well", "went_wrong", "learned", "grateful", "focus"]
    )
    retro_timeout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    retro_cleanup: Literal["auto", "llm", "rules"] = "auto"  # auto: the LLM when one is set
    retro_llm_price_input: float = Field(default=0.0, ge=0)  # USD per million tokens
    retro_llm_price_output: float = Field(default=0.0, ge=0)
    admin_api_key: SecretStr | None = None  # GET /admin/stats, POST /admin/broadcast

    # --- movies: metadata ---
    tmdb_api_key: SecretStr | None = None
    tmdb_base_url: str = "https://api.themoviedb.org/3"
    tmdb_image_base_url: str = "https://image.tmdb.org/t/p"
    omdb_api_key: SecretStr | None = None
    omdb_base_url: str = "https://www.omdbapi.com"
    kinopoisk_api_key: SecretStr | None = None
    kinopoisk_base_url: str = "https://kinopoiskapiunofficial.tech"
    http_cache_enabled: bool = True

    # --- movies: torrent sources ---
    torrent_sources: CsvList = Field(default_factory=lambda: list(NO_ACCOUNT_SOURCES))
    torapi_base_url: str = "https://torapi.vercel.app"
    apibay_base_url: str = "https://apibay.org"
    rutracker_base_url: str = "https://rutracker.org"
    rutracker_username: str | None = None
    rutracker_password: SecretStr | None = None
    torznab_endpoints: CsvList = Field(default_factory=list)
    source_deadline_seconds: float = 6.0

    # --- memory: Letterboxd ---
    letterboxd_base_url: str = "https://letterboxd.com"
    letterboxd_poll_minutes: int = Field(default=60, ge=5)
    trakt_client_id: str | None = None
    trakt_client_secret: SecretStr | None = None
    trakt_base_url: str = "https://api.trakt.tv"
    trakt_sync_minutes: int = Field(default=60, ge=5)

    # --- digests ---
    digest_feeds: CsvList = Field(default_factory=list)  # RSS/Atom URLs for news headlines
    digest_feeds_allow_private: bool = False  # feeds on loopback/LAN addresses (homelab, tests)
    digest_cache_minutes: int = Field(default=60, ge=1)  # shared TMDB/feed answers kept this long
    digest_summary: Literal["auto", "llm", "list"] = "auto"  # auto: the LLM when one is set

    # --- downloads ---
    torrent_client_url: SecretStr | None = None
    torrent_client_users: CsvList = Field(default_factory=list)
    allow_private_client_urls: bool = False
    download_poll_seconds: int = 60

    # --- monitors: release monitors, series following ---
    monitors_per_user: int = Field(default=20, ge=1)
    monitors_tick_seconds: int = Field(default=300, ge=10)

    # --- grab: link downloads ---
    grab_max_waiting: int = Field(default=50, ge=1)
    grab_max_running: int = Field(default=5, ge=1)
    grab_max_per_user: int = Field(default=2, ge=1)
    grab_daily_count: int = Field(default=50, ge=1)
    grab_daily_mb: int = Field(default=2000, ge=1)
    grab_max_file_mb: int = Field(default=50, ge=1)
    grab_max_duration_seconds: int = Field(default=3 * 3600, ge=1)
    grab_timeout_seconds: int = Field(default=1800, ge=10)
    grab_storage_mb: int = Field(default=2000, ge=1)
    grab_memory_mb: int = Field(default=1024, ge=128)
    grab_spare_children: int = Field(default=1, ge=0, le=8)  # warm child processes kept ready
    grab_routes: CsvList = Field(default_factory=list)  # host:tool, e.g. example.org:gallery-dl
    grab_allow_private: bool = False  # also plain users may fetch loopback/LAN (tests, homelab)
    grab_allowed_endpoints: CsvList = Field(default_factory=list)  # host:port, e.g. nas.lan:8096
    grab_links: Literal["auto", "always"] = "auto"
    grab_link_hours: int = Field(default=24, ge=1)
    grab_min_video_kbps: int = Field(default=300, ge=50)
    public_base_url: str | None = None  # where the HTTP app is reached from outside

    # --- voice ---
    stt_provider: Literal["auto", "local", "openai", "openai-compatible", "off"] = "auto"
    stt_model: Path | None = None  # a faster-whisper model folder; none: the packaged base
    stt_threads: int = Field(default=2, ge=1, le=64)
    stt_timeout_seconds: float = Field(default=180.0, gt=0)  # local wall-clock limit
    stt_beam_size: int = Field(default=1, ge=1, le=10)  # local: 1 greedy (bench/transcribe.py)
    stt_vad_filter: bool = True  # local: skip silence before Whisper
    stt_openai_model: str = "gpt-4o-mini-transcribe"
    stt_base_url: str | None = None
    stt_api_key: SecretStr | None = None  # none: OPENAI_API_KEY
    stt_api_timeout_seconds: float = Field(default=30.0, gt=0)
    stt_price_per_minute: float = Field(default=0.003, ge=0)
    voice_max_mb: int = Field(default=25, ge=1)
    voice_max_seconds: int = Field(default=600, ge=1)
    voice_min_free_mb: int = Field(default=200, ge=0)
    ffmpeg_timeout_seconds: float = Field(default=30.0, gt=0)

    _split = field_validator(
        "owner_ids",
        "torrent_sources",
        "torznab_endpoints",
        "torrent_client_users",
        "grab_routes",
        "grab_allowed_endpoints",
        "digest_feeds",
        mode="before",
    )(_split_csv)

    @field_validator("stt_model", "stt_base_url", "stt_api_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    _split_retro = field_validator("retro_steps", mode="before")(_split_csv)

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError, OSError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Moscow)") from None
        return value

    @property
    def data_dir(self) -> Path:
        return self.concierge_data_dir

    def replica_name(self) -> str:
        """This process among replicas: ``REPLICA_ID``, else host name and process id."""
        if self.replica_id:
            return self.replica_id
        import os
        import socket

        return f"{socket.gethostname()}-{os.getpid()}"

    def effective_jobs_backend(self) -> Literal["embedded", "procrastinate"]:
        """``auto``: procrastinate when the database is Postgres, the embedded engine on
        SQLite (procrastinate needs Postgres; the embedded engine runs on either)."""
        if self.jobs_backend != "auto":
            return self.jobs_backend
        scheme = self.effective_database_url().split(":", 1)[0]
        return "procrastinate" if scheme.split("+", 1)[0] == "postgresql" else "embedded"

    def effective_stt_provider(self) -> Literal["local", "openai", "openai-compatible", "off"]:
        """``auto``: a server at ``STT_BASE_URL``, else OpenAI when a key is set, else local
        (so voice works with no configuration at all)."""
        if self.stt_provider != "auto":
            return self.stt_provider
        if self.stt_base_url:
            return "openai-compatible"
        return "openai" if (self.stt_api_key or self.openai_api_key) else "local"

    def effective_database_url(self) -> str:
        """The SQLAlchemy URL: configured, or a SQLite file in the data directory."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite+aiosqlite:///{(self.data_dir / 'concierge.db').resolve()}"

    def secret_values(self) -> list[str]:
        """Every configured secret's clear value, for log redaction."""
        found: list[str] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                raw = value.get_secret_value()
                found.extend(part for part in raw.split(",") if len(part) >= 6)
                if len(raw) >= 6:
                    found.append(raw)
        return found
