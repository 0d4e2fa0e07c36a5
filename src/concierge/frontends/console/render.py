"""Core replies → terminal text, with buttons as numbered choices."""

from __future__ import annotations

import shutil
from pathlib import Path

from concierge.core.messages import (
    Album,
    Button,
    ButtonRows,
    Card,
    File,
    Reply,
    Text,
    unescape_literal,
)


class ButtonBoard:
    """Numbers the buttons shown since the user's last input; a number presses one."""

    def __init__(self) -> None:
        self._buttons: list[Button] = []

    def reset(self) -> None:
        self._buttons = []

    def number(self, rows: ButtonRows) -> list[str]:
        lines: list[str] = []
        for row in rows:
            cells = []
            for button in row:
                self._buttons.append(button)
                target = f" → {button.url}" if button.url else ""
                cells.append(f"[{len(self._buttons)}] {button.label}{target}")
            lines.append("  ".join(cells))
        return lines

    def pressed(self, text: str) -> Button | None:
        stripped = text.strip()
        if not stripped.isdigit():
            return None
        index = int(stripped) - 1
        return self._buttons[index] if 0 <= index < len(self._buttons) else None


def render_reply(reply: Reply, board: ButtonBoard, files_dir: Path) -> str:
    if isinstance(reply, Text):
        return "\n".join([unescape_literal(reply.text), *board.number(reply.buttons)])
    if isinstance(reply, Card):
        lines = [f"━━ {reply.title} ━━"]
        if reply.body:
            lines.append(unescape_literal(reply.body))
        if reply.image_url:
            lines.append(f"🖼 {reply.image_url}")
        if reply.link:
            lines.append(f"🔗 {reply.link}")
        lines.extend(board.number(reply.buttons))
        return "\n".join(lines)
    if isinstance(reply, Album):
        shown = [_save_file(f, files_dir) for f in reply.files]
        return "\n".join([unescape_literal(reply.caption), *shown] if reply.caption else shown)
    return _save_file(reply, files_dir)


def _save_file(reply: File, files_dir: Path) -> str:
    """Copy the file into ``files_dir`` in chunks (never whole in memory); say where."""
    files_dir.mkdir(parents=True, exist_ok=True)
    safe_name = Path(reply.filename).name or "file"
    path = files_dir / safe_name
    with reply.open() as source, path.open("wb") as target:
        shutil.copyfileobj(source, target)
    caption = f"{reply.caption}\n" if reply.caption else ""
    return f"{caption}📎 {reply.kind}: {path} ({path.stat().st_size} bytes)"
