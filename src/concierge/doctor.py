"""``concierge doctor``: is every configured dependency usable, and what is configured.

Each check runs concurrently under its own timeout and yields one line; nothing global
is built, and no secret value reaches the report (details pass through the log redactor).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import structlog
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from concierge import doctor_probes as probes
from concierge.config import Settings
from concierge.core.access import parse_owner_ids
from concierge.core.messages import Platform
from concierge.core.model_choice import (
    ANTHROPIC,
    OFFLINE,
    OPENAI,
    OPENAI_COMPATIBLE,
    LanguageModels,
    LLMSettings,
)
from concierge.frontends.discord.checks import check_discord
from concierge.logging import MASK, Redactor
from concierge.skills.grab.checks import check_grab
from concierge.storage.db import Database, DatabaseError
from concierge.storage.models import CredentialRow
from concierge.storage.secrets import KEY_FILE_NAME, SecretBox, SecretsError, load_keys

log = structlog.get_logger(__name__)

CHECK_TIMEOUT_SECONDS = 10.0
TELEGRAM_TIMEOUT_SECONDS = 5.0
NOT_SET = "(not set)"
TELEGRAM_TOKEN = re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}")

Outcome = tuple[bool, str]
_NEEDS = {
    ANTHROPIC: "ANTHROPIC_API_KEY",
    OPENAI: "OPENAI_API_KEY",
    OPENAI_COMPATIBLE: "OPENAI_BASE_URL",
}


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str  # one line, no secrets


@dataclass(slots=True)
class DoctorReport:
    checks: list[Check]
    effective_config: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def _one_line(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


async def _timed(name: str, check: Awaitable[Outcome], seconds: float, redact: Redactor) -> Check:
    try:
        ok, detail = await asyncio.wait_for(check, seconds)
    except TimeoutError:
        ok, detail = False, f"no answer within {seconds:g} s"
    except Exception as exc:  # a bug in one check must not hide the others' results
        log.warning("doctor_check_crashed", check=name, exc_info=True)
        ok, detail = False, f"check crashed: {type(exc).__name__}: {exc}"
    return Check(name, ok, _one_line(redact.text(detail)))


# --- database and encryption -------------------------------------------------------------


def _describe_database(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite {parsed.database}"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.get_backend_name()} {parsed.host}{port}/{parsed.database}"


def _open_database(settings: Settings) -> tuple[Database | None, str]:
    """The database to check, or None and why not; a missing SQLite file is not created."""
    url = settings.effective_database_url()
    try:
        where = _describe_database(url)
        parsed = make_url(url)
    except ArgumentError:
        return None, "DATABASE_URL is not a valid SQLAlchemy URL"
    if (
        parsed.get_backend_name() == "sqlite"
        and parsed.database not in (None, "", ":memory:")
        and not Path(parsed.database).exists()
    ):
        return None, f"{where} does not exist yet; run `concierge db upgrade`"
    try:
        return Database(url), where
    except (ArgumentError, ImportError, OSError) as exc:
        return None, f"{where} cannot be opened: {type(exc).__name__}"


async def _check_database(db: Database | None, where: str) -> Outcome:
    if db is None:
        return False, where
    try:
        current, head = await db.migration_status()
    except DatabaseError as exc:
        return False, f"{where}: {exc}"
    if current is None:
        return False, f"{where} has no schema yet; run `concierge db upgrade`"
    if current != head:
        return False, f"{where} schema at {current}, expected {head}; run `concierge db upgrade`"
    heads = current.split(",")
    at = current if len(heads) <= 3 else f"the heads of {len(heads)} migration branches"
    return True, f"{where}, schema at {at} (current)"


async def _sample_ciphertext(db: Database | None) -> tuple[bool, str | None]:
    """(readable, one stored ciphertext or None when there are none)."""
    if db is None:
        return False, None
    try:
        async with db.session() as s:
            return True, await s.scalar(select(CredentialRow.ciphertext).limit(1))
    except (SQLAlchemyError, OSError):  # unreachable or unmigrated: the database check says so
        return False, None


async def _check_encryption(settings: Settings, db: Database | None) -> Outcome:
    configured = _secret(settings.encryption_key)
    key_file = settings.data_dir / KEY_FILE_NAME
    if not configured and not key_file.exists():
        return True, f"no ENCRYPTION_KEY; a key file will be created at {key_file} on first start"
    try:
        box = SecretBox(load_keys(configured, settings.data_dir))
    except SecretsError as exc:
        return False, str(exc)
    except OSError as exc:
        return False, f"cannot read the key file {key_file}: {exc.strerror}"
    source = "ENCRYPTION_KEY" if configured else f"key file {key_file}"
    keys = f"{box.key_count} key{'s' if box.key_count > 1 else ''} from {source}"
    readable, sample = await _sample_ciphertext(db)
    if not readable:
        return True, f"{keys} valid; stored credentials not checked (database not ready)"
    if sample is None:
        return True, f"{keys} valid; no stored credentials yet"
    try:
        box.decrypt(sample)
    except SecretsError as exc:
        return False, str(exc)
    return True, f"{keys} valid; a stored credential decrypts"


# --- configuration-only checks -----------------------------------------------------------


def _secret(value: SecretStr | None) -> str | None:
    raw = value.get_secret_value().strip() if value is not None else ""
    return raw or None


async def _check_llm(settings: Settings) -> Outcome:
    """Which model the app would use, decided by the same ``LanguageModels`` it runs."""
    wanted = settings.llm_provider
    models = LanguageModels(
        LLMSettings(
            provider=wanted,
            anthropic_api_key=settings.anthropic_api_key,
            anthropic_model=settings.anthropic_model,
            openai_api_key=settings.openai_api_key,
            openai_model=settings.openai_model,
            openai_base_url=settings.openai_base_url,
        )
    )
    choice = models.default
    openai_family = {OPENAI, OPENAI_COMPATIBLE}
    if wanted not in ("auto", OFFLINE) and not (
        choice.provider == wanted or {wanted, choice.provider} <= openai_family
    ):
        return (
            False,
            f"LLM_PROVIDER={wanted} but {_NEEDS[wanted]} is not set; {choice.id} would be used",
        )
    if choice.provider == OFFLINE:
        why = "LLM_PROVIDER=offline" if wanted == OFFLINE else "no LLM API key set"
        return True, f"offline built-in model ({why})"
    key = settings.anthropic_api_key if choice.provider == ANTHROPIC else settings.openai_api_key
    where = f" at {settings.openai_base_url}" if choice.provider == OPENAI_COMPATIBLE else ""
    has_key = "key configured" if _secret(key) else "no key"
    return True, f"{choice.provider}{where}, model {choice.name}, {has_key}"


async def _check_owners(settings: Settings) -> Outcome:
    try:
        owners = parse_owner_ids(settings.owner_ids)
    except ValueError as exc:
        return False, str(exc)
    if not owners:
        return True, "not set; nobody can approve new users (set OWNER_IDS=telegram:<your id>)"
    known = {p.value for p in Platform}
    unknown = sorted({platform for platform, _ in owners} - known)
    if unknown:
        return (
            False,
            f"OWNER_IDS names unknown platform {', '.join(unknown)} (use {', '.join(sorted(known))})",
        )
    listed = ", ".join(f"{platform}:{uid}" for platform, uid in sorted(owners))
    return True, f"{len(owners)} owner{'s' if len(owners) > 1 else ''}: {listed}"


async def _check_telegram(settings: Settings) -> Outcome:
    token = _secret(settings.telegram_bot_token)
    if token is None:
        return True, "not configured"
    if not TELEGRAM_TOKEN.fullmatch(token):
        return False, "TELEGRAM_BOT_TOKEN is not shaped like <digits>:<secret> (ask @BotFather)"
    base = settings.telegram_api_base_url.rstrip("/")
    try:
        async with httpx.AsyncClient(timeout=TELEGRAM_TIMEOUT_SECONDS) as client:
            response = await client.get(f"{base}/bot{token}/getMe")
    except httpx.TimeoutException:
        return False, f"{base} did not answer within {TELEGRAM_TIMEOUT_SECONDS:g} s"
    except httpx.HTTPError as exc:  # the message would carry the URL, hence the token
        return False, f"cannot reach {base}: {type(exc).__name__}"
    try:
        body = response.json()
    except ValueError:
        return False, f"{base} answered HTTP {response.status_code} without Bot API JSON"
    if not isinstance(body, dict):
        return False, f"{base} answered HTTP {response.status_code} without Bot API JSON"
    if response.status_code == 200 and body.get("ok") is True:
        result = body.get("result") or {}
        return True, f"token accepted by {base}; bot @{result.get('username', '?')}"
    description = str(body.get("description", "no description"))
    return False, f"{base} rejected the token: HTTP {response.status_code} {description}"


async def _check_webhook(settings: Settings) -> Outcome:
    url = settings.telegram_webhook_url
    if not url:
        return True, "not set (long polling)"
    if not url.startswith("https://"):
        return False, "TELEGRAM_WEBHOOK_URL must start with https:// (Telegram requires TLS)"
    if _secret(settings.telegram_webhook_secret) is None:
        return True, f"{url}; no TELEGRAM_WEBHOOK_SECRET, so forged updates are not rejected"
    return True, f"{url}, secret configured"


async def _check_sources(settings: Settings) -> Outcome:
    sources = settings.torrent_sources
    if not sources:
        return False, "TORRENT_SOURCES is empty; searches will find no torrents"
    if "rutracker" in sources and not (
        settings.rutracker_username and _secret(settings.rutracker_password)
    ):
        return False, "rutracker is enabled but RUTRACKER_USERNAME/RUTRACKER_PASSWORD are not set"
    torznab = len(settings.torznab_endpoints)
    extra = f"; {torznab} Torznab endpoint{'s' if torznab != 1 else ''}" if torznab else ""
    return True, ", ".join(sources) + extra


def _configured(value: SecretStr | None) -> Awaitable[Outcome]:
    async def check() -> Outcome:
        return True, "configured" if _secret(value) else "not configured"

    return check()


# --- report --------------------------------------------------------------------------------


def effective_config(settings: Settings, redact: Redactor) -> dict[str, str]:
    """Every setting by its environment name; secrets only say whether they are set."""
    shown: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            text = MASK if value.get_secret_value() else NOT_SET
        elif value is None:
            text = NOT_SET
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, list):
            text = redact.text(",".join(str(v) for v in value)) or "(empty)"
        else:
            text = redact.text(str(value))
        shown[name.upper()] = text
    return shown


async def run_doctor(
    settings: Settings, *, check_seconds: float = CHECK_TIMEOUT_SECONDS
) -> DoctorReport:
    """Every check concurrently, each cut off after ``check_seconds``."""
    redact = Redactor(settings.secret_values())
    db, where = _open_database(settings)
    try:
        named: list[tuple[str, Awaitable[Outcome]]] = [
            ("database", _check_database(db, where)),
            ("encryption", _check_encryption(settings, db)),
            ("llm", _check_llm(settings)),
            ("owners", _check_owners(settings)),
            ("telegram", _check_telegram(settings)),
            ("telegram webhook", _check_webhook(settings)),
            ("discord", check_discord(settings)),
            ("torrent client", probes.torrent_client(settings)),
            ("torrent sources", _check_sources(settings)),
            *probes.metadata(settings),
            *probes.torznab(settings),
            ("sync api", _configured(settings.sync_api_key)),
            ("link downloads", check_grab(settings.grab_routes)),
        ]
        checks = await asyncio.gather(
            *(_timed(name, check, check_seconds, redact) for name, check in named)
        )
    finally:
        if db is not None:
            await db.close()
    return DoctorReport(list(checks), effective_config(settings, redact))


def render_doctor(report: DoctorReport) -> str:
    """A plain-text table: one line per check, then the effective configuration."""
    width = max((len(c.name) for c in report.checks), default=0)
    lines = ["Checks"]
    for check in report.checks:
        mark = " ok " if check.ok else "FAIL"
        lines.append(f"  [{mark}] {check.name.ljust(width)}  {check.detail}")
    failed = sum(not c.ok for c in report.checks)
    total = len(report.checks)
    lines.append(f"{failed} of {total} checks failed." if failed else f"All {total} checks passed.")
    lines.append("")
    lines.append("Effective configuration")
    key_width = max((len(k) for k in report.effective_config), default=0)
    for key, value in report.effective_config.items():
        lines.append(f"  {key.ljust(key_width)}  {value}")
    return "\n".join(lines) + "\n"
