"""`concierge doctor`: green on a fresh install, one-line reasons, never a secret."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from concierge.config import Settings
from concierge.doctor import Check, DoctorReport, render_doctor, run_doctor
from concierge.frontends.http.server import HttpServer
from concierge.storage.credentials import OPERATOR, CredentialStore
from concierge.storage.db import Database
from concierge.storage.secrets import SecretBox
from tests.daemons import RunningDaemon, free_port
from tests.skills.downloads.support import client_url

BOT_TOKEN = "7312345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"
BOT_USER = {  # Bot API `User`, as getMe returns it
    "id": 7312345678,
    "is_bot": True,
    "first_name": "Concierge",
    "username": "concierge_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@pytest.fixture(autouse=True)
def _no_env_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def make_settings(data_dir: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, concierge_data_dir=data_dir, **values)


async def migrated(settings: Settings) -> Settings:
    db = Database(settings.effective_database_url())
    await db.upgrade()
    await db.close()
    return settings


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def check(report: DoctorReport, name: str) -> Check:
    found = [c for c in report.checks if c.name == name]
    assert len(found) == 1
    assert "\n" not in found[0].detail
    return found[0]


class FakeBotApi:
    """A loopback Bot API: getMe answers for one token, 401 for others."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.release = asyncio.Event()
        self.hang = False

    async def get_me(self, request: Request) -> Response:
        self.paths.append(request.url.path)
        if self.hang:
            await self.release.wait()
        if request.path_params["token"] != BOT_TOKEN:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401
            )
        return JSONResponse({"ok": True, "result": BOT_USER})


@pytest.fixture
async def bot_api() -> AsyncIterator[tuple[FakeBotApi, str]]:
    fake = FakeBotApi()
    app = Starlette(routes=[Route("/bot{token}/getMe", fake.get_me)])
    server = HttpServer(app, "127.0.0.1", 0, graceful_timeout=1)
    await server.start()
    yield fake, f"http://127.0.0.1:{server.port}"
    fake.release.set()
    await server.stop()


async def test_fresh_zero_config_install_is_all_green(tmp_path: Path) -> None:
    settings = await migrated(make_settings(tmp_path))

    report = await run_doctor(settings)

    assert report.ok, render_doctor(report)
    database = check(report, "database").detail
    assert database.startswith(f"SQLite {tmp_path / 'concierge.db'}, schema at ")
    assert database.endswith(" (current)")
    assert check(report, "llm").detail == "offline built-in model (no LLM API key set)"
    assert check(report, "telegram").detail == "not configured"
    assert "a key file will be created" in check(report, "encryption").detail
    assert report.effective_config["ENCRYPTION_KEY"] == "(not set)"
    assert report.effective_config["TORRENT_SOURCES"] == "torapi,apibay"
    assert report.effective_config["CONCIERGE_DATA_DIR"] == str(tmp_path)
    text = render_doctor(report)
    assert f"All {len(report.checks)} checks passed." in text
    assert "CONCIERGE_DATA_DIR" in text


async def test_database_without_migrations_says_to_upgrade(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    missing = await run_doctor(settings)
    assert not check(missing, "database").ok
    assert "does not exist yet; run `concierge db upgrade`" in check(missing, "database").detail
    assert not (tmp_path / "concierge.db").exists()  # doctor creates nothing

    empty = Database(settings.effective_database_url())
    async with empty.engine.connect():  # creates the file, no schema
        pass
    await empty.close()
    report = await run_doctor(settings)
    assert not report.ok
    assert "has no schema yet; run `concierge db upgrade`" in check(report, "database").detail
    assert "1 of" in render_doctor(report)


async def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://concierge:db-pa55word@127.0.0.1:{closed_port()}/concierge"
    report = await run_doctor(make_settings(tmp_path, database_url=url))

    detail = check(report, "database").detail
    assert not check(report, "database").ok
    assert detail.startswith("postgresql 127.0.0.1:")
    assert "database unreachable" in detail
    assert "db-pa55word" not in render_doctor(report)


async def test_bad_encryption_key_fails_without_echoing_it(tmp_path: Path) -> None:
    settings = await migrated(make_settings(tmp_path, encryption_key="not-a-fernet-key-at-all"))

    report = await run_doctor(settings)

    encryption = check(report, "encryption")
    assert not encryption.ok
    assert "ENCRYPTION_KEY entry 1 is not a valid Fernet key" in encryption.detail
    assert "not-a-fernet-key-at-all" not in render_doctor(report)


async def test_replaced_encryption_key_is_caught_by_decrypting_a_stored_credential(
    tmp_path: Path,
) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = await migrated(make_settings(tmp_path, encryption_key=old_key))
    db = Database(settings.effective_database_url())
    await CredentialStore(db, SecretBox([old_key])).put(OPERATOR, "rutracker", "hunter2-pass")
    await db.close()

    still_old = await run_doctor(settings)
    assert check(still_old, "encryption").ok
    assert check(still_old, "encryption").detail.endswith("a stored credential decrypts")

    replaced = await run_doctor(make_settings(tmp_path, encryption_key=new_key))
    assert not check(replaced, "encryption").ok
    assert "cannot be decrypted" in check(replaced, "encryption").detail

    rotated = await run_doctor(make_settings(tmp_path, encryption_key=f"{new_key},{old_key}"))
    assert check(rotated, "encryption").detail.startswith("2 keys from ENCRYPTION_KEY valid")


@pytest.mark.parametrize(
    ("owner_ids", "reason"),
    [
        ("telegram:123,telegram:abc", "OWNER_IDS entry 'telegram:abc' is not platform:numeric_id"),
        ("12345", "OWNER_IDS entry '12345' is not platform:numeric_id"),
        ("telgram:123", "OWNER_IDS names unknown platform telgram"),
    ],
)
async def test_bad_owner_ids_name_the_entry(tmp_path: Path, owner_ids: str, reason: str) -> None:
    report = await run_doctor(make_settings(tmp_path, owner_ids=owner_ids))
    owners = check(report, "owners")
    assert not owners.ok
    assert reason in owners.detail


async def test_telegram_token_checked_against_the_bot_api(
    tmp_path: Path, bot_api: tuple[FakeBotApi, str]
) -> None:
    fake, base = bot_api
    good = await run_doctor(
        make_settings(tmp_path, telegram_bot_token=BOT_TOKEN, telegram_api_base_url=base)
    )
    assert check(good, "telegram").ok
    assert check(good, "telegram").detail == f"token accepted by {base}; bot @concierge_test_bot"
    assert fake.paths == [f"/bot{BOT_TOKEN}/getMe"]

    other = "7312345678:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"
    bad = await run_doctor(
        make_settings(tmp_path, telegram_bot_token=other, telegram_api_base_url=base)
    )
    assert not check(bad, "telegram").ok
    assert check(bad, "telegram").detail == f"{base} rejected the token: HTTP 401 Unauthorized"
    assert other not in render_doctor(bad)


async def test_unreachable_telegram_base_fails_with_a_reason(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    report = await run_doctor(
        make_settings(tmp_path, telegram_bot_token=BOT_TOKEN, telegram_api_base_url=base)
    )
    telegram = check(report, "telegram")
    assert not telegram.ok
    assert telegram.detail == f"cannot reach {base}: ConnectError"
    assert BOT_TOKEN not in render_doctor(report)


async def test_malformed_telegram_token_is_rejected_before_any_request(
    tmp_path: Path, bot_api: tuple[FakeBotApi, str]
) -> None:
    fake, base = bot_api
    report = await run_doctor(
        make_settings(
            tmp_path, telegram_bot_token="token-from-@BotFather", telegram_api_base_url=base
        )
    )
    assert "is not shaped like <digits>:<secret>" in check(report, "telegram").detail
    assert fake.paths == []


async def test_a_hanging_dependency_is_cut_off_by_the_check_timeout(
    tmp_path: Path, bot_api: tuple[FakeBotApi, str]
) -> None:
    fake, base = bot_api
    fake.hang = True
    settings = await migrated(
        make_settings(tmp_path, telegram_bot_token=BOT_TOKEN, telegram_api_base_url=base)
    )
    report = await run_doctor(settings, check_seconds=0.5)
    assert check(report, "telegram").detail == "no answer within 0.5 s"
    assert check(report, "database").ok  # the other checks still report


@pytest.mark.parametrize(
    ("provider", "keys", "ok", "detail"),
    [
        (
            "auto",
            {"anthropic_api_key": "sk-ant-x"},
            True,
            "anthropic, model claude-sonnet-4-6, key configured",
        ),
        ("auto", {"openai_api_key": "sk-x"}, True, "openai, model gpt-4.1-mini, key configured"),
        (
            "anthropic",
            {},
            False,
            "LLM_PROVIDER=anthropic but ANTHROPIC_API_KEY is not set; offline would be used",
        ),
        (
            "openai-compatible",
            {},
            False,
            "LLM_PROVIDER=openai-compatible but OPENAI_BASE_URL is not set; offline would be used",
        ),
        (
            "offline",
            {"openai_api_key": "sk-x"},
            True,
            "offline built-in model (LLM_PROVIDER=offline)",
        ),
        (
            "auto",
            {"openai_base_url": "http://127.0.0.1:11434/v1"},
            True,
            "openai-compatible at http://127.0.0.1:11434/v1, model gpt-4.1-mini, no key",
        ),
        (
            "anthropic",
            {"openai_api_key": "sk-x"},
            False,
            "LLM_PROVIDER=anthropic but ANTHROPIC_API_KEY is not set; "
            "openai:gpt-4.1-mini would be used",
        ),
    ],
)
async def test_llm_provider_choice_is_reported(
    tmp_path: Path, provider: str, keys: dict[str, str], ok: bool, detail: str
) -> None:
    report = await run_doctor(make_settings(tmp_path, llm_provider=provider, **keys))
    assert check(report, "llm") == Check("llm", ok, detail)


async def test_torrent_client_is_really_asked_and_a_closed_port_fails(
    tmp_path: Path, transmission_daemon: RunningDaemon
) -> None:
    closed = await run_doctor(
        make_settings(
            tmp_path, torrent_client_url=f"transmission://admin:tr-pa55@127.0.0.1:{free_port()}"
        )
    )
    assert not check(closed, "torrent client").ok
    assert "cannot reach Transmission" in check(closed, "torrent client").detail
    assert "tr-pa55" not in render_doctor(closed)
    good = await run_doctor(
        make_settings(tmp_path, torrent_client_url=client_url(transmission_daemon))
    )
    detail = check(good, "torrent client").detail
    assert check(good, "torrent client").ok and " ms)" in detail and "transmission" in detail
    bad = await run_doctor(make_settings(tmp_path, torrent_client_url="ftp://admin:tr-pa55@nas"))
    assert not check(bad, "torrent client").ok
    assert "unknown client type" in check(bad, "torrent client").detail


async def test_a_wrong_tmdb_key_fails_and_the_right_one_passes(tmp_path: Path) -> None:
    def configuration(request: Request) -> Response:
        if request.query_params.get("api_key") != "right-key":
            return JSONResponse(
                {"status_code": 7, "status_message": "Invalid API key"}, status_code=401
            )
        return JSONResponse({"images": {"base_url": "http://image.tmdb.org/t/p/"}})

    server = HttpServer(
        Starlette(routes=[Route("/3/configuration", configuration)]), "127.0.0.1", 0
    )
    await server.start()
    try:
        base = f"http://127.0.0.1:{server.port}/3"
        wrong = await run_doctor(
            make_settings(tmp_path, tmdb_base_url=base, tmdb_api_key="wrong-key")
        )
        right = await run_doctor(
            make_settings(tmp_path, tmdb_base_url=base, tmdb_api_key="right-key")
        )
    finally:
        await server.stop()
    assert not wrong.ok and "the key was rejected (HTTP 401)" in check(wrong, "tmdb").detail
    assert check(right, "tmdb").ok and "accepted the key" in check(right, "tmdb").detail
    assert "wrong-key" not in render_doctor(wrong)


async def test_no_secret_appears_in_the_rendered_report(
    tmp_path: Path, bot_api: tuple[FakeBotApi, str]
) -> None:
    _fake, base = bot_api
    secrets = {
        "telegram_bot_token": BOT_TOKEN,
        "anthropic_api_key": "sk-ant-api03-Zx9yW8vU7tS6rQ5pO4nM3lK2jI1hG0fE",
        "openai_api_key": "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        "encryption_key": Fernet.generate_key().decode(),
        "tmdb_api_key": "0123456789abcdef0123456789abcdef",
        "omdb_api_key": "omdb1234",
        "kinopoisk_api_key": "kp-1234-5678",
        "rutracker_password": "tr4cker-secret",
        "sync_api_key": "sync-api-key-1",
        "telegram_webhook_secret": "webhook-secret-1",
        "torrent_client_url": "qbittorrent://admin:qb-pa55word@127.0.0.1:8080",
    }
    settings = await migrated(
        make_settings(
            tmp_path,
            telegram_api_base_url=base,
            telegram_webhook_url="https://bot.example.org/telegram",
            rutracker_username="bob",
            torrent_sources="torapi,rutracker",
            torznab_endpoints="http://127.0.0.1:1/api?apikey=jackett-key-1",
            tmdb_base_url="http://127.0.0.1:1/3",  # closed ports: the probes fail fast
            omdb_base_url="http://127.0.0.1:1",
            kinopoisk_base_url="http://127.0.0.1:1",
            **secrets,
        )
    )

    report = await run_doctor(settings)
    text = render_doctor(report)

    for name, value in secrets.items():
        assert value not in text, name
        assert report.effective_config[name.upper()] == "***"
    assert "qb-pa55word" not in text
    assert "jackett-key-1" not in text
    assert report.effective_config["DATABASE_URL"] == "(not set)"
    assert report.effective_config["TORZNAB_ENDPOINTS"] == "http://127.0.0.1:1/api?apikey=***"
