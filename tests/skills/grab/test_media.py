"""Downloaded files: typed by content, renamed safely inside the job folder."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from concierge.skills.grab import media
from concierge.skills.grab.protocol import ChildSpec, Event
from concierge.skills.grab.runner import run_child
from tests.support.fixture_server import FixtureServer, raw

HOSTILE = ["../../etc/passwd", "a\x00b.mp4", "x" * 300 + ".mp4", "..", "\x1b[31mred\\evil:*?.png"]


def test_hostile_names_become_safe_bounded_names() -> None:
    names = [media.safe_name(raw, "mp4") for raw in HOSTILE]
    assert names[0] == "passwd.mp4"
    assert names[1] == "a_b.mp4"
    assert len(names[2]) == media.MAX_NAME and names[2].endswith(".mp4")
    assert names[3] == "file.mp4"
    for name in names:
        assert "/" not in name and "\\" not in name and "\x00" not in name
        assert not name.startswith(".") and all(ord(c) >= 32 for c in name)


def test_type_comes_from_content_not_name(tmp_path: Path, media_files: dict[str, bytes]) -> None:
    disguised = tmp_path / "holiday.png"
    disguised.write_bytes(media_files["clip.mp4"])
    script = tmp_path / "photo.jpg"
    script.write_bytes(b"#!/bin/sh\nrm -rf /\n")
    nested = tmp_path / "sub" / ("y" * 250 + ".png")
    nested.parent.mkdir()
    nested.write_bytes(media_files["red.png"])
    settled = media.settle(tmp_path, [disguised, script, nested])
    assert [(p.name, kind) for p, kind in settled] == [
        ("holiday.mp4", "video"),
        ("y" * (media.MAX_NAME - 4) + ".png", "photo"),
    ]
    assert all(p.parent == tmp_path for p, _ in settled)
    assert not script.exists()  # not a type we deliver: removed


async def test_a_hostile_url_name_lands_inside_the_job_folder(
    tmp_path: Path, media_files: dict[str, bytes]
) -> None:
    evil = "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd%00" + "z" * 300 + ".png"
    png = raw(media_files["red.png"], content_type="image/png")
    with FixtureServer({unquote(evil): png}) as site:
        folder = tmp_path / "job"
        folder.mkdir()
        spec = ChildSpec(
            url=f"{site.url}{evil}",
            folder=str(folder),
            tool="generic",
            allow_private=True,
            max_bytes=10_000_000,
            max_duration=60,
        )
        events: list[Event] = []

        async def seen(event: Event) -> None:
            events.append(event)

        result = await run_child(spec, seen, timeout=60)
    assert result.error is None, result.detail
    assert len(result.files) == 1
    path, kind = result.files[0]
    assert kind == "photo" and path.parent == folder
    assert len(path.name) <= media.MAX_NAME and "\x00" not in path.name and "/" not in path.name
    assert [p.name for p in folder.iterdir()] == [path.name]
    assert not (tmp_path / "etc").exists()
