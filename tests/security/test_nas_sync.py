"""The NAS companion facing a hostile or broken bot: names that climb out, options, bad JSON."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from concierge.nas_sync import NasSyncConfig, NasSyncError, rsync_command, source_path, sync_once

KEY = "nas-key-123456"


def bot(items: object, posted: list[str], *, raw: bytes | None = None) -> httpx.MockTransport:
    """A bot that lists ``items`` as pending and records what the companion reports."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/sync/pending":
            body = raw if raw is not None else json.dumps({"items": items}).encode()
            return httpx.Response(200, content=body)
        posted.append(request.url.path)
        return httpx.Response(200, json={"ok": True})

    return httpx.MockTransport(handle)


@pytest.mark.parametrize(
    ("save_path", "name"),
    [
        ("{seedbox}", "../secret"),
        ("{seedbox}", "/etc"),
        ("{seedbox}", ".."),
        ("{seedbox}", "a\x00b"),
        ("{seedbox}", "x" * 300),
        ("{seedbox}/../secret", "passwd"),
    ],
)
async def test_names_that_climb_out_of_the_download_folder_are_not_copied(
    tmp_path: Path, save_path: str, name: str
) -> None:
    seedbox, secret, library = tmp_path / "seedbox", tmp_path / "secret", tmp_path / "nas"
    seedbox.mkdir()
    secret.mkdir()
    (secret / "passwd").write_text("root:x:0:0")
    posted: list[str] = []
    items = [{"info_hash": "a" * 40, "name": name, "save_path": save_path.format(seedbox=seedbox)}]
    config = NasSyncConfig(server_url="http://bot.test", api_key=KEY, library_dir=library)
    async with httpx.AsyncClient(transport=bot(items, posted), base_url="http://bot.test") as http:
        report = await sync_once(config, http)
    assert report.failed == [name] and report.copied == []
    assert not [p for p in library.rglob("*") if p.is_file()]
    assert "/api/sync/complete" not in posted


async def test_a_name_starting_with_a_dash_is_copied_not_read_as_an_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seedbox, library = tmp_path / "seedbox", tmp_path / "nas"
    seedbox.mkdir()
    (seedbox / "--remove-source-files").write_bytes(b"film")
    monkeypatch.chdir(seedbox)
    posted: list[str] = []
    items = [{"info_hash": "b" * 40, "name": "--remove-source-files", "save_path": ""}]
    config = NasSyncConfig(server_url="http://bot.test", api_key=KEY, library_dir=library)
    async with httpx.AsyncClient(transport=bot(items, posted), base_url="http://bot.test") as http:
        report = await sync_once(config, http)
    assert report.copied == ["--remove-source-files"]
    assert [p.read_bytes() for p in library.rglob("--remove-source-files")] == [b"film"]
    assert (seedbox / "--remove-source-files").exists()  # the source was not deleted


def test_rsync_options_end_before_the_server_supplied_path(tmp_path: Path) -> None:
    config = NasSyncConfig(
        server_url="http://bot", api_key=KEY, library_dir=tmp_path, ssh_target="me@seedbox",
        ssh_key=Path("/my keys/id_ed25519"),
    )  # fmt: skip
    argv = rsync_command(config, source_path("/data", "-e sh"), tmp_path)
    assert argv[argv.index("--") + 1] == "me@seedbox:/data/-e sh"
    assert "'/my keys/id_ed25519'" in argv[argv.index("-e") + 1]


@pytest.mark.parametrize("raw", [b"<html>proxy error</html>", b'{"items": 5}', b"[1, 2]"])
async def test_a_malformed_pending_list_is_a_clear_error(tmp_path: Path, raw: bytes) -> None:
    config = NasSyncConfig(server_url="http://bot.test", api_key=KEY, library_dir=tmp_path)
    transport = bot([], [], raw=raw)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        with pytest.raises(NasSyncError, match="pending list"):
            await sync_once(config, http)


async def test_the_bot_going_away_mid_pass_is_a_clear_error(tmp_path: Path) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/sync/pending":
            return httpx.Response(200, json={"items": []})
        raise httpx.ConnectError("connection refused", request=request)

    config = NasSyncConfig(server_url="http://bot.test", api_key=KEY, library_dir=tmp_path)
    transport = httpx.MockTransport(handle)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        with pytest.raises(NasSyncError, match="cannot reach the bot") as caught:
            await sync_once(config, http)
    assert KEY not in str(caught.value)
