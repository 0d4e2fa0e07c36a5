"""Each failure of a downloads action is explained in words that fit it, in both languages."""

from __future__ import annotations

import pytest

from concierge.core.i18n import Catalog
from concierge.skills.downloads.failures import CLIENT_SETUP, CONTROL, SEND, Failures
from concierge.skills.downloads.ports import (
    ClientAuthError,
    ClientConnectionError,
    ClientRejected,
    TorrentNotFound,
)
from concierge.skills.downloads.service import DownloadNotFound


def test_a_refused_pause_is_not_reported_as_a_login_failure() -> None:
    assert (
        CONTROL.key(ClientRejected("qBittorrent answered HTTP 409")) == "downloads.control.failed"
    )
    assert CONTROL.key(ClientAuthError("refused")) == "downloads.send.failed_auth"
    assert CONTROL.key(ClientConnectionError("down")) == "downloads.send.failed_connection"


def test_a_download_gone_from_the_list_or_the_client_reads_the_same() -> None:
    assert CONTROL.key(DownloadNotFound()) == CONTROL.key(TorrentNotFound("gone"))


@pytest.mark.parametrize("flow", [SEND, CONTROL, CLIENT_SETUP], ids=["send", "control", "setup"])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_failure_has_a_message(flow: Failures, lang: str) -> None:
    catalog = Catalog.load()
    for _, key in flow.keys:
        text = catalog.t(key, lang, reason="timeout", kind="Deluge")
        assert text != key and "{" not in text, key
