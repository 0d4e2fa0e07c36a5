"""``kill -9`` of the real ``concierge serve`` while a voice note is being transcribed:
after the restart the note is transcribed and answered, once.

The bot runs with its defaults (the packaged Whisper base model, the offline language
model, the embedded job engine on SQLite) and the Telegram front-end on the fake Bot API,
which serves the espeak-ng note. The killed process's job goes back to the queue when its
heartbeat stops; the new process fetches the file again by its id and finishes it.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from pathlib import Path

from tests.skills.voice.conftest import Samples, voice
from tests.support.bot_process import isolated_bot
from tests.support.fake_telegram import FakeTelegram

OWNER = 1


def bot(tmp_path: Path, fake: FakeTelegram) -> subprocess.Popen[bytes]:
    return isolated_bot(tmp_path, fake, owner=OWNER)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def texts(fake: FakeTelegram) -> list[str]:
    calls = fake.calls_to("sendMessage", "editMessageText", chat_id=OWNER)
    return [c.params.get("text", "") for c in calls if c.ok]


async def test_kill_9_mid_transcription_then_the_note_is_answered_once(
    tmp_path: Path, fake: FakeTelegram, samples: Samples
) -> None:
    fake.add_file("k-1", samples.english.read_bytes())
    first = bot(tmp_path, fake)
    try:
        fake.push(fake.text_update(OWNER, "", voice=voice("k-1", samples.english, 22)))
        await fake.wait_for(
            lambda: any(t.startswith("🎙 Transcribing") for t in texts(fake)),
            120,
            "the transcription under way",
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    assert first.returncode == -signal.SIGKILL
    assert not any(t.startswith("🎙 Good evening") for t in texts(fake))  # killed before it
    before = len(fake.calls_to("sendMessage", chat_id=OWNER))
    assert before == 1  # the progress message

    second = bot(tmp_path, fake)
    try:
        await fake.wait_for(
            lambda: len(fake.calls_to("sendMessage", chat_id=OWNER)) > before,
            180,
            "the answer after the restart",
        )
    finally:
        stop(second)
    shown = texts(fake)
    heard = [t for t in shown if t.startswith("🎙 Good evening")]
    assert heard, shown
    answers = [c for c in fake.calls_to("sendMessage", chat_id=OWNER) if c.ok][1:]
    assert len(answers) == 1, [c.params.get("text") for c in answers]  # answered once
    assert len(fake.calls_to("getFile")) == 2  # fetched again by its file id after the kill
    with sqlite3.connect(tmp_path / "concierge.db") as db:
        notes = db.execute("SELECT status FROM voice_notes").fetchall()
        jobs = db.execute(
            "SELECT state, attempts FROM jobs WHERE kind = 'voice.transcribe'"
        ).fetchall()
        ok = db.execute("SELECT count(*) FROM voice_transcriptions WHERE outcome = 'ok'").fetchone()
    assert notes == [("done",)]
    assert jobs[0][0] == "succeeded" and jobs[0][1] == 2, jobs
    assert ok == (1,)  # the killed run never finished its transcription
