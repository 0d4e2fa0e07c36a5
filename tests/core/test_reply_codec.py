"""Replies and message handles survive a trip through JSON (job payloads, stored rows)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from concierge.core.messages import Button, Card, File, MessageHandle, Reply, Text, rows
from concierge.core.reply_codec import MAX_STORED_INLINE, reply_from_dict, reply_to_dict


def through_json(reply: Reply) -> Reply:
    return reply_from_dict(json.loads(json.dumps(reply_to_dict(reply))))


@pytest.mark.parametrize(
    "reply",
    [
        Text(
            "**Dune** is ready",
            buttons=rows(Button("Open", id="b1"), Button("TMDB", url="https://t.example/1")),
        ),
        Card("Dune", "⭐ 8.0", image_url="https://i.example/d.jpg", link="https://t.example/1"),
        File("log.txt", Path("/var/lib/concierge/grab/log.txt"), kind="document", caption="log"),
        File.from_bytes("Dune.torrent", b"d8:announce0:e", caption="torrent"),
    ],
    ids=["text", "card", "file-path", "file-inline"],
)
def test_each_reply_kind_round_trips(reply: Reply) -> None:
    assert through_json(reply) == reply


def test_a_big_in_memory_file_must_go_by_path() -> None:
    with pytest.raises(ValueError, match="by path"):
        reply_to_dict(File.from_bytes("big.bin", b"x" * (MAX_STORED_INLINE + 1)))


def test_unknown_data_is_refused() -> None:
    with pytest.raises(ValueError):
        reply_from_dict({"type": "sticker"})
    with pytest.raises(ValueError):
        MessageHandle.from_dict(
            {"platform": "telegram", "chat_id": 1, "message_ids": [1], "kind": "x"}
        )


def test_handle_round_trips() -> None:
    handle = MessageHandle("telegram", -1001234567890, (41, 42), "media")
    assert MessageHandle.from_dict(json.loads(json.dumps(handle.to_dict()))) == handle


def test_a_file_has_exactly_one_source() -> None:
    with pytest.raises(ValueError):
        File("x.txt")
    with pytest.raises(ValueError):
        File("x.txt", Path("x.txt"), inline=b"x")
