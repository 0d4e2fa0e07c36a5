"""Fixtures shared with the skills' own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from concierge.skills.downloads.service import ClientPolicy
from concierge.storage.credentials import CredentialStore
from concierge.storage.db import Database
from concierge.storage.secrets import SecretBox, generate_key
from tests.skills.downloads.support import Downloads, Inbox, build


@pytest.fixture
async def downloads(sqlite_db: Database) -> AsyncIterator[Downloads]:
    credentials = CredentialStore(sqlite_db, SecretBox([generate_key()]))
    yield build(sqlite_db, credentials, Inbox(), ClientPolicy())
