"""Info-hashes, magnets and .torrent bytes: the one key trackers and clients agree on."""

from __future__ import annotations

from pathlib import Path

import pytest

from concierge.core.torrents import (
    MAX_TORRENT_BYTES,
    PUBLIC_TRACKERS,
    InvalidTorrent,
    build_magnet,
    hash_from_magnet,
    looks_like_torrent,
    normalize_hash,
    parse_magnet,
    parse_torrent,
)
from daemons import make_payload, make_torrent

HEX = "c9e15763f722f23e98a29decdfae341b98d53056"
BASE32 = "ZHQVOY7XELZD5GFCTXWN7LRUDOMNKMCW"  # the same hash, as some trackers write it


@pytest.mark.parametrize("written", [HEX, HEX.upper(), f"  {HEX}\n", BASE32, BASE32.lower()])
def test_every_spelling_of_a_hash_is_the_same_key(written: str) -> None:
    assert normalize_hash(written) == HEX


@pytest.mark.parametrize("written", [None, "", "0" * 40, HEX[:-1], HEX + "0", "x" * 40, "1" * 32])
def test_what_is_no_hash_reads_as_none(written: str | None) -> None:
    assert normalize_hash(written) is None


def test_a_built_magnet_reads_back_with_its_name_and_trackers() -> None:
    magnet = build_magnet(HEX, "Dune Part Two (2024) 1080p")
    identity = parse_magnet(magnet)
    assert identity.info_hash == HEX
    assert identity.name == "Dune Part Two (2024) 1080p"
    assert magnet.count("&tr=") == len(PUBLIC_TRACKERS)
    assert hash_from_magnet(magnet) == HEX


def test_a_magnet_without_a_name_is_called_by_its_hash() -> None:
    assert parse_magnet(f"magnet:?xt=urn:btih:{BASE32}").name == HEX


def test_tracker_magnet_text_yields_its_hash_even_html_escaped() -> None:
    assert hash_from_magnet(f"magnet:?xt=urn:btih:{HEX.upper()}&amp;dn=x") == HEX
    assert hash_from_magnet("https://tracker.example/no-magnet-here") is None
    assert hash_from_magnet(None) is None


@pytest.mark.parametrize(
    "link",
    [
        f"http://example.com/?xt=urn:btih:{HEX}",  # not a magnet
        "magnet:?dn=no-hash",
        "magnet:?xt=urn:btih:nothex",
        f"magnet:?xt=urn:btih:{'0' * 40}",  # apibay's "no result" is nothing a client can fetch
    ],
)
def test_a_client_refuses_a_link_without_a_usable_hash(link: str) -> None:
    with pytest.raises(InvalidTorrent):
        parse_magnet(link)


def test_torrent_bytes_give_the_hash_a_client_reports(tmp_path: Path) -> None:
    data = make_torrent(make_payload(tmp_path, "Some.Film.2024.1080p.mkv", size=64 * 1024))
    identity = parse_torrent(data)
    assert identity.name == "Some.Film.2024.1080p.mkv"
    assert normalize_hash(identity.info_hash) == identity.info_hash
    assert looks_like_torrent(data)


@pytest.mark.parametrize("data", [b"", b"<html>login</html>", b"d" + b"x" * MAX_TORRENT_BYTES])
def test_what_is_not_a_torrent_file_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidTorrent):
        parse_torrent(data)
    assert not looks_like_torrent(data)
