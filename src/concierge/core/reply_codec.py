"""Replies as JSON-storable dicts, so a job payload can carry what to send.

A job that sends a notice runs later, maybe in another process; its payload holds the
reply as plain JSON. Files travel by path (the worker must see the same file system);
in-memory files only when small, as base64.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from concierge.core.messages import Album, Button, ButtonRows, Card, File, FileKind, Reply, Text

MAX_STORED_INLINE = 256 * 1024  # in-memory file bytes a payload may carry
_FILE_KINDS = ("document", "photo", "video", "audio", "voice")


def _buttons_to_list(buttons: ButtonRows) -> list[list[dict[str, str]]]:
    out: list[list[dict[str, str]]] = []
    for row in buttons:
        line: list[dict[str, str]] = []
        for b in row:
            cell = {"label": b.label}
            if b.id is not None:
                cell["id"] = b.id
            if b.url is not None:
                cell["url"] = b.url
            line.append(cell)
        out.append(line)
    return out


def _buttons_from_list(raw: Any) -> ButtonRows:
    rows = cast(list[list[Mapping[str, Any]]], raw or [])
    return tuple(
        tuple(Button(str(c["label"]), id=c.get("id"), url=c.get("url")) for c in row)
        for row in rows
    )


def reply_to_dict(reply: Reply) -> dict[str, Any]:
    """``reply`` as JSON-ready data; raises ValueError for an in-memory file too big to store."""
    if isinstance(reply, Text):
        return {"type": "text", "text": reply.text, "buttons": _buttons_to_list(reply.buttons)}
    if isinstance(reply, Card):
        return {
            "type": "card",
            "title": reply.title,
            "body": reply.body,
            "image_url": reply.image_url,
            "link": reply.link,
            "buttons": _buttons_to_list(reply.buttons),
        }
    if isinstance(reply, Album):
        files = [reply_to_dict(f) for f in reply.files]
        return {"type": "album", "files": files, "caption": reply.caption}
    out: dict[str, Any] = {
        "type": "file",
        "filename": reply.filename,
        "kind": reply.kind,
        "caption": reply.caption,
    }
    if reply.path is not None:
        out["path"] = str(reply.path)
        return out
    assert reply.inline is not None
    if len(reply.inline) > MAX_STORED_INLINE:
        raise ValueError(f"{reply.filename}: too big to store in a payload; send it by path")
    out["inline"] = base64.b64encode(reply.inline).decode("ascii")
    return out


def reply_from_dict(raw: Mapping[str, Any]) -> Reply:
    """The reply ``reply_to_dict`` stored; ValueError for data it never wrote."""
    kind = raw.get("type")
    if kind == "text":
        return Text(str(raw["text"]), buttons=_buttons_from_list(raw.get("buttons")))
    if kind == "card":
        return Card(
            title=str(raw["title"]),
            body=str(raw.get("body") or ""),
            image_url=raw.get("image_url"),
            buttons=_buttons_from_list(raw.get("buttons")),
            link=raw.get("link"),
        )
    if kind == "album":
        files = tuple(reply_from_dict(f) for f in raw["files"])
        if not all(isinstance(f, File) for f in files):
            raise ValueError("an album holds only files")
        return Album(cast(tuple[File, ...], files), caption=str(raw.get("caption") or ""))
    if kind == "file":
        file_kind = raw.get("kind", "document")
        if file_kind not in _FILE_KINDS:
            raise ValueError(f"unknown file kind {file_kind!r}")
        name, caption = str(raw["filename"]), str(raw.get("caption") or "")
        fkind = cast(FileKind, file_kind)
        if raw.get("path") is not None:
            return File(name, path=Path(raw["path"]), kind=fkind, caption=caption)
        data = base64.b64decode(str(raw["inline"]))
        return File.from_bytes(name, data, kind=fkind, caption=caption)
    raise ValueError(f"not a stored reply: type {kind!r}")
