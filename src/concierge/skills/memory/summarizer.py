"""Block compaction by a language model, when one is configured (pydantic-ai)."""

from __future__ import annotations

from pydantic_ai import Agent
from pydantic_ai.models import Model

from concierge.core.model_choice import OFFLINE, LanguageModels, LLMSettings

PROMPT = (
    "You compact a user's long-term memory block for a media assistant. Rewrite the "
    "entries as short lines, keeping every durable preference and fact, merging "
    "duplicates, dropping what is stale. Answer with the block text only, at most "
    "{limit} characters."
)


class ModelSummarizer:
    """``Summarizer`` over any pydantic-ai model; the call has its own timeout."""

    def __init__(self, model: Model, timeout: float = 30.0) -> None:
        self._model = model
        self._timeout = timeout

    async def summarize(self, block: str, text: str, limit: int) -> str:
        agent: Agent[None, str] = Agent(
            self._model, output_type=str, instructions=PROMPT.format(limit=limit)
        )
        result = await agent.run(f"Block {block!r}:\n{text}", timeout=self._timeout)
        return result.output


def model_summarizer(llm: LLMSettings) -> ModelSummarizer | None:
    """The operator's default model as the summariser; None with only the offline model."""
    models = LanguageModels(llm)
    choice = models.default
    if choice.provider == OFFLINE:
        return None
    return ModelSummarizer(models.build(choice, "off"), timeout=llm.request_timeout)
