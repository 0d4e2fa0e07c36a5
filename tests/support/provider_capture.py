"""A language-model provider on an ``httpx2.MockTransport``: records each request's JSON.

The real pydantic-ai Anthropic / OpenAI chat models send their real request (tools,
system prompt, history, cache markers) to this transport instead of the network; it
answers with responses shaped like the documented Messages API and Chat Completions
ones (streamed as server-sent events when the request asks for a stream): first a
call of ``tool`` with ``arguments``, then, once the request carries the tool's result,
a short text. Used by ``bench/prompt_tokens.py`` and the prompt-cache tests. (The
Anthropic and OpenAI SDKs take an ``httpx2`` client, httpx's fork, not an ``httpx`` one.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx2

ANTHROPIC = "anthropic"
OPENAI = "openai"
ANSWER = "Here are the best releases I found."


@dataclass
class CapturedProvider:
    """The recorded requests of one provider kind, and what it answers next."""

    kind: str  # ANTHROPIC or OPENAI
    model: str
    tool: str
    arguments: dict[str, Any]
    requests: list[dict[str, Any]] = field(default_factory=list)

    def client(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self._answer), timeout=10)

    def _answer(self, request: httpx2.Request) -> httpx2.Response:
        body: dict[str, Any] = json.loads(request.content)
        self.requests.append(body)
        number = len(self.requests)
        has_result = _has_tool_result(self.kind, body)
        if self.kind == ANTHROPIC:
            events = _anthropic_events(self.model, number, self.tool, self.arguments, has_result)
        else:
            events = _openai_chunks(self.model, number, self.tool, self.arguments, has_result)
        if not body.get("stream"):
            return httpx2.Response(200, json=_whole(self.kind, self.model, number, events))
        return httpx2.Response(
            200, headers={"content-type": "text/event-stream"}, content=_sse(self.kind, events)
        )


def _has_tool_result(kind: str, body: dict[str, Any]) -> bool:
    last = body["messages"][-1]
    if kind == OPENAI:
        return bool(last.get("role") == "tool")
    content = last.get("content")
    return isinstance(content, list) and any(b.get("type") == "tool_result" for b in content)


def _anthropic_events(
    model: str, number: int, tool: str, arguments: dict[str, Any], has_result: bool
) -> list[dict[str, Any]]:
    usage = {"input_tokens": 0, "output_tokens": 1}
    start = {
        "type": "message_start",
        "message": {
            "id": f"msg_{number:04d}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        },
    }
    if has_result:
        block: dict[str, Any] = {"type": "text", "text": ""}
        delta: dict[str, Any] = {"type": "text_delta", "text": ANSWER}
        stop = "end_turn"
    else:
        block = {"type": "tool_use", "id": f"toolu_{number:04d}", "name": tool, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(arguments)}
        stop = "tool_use"
    return [
        start,
        {"type": "content_block_start", "index": 0, "content_block": block},
        {"type": "content_block_delta", "index": 0, "delta": delta},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": None},
            "usage": {"output_tokens": 12},
        },
        {"type": "message_stop"},
    ]


def _openai_chunks(
    model: str, number: int, tool: str, arguments: dict[str, Any], has_result: bool
) -> list[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-{number:04d}",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    if has_result:
        chunks = [chunk({"role": "assistant", "content": ANSWER}, None), chunk({}, "stop")]
    else:
        call = {
            "index": 0,
            "id": f"call_{number:04d}",
            "type": "function",
            "function": {"name": tool, "arguments": json.dumps(arguments)},
        }
        chunks = [
            chunk({"role": "assistant", "content": None, "tool_calls": [call]}, None),
            chunk({}, "tool_calls"),
        ]
    usage = {"prompt_tokens": 0, "completion_tokens": 12, "total_tokens": 12}
    chunks.append({**chunk({}, None), "choices": [], "usage": usage})
    return chunks


def _sse(kind: str, events: list[dict[str, Any]]) -> bytes:
    if kind == ANTHROPIC:
        lines = [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events]
    else:
        lines = [f"data: {json.dumps(e)}\n\n" for e in events] + ["data: [DONE]\n\n"]
    return "".join(lines).encode()


def _whole(kind: str, model: str, number: int, events: list[dict[str, Any]]) -> dict[str, Any]:
    """The same answer as one (non-streamed) response."""
    if kind == ANTHROPIC:
        block = dict(events[1]["content_block"])
        delta = events[2]["delta"]
        if block["type"] == "text":
            block["text"] = delta["text"]
        else:
            block["input"] = json.loads(delta["partial_json"])
        message = dict(events[0]["message"])
        message.update(content=[block], stop_reason=events[4]["delta"]["stop_reason"])
        return message
    first = events[0]["choices"][0]
    message = {k: v for k, v in first["delta"].items() if k != "role"}
    for call in message.get("tool_calls") or ():
        call.pop("index", None)
    return {
        "id": f"chatcmpl-{number:04d}",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", **message},
                "finish_reason": events[1]["choices"][0]["finish_reason"],
            }
        ],
        "usage": events[-1]["usage"],
    }


@dataclass(frozen=True)
class PromptCount:
    """Input tokens of one request and how many lead up to its last cache marker."""

    total: int
    cacheable: int
    prefix: str  # the cacheable part, serialized: equal between turns or not cached


def anthropic_pieces(body: dict[str, Any]) -> list[tuple[str, bool]]:
    """The request in Anthropic's cache order (tools, system, messages), each piece
    serialized and whether it carries a ``cache_control`` marker."""
    blocks: list[dict[str, Any]] = [*body.get("tools", [])]
    system = body.get("system", [])
    blocks += [{"type": "text", "text": system}] if isinstance(system, str) else system
    for message in body["messages"]:
        content = message["content"]
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        blocks += [{"role": message["role"], **block} for block in content]
    return [(json.dumps(b, ensure_ascii=False), "cache_control" in b) for b in blocks]


def openai_pieces(body: dict[str, Any]) -> list[tuple[str, bool]]:
    """Tools, then messages; the system message closes the prefix OpenAI caches itself."""
    pieces = [(json.dumps(t, ensure_ascii=False), False) for t in body.get("tools", [])]
    for message in body["messages"]:
        pieces.append((json.dumps(message, ensure_ascii=False), message["role"] == "system"))
    return pieces


def count(pieces: list[tuple[str, bool]], encode: Any) -> PromptCount:
    """Tokens of every piece (``encode``: text → token list), and up to the last marker."""
    total = cacheable = 0
    prefix: list[str] = []
    for index, (text, marked) in enumerate(pieces):
        total += len(encode(text))
        if marked:
            cacheable = total
            prefix = [t for t, _ in pieces[: index + 1]]
    return PromptCount(total, cacheable, "\n".join(prefix))
