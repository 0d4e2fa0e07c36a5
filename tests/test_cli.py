"""The commands an operator runs, run as real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CONCIERGE = [sys.executable, "-m", "concierge"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.isupper() or k in ("PATH", "HOME", "LANG")}
    env.update(CONCIERGE_DATA_DIR=str(tmp_path), LOG_FORMAT="json", LANG="en_US.UTF-8")
    env.update(extra)
    return env


def run(
    tmp_path: Path, *args: str, stdin: str = "", **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CONCIERGE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(tmp_path, **extra),
        cwd=tmp_path,
    )


def test_scripted_chat_prints_welcome_help_and_offline_answer(tmp_path: Path) -> None:
    result = run(tmp_path, "chat", stdin="/start\n/help\nhello\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "I'm Concierge" in out
    for command in ("/start", "/help", "/cancel", "/language", "/model"):
        assert f"{command} — " in out
    assert "language model" in out.split("this list of commands")[-1]


def test_chat_in_russian_follows_the_terminal_language(tmp_path: Path) -> None:
    result = run(tmp_path, "chat", stdin="/start\n", LANG="ru_RU.UTF-8")
    assert "Я Консьерж" in result.stdout


def test_users_approve_and_block_from_the_shell(tmp_path: Path) -> None:
    assert "no users yet" in run(tmp_path, "users", "list").stdout
    run(tmp_path, "chat", stdin="hi\n", OWNER_IDS="telegram:1")
    listed = run(tmp_path, "users", "list", OWNER_IDS="telegram:1").stdout
    assert "telegram:1" in listed and "owner" in listed
    assert run(tmp_path, "users", "approve", "telegram:99").returncode == 2
    run(tmp_path, "chat", stdin="hi\n", OWNER_IDS="telegram:1")  # a second console session
    made = run(tmp_path, "users", "admin", "console:1")
    assert made.returncode == 2 and "OWNER_IDS" in made.stderr  # the terminal user is an owner
    owner_change = run(tmp_path, "users", "block", "telegram:1")
    assert owner_change.returncode == 2 and "OWNER_IDS" in owner_change.stderr


def test_bad_encryption_key_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    result = run(tmp_path, "chat", stdin="hi\n", ENCRYPTION_KEY="not-a-key")
    assert result.returncode == 2
    assert "ENCRYPTION_KEY entry 1 is not a valid Fernet key" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_reports_the_revision(tmp_path: Path) -> None:
    result = run(tmp_path, "db", "upgrade")
    assert result.returncode == 0 and "database at revision" in result.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_health_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [*CONCIERGE, "serve"],
        env=_env(tmp_path, HTTP_PORT=str(port)),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        assert health.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5).status_code == 200
        assert (
            b"concierge_updates_total"
            in httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).content
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert '"event": "stopped"' in (proc.stderr.read() if proc.stderr else "")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_keys_rotate_reencrypts_stored_secrets(tmp_path: Path) -> None:
    import asyncio

    from concierge.storage.credentials import CredentialStore
    from concierge.storage.db import Database
    from concierge.storage.secrets import SecretBox, generate_key

    key_a, key_b = generate_key(), generate_key()
    url = f"sqlite+aiosqlite:///{tmp_path / 'concierge.db'}"

    async def put() -> None:
        db = Database(url)
        await db.upgrade()
        await CredentialStore(db, SecretBox([key_a])).put(1, "qbittorrent.password", "pw-1")
        await db.close()

    async def read(keys: list[str]) -> str | None:
        db = Database(url)
        try:
            return await CredentialStore(db, SecretBox(keys)).get(1, "qbittorrent.password")
        finally:
            await db.close()

    asyncio.run(put())
    result = run(tmp_path, "keys", "rotate", ENCRYPTION_KEY=f"{key_b},{key_a}")
    assert result.returncode == 0 and "re-encrypted 1 stored secret" in result.stdout
    assert asyncio.run(read([key_b])) == "pw-1"
    assert key_a not in result.stdout + result.stderr and key_b not in result.stdout + result.stderr


def test_nas_sync_refuses_to_send_its_key_over_plain_http_to_a_public_host(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "nas-sync",
        "--server-url",
        "http://bot.example.org",
        "--library-dir",
        str(tmp_path),
        "--once",
        SYNC_API_KEY="k" * 32,
    )
    assert result.returncode == 2
    assert "https" in result.stderr and "k" * 32 not in result.stderr


def test_an_owner_can_make_a_known_user_admin_from_the_shell(tmp_path: Path) -> None:
    import asyncio

    from concierge.core.access import Role
    from concierge.core.messages import UserRef
    from concierge.storage.db import Database
    from concierge.storage.repos import UserRepo

    async def stranger_wrote() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'concierge.db'}")
        await db.upgrade()
        await UserRepo(db).upsert(UserRef("telegram", 42, "Dana"), Role.PENDING)
        await db.close()

    asyncio.run(stranger_wrote())
    made = run(tmp_path, "users", "admin", "telegram:42")
    assert made.returncode == 0 and "telegram:42 is now admin" in made.stdout
    listed = run(tmp_path, "users", "list", "--role", "admin").stdout
    assert "telegram:42" in listed and "Dana" in listed
