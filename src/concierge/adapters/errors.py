"""How a call to another service fails, in types adapters raise and skills catch.

Each error names its ``source`` (the adapter) and a short ``kind`` that skills
show or count ("timeout", "blocked"…); the HTTP client (http.py) maps
transport failures and status codes onto them.
"""

from __future__ import annotations

import re


class ExternalServiceError(Exception):
    """A call to another service failed; ``source`` names the adapter."""

    kind = "error"

    def __init__(self, source: str, detail: str = "", *, status: int | None = None) -> None:
        self.source = source
        self.detail = detail
        self.status = status
        super().__init__(f"{source}: {self.kind}" + (f" ({detail})" if detail else ""))


class SourceTimeout(ExternalServiceError):
    kind = "timeout"


class SourceUnavailable(ExternalServiceError):
    """Connection refused/reset, or a 5xx answer."""

    kind = "unavailable"


class RateLimited(ExternalServiceError):
    kind = "rate_limited"

    def __init__(self, source: str, detail: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(source, detail, status=429)
        self.retry_after = retry_after


class AuthFailed(ExternalServiceError):
    """Bad or missing credentials (401/403, or the service's own words)."""

    kind = "auth_failed"


class NotFound(ExternalServiceError):
    kind = "not_found"


class BadResponse(ExternalServiceError):
    """The answer is not what the service documents (malformed JSON, wrong shape)."""

    kind = "bad_response"


class ResponseTooLarge(BadResponse):
    """The answer is bigger than the client accepts (an endless or hostile body)."""


class Blocked(ExternalServiceError):
    """A provider or network block page instead of the service."""

    kind = "blocked"


class CaptchaRequired(ExternalServiceError):
    kind = "captcha"


_BLOCK_PAGE = re.compile(
    r"доступ\s+(?:к\s+\S+\s+)*(?:ресурсу\s+)?ограничен|заблокирован|access\s+denied|"
    r"has\s+been\s+blocked|blocked\s+by",
    re.I,
)


def looks_blocked(page: str) -> bool:
    """A provider's or regulator's block page ("Доступ к ресурсу ограничен")."""
    return _BLOCK_PAGE.search(page[:20000]) is not None
