"""PTB's HTTP layer on aiohttp: what reaches the Bot API, and failures as PTB's errors."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import NetworkError

from concierge.frontends.telegram.request import AiohttpRequest
from tests.support.fake_telegram import TOKEN, FakeTelegram

CHAT = 500_001


class Recorder:
    """A bare HTTP server that keeps every request's raw form and answers like Telegram."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((str(request.url), dict(request.headers), await request.read()))
        return web.json_response({"ok": True, "result": True})


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    found = Recorder()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    found.url = f"http://127.0.0.1:{port}"
    try:
        yield found
    finally:
        await runner.cleanup()


async def bot_on(base_url: str) -> Bot:
    bot = Bot(TOKEN, base_url=f"{base_url}/bot", request=AiohttpRequest())
    await bot.initialize()
    return bot


async def test_a_file_handle_is_sent_whole_each_time_and_left_open(tmp_path: Path) -> None:
    path = tmp_path / "episode.mkv"
    path.write_bytes(bytes(range(256)) * 4_000)
    fake = FakeTelegram().start()
    try:
        bot = await bot_on(fake.base_url)
        with path.open("rb") as handle:
            upload = InputFile(handle, "episode.mkv", read_file_handle=False)
            await bot.send_document(CHAT, upload)
            await bot.send_document(CHAT, upload)  # as a retry sends it again
            assert not handle.closed  # its owner closes it
        await bot.shutdown()
    finally:
        fake.stop()
    sent = [c.files["document"] for c in fake.calls_to("sendDocument")]
    assert sent == [path.read_bytes()] * 2


async def test_a_file_name_travels_as_written(recorder: Recorder) -> None:
    request = AiohttpRequest()
    upload = InputFile(b"subtitles", "Дюна (2021).srt")
    await request.initialize()
    await request.post(f"{recorder.url}/bot{TOKEN}/sendDocument", _upload_data(upload))
    await request.shutdown()
    _url, headers, body = recorder.requests[0]
    assert "Дюна (2021).srt".encode() in body  # raw UTF-8, as httpx sends it
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {headers['Content-Type']}\r\n\r\n".encode() + body
    )
    parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
    assert parts["document"].get_filename() == "Дюна (2021).srt"
    assert parts["document"].get_payload(decode=True) == b"subtitles"
    assert parts["chat_id"].get_payload() == str(CHAT)


async def test_an_unreachable_server_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    request = AiohttpRequest()
    await request.initialize()
    with pytest.raises(NetworkError, match="aiohttp"):
        await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    await request.shutdown()


async def test_the_environments_proxy_carries_the_calls_unless_bypassed(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", recorder.url)
    monkeypatch.setenv("NO_PROXY", "localhost")
    request = AiohttpRequest()
    await request.initialize()
    await request.post(f"http://api.telegram.invalid/bot{TOKEN}/getMe")
    assert recorder.requests[0][0].endswith(f"/bot{TOKEN}/getMe")
    assert recorder.requests[0][1]["Host"] == "api.telegram.invalid"  # asked of the proxy
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    direct = AiohttpRequest()
    await direct.initialize()
    await direct.post(f"{recorder.url}/bot{TOKEN}/getMe")
    assert recorder.requests[1][1]["Host"] == recorder.url.removeprefix("http://")
    await request.shutdown()
    await direct.shutdown()


def _upload_data(upload: InputFile) -> Any:
    """What PTB's ``send_document`` hands its request: chat id and the file part."""
    from telegram.request import RequestData
    from telegram.request._requestparameter import RequestParameter

    return RequestData(
        [
            RequestParameter.from_input("chat_id", CHAT),
            RequestParameter.from_input("document", upload),
        ]
    )
