"""The suite's own guarantees: no network, no real language model."""

from __future__ import annotations

import socket

import pydantic_ai.models
import pytest

from tests.conftest import NetworkBlocked


def test_sockets_cannot_leave_the_machine() -> None:
    with socket.socket() as s, pytest.raises(NetworkBlocked):
        s.connect(("1.1.1.1", 443))
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("api.telegram.org", 443)


def test_loopback_is_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())


def test_real_model_requests_are_refused() -> None:
    assert pydantic_ai.models.ALLOW_MODEL_REQUESTS is False
