"""One log pipeline for our structlog events and every library's stdlib logging.

Everything leaves through a single handler on the root logger whose formatter redacts
configured secrets and token-shaped strings, so a bot token inside an httpx URL or a
password inside a traceback never reaches the output.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TextIO
from urllib.parse import quote, unquote, urlsplit

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

MASK = "***"

# Token shapes redacted even when the value was never configured (e.g. a token in a URL).
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram bot tokens, also inside https://api.telegram.org/bot<TOKEN>/getMe
    (re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}"), MASK),
    # Anthropic (sk-ant-...) and OpenAI (sk-..., sk-proj-...) keys
    (re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), MASK),
    # Fernet keys: 32 bytes in url-safe base64 = 43 characters and one "="
    (re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}="), MASK),
    # Authorization: Bearer <token>
    (re.compile(r"\b(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE), r"\1" + MASK),
    # scheme://user:password@host
    (re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s\"']*:)[^@\s/\"']+@"), r"\1" + MASK + "@"),
    # ?api_key=... &apikey=... &token=... &password=...
    (
        re.compile(r"\b(api_?key|access_token|token|password|passwd|secret)=[^&\s\"']+", re.I),
        r"\1=" + MASK,
    ),
)

# Library loggers and the least severe level they may emit at. httpx logs every request
# URL at INFO, and Telegram URLs carry the bot token; SQLAlchemy at INFO logs parameters.
_LIBRARY_FLOORS: dict[str, int] = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "hishel": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    "aiosqlite": logging.WARNING,
    "asyncio": logging.WARNING,
    "telegram": logging.INFO,
    "discord": logging.INFO,
    "alembic": logging.INFO,
    "procrastinate": logging.WARNING,  # a line per job start and end; our job.* events say it
    "uvicorn": logging.INFO,
    "uvicorn.error": logging.INFO,
    "uvicorn.access": logging.WARNING,  # one line per request; /metrics scrapes drown the rest
}

# Values logged under these names are secret whatever they look like.
_SECRET_KEYS = re.compile(
    r"(?:.*_)?(?:password|passwd|secret|token|api_?key|authorization|cookie)", re.IGNORECASE
)

_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
_SKIP_KEYS = frozenset({"_record", "_from_structlog"})


def _url_password(value: str) -> str | None:
    if "://" not in value:
        return None
    try:
        password = urlsplit(value).password
    except ValueError:
        return None
    return unquote(password) if password else None


class Redactor:
    """Replaces known secret values and token-shaped strings with ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        variants: set[str] = set()
        for secret in secrets:
            secret = secret.strip()
            if len(secret) < 4:  # masking "abc" everywhere would garble logs, not protect
                continue
            variants.add(secret)
            variants.add(quote(secret, safe=""))  # as it appears inside a URL
            password = _url_password(secret)
            if password is not None and len(password) >= 4:  # logged alone by an adapter
                variants.update({password, quote(password, safe="")})
        ordered = sorted(variants, key=len, reverse=True)  # longest first: no partial leaks
        self._literals = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def literals(self, text: str) -> str:
        """Only the configured values: safe on already-rendered JSON."""
        return self._literals.sub(MASK, text) if self._literals else text

    def text(self, text: str) -> str:
        text = self.literals(text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, Mapping):
            return {self.value(k): self._item(k, v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.value(item) for item in value]
        if isinstance(value, bytes | bytearray):
            return self.text(bytes(value).decode("utf-8", "replace"))
        # Any other object is rendered by str() anyway; do it here so its text is checked.
        return self.text(str(value))

    def _item(self, key: Any, value: Any) -> Any:
        if isinstance(key, str) and isinstance(value, str) and _SECRET_KEYS.fullmatch(key):
            return MASK if value else value
        return self.value(value)

    def __call__(self, _logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
        for key in list(event_dict):
            if key not in _SKIP_KEYS:
                event_dict[key] = self._item(key, event_dict[key])
        return event_dict


class _AlembicChatter(logging.Filter):
    """Alembic says these two lines on every status check, i.e. on every /ready probe."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not message.startswith(("Context impl ", "Will assume "))


class _Handler(logging.StreamHandler[TextIO]):
    """Marks the handler we own so a second configure_logging replaces, not duplicates."""


class _RedactingFormatter(structlog.stdlib.ProcessorFormatter):
    """Last line of defence: masks configured values in the final rendered line."""

    def __init__(self, redactor: Redactor, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self._redactor.literals(super().format(record))


class _RepeatLimiter(logging.Filter):
    """At most ``burst`` records of one (logger, message) per ``window`` seconds.

    A fault that repeats in a tight loop (``accept()`` out of file descriptors) must
    not turn into a log flood; the first few say what happened.
    """

    def __init__(self, burst: int = 5, window: float = 60.0) -> None:
        super().__init__()
        self._burst, self._window = burst, window
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg)[:200])
        now = time.monotonic()
        start, count = self._seen.get(key, (now, 0))
        if now - start > self._window:
            start, count = now, 0
        self._seen[key] = (start, count + 1)
        if len(self._seen) > 10_000:
            self._seen.clear()
        return count < self._burst


def _use_console(fmt: str, environment: str, stream: TextIO) -> bool:
    if fmt == "auto":
        return environment == "development" or stream.isatty()
    return fmt == "console"


def _stamp_replica(replica: str) -> Processor:
    def stamp(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
        event.setdefault("replica", replica)
        return event

    return stamp


def configure_logging(
    level: str,
    fmt: Literal["console", "json", "auto"],
    environment: str,
    secrets: list[str],
    *,
    stream: TextIO | None = None,
    replica: str | None = None,
) -> None:
    """Install the pipeline; safe to call again (tests, reloads): it replaces itself.

    ``replica`` is added to every line, so logs from several processes can be told apart.

    ``fmt="auto"`` renders for humans in development or on a terminal, else JSON lines.
    """
    out = stream if stream is not None else sys.stderr
    numeric_level = logging.getLevelName(level.upper())
    if not isinstance(numeric_level, int):
        raise ValueError(f"unknown log level {level!r}")
    redactor = Redactor(secrets)
    console = _use_console(fmt, environment, out)

    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        *([_stamp_replica(replica)] if replica else []),
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        # Render exceptions to plain text *before* redaction, so tracebacks are masked
        # too (and no pretty printer can show local variables).
        structlog.processors.format_exc_info,
        redactor,
    ]
    renderer: Processor = (
        structlog.dev.ConsoleRenderer(colors=out.isatty())
        if console
        else structlog.processors.JSONRenderer()
    )
    formatter = _RedactingFormatter(
        redactor,
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )

    root = logging.getLogger()
    for existing in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(existing)
        existing.close()
    handler = _Handler(out)
    handler.setFormatter(formatter)
    handler.addFilter(_RepeatLimiter())
    root.addHandler(handler)
    root.setLevel(numeric_level)

    for name, floor in _LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(numeric_level, floor))
    migration_logger = logging.getLogger("alembic.runtime.migration")
    for old in [f for f in migration_logger.filters if isinstance(f, _AlembicChatter)]:
        migration_logger.removeFilter(old)
    migration_logger.addFilter(_AlembicChatter())
    for name in _UVICORN_LOGGERS:  # uvicorn may have installed its own handlers before us
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Loggers are built at import time; caching would pin them to the first config.
        cache_logger_on_first_use=False,
    )
