"""Logs never carry secrets, whatever the level, format, logger or exception."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from cryptography.fernet import Fernet
from pydantic import SecretStr

from concierge.config import Settings
from concierge.logging import Redactor, configure_logging

BOT_TOKEN = "7312345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"
ANTHROPIC_KEY = "sk-ant-api03-Zx9yW8vU7tS6rQ5pO4nM3lK2jI1hG0fE"
OPENAI_KEY = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345"
DB_PASSWORD = "pg-pa55word-q7"
RUTRACKER_PASSWORD = "tr4cker-secret"
TMDB_KEY = "0123456789abcdef0123456789abcdef"
ENCRYPTION_KEY = Fernet.generate_key().decode()
OLD_ENCRYPTION_KEY = Fernet.generate_key().decode()
CLIENT_PASSWORD = "transm1ss10n-pw"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    before = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in before[0]:
            root.removeHandler(handler)
    root.setLevel(before[1])
    structlog.reset_defaults()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        concierge_data_dir=tmp_path,
        telegram_bot_token=SecretStr(BOT_TOKEN),
        anthropic_api_key=SecretStr(ANTHROPIC_KEY),
        openai_api_key=SecretStr(OPENAI_KEY),
        database_url=SecretStr(f"postgresql+asyncpg://concierge:{DB_PASSWORD}@127.0.0.1/db"),
        encryption_key=SecretStr(f"{ENCRYPTION_KEY},{OLD_ENCRYPTION_KEY}"),
        rutracker_password=SecretStr(RUTRACKER_PASSWORD),
        tmdb_api_key=SecretStr(TMDB_KEY),
        torrent_client_url=SecretStr(f"http://admin:{CLIENT_PASSWORD}@127.0.0.1:9091"),
    )


SECRETS = [
    BOT_TOKEN,
    BOT_TOKEN.split(":")[1],
    ANTHROPIC_KEY,
    OPENAI_KEY,
    DB_PASSWORD,
    RUTRACKER_PASSWORD,
    TMDB_KEY,
    ENCRYPTION_KEY,
    OLD_ENCRYPTION_KEY,
    CLIENT_PASSWORD,
]


def emit_everything(settings: Settings) -> None:
    """Every way a secret could reach the log: event, values, nesting, exceptions, stdlib."""
    log = structlog.get_logger("concierge.test")
    token = BOT_TOKEN
    log.debug("debug_event", token=token, key=ANTHROPIC_KEY)
    log.info(f"login with {RUTRACKER_PASSWORD}", user="bob")
    log.warning(
        "nested_event",
        config={"tmdb": TMDB_KEY, "sources": [{"password": CLIENT_PASSWORD}]},
        keys=(OPENAI_KEY, ENCRYPTION_KEY),
        raw=OLD_ENCRYPTION_KEY.encode(),
        url=settings.effective_database_url(),
    )
    try:
        raise ConnectionError(f"cannot log in to rutracker as bob with {RUTRACKER_PASSWORD}")
    except ConnectionError:
        log.exception("rutracker_login_failed")
    try:
        raise ValueError(f"bad key {ENCRYPTION_KEY}")
    except ValueError as exc:
        log.error("decrypt_failed", error=exc, exc_info=True)

    logging.getLogger("httpx").warning(
        'HTTP Request: GET https://api.telegram.org/bot%s/getMe "HTTP/1.1 502 Bad Gateway"', token
    )
    logging.getLogger("sqlalchemy.engine").error("connect failed: %s", settings.database_url)
    logging.getLogger("sqlalchemy.engine").error(
        "connect failed: %s", settings.effective_database_url()
    )
    try:
        raise RuntimeError(f"Authorization: Bearer {OPENAI_KEY} rejected")
    except RuntimeError:
        logging.getLogger("telegram.ext.Application").exception("update handler crashed")
    logging.getLogger("uvicorn.error").error("transmission at %s down", CLIENT_PASSWORD)


def assert_clean(output: str) -> None:
    assert output.strip(), "nothing was logged"
    for secret in SECRETS:
        assert secret not in output, f"secret {secret[:4]}… leaked"
    assert "***" in output


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_no_secret_reaches_stderr_at_any_level(
    fmt: str, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", fmt, "production", settings.secret_values())  # type: ignore[arg-type]
    emit_everything(settings)

    err = capsys.readouterr().err
    assert_clean(err)
    for event in (
        "debug_event",
        "login with ***",
        "nested_event",
        "rutracker_login_failed",
        "decrypt_failed",
        "update handler crashed",
    ):
        assert event in err
    assert "ConnectionError: cannot log in to rutracker as bob with ***" in err
    assert "Traceback (most recent call last)" in err


def test_json_mode_writes_one_parsable_object_per_line(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", "json", "production", settings.secret_values())
    emit_everything(settings)

    lines = capsys.readouterr().err.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["event"] for r in records][:3] == ["debug_event", "login with ***", "nested_event"]
    nested = records[2]
    assert nested["level"] == "warning"
    assert nested["logger"] == "concierge.test"
    assert nested["config"] == {"tmdb": "***", "sources": [{"password": "***"}]}
    assert nested["url"] == "***"  # the whole configured DATABASE_URL is a secret
    crashed = next(r for r in records if r["event"] == "update handler crashed")
    assert crashed["logger"] == "telegram.ext.Application"
    assert "RuntimeError: Authorization: Bearer *** rejected" in crashed["exception"]


def test_token_shaped_strings_are_masked_even_when_not_configured(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json", "production", secrets=[])
    fernet_key = Fernet.generate_key().decode()
    log = structlog.get_logger("concierge.test")
    log.info("url", url=f"https://api.telegram.org/bot{BOT_TOKEN}/sendMessage")
    log.info("keys", anthropic=ANTHROPIC_KEY, openai=f"key is {OPENAI_KEY}", fernet=fernet_key)
    log.info("header", sent="Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig")
    log.info("dsn", dsn="postgresql://app:s3cr3t-pw@db.internal:5432/app")
    log.info("query", url="https://www.omdbapi.com/?apikey=abcd1234&t=Heat")
    log.info("by_name", password="short", client={"api_key": "k1", "rpc_password": "pw"}, tokens=5)

    records = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    by_event = {r["event"]: r for r in records}
    assert by_event["url"]["url"] == "https://api.telegram.org/bot***/sendMessage"
    assert by_event["keys"]["anthropic"] == "***"
    assert by_event["keys"]["openai"] == "key is ***"
    assert by_event["keys"]["fernet"] == "***"
    assert by_event["header"]["sent"] == "Authorization: Bearer ***"
    assert by_event["dsn"]["dsn"] == "postgresql://app:***@db.internal:5432/app"
    assert by_event["query"]["url"] == "https://www.omdbapi.com/?apikey=***&t=Heat"
    assert by_event["by_name"]["password"] == "***"
    assert by_event["by_name"]["client"] == {"api_key": "***", "rpc_password": "***"}
    assert by_event["by_name"]["tokens"] == 5


def test_noisy_libraries_are_quiet_but_our_info_events_show(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json", "production", secrets=[])
    logging.getLogger("httpx").info("HTTP Request: GET https://example.invalid/")
    logging.getLogger("sqlalchemy.engine.Engine").info("SELECT 1")
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger("alembic.runtime.migration").info("Running upgrade  -> 0001_core")
    structlog.get_logger("concierge.core").info("bot_started", platform="telegram")
    structlog.get_logger("concierge.core").debug("too_detailed")

    events = [json.loads(line)["event"] for line in capsys.readouterr().err.splitlines()]
    assert events == ["Running upgrade  -> 0001_core", "bot_started"]


def test_console_format_is_readable_text_with_event_and_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "console", "development", secrets=[])
    structlog.get_logger("concierge.core").info("bot_started", platform="telegram")

    line = capsys.readouterr().err.strip()
    assert "bot_started" in line
    assert "platform=telegram" in line
    assert not line.startswith("{")


@pytest.mark.parametrize(
    ("environment", "expect_json"), [("development", False), ("production", True)]
)
def test_auto_format_follows_environment_when_not_a_terminal(
    environment: str, expect_json: bool
) -> None:
    stream = io.StringIO()
    configure_logging("INFO", "auto", environment, secrets=[], stream=stream)
    structlog.get_logger("concierge.core").info("bot_started")

    assert stream.getvalue().startswith("{") is expect_json


def test_configuring_again_replaces_the_pipeline_instead_of_duplicating_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = structlog.get_logger("concierge.core")  # bound before reconfiguring, as modules do
    configure_logging("INFO", "json", "production", secrets=["first-secret-value"])
    configure_logging("INFO", "json", "production", secrets=["second-secret-value"])
    log.info("one_event", a="first-secret-value", b="second-secret-value")
    logging.getLogger("telegram").warning("stdlib second-secret-value")

    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["a"] == "first-secret-value"  # no longer configured
    assert first["b"] == "***"
    assert json.loads(lines[1])["event"] == "stdlib ***"


def test_redactor_masks_url_encoded_secret_and_leaves_short_values_alone() -> None:
    redactor = Redactor(["p@ss/w0rd!", "abc"])
    assert redactor.text("https://u:p%40ss%2Fw0rd%21@host/") == "https://u:***@host/"
    assert redactor.text("abc p@ss/w0rd!") == "abc ***"


def test_unknown_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("LOUD", "json", "production", secrets=[])
