"""Speech to text over HTTP: OpenAI's ``POST /v1/audio/transcriptions``, or any server
speaking the same API (``STT_BASE_URL``, e.g. a self-hosted faster-whisper server).

The 16 kHz mono WAV the voice service makes is a format the API lists (10 minutes
are about 19 MB, under the API's 25 MB cap, which is checked before sending). The
shared ``ResilientClient`` brings the timeout and the retries with back-off on 429
and 5xx; the key travels in a header added on the way out, never logged. The cost of
each transcription is its length × ``STT_PRICE_PER_MINUTE``.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import structlog

from concierge.adapters.errors import AuthFailed, ExternalServiceError, RateLimited, SourceTimeout
from concierge.adapters.http import HttpFactory, Secrets, json_body
from concierge.services.transcriber import Transcript, TranscriptionFailed, collapse_repeats

log = structlog.get_logger(__name__)

API_MAX_BYTES = 25 * 1024 * 1024
OPENAI_BASE_URL = "https://api.openai.com/v1"
FIRST_GUESS_RTF = 0.1


class OpenAITranscriber:
    """The ``Transcriber`` port on the OpenAI transcription API."""

    def __init__(
        self,
        http: HttpFactory,
        *,
        name: str = "openai",
        base_url: str = OPENAI_BASE_URL,
        api_key: str | None,
        model: str = "gpt-4o-mini-transcribe",
        timeout: float = 30.0,
        price_per_minute: float = 0.0,
    ) -> None:
        self.name = name
        self.model_name = model
        self.price_per_minute = price_per_minute
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = http.client(
            f"stt-{name}", base_url, secrets=Secrets(headers=headers), timeout=timeout, cache=False
        )
        self._rtf = FIRST_GUESS_RTF

    def estimate(self, audio_seconds: float) -> float:
        return audio_seconds * self._rtf + 1.0

    async def transcribe(self, wav: Path, *, audio_seconds: float, hint: str | None) -> Transcript:
        data = await asyncio.to_thread(wav.read_bytes)
        if len(data) > API_MAX_BYTES:
            raise TranscriptionFailed("voice.too_big", size=round(len(data) / 2**20, 1), limit=25)
        # no ``language``: the API detects it (the user's language is no proof of the note's)
        fields = {"model": self.model_name, "response_format": "json"}
        request = httpx.Request(
            "POST",
            "http://multipart",
            data=fields,
            files={"file": ("voice.wav", data, "audio/wav")},
        )
        body = request.read()
        started = time.monotonic()
        try:
            response = await self._client.request(
                "POST",
                "/audio/transcriptions",
                content=body,
                headers={"Content-Type": request.headers["Content-Type"]},
            )
        except AuthFailed as exc:
            log.error("stt_api_refused_key", provider=self.name, status=exc.status)
            raise TranscriptionFailed("voice.unavailable") from exc
        except (SourceTimeout, RateLimited) as exc:
            raise TranscriptionFailed("voice.api_busy") from exc
        except ExternalServiceError as exc:
            raise TranscriptionFailed("voice.api_failed") from exc
        answer = json_body(response, self._client.name)
        text = answer.get("text") if isinstance(answer, dict) else None
        if not isinstance(text, str):
            log.warning("stt_api_bad_answer", provider=self.name)
            raise TranscriptionFailed("voice.api_failed")
        elapsed = time.monotonic() - started
        if audio_seconds > 1:
            self._rtf = 0.7 * self._rtf + 0.3 * (elapsed / audio_seconds)
        cleaned, cut = collapse_repeats(text.strip())
        return Transcript(
            text=cleaned,
            language=answer.get("language") if isinstance(answer.get("language"), str) else None,
            audio_seconds=audio_seconds,
            cost=round(audio_seconds / 60 * self.price_per_minute, 6),
            model=self.model_name,
            stopped_early=cut,
        )

    async def aclose(self) -> None:
        await self._client.aclose()
