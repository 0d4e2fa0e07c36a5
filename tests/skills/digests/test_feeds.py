"""RSS 2.0 and Atom feeds read into headlines; the URL guard runs before any request."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from concierge.adapters.errors import BadResponse
from concierge.adapters.http import HttpFactory
from concierge.adapters.rss_feeds import RssFeeds, parse_feed
from concierge.core.urlguard import Refusal, UnsafeURL
from tests.skills.digests.fixtures import ATOM_XML, NEWS, NEWS_XML
from tests.support.fixture_server import FixtureServer


def test_rss_items_keep_title_link_date_and_the_feed_title() -> None:
    items = parse_feed(NEWS_XML.encode(), "https://news.example/rss")
    assert [i.title for i in items][:2] == [
        "Denis Villeneuve confirms a new sci-fi project",
        "Box office: a quiet weekend & a surprise",
    ]
    assert items[0].link == "https://news.example/villeneuve"
    assert items[0].published == datetime(2026, 3, 7, 6, 0, tzinfo=UTC)
    assert {i.source for i in items} == {"Screen Daily Wire"}
    assert len({i.guid for i in items}) == len(items)


def test_atom_entries_are_read_too() -> None:
    (entry,) = parse_feed(ATOM_XML.encode(), "https://fest.example/atom")
    assert entry.title == "Festival line-up [leaked](https://evil.example)"
    assert entry.link == "https://fest.example/line-up"
    assert entry.source == "Festival Notes"


def test_a_page_that_is_not_a_feed_is_a_typed_error() -> None:
    with pytest.raises(BadResponse):
        parse_feed(b"<html><body>blocked", "https://news.example/rss")


async def test_the_guard_refuses_before_any_request() -> None:
    http = HttpFactory(None)
    with FixtureServer() as server:
        strict = RssFeeds(http)  # loopback is private: refused without the operator's flag
        with pytest.raises(UnsafeURL) as refused:
            await strict.headlines(server.url + NEWS)
        assert refused.value.refusal is Refusal.PRIVATE
        with pytest.raises(UnsafeURL):
            await RssFeeds(http, allow_private=True).headlines("http://169.254.169.254/feed")
        assert server.hits == []
    await http.aclose()
