"""The built-in offline model: short requests → tool calls, no network, no weights.

A pydantic-ai ``FunctionModel`` that matches the user's message against the
skills' ``Intent`` grammar. On a match it calls the tool; once the tool has
answered it confirms briefly. Anything else gets an honest answer: there is no
language model here, this is what works offline, and how to configure one.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel

from concierge.core.i18n import Catalog
from concierge.core.skill import Intent

MODEL_NAME = "offline"
MAX_EXAMPLES = 4
MAX_SUMMARY_CHARS = 800
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_TRAILING = re.compile(r"[\s.!?…]+$")
_parser: Any = importlib.import_module("re._parser")  # the stdlib's regex parser
_c: Any = importlib.import_module("re._constants")


def reply_language(text: str, default: str) -> str:
    """Russian when the message is written in Cyrillic, else the user's language."""
    return "ru" if _CYRILLIC.search(text) else default


@dataclass(frozen=True, slots=True)
class IntentMatch:
    tool: str
    args: dict[str, Any]


class IntentGrammar:
    """All registered intents, matched in registration order; the first match wins."""

    def __init__(self, intents: Sequence[Intent]) -> None:
        self.intents = list(intents)

    def match(self, text: str, tools: set[str]) -> IntentMatch | None:
        cleaned = _TRAILING.sub("", " ".join(text.split()))
        for intent in self.intents:
            if intent.tool not in tools:
                continue
            for pattern in intent.patterns:
                found = re.fullmatch(pattern.pattern, cleaned, pattern.flags | re.IGNORECASE)
                if found is None:
                    continue
                groups = {k: v.strip() for k, v in found.groupdict().items() if v is not None}
                return IntentMatch(intent.tool, intent.build(groups))
        return None

    def examples(self, lang: str, tools: set[str], limit: int = MAX_EXAMPLES) -> list[str]:
        """Phrases rendered from the patterns, one per tool, in the reply's language first."""
        found: list[tuple[bool, str]] = []
        seen_tools: set[str] = set()
        for intent in self.intents:
            if intent.tool not in tools or intent.tool in seen_tools:
                continue
            rendered = [p for p in (example_phrase(x) for x in intent.patterns) if p]
            same = [p for p in rendered if bool(_CYRILLIC.search(p)) == (lang == "ru")]
            if rendered:
                seen_tools.add(intent.tool)
                found.append((bool(same), (same or rendered)[0]))
        found.sort(key=lambda item: not item[0])  # stable: phrases in the reply's language first
        return [phrase for _, phrase in found[:limit]]


@functools.lru_cache(maxsize=512)
def example_phrase(pattern: re.Pattern[str]) -> str | None:
    """A sample sentence matching ``pattern``; named groups become "…".

    Cached: parsing the patterns cost ~3 ms on every fallback answer.
    """
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except re.error:
        return None
    text = " ".join(_render(parsed).split())
    return text or None


def _render(items: Any) -> str:
    out: list[str] = []
    for op, arg in items:
        if op is _c.LITERAL:
            out.append(chr(arg))
        elif op is _c.IN:
            out.append(_render_class(arg))
        elif op is _c.ANY:
            out.append("x")
        elif op is _c.BRANCH:
            out.append(_render(arg[1][0]))
        elif op is _c.SUBPATTERN:
            group, _add, _del, sub = arg
            names = {v: k for k, v in pattern_groups(items).items()}
            out.append("…" if group is not None and group in names else _render(sub))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            low, _high, sub = arg
            out.append(_render(sub) * low if low else "")
        elif op is _c.ATOMIC_GROUP:
            out.append(_render(arg))
    return "".join(out)


def pattern_groups(items: Any) -> dict[str, int]:
    state = getattr(items, "state", None)
    return dict(getattr(state, "groupdict", {}) or {})


def _render_class(members: Any) -> str:
    for op, arg in members:
        if op is _c.LITERAL:
            return str(chr(arg))
        if op is _c.CATEGORY:
            return " " if arg is _c.CATEGORY_SPACE else "1" if arg is _c.CATEGORY_DIGIT else "x"
        if op is _c.RANGE:
            return str(chr(arg[0]))
    return "x"


class OfflineResponder:
    """The ``FunctionModel`` functions for one run (one user, one language)."""

    def __init__(
        self, grammar: IntentGrammar, catalog: Catalog, lang: str, *, providers_configured: bool
    ) -> None:
        self.grammar = grammar
        self.catalog = catalog
        self.lang = lang
        self.providers_configured = providers_configured

    def respond(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[self._next(messages, info)], model_name=MODEL_NAME)

    async def stream(
        self, messages: list[ModelMessage], info: AgentInfo
    ) -> AsyncIterator[str | DeltaToolCalls]:
        part = self._next(messages, info)
        if isinstance(part, ToolCallPart):
            yield {
                0: DeltaToolCall(
                    name=part.tool_name,
                    json_args=part.args_as_json_str(),
                    tool_call_id=part.tool_call_id,
                )
            }
            return
        for line in stream_lines(part.content):
            yield line

    def _next(self, messages: list[ModelMessage], info: AgentInfo) -> TextPart | ToolCallPart:
        last = messages[-1] if messages else None
        prompt = _last_prompt(messages)
        lang = reply_language(prompt, self.lang)
        if isinstance(last, ModelRequest):
            returns = [p for p in last.parts if isinstance(p, ToolReturnPart)]
            if returns:
                return TextPart(self._summary(returns, lang))
        tools = {tool.name for tool in info.function_tools}
        found = self.grammar.match(prompt, tools)
        if found is not None:
            call_id = f"offline-{len(messages)}"
            return ToolCallPart(found.tool, json.dumps(found.args), tool_call_id=call_id)
        return TextPart(self._no_model(lang, tools))

    def answer_without_tools(self, prompt: str, tools: set[str]) -> str | None:
        """What the model would answer ``prompt`` as a first turn when no intent matches.

        None when an intent matches: that turn calls a tool, so it goes through the
        agent run like any model's tool call (same toolset, same access checks).
        """
        if self.grammar.match(prompt, tools) is not None:
            return None
        return self._no_model(reply_language(prompt, self.lang), tools)

    def _summary(self, returns: list[ToolReturnPart], lang: str) -> str:
        texts: list[str] = []
        for part in returns:
            if part.outcome == "retried":
                texts.append(self.catalog.t("agent.offline.not_understood", lang))
            elif part.outcome != "success":
                reason = part.model_response_str(wrap_if_error=False)[:MAX_SUMMARY_CHARS]
                texts.append(self.catalog.t("agent.offline.tool_failed", lang, reason=reason))
            else:
                # a tool's return value is written for a language model (and in English);
                # what the user should see, the tool already sent through the outbox
                texts.append(self.catalog.t("agent.offline.done", lang))
        return "\n\n".join(texts)

    def _no_model(self, lang: str, tools: set[str]) -> str:
        key = "agent.offline.chosen" if self.providers_configured else "agent.offline.no_model"
        lines = [self.catalog.t(key, lang)]
        examples = self.grammar.examples(lang, tools)
        if examples:
            lines.append(self.catalog.t("agent.offline.examples", lang))
            lines.extend(f"• {example}" for example in examples)
        lines.append(self.catalog.t("agent.offline.commands", lang))
        if not self.providers_configured:
            lines.append(self.catalog.t("agent.offline.configure", lang))
        return "\n".join(lines)


def stream_lines(text: str) -> list[str]:
    """The deltas of an answer that exists already: by line, not by word (each delta
    costs a trip through the event machinery and the front-end's edits)."""
    return re.findall(r"[^\n]*\n|[^\n]+", text)


def _last_prompt(messages: list[ModelMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, ModelRequest):
            for part in reversed(message.parts):
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    return part.content
    return ""


def build_offline_model(
    intents: Sequence[Intent], catalog: Catalog, lang: str, *, providers_configured: bool = False
) -> FunctionModel:
    """The offline model for one run, replying in ``lang`` unless the user writes Cyrillic."""
    responder = OfflineResponder(
        IntentGrammar(intents), catalog, lang, providers_configured=providers_configured
    )
    return offline_model_of(responder)


def offline_model_of(responder: OfflineResponder) -> FunctionModel:
    """``responder`` as a pydantic-ai model (the agent runs it like any provider's)."""
    return FunctionModel(responder.respond, stream_function=responder.stream, model_name=MODEL_NAME)
