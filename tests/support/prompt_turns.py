"""Two turns of a simple search through the real app, recorded at the provider's door.

``two_turns`` builds the application as ``bootstrap.build_app`` does (every skill, the
agent of ``core/agent.py``, the model settings of ``core/model_choice.py``) against the
movies fixture servers, gives its model registry a pydantic-ai provider whose HTTP
client is a ``CapturedProvider``, and types the turns into a terminal chat. Shared by
``bench/prompt_tokens.py`` (P6) and ``tests/core/test_prompt_cache.py``.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from concierge.bootstrap import App, build_app
from concierge.frontends.console.chat import ConsoleChat
from tests.skills.movies.harness import movies_settings
from tests.support.fixture_server import FixtureServer
from tests.support.movie_fixtures import movie_routes
from tests.support.provider_capture import ANTHROPIC, OPENAI, CapturedProvider

TURNS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("find Dune in 4K", {"title": "Dune", "quality": "2160p"}),
    ("and in 1080p?", {"title": "Dune", "quality": "1080p"}),
)
MODELS = {ANTHROPIC: "claude-sonnet-4-6", OPENAI: "gpt-4.1-mini"}


async def two_turns(kind: str) -> list[list[dict[str, Any]]]:
    """The JSON of each request of each turn, as the provider received it."""
    with FixtureServer(movie_routes()) as server, tempfile.TemporaryDirectory() as tmp:
        key = SecretStr("sk-test")
        extra = {"anthropic_api_key": key} if kind == ANTHROPIC else {"openai_api_key": key}
        app = await build_app(movies_settings(server, Path(tmp), llm_provider=kind, **extra))
        capture = CapturedProvider(kind, MODELS[kind], "search_torrents", {})
        try:
            _install(app, kind, capture)
            chat = ConsoleChat(app.dispatcher, Path(tmp) / "files", stdout=io.StringIO())
            turns: list[list[dict[str, Any]]] = []
            for text, arguments in TURNS:
                capture.arguments = arguments
                before = len(capture.requests)
                await chat.handle_line(text)
                turns.append(capture.requests[before:])
            return turns
        finally:
            await app.close()


def _install(app: App, kind: str, capture: CapturedProvider) -> None:
    """The app's own model registry, with a provider that talks to the capture."""
    languages = app.dispatcher.agent.models.models  # type: ignore[union-attr,attr-defined]
    if kind == ANTHROPIC:
        from pydantic_ai.providers.anthropic import AnthropicProvider

        provider: Any = AnthropicProvider(api_key="sk-test", http_client=capture.client())
    else:
        from pydantic_ai.providers.openai import OpenAIProvider

        provider = OpenAIProvider(api_key="sk-test", http_client=capture.client())
    languages._providers[kind] = provider
