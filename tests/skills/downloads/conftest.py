"""Fixtures for the downloads skill's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from concierge.bootstrap import App
from concierge.skills.downloads.service import ClientPolicy
from concierge.storage.credentials import CredentialStore
from concierge.storage.db import Database
from concierge.storage.secrets import SecretBox, generate_key
from daemons import RunningDaemon
from tests.skills.downloads.support import Downloads, Inbox, build, client_url
from tests.support.app import running_app


@pytest.fixture
async def downloads(db: Database) -> AsyncIterator[Downloads]:
    """The skill's objects over real storage: SQLite, and Postgres when TEST_DATABASE_URL is set."""
    credentials = CredentialStore(db, SecretBox([generate_key()]))
    yield build(db, credentials, Inbox(), ClientPolicy())


@pytest.fixture
async def app(tmp_path: Path, transmission_daemon: RunningDaemon) -> AsyncIterator[App]:
    """The whole bot as bootstrap builds it, the operator's client being a real Transmission."""
    async with running_app(
        tmp_path, torrent_client_url=client_url(transmission_daemon), access_mode="open"
    ) as built:
        yield built
