"""Audio that cannot or should not be transcribed gets a clear reason, and nothing hangs.

Each case goes through the real Telegram front-end and real ffprobe/ffmpeg; a recording
transcriber proves that nothing reached speech recognition, and the ``temp_dir`` fixture
that no temporary file was left behind.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

from concierge.adapters.stt_local import LocalWhisper
from concierge.storage.db import Database
from tests.fakes.agent import FakeAgent
from tests.frontends.telegram.conftest import OWNER, build_stack, running
from tests.skills.voice.conftest import MB, Recorder, Samples, voice, voice_kit
from tests.support.fake_telegram import FakeTelegram


def document(file_id: str, name: str, size: int, mime: str = "audio/ogg") -> dict[str, Any]:
    return {
        "file_id": file_id,
        "file_unique_id": f"u{file_id}",
        "file_name": name,
        "mime_type": mime,
        "file_size": size,
    }


async def refusal(
    fake: FakeTelegram,
    db: Database,
    temp: Path,
    update: dict[str, Any],
    *,
    transcriber: Any = None,
    frontend: dict[str, Any] | None = None,
    **limits: Any,
) -> tuple[str, Recorder | Any, FakeAgent]:
    """Send ``update``; the bot's last words, the transcriber and the agent."""
    recorder = transcriber if transcriber is not None else Recorder()
    agent = FakeAgent()
    stack = build_stack(db, agent=agent, skills=[voice_kit(db, temp, recorder, **limits).skill])
    async with running(stack.frontend(fake, **(frontend or {}))):
        fake.push(update)
        await fake.wait_for(
            lambda: any(not t.startswith("🎙") for t in fake.sent_texts(OWNER)),
            what="the reason",
            seconds=60,
        )
    assert agent.seen == []
    return fake.sent_texts(OWNER)[-1], recorder, agent


async def test_broken_audio_is_called_damaged(
    fake: FakeTelegram, sqlite_db: Database, temp_dir: Path
) -> None:
    rng = random.Random(7)
    fake.add_file("b-1", b"OggS" + bytes(rng.randrange(256) for _ in range(20_000)))
    update = fake.text_update(OWNER, "", voice=voice("b-1", 20_004, 5), language="ru")
    said, recorder, _ = await refusal(fake, sqlite_db, temp_dir, update)
    assert said.startswith("Не получилось прочитать запись: похоже, она повреждена")
    assert recorder.calls == []
    assert fake.calls_to("deleteMessage")  # the progress message made way for the reason


async def test_a_text_file_renamed_ogg_is_not_audio(
    fake: FakeTelegram, sqlite_db: Database, temp_dir: Path
) -> None:
    body = b"Shopping list: milk, bread, eggs.\n" * 40
    fake.add_file("t-1", body)
    update = fake.text_update(OWNER, "", document=document("t-1", "note.ogg", len(body)))
    said, recorder, _ = await refusal(fake, sqlite_db, temp_dir, update)
    assert said == "This file has no sound I can transcribe: it doesn't look like audio."
    assert recorder.calls == []


async def test_a_half_hour_recording_is_refused_by_its_length(
    fake: FakeTelegram, sqlite_db: Database, samples: Samples, temp_dir: Path
) -> None:
    size = samples.half_hour.stat().st_size
    fake.add_file("h-1", samples.half_hour.read_bytes())
    # sent as a file, so no duration is declared: ffprobe finds the 30 minutes
    update = fake.text_update(OWNER, "", document=document("h-1", "lecture.ogg", size))
    said, recorder, _ = await refusal(fake, sqlite_db, temp_dir, update)
    assert said == (
        "This recording is 30.0 min long; I transcribe up to 10.0 min. Please send a shorter one."
    )
    assert recorder.calls == []


async def test_a_declared_half_hour_note_is_refused_before_downloading(
    fake: FakeTelegram, sqlite_db: Database, samples: Samples, temp_dir: Path
) -> None:
    fake.add_file("h-2", samples.half_hour.read_bytes())
    update = fake.text_update(OWNER, "", voice=voice("h-2", samples.half_hour, 1800))
    said, _, _ = await refusal(fake, sqlite_db, temp_dir, update)
    assert said.startswith("This recording is 30.0 min long")
    assert fake.calls_to("getFile") == []


async def test_a_40_mb_file_is_refused_before_downloading(
    fake: FakeTelegram, sqlite_db: Database, temp_dir: Path
) -> None:
    fake.add_file("big-1", b"OggS")  # never fetched: the declared size decides
    update = fake.text_update(OWNER, "", audio={**voice("big-1", 40 * MB, 900)}, language="ru")
    said, _, _ = await refusal(  # a local Bot API server would let the bot download it
        fake, sqlite_db, temp_dir, update, frontend={"download_limit_mb": 100}, max_seconds=3600
    )
    assert said == "Файл весит 40.0 МБ; я распознаю голосовые и аудио до 25 МБ."
    assert fake.calls_to("getFile") == []


async def test_ffmpeg_over_its_time_limit_is_killed_and_explained(
    fake: FakeTelegram, sqlite_db: Database, samples: Samples, temp_dir: Path
) -> None:
    fake.add_file("s-1", samples.english.read_bytes())
    update = fake.text_update(OWNER, "", voice=voice("s-1", samples.english, 22))
    said, recorder, _ = await refusal(fake, sqlite_db, temp_dir, update, ffmpeg_timeout=0.001)
    assert said == (
        "Converting this recording took over 0 s, so I stopped. Please send a shorter one."
    )
    assert recorder.calls == []


async def test_the_transcription_wall_clock_limit_stops_whisper(
    fake: FakeTelegram,
    sqlite_db: Database,
    samples: Samples,
    whisper: LocalWhisper,
    temp_dir: Path,
) -> None:
    fake.add_file("w-1", samples.english.read_bytes())
    update = fake.text_update(OWNER, "", voice=voice("w-1", samples.english, 22))
    limit = whisper.timeout
    whisper.timeout = 0.01
    try:
        said, _, _ = await refusal(fake, sqlite_db, temp_dir, update, transcriber=whisper)
    finally:
        whisper.timeout = limit
    assert said.startswith("Transcribing took too long (over 0 s), so I stopped.")


async def test_too_little_free_disk_space_refuses_before_any_work(
    fake: FakeTelegram, sqlite_db: Database, samples: Samples, temp_dir: Path
) -> None:
    fake.add_file("d-1", samples.english.read_bytes())
    update = fake.text_update(OWNER, "", voice=voice("d-1", samples.english, 22))
    said, recorder, _ = await refusal(fake, sqlite_db, temp_dir, update, min_free_bytes=10**18)
    assert said.startswith("There's no room to process audio right now")
    assert recorder.calls == []


async def test_voice_turned_off_says_so(
    fake: FakeTelegram, sqlite_db: Database, samples: Samples, temp_dir: Path
) -> None:
    fake.add_file("o-1", samples.english.read_bytes())
    update = fake.text_update(OWNER, "", voice=voice("o-1", samples.english, 22))
    agent = FakeAgent()
    kit = voice_kit(sqlite_db, temp_dir, None)
    stack = build_stack(sqlite_db, agent=agent, skills=[kit.skill])
    async with running(stack.frontend(fake)):
        fake.push(update)
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1, what="the reason")
    assert fake.sent_texts(OWNER) == [
        "Voice notes are turned off on this bot; please type your message."
    ]


def test_the_sweep_removes_only_orphans(tmp_path: Path) -> None:
    kit_dir = tmp_path / "voice-tmp"
    kit_dir.mkdir()
    old, fresh, other = kit_dir / "voice-old.in", kit_dir / "voice-new.wav", kit_dir / "keep.txt"
    for path in (old, fresh, other):
        path.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    os.utime(other, (two_hours_ago, two_hours_ago))
    from concierge.services.voice import AudioWorkshop, VoiceLimits

    assert AudioWorkshop(kit_dir, VoiceLimits()).sweep(3600) == 1
    assert sorted(p.name for p in kit_dir.iterdir()) == ["keep.txt", "voice-new.wav"]
