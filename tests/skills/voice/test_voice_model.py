"""The packaged model folder is checked before use; the skill is wired into the app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from concierge.adapters.stt_local import (
    PACKAGED_NAME,
    SHA256,
    LocalWhisper,
    ModelUnusable,
    check_folder,
    packaged_model,
    sha256,
)
from concierge.bootstrap import build_app
from concierge.services.transcriber import collapse_repeats
from concierge.skills.voice import SWEEP_KIND
from concierge.skills.voice.service import VoiceProcessor
from tests.support import app as support


def test_the_joined_model_matches_every_checksum(whisper: LocalWhisper) -> None:
    folder = packaged_model(whisper._data_dir)  # joined by the session fixture; not again
    assert folder.name == PACKAGED_NAME
    assert {p.name for p in folder.iterdir()} == set(SHA256)
    assert sha256(folder / "config.json") == SHA256["config.json"]


def test_a_tampered_or_incomplete_model_folder_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "models" / PACKAGED_NAME
    fake.mkdir(parents=True)
    for name in SHA256:
        (fake / name).write_text("{}")
    with pytest.raises(ModelUnusable, match="SHA-256"):
        packaged_model(tmp_path)  # present but not the packaged bytes
    (fake / "tokenizer.json").unlink()
    with pytest.raises(ModelUnusable, match=r"tokenizer\.json"):
        check_folder(fake)  # faster-whisper would go to the hub for it
    shutil.rmtree(fake)
    (fake.parent / "other").mkdir()
    with pytest.raises(ModelUnusable, match="vocabulary"):
        check_folder(fake.parent / "other")


def test_a_configured_folder_without_model_files_is_explained_not_downloaded(
    tmp_path: Path,
) -> None:
    whisper = LocalWhisper(tmp_path / "small", data_dir=tmp_path, threads=1)
    with pytest.raises(ModelUnusable):
        whisper.load()


def test_hallucination_loops_are_cut_back() -> None:
    text, cut = collapse_repeats("Thank you. Thank you. Thank you. Thank you. Thank you.")
    assert (text, cut) == ("Thank you. Thank you.", True)
    looped = "I went to the park " + "and then I went home " * 6 + "at last."
    text, cut = collapse_repeats(looped)
    assert cut and text == "I went to the park and then I went home and then I went home at last."
    assert collapse_repeats("very very good") == ("very very good", False)


async def test_the_voice_skill_is_registered_by_bootstrap(tmp_path: Path) -> None:
    app = await build_app(support.test_settings(tmp_path))
    try:
        assert any(isinstance(p, VoiceProcessor) for p in app.registry.processors)
        assert SWEEP_KIND in [s.name for s in app.scheduler.schedules]
        processor = next(p for p in app.registry.processors if isinstance(p, VoiceProcessor))
        assert isinstance(processor.transcriber, LocalWhisper)  # zero configuration
        assert not processor.transcriber.loaded  # loaded on the first note, not at start
        await app.scheduler.tick()
        await app.jobs.run_until_idle()  # the sweep runs as a job
    finally:
        await app.close()
