"""Session-scoped fixtures that run the real torrent daemons (see ``daemons.py``).

Included from tests/conftest.py. Where a daemon isn't installed the tests that need
it skip with the reason, except under CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemons import KINDS, Kind, RunningDaemon, missing_reason, start


def _run(kind: Kind, root: Path) -> Iterator[RunningDaemon]:
    reason = missing_reason(kind)
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must not skip the {kind} daemon tests: {reason}")
        pytest.skip(reason)
    daemon = start(kind, root)
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="session", params=KINDS)
def torrent_daemon(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningDaemon]:
    """Each of Transmission, qBittorrent and Deluge in turn, one running at a time."""
    kind: Kind = request.param
    yield from _run(kind, tmp_path_factory.mktemp(f"daemon-{kind}"))


@pytest.fixture(scope="session")
def transmission_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDaemon]:
    yield from _run("transmission", tmp_path_factory.mktemp("transmission-e2e"))
