"""The transcription API path against a local server shaped like OpenAI's documented one.

``POST /v1/audio/transcriptions`` (multipart: ``file``, ``model``, ``response_format``)
answers ``{"text": …, "usage": …}``; 429 and 5xx are retried with back-off; the cost
of each transcription is recorded and exported as a metric.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from concierge.adapters import assembly
from concierge.adapters.http import HttpFactory
from concierge.adapters.stt_local import LocalWhisper
from concierge.adapters.stt_openai import OpenAITranscriber
from concierge.config import Settings
from concierge.skills.voice.models import TranscriptionRow
from concierge.storage.db import Database
from tests.fakes.agent import FakeAgent
from tests.frontends.telegram.conftest import OWNER, build_stack, running
from tests.skills.voice.conftest import Samples, voice, voice_kit
from tests.support.fake_telegram import FakeTelegram
from tests.support.fixture_server import FixtureServer, json_response, sequence

PATH = "/v1/audio/transcriptions"
ANSWER = {  # gpt-4o-mini-transcribe, response_format=json
    "text": "Find *Dune* in 4K.",
    "usage": {
        "type": "tokens",
        "input_tokens": 14,
        "input_token_details": {"text_tokens": 0, "audio_tokens": 14},
        "output_tokens": 6,
        "total_tokens": 20,
    },
}
KEY = "sk-test-voice-123456"


@pytest.fixture
def http() -> Iterator[HttpFactory]:
    yield HttpFactory(None, backoff=0.01)


def api(server: FixtureServer, http: HttpFactory, price: float = 0.006) -> OpenAITranscriber:
    return OpenAITranscriber(
        http,
        base_url=f"{server.url}/v1",
        api_key=KEY,
        model="whisper-1" if price == 0.006 else "gpt-4o-mini-transcribe",
        price_per_minute=price,
    )


async def test_a_voice_note_via_the_api_is_retried_past_a_429_and_its_cost_recorded(
    fake: FakeTelegram, sqlite_db: Database, samples: Samples, http: HttpFactory, temp_dir: Path
) -> None:
    busy = json_response({"error": {"message": "Rate limit"}}, 429, {"Retry-After": "0"})
    with FixtureServer({PATH: sequence([busy, json_response(ANSWER)])}) as server:
        agent = FakeAgent()
        kit = voice_kit(sqlite_db, temp_dir, api(server, http))
        stack = build_stack(sqlite_db, agent=agent, skills=[kit.skill])
        fake.add_file("api-1", samples.english.read_bytes())
        async with running(stack.frontend(fake)):
            fake.push(fake.text_update(OWNER, "", voice=voice("api-1", samples.english, 22)))
            await fake.wait_for(lambda: len(agent.seen) == 1, what="the agent")
        hits = server.hits_for(PATH)
    await http.aclose()
    assert agent.seen[0][1] == "Find *Dune* in 4K."
    done = fake.calls_to("editMessageText")[-1].params
    assert done["text"] == "🎙 Find *Dune* in 4K."  # outside text shown as said, not as Markdown
    assert not done.get("entities")
    assert len(hits) == 2  # the 429, then the answer
    request = hits[-1]
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert b'name="model"\r\n\r\nwhisper-1' in request.body
    assert b'filename="voice.wav"' in request.body and b"RIFF" in request.body
    async with sqlite_db.session() as s:
        row = (await s.scalars(select(TranscriptionRow))).one()
    assert row.provider == "openai" and row.outcome == "ok"
    assert row.cost == pytest.approx(row.audio_seconds / 60 * 0.006, abs=1e-6)
    metrics = kit.metrics.render().decode()
    assert 'concierge_transcription_cost_total{provider="openai"}' in metrics
    assert f"{row.cost:.6f}"[:5] in metrics


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (503, "The speech recognition service could not transcribe this"),
        (401, "Voice recognition isn't available right now"),
    ],
)
async def test_api_failures_are_explained_and_the_key_never_shows(
    fake: FakeTelegram,
    sqlite_db: Database,
    samples: Samples,
    http: HttpFactory,
    temp_dir: Path,
    status: int,
    said: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FixtureServer({PATH: json_response({"error": {"message": "no"}}, status)}) as server:
        agent = FakeAgent()
        stack = build_stack(
            sqlite_db, agent=agent, skills=[voice_kit(sqlite_db, temp_dir, api(server, http)).skill]
        )
        fake.add_file("api-2", samples.english.read_bytes())
        async with running(stack.frontend(fake)):
            fake.push(fake.text_update(OWNER, "", voice=voice("api-2", samples.english, 22)))
            await fake.wait_for(
                lambda: any(t.startswith(said) for t in fake.sent_texts(OWNER)), what="reason"
            )
        tries = len(server.hits_for(PATH))
    await http.aclose()
    assert agent.seen == []
    assert tries == (3 if status == 503 else 1)  # 5xx retried, a refused key is not
    assert KEY not in capsys.readouterr().out


def test_stt_provider_picks_the_adapter(tmp_path: Path) -> None:
    http = HttpFactory(None)

    def chosen(**env: object) -> object:
        settings = Settings(_env_file=None, concierge_data_dir=tmp_path, **env)  # type: ignore[call-arg]
        return assembly.transcriber(settings, http)

    assert isinstance(chosen(), LocalWhisper)  # zero configuration: on this machine
    by_key = chosen(openai_api_key=SecretStr("sk-x"))
    assert isinstance(by_key, OpenAITranscriber) and by_key.name == "openai"
    own = chosen(stt_base_url="http://127.0.0.1:8000/v1", stt_openai_model="Systran/base")
    assert isinstance(own, OpenAITranscriber) and own.name == "openai-compatible"
    assert own.model_name == "Systran/base"
    assert isinstance(chosen(stt_provider="local", openai_api_key=SecretStr("k")), LocalWhisper)
    assert chosen(stt_provider="off") is None
