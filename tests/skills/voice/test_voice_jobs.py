"""Voice notes as ``voice.transcribe`` jobs in the whole application, through Telegram.

The real app (bootstrap, embedded job engine on SQLite) with the real Telegram front-end
on the fake Bot API, which serves the OGG/Opus note; the job fetches it again by its
file id, converts it with the real ffmpeg and hears it with the packaged Whisper base
model (or a stand-in where the words do not matter), then hands the text back to the
dispatcher as if typed.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text
from starlette.applications import Starlette

from concierge.adapters.stt_local import LocalWhisper
from concierge.core.jobs import Jobs, JobState
from concierge.services.transcriber import word_accuracy
from concierge.services.voice import AudioWorkshop, VoiceLimits
from concierge.skills.voice.jobs import KIND
from concierge.skills.voice.models import TranscriptionRow
from concierge.skills.voice.notes import VoiceNoteRow
from tests.fakes.agent import FakeAgent
from tests.frontends.telegram.conftest import OWNER
from tests.skills.retro.conftest import database as database  # SQLite and Postgres
from tests.skills.voice.conftest import (
    ENGLISH,
    Recorder,
    Samples,
    audio_seconds,
    telegram_running,
    voice,
    voice_app,
)
from tests.support.fake_telegram import FakeTelegram

WAIT = 120.0
KEY = "admin-k3y-for-operators"


def shown(fake: FakeTelegram) -> list[str]:
    return [c.params["text"] for c in fake.calls_to("sendMessage", "editMessageText") if c.ok]


async def job_states(jobs: Jobs) -> list[JobState]:
    return [j.state for j in await jobs.list(kind=KIND)]


async def succeeded(jobs: Jobs, count: int) -> bool:
    return (await job_states(jobs)).count(JobState.SUCCEEDED) == count


async def cancelled(jobs: Jobs) -> bool:
    return await job_states(jobs) == [JobState.CANCELLED]


async def until(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_a_20_to_30_s_english_note_is_heard_by_a_job_and_handled_as_typed(
    fake: FakeTelegram, tmp_path: Path, samples: Samples, whisper: LocalWhisper
) -> None:
    seconds = audio_seconds(samples.english)
    assert 20 <= seconds <= 30, seconds
    agent = FakeAgent()
    async with voice_app(tmp_path) as kit:
        kit.use(whisper)
        kit.app.dispatcher.agent = agent
        fake.add_file("en-1", samples.english.read_bytes())
        async with telegram_running(kit.app, fake):
            fake.push(fake.text_update(OWNER, "", voice=voice("en-1", samples.english, 24)))
            await fake.wait_for(lambda: len(agent.seen) == 1, WAIT, "the agent")
            await until(lambda: succeeded(kit.app.jobs, 1), "the job to finish")
            states = await job_states(kit.app.jobs)
        async with kit.app.db.session() as s:
            row = (await s.scalars(select(TranscriptionRow))).one()
            note = (await s.scalars(select(VoiceNoteRow))).one()

    heard = agent.seen[0][1]
    accuracy = word_accuracy(ENGLISH, heard)
    print(f"{seconds:.1f} s of speech, word accuracy {accuracy:.1%}: {heard}")
    assert accuracy >= 0.9
    texts = shown(fake)
    assert texts[0] == "🎙 Got the recording; transcribing it shortly…"  # sent by the update
    assert texts[1:3] == ["🎙 Downloading the recording…", "🎙 Converting the recording…"]
    assert re.fullmatch(r"🎙 Transcribing 0:2\d… \(about \d+ s\)", texts[3])
    assert texts[4].startswith("🎙 Good evening") and "quarterly report" in texts[4]
    assert fake.sent_texts(OWNER)[-1] == f"agent: {heard}"  # the agent answered the words
    assert len(fake.calls_to("sendMessage", chat_id=OWNER)) == 2  # one progress, one answer
    assert len(fake.calls_to("getFile")) == 1  # fetched by the job, by its file id
    assert states == [JobState.SUCCEEDED]
    assert (note.status, note.file_id) == ("done", "en-1")
    assert (row.provider, row.outcome) == ("local", "ok")
    assert 20 <= row.audio_seconds <= 30


async def test_a_spoken_command_and_a_spoken_retro_answer_are_routed_as_typed(
    fake: FakeTelegram, tmp_path: Path, samples: Samples, database: dict[str, Any]
) -> None:
    spoken = Recorder(text="/timezone Berlin")
    async with voice_app(tmp_path, **database) as kit:
        kit.use(spoken)
        fake.add_file("n-1", samples.russian.read_bytes())
        fake.add_file("n-2", samples.russian.read_bytes())
        async with telegram_running(kit.app, fake):
            fake.push(fake.text_update(OWNER, "", voice=voice("n-1", samples.russian, 6)))
            await fake.wait_for(
                lambda: any(t.startswith("Time zone set") for t in fake.sent_texts(OWNER)),
                30,
                "the spoken command",
            )
            fake.push(fake.text_update(OWNER, "/retro"))
            await fake.wait_for(lambda: "1/6" in fake.sent_texts(OWNER)[-1], 30, "step 1")
            fake.push(fake.text_update(OWNER, "4"))
            await fake.wait_for(lambda: "2/6" in fake.sent_texts(OWNER)[-1], 30, "step 2")
            spoken.text = "uh shipped the the search feature"
            fake.push(fake.text_update(OWNER, "", voice=voice("n-2", samples.russian, 6)))
            await fake.wait_for(lambda: "3/6" in fake.sent_texts(OWNER)[-1], 30, "step 3")
        async with kit.app.db.session() as s:
            answers = (await s.execute(text("SELECT step, raw FROM retro_answers"))).all()
    assert ("went_well", "uh shipped the the search feature") in [tuple(a) for a in answers]


def slow_ffmpeg(folder: Path) -> tuple[Path, Path]:
    """An "ffmpeg" that records its pid and hangs, as a huge conversion would."""
    script, pid_file = folder / "ffmpeg", folder / "ffmpeg.pid"
    script.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, pid_file


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())


async def test_cancel_kills_the_jobs_ffmpeg(
    fake: FakeTelegram, tmp_path: Path, samples: Samples
) -> None:
    script, pid_file = slow_ffmpeg(tmp_path)
    agent = FakeAgent()
    spoken = Recorder()
    async with voice_app(tmp_path) as kit:
        kit.use(spoken)
        kit.app.dispatcher.agent = agent
        kit.processor.work.workshop = AudioWorkshop(
            tmp_path / "voice-tmp", VoiceLimits(ffmpeg=str(script), min_free_bytes=0)
        )
        fake.add_file("c-1", samples.english.read_bytes())
        async with telegram_running(kit.app, fake):
            fake.push(fake.text_update(OWNER, "", voice=voice("c-1", samples.english, 24)))
            await fake.wait_for(pid_file.exists, 30, "ffmpeg running")
            await fake.wait_for(lambda: pid_file.read_text().strip() != "", 5, "its pid")
            pid = int(pid_file.read_text())
            assert alive(pid)
            progress = fake.calls_to("sendMessage", chat_id=OWNER)[0].result
            [[cancel]] = fake.message(OWNER, progress["message_id"])["reply_markup"][
                "inline_keyboard"
            ]
            assert cancel["text"] == "Cancel"
            fake.push(fake.press_update(OWNER, cancel["callback_data"], progress))
            await fake.wait_for(
                lambda: fake.message(OWNER, progress["message_id"]).get("text") == "🎙 Cancelled.",
                30,
                "the cancelled progress message",
            )
            await fake.wait_for(lambda: not alive(pid), 10, "ffmpeg killed")
            await until(lambda: cancelled(kit.app.jobs), "the job to end cancelled")
    assert spoken.calls == [] and agent.seen == []
    assert list((tmp_path / "voice-tmp").glob("*")) == []  # its temporary files removed


async def test_cancel_stops_the_jobs_transcription_and_nothing_is_answered(
    fake: FakeTelegram, tmp_path: Path, samples: Samples
) -> None:
    agent = FakeAgent()
    slow = Recorder(gate=asyncio.Event(), started=asyncio.Event())
    async with voice_app(tmp_path) as kit:
        kit.use(slow)
        kit.app.dispatcher.agent = agent
        fake.add_file("t-1", samples.english.read_bytes())
        async with telegram_running(kit.app, fake):
            fake.push(fake.text_update(OWNER, "", voice=voice("t-1", samples.english, 24)))
            await asyncio.wait_for(slow.started.wait(), 30)
            progress = fake.calls_to("sendMessage", chat_id=OWNER)[0].result
            [[cancel]] = fake.last_keyboard(OWNER)
            fake.push(fake.press_update(OWNER, cancel["callback_data"], progress))
            await fake.wait_for(
                lambda: fake.message(OWNER, progress["message_id"]).get("text") == "🎙 Cancelled.",
                30,
                "the cancelled progress message",
            )
            await until(lambda: cancelled(kit.app.jobs), "the job to end cancelled")
            slow.gate.set()  # had it not been stopped, it would finish now
    assert slow.stopped
    assert agent.seen == []
    assert fake.message(OWNER, progress["message_id"]).get("reply_markup") in (None, {})


async def test_a_job_run_again_after_a_crash_answers_the_note_once(
    fake: FakeTelegram, tmp_path: Path, samples: Samples, database: dict[str, Any]
) -> None:
    """At-least-once: the engine may run a finished job's work again (a crash before it
    was marked done); the transcript's route key keeps the note from being handled twice."""
    agent = FakeAgent()
    spoken = Recorder(text="what should I watch tonight")
    async with voice_app(tmp_path, **database) as kit:
        kit.use(spoken)
        kit.app.dispatcher.agent = agent
        fake.add_file("r-1", samples.russian.read_bytes())
        async with telegram_running(kit.app, fake):
            fake.push(fake.text_update(OWNER, "", voice=voice("r-1", samples.russian, 6)))
            await until(lambda: succeeded(kit.app.jobs, 1), "the first run to finish")
            assert len(agent.seen) == 1
            async with kit.app.db.session() as s:
                note = (await s.scalars(select(VoiceNoteRow))).one()
                note.status = "transcribed"  # as if killed before the job was marked done
            await kit.app.jobs.enqueue(KIND, {"note_id": note.id}, lane=f"voice:{note.user_id}")
            await until(lambda: succeeded(kit.app.jobs, 2), "the second run to finish")
    assert len(spoken.calls) == 2  # heard twice…
    assert agent.seen == [(f"telegram:{OWNER}", "what should I watch tonight")]  # …routed once
    assert fake.sent_texts(OWNER).count("agent: what should I watch tonight") == 1


async def test_stats_and_the_admin_api_show_transcriptions_minutes_and_cost(
    fake: FakeTelegram, tmp_path: Path, samples: Samples
) -> None:
    priced = Recorder(text="hello there", cost=0.0123)
    async with voice_app(tmp_path, admin_api_key=KEY) as kit:
        kit.use(priced)
        kit.app.dispatcher.agent = FakeAgent()
        fake.add_file("s-1", samples.english.read_bytes())
        fake.add_file("s-2", samples.russian.read_bytes())
        async with telegram_running(kit.app, fake):
            fake.push(fake.text_update(OWNER, "", voice=voice("s-1", samples.english, 24)))
            await until(lambda: succeeded(kit.app.jobs, 1), "the first note")
            priced.fail = "voice.api_failed"
            fake.push(fake.text_update(OWNER, "", voice=voice("s-2", samples.russian, 6)))
            await fake.wait_for(
                lambda: "could not transcribe this" in shown(fake)[-1], 30, "the failure"
            )
            fake.push(fake.text_update(OWNER, "/stats"))
            await fake.wait_for(
                lambda: fake.sent_texts(OWNER)[-1].startswith("Statistics"), 30, "the /stats"
            )
            stats = fake.sent_texts(OWNER)[-1]
            http = Starlette(routes=kit.app.registry.routes)
            transport = httpx.ASGITransport(app=http)
            async with httpx.AsyncClient(transport=transport, base_url="http://a.test") as client:
                api = await client.get("/admin/stats", headers={"Authorization": f"Bearer {KEY}"})
    minutes = round(audio_seconds(samples.english) / 60, 1)
    assert "Transcriptions: 1\n" in stats + "\n"
    assert f"Transcribed minutes: {minutes:g}" in stats
    assert "Transcription cost, USD: 0.0123" in stats
    assert "Transcriptions failed: 1" in stats
    assert "none recorded" not in stats
    figures = api.json()
    assert (figures["transcriptions"], figures["transcriptions_failed"]) == (1, 1)
    assert figures["transcription_minutes"] == minutes
    assert figures["transcription_cost_usd"] == 0.0123
