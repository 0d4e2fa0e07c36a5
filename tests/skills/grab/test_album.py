"""The Album reply: stored in job payloads, checked, and shown by the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from concierge.core.messages import Album, File
from concierge.core.reply_codec import reply_from_dict, reply_to_dict
from concierge.frontends.console.render import ButtonBoard, render_reply


def pictures(tmp_path: Path, n: int) -> tuple[File, ...]:
    files = []
    for i in range(n):
        path = tmp_path / f"p{i}.png"
        path.write_bytes(b"\\x89PNG" + bytes([i]))
        files.append(File(path.name, path=path, kind="photo"))
    return tuple(files)


def test_an_album_survives_a_job_payload(tmp_path: Path) -> None:
    album = Album(pictures(tmp_path, 3), caption="Holiday *pictures*")
    assert reply_from_dict(reply_to_dict(album)) == album


def test_an_album_holds_two_to_ten_photos_or_videos(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Album(pictures(tmp_path, 1))
    with pytest.raises(ValueError):
        Album(pictures(tmp_path, 11))
    doc = File("a.pdf", path=tmp_path / "a.pdf", kind="document")
    with pytest.raises(ValueError):
        Album((*pictures(tmp_path, 1), doc))


def test_the_terminal_saves_every_file_of_an_album(tmp_path: Path) -> None:
    shown = render_reply(Album(pictures(tmp_path, 2)), ButtonBoard(), tmp_path / "out")
    assert shown.count("📎 photo:") == 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["p0.png", "p1.png"]
