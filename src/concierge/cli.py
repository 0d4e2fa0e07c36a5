"""Command line: chat, serve, doctor, db, users, keys."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError

from concierge import collector
from concierge.config import Settings

T = TypeVar("T")
_finished: list[str] = []  # commands that ended cleanly and may skip finalisation

app = typer.Typer(help="Concierge: a self-hosted AI media concierge.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Users and access.", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys for stored credentials.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")


def _settings(*, log_file: bool = False) -> Settings:
    """Settings, with logging configured (to a file in the data dir when ``log_file``)."""
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper()
        typer.echo(f"configuration error: {field}: {first['msg']}", err=True)
        raise typer.Exit(2) from None
    from concierge.logging import configure_logging

    stream = None
    if log_file:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        stream = (settings.data_dir / "concierge.log").open("a", encoding="utf-8")
    configure_logging(
        settings.log_level,
        settings.log_format,
        settings.environment,
        settings.secret_values(),
        stream=stream,
        replica=settings.replica_name(),
    )
    return settings


def _run(factory: Callable[[], Awaitable[T]]) -> T:
    from concierge.storage.secrets import SecretsError

    try:
        return asyncio.run(factory())  # type: ignore[arg-type]
    except SecretsError as exc:
        typer.echo(f"encryption key problem: {exc}", err=True)
        raise typer.Exit(2) from None
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def chat() -> None:
    """Chat with the bot in this terminal (reads lines from stdin when piped)."""
    with collector.held():  # from before the imports: most of start-up's objects
        from concierge.frontends.console.run import run_chat

        interactive = sys.stdin.isatty() and sys.stdout.isatty()
        settings = _settings(log_file=interactive)  # log lines would break up the chat
        if interactive:
            typer.echo(f"(logs go to {settings.data_dir / 'concierge.log'}; Ctrl-D to leave)")
        _run(lambda: run_chat(settings))
    _finished.append("chat")


@app.command()
def serve(
    role: Annotated[
        str,
        typer.Option(
            help="all: everything (one machine); web: HTTP, webhooks and front-ends, no jobs"
        ),
    ] = "all",
) -> None:
    """Run the HTTP app and the configured chat front-ends until SIGTERM."""
    if role not in ("all", "web"):
        typer.echo(f"error: --role is all or web, not {role!r}", err=True)
        raise typer.Exit(2)
    with collector.held():
        from concierge.serve import run_server

        settings = _settings()
        _run(lambda: run_server(settings, role="web" if role == "web" else "all"))


@app.command()
def worker() -> None:
    """Run background jobs and schedules only (no chat front-ends, no HTTP) until SIGTERM."""
    with collector.held():
        from concierge.serve import run_worker

        settings = _settings()
        _run(lambda: run_worker(settings))


@app.command()
def doctor() -> None:
    """Print the effective configuration and check every configured dependency."""
    from concierge.doctor import render_doctor, run_doctor

    settings = _settings()
    report = _run(lambda: run_doctor(settings))
    typer.echo(render_doctor(report))
    if not report.ok:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    from concierge.bootstrap import build_database

    settings = _settings()

    async def upgrade() -> str:
        db = build_database(settings)
        try:
            await db.upgrade()
            current, _head = await db.migration_status()
            return current or "(empty)"
        finally:
            await db.close()

    typer.echo(f"database at revision {_run(upgrade)}")


@users_app.command("list")
def users_list(
    role: Annotated[str | None, typer.Option(help="only this role, e.g. pending")] = None,
) -> None:
    """List known users."""
    from concierge.admin_cli import list_users

    settings = _settings()
    for line in _run(lambda: list_users(settings, role)):
        typer.echo(line)


@users_app.command("approve")
def users_approve(user: Annotated[str, typer.Argument(help="platform:id or #db-id")]) -> None:
    """Let a user in."""
    from concierge.admin_cli import decide

    settings = _settings()
    typer.echo(_run(lambda: decide(settings, user, "user")))


@users_app.command("admin")
def users_admin(user: Annotated[str, typer.Argument(help="platform:id or #db-id")]) -> None:
    """Make a user an admin (may approve strangers and use private client addresses)."""
    from concierge.admin_cli import decide

    settings = _settings()
    typer.echo(_run(lambda: decide(settings, user, "admin")))


@users_app.command("block")
def users_block(user: Annotated[str, typer.Argument(help="platform:id or #db-id")]) -> None:
    """Keep a user out."""
    from concierge.admin_cli import decide

    settings = _settings()
    typer.echo(_run(lambda: decide(settings, user, "blocked")))


@app.command("nas-sync")
def nas_sync(
    server_url: Annotated[
        str, typer.Option(help="the bot's HTTP address, e.g. https://bot.example.org")
    ],
    library_dir: Annotated[str, typer.Option(help="NAS folder that holds Movies/ and Series/")],
    ssh_target: Annotated[
        str, typer.Option(help="user@seedbox; empty = a locally mounted path")
    ] = "",
    ssh_key: Annotated[str | None, typer.Option(help="private key for rsync over SSH")] = None,
    known_hosts: Annotated[
        str | None, typer.Option(help="known_hosts file (host keys are checked)")
    ] = None,
    once: Annotated[bool, typer.Option(help="one pass, then exit")] = False,
    interval: Annotated[float, typer.Option(help="seconds between passes")] = 300.0,
) -> None:
    """Run on the NAS: copy finished seedbox downloads home, sort them, report back (SYNC_API_KEY)."""
    from pathlib import Path

    from concierge.nas_sync import NasSyncConfig, insecure_server_url, run_nas_sync

    settings = _settings()
    if settings.sync_api_key is None:
        typer.echo("SYNC_API_KEY is not set; it must match the bot's", err=True)
        raise typer.Exit(2)
    problem = insecure_server_url(server_url)
    if problem is not None:
        typer.echo(f"refusing to sync: {problem}", err=True)
        raise typer.Exit(2)
    config = NasSyncConfig(
        server_url=server_url,
        api_key=settings.sync_api_key.get_secret_value(),
        library_dir=Path(library_dir),
        ssh_target=ssh_target,
        ssh_key=Path(ssh_key) if ssh_key else None,
        known_hosts=Path(known_hosts) if known_hosts else None,
    )
    raise typer.Exit(_run(lambda: run_nas_sync(config, once=once, interval=interval)))


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored secret with the newest key (first in ENCRYPTION_KEY)."""
    from concierge.admin_cli import rotate_keys

    settings = _settings()
    count = _run(lambda: rotate_keys(settings))
    typer.echo(f"re-encrypted {count} stored secret(s) with the newest key")


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new key to put first in ENCRYPTION_KEY."""
    from concierge.storage.secrets import generate_key

    typer.echo(generate_key())


def main() -> None:
    try:
        app(prog_name="concierge")
    except SystemExit as exc:
        if _finished and exc.code in (None, 0):
            _leave_now()
        raise


def _leave_now() -> None:
    """End a finished chat without Python's finalisation, which took ~1 s (P7).

    By then the app is closed (database, HTTP clients, jobs); tearing down ~140 MB of
    module objects (pydantic-ai's, SQLAlchemy's) one by one only kept the terminal
    waiting. Output and log files are flushed first.
    """
    import logging

    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(0)


if __name__ == "__main__":
    main()
