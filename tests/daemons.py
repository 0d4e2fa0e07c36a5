"""Real torrent daemons on free loopback ports, each with its own temporary configuration.

Every daemon is configured to stay on loopback: no DHT, local peer discovery, peer
exchange, UPnP/NAT-PMP or release checks, so a test run sends nothing off the machine.
A system-wide service (Debian starts transmission-daemon on install) is never touched:
each instance gets its own config directory, RPC port and peer port.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx
import torf

from concierge.adapters.deluge import DelugeClient
from concierge.adapters.qbittorrent import QBittorrentClient
from concierge.adapters.transmission import TransmissionClient
from concierge.skills.downloads.ports import TorrentClient

Kind = Literal["transmission", "qbittorrent", "deluge"]
KINDS: tuple[Kind, ...] = ("transmission", "qbittorrent", "deluge")

BINARIES: dict[Kind, tuple[str, ...]] = {
    "transmission": ("transmission-daemon",),
    "qbittorrent": ("qbittorrent-nox",),
    "deluge": ("deluged", "deluge-web"),
}
START_TIMEOUT = 30.0


@dataclass
class RunningDaemon:
    """One started daemon: where its API listens and how to log in."""

    kind: Kind
    base_url: str  # what the adapter is built with
    username: str
    password: str
    download_dir: Path
    root: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def stop(self) -> None:
        for proc in reversed(self.processes):
            _terminate(proc)
        self.processes.clear()


def missing_reason(kind: Kind) -> str | None:
    """Why this daemon can't run here, or None when it can."""
    absent = [b for b in BINARIES[kind] if shutil.which(b) is None]
    if absent:
        return (
            f"{', '.join(absent)} not installed (run scripts/install-test-daemons.sh as root "
            "on Debian/Ubuntu to install it)"
        )
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(kind: Kind, root: Path) -> RunningDaemon:
    starters: dict[Kind, Callable[[Path], RunningDaemon]] = {
        "transmission": start_transmission,
        "qbittorrent": start_qbittorrent,
        "deluge": start_deluge,
    }
    root.mkdir(parents=True, exist_ok=True)
    return starters[kind](root)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _spawn(args: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("ab")
    env = {**os.environ, "HOME": str(log_path.parent), "LANG": "C.UTF-8"}
    try:
        return subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
    finally:
        log.close()


def _wait_until(
    ready: Callable[[], bool], procs: list[subprocess.Popen[bytes]], what: str, log: Path
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{what} exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}"
                )
        if ready():
            return
        time.sleep(0.2)
    for proc in procs:
        _terminate(proc)
    raise RuntimeError(f"{what} did not come up in {START_TIMEOUT}s: {log.read_text()[-2000:]}")


def _http_answers(url: str, method: str = "GET", **kwargs: object) -> bool:
    try:
        httpx.request(method, url, timeout=1.0, **kwargs)  # type: ignore[arg-type]
    except httpx.HTTPError:
        return False
    return True


# --- transmission ------------------------------------------------------------------


def start_transmission(root: Path) -> RunningDaemon:
    config, downloads = root / "config", root / "downloads"
    config.mkdir(exist_ok=True)
    downloads.mkdir(exist_ok=True)
    rpc_port, peer_port = free_port(), free_port()
    username, password = "concierge", secrets.token_hex(8)
    settings = {
        "rpc-enabled": True,
        "rpc-port": rpc_port,
        "rpc-bind-address": "127.0.0.1",
        "rpc-authentication-required": True,
        "rpc-username": username,
        "rpc-password": password,  # plain text; the daemon hashes it on start
        "rpc-whitelist-enabled": True,
        "rpc-whitelist": "127.0.0.1",
        "rpc-host-whitelist-enabled": False,
        "download-dir": str(downloads),
        "incomplete-dir-enabled": False,
        "watch-dir-enabled": False,
        "peer-port": peer_port,
        "peer-port-random-on-start": False,
        "bind-address-ipv4": "127.0.0.1",
        "bind-address-ipv6": "::1",
        "dht-enabled": False,
        "lpd-enabled": False,
        "pex-enabled": False,
        "utp-enabled": False,
        "port-forwarding-enabled": False,
        "blocklist-enabled": False,
        "start-added-torrents": True,
        "message-level": 1,
    }
    (config / "settings.json").write_text(json.dumps(settings, indent=1))
    log = root / "transmission.log"
    proc = _spawn(
        ["transmission-daemon", "--foreground", "--config-dir", str(config), "--log-error"], log
    )
    url = f"http://127.0.0.1:{rpc_port}/transmission/rpc"
    _wait_until(lambda: _http_answers(url), [proc], "transmission-daemon", log)
    return RunningDaemon("transmission", url, username, password, downloads, root, [proc])


# --- qbittorrent -------------------------------------------------------------------


def qbittorrent_password_hash(password: str) -> str:
    """qBittorrent 4.2+'s stored form: PBKDF2-HMAC-SHA512, 100 000 rounds, 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 100_000)
    return f"@ByteArray({base64.b64encode(salt).decode()}:{base64.b64encode(digest).decode()})"


def start_qbittorrent(root: Path) -> RunningDaemon:
    downloads = root / "downloads"
    downloads.mkdir(exist_ok=True)
    config_dir = root / "profile" / "qBittorrent" / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    web_port, peer_port = free_port(), free_port()
    username, password = "concierge", secrets.token_hex(8)
    conf = f"""[LegalNotice]
Accepted=true

[BitTorrent]
Session\\DHTEnabled=false
Session\\LSDEnabled=false
Session\\PeXEnabled=false
Session\\Port={peer_port}
Session\\Interface=lo
Session\\InterfaceName=lo
Session\\InterfaceAddress=127.0.0.1
Session\\DefaultSavePath={downloads}
Session\\TempPathEnabled=false
Session\\AddTorrentPaused=false
Session\\AnonymousModeEnabled=true

[Network]
PortForwardingEnabled=false

[Preferences]
Connection\\UPnP=false
Downloads\\SavePath={downloads}
General\\Locale=en
WebUI\\Address=127.0.0.1
WebUI\\Port={web_port}
WebUI\\Username={username}
WebUI\\Password_PBKDF2="{qbittorrent_password_hash(password)}"
WebUI\\LocalHostAuth=true
WebUI\\UseUPnP=false
WebUI\\HostHeaderValidation=false
WebUI\\MaxAuthenticationFailCount=1000
"""
    (config_dir / "qBittorrent.conf").write_text(conf)
    log = root / "qbittorrent.log"
    proc = _spawn(
        ["qbittorrent-nox", f"--profile={root / 'profile'}", f"--webui-port={web_port}"], log
    )
    url = f"http://127.0.0.1:{web_port}"
    _wait_until(lambda: _http_answers(f"{url}/api/v2/app/version"), [proc], "qbittorrent-nox", log)
    return RunningDaemon("qbittorrent", url, username, password, downloads, root, [proc])


# --- deluge ------------------------------------------------------------------------


def _deluge_conf(path: Path, file_version: int, body: dict[str, object]) -> None:
    """Deluge's config format: a version header object followed by the settings object."""
    header = json.dumps({"file": file_version, "format": 1}, indent=4)
    path.write_text(header + json.dumps(body, indent=4))


def start_deluge(root: Path) -> RunningDaemon:
    config, downloads = root / "config", root / "downloads"
    config.mkdir(exist_ok=True)
    downloads.mkdir(exist_ok=True)
    daemon_port, web_port = free_port(), free_port()
    peer_port = free_port()
    local_password = secrets.token_hex(12)
    web_password = secrets.token_hex(8)
    (config / "auth").write_text(f"localclient:{local_password}:10\n")
    (config / "auth").chmod(0o600)
    _deluge_conf(
        config / "core.conf",
        1,
        {
            "download_location": str(downloads),
            "move_completed": False,
            "dht": False,
            "lsd": False,
            "upnp": False,
            "natpmp": False,
            "utpex": False,
            "new_release_check": False,
            "send_info": False,
            "random_port": False,
            "listen_ports": [peer_port, peer_port],
            "listen_interface": "127.0.0.1",
            "outgoing_interface": "",
            "allow_remote": False,
            "daemon_port": daemon_port,
            "add_paused": False,
            "enabled_plugins": [],
            "geoip_db_location": "",
        },
    )
    salt = secrets.token_hex(20)
    _deluge_conf(
        config / "web.conf",
        2,
        {
            "port": web_port,
            "interface": "127.0.0.1",
            "https": False,
            "pwd_salt": salt,
            "pwd_sha1": hashlib.sha1((salt + web_password).encode()).hexdigest(),
            "first_login": False,
            "default_daemon": "",
            "session_timeout": 3600,
            "enabled_plugins": [],
            "base": "/",
            "show_session_speed": False,
            "show_sidebar": True,
            "sidebar_show_zero": False,
            "sidebar_multiple_filters": True,
            "theme": "gray",
            "language": "",
            "sessions": {},
        },
    )
    host_id = secrets.token_hex(16)
    _deluge_conf(
        config / "hostlist.conf",
        3,
        {"hosts": [[host_id, "127.0.0.1", daemon_port, "localclient", local_password]]},
    )
    log = root / "deluge.log"
    daemon = _spawn(
        [
            "deluged", "--do-not-daemonize", "--config", str(config), "--port", str(daemon_port),
            "--ui-interface", "127.0.0.1", "--interface", "127.0.0.1", "--loglevel", "warning",
        ],
        log,
    )  # fmt: skip
    _wait_until(lambda: _port_open(daemon_port), [daemon], "deluged", log)
    web = _spawn(
        [
            "deluge-web", "--do-not-daemonize", "--config", str(config), "--port", str(web_port),
            "--interface", "127.0.0.1", "--loglevel", "warning",
        ],
        log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{web_port}"
    _wait_until(lambda: _port_open(web_port), [daemon, web], "deluge-web", log)
    return RunningDaemon("deluge", url, "", web_password, downloads, root, [daemon, web])


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def make_client(daemon: RunningDaemon, *, password: str | None = None) -> TorrentClient:
    """The project's adapter for this daemon (optionally with another password)."""
    secret = daemon.password if password is None else password
    if daemon.kind == "transmission":
        return TransmissionClient(daemon.base_url, daemon.username, secret, timeout=10)
    if daemon.kind == "qbittorrent":
        return QBittorrentClient(daemon.base_url, daemon.username, secret, timeout=10)
    return DelugeClient(daemon.base_url, secret, timeout=10)


def make_payload(directory: Path, name: str, size: int = 256 * 1024) -> Path:
    """A file of random bytes to seed or to ask for."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(secrets.token_bytes(size))
    return path


def make_torrent(path: Path) -> bytes:
    """A trackerless, private .torrent for ``path`` (private: no DHT/PEX even if enabled)."""
    torrent = torf.Torrent(path=path, private=True, created_by=None, creation_date=None)
    torrent.generate()
    return bytes(torrent.dump())


def random_magnet(name: str) -> tuple[str, str]:
    """A trackerless magnet for a torrent nobody has: (magnet, info-hash)."""
    info_hash = secrets.token_hex(20)
    return f"magnet:?xt=urn:btih:{info_hash}&dn={name}", info_hash
