"""Encryption of stored credentials with MultiFernet (newest key first).

Keys come from ``ENCRYPTION_KEY`` (comma-separated, newest first); with none set,
a key file is generated in the data directory with mode 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

import structlog
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = structlog.get_logger(__name__)

KEY_FILE_NAME = "encryption.key"


class SecretsError(RuntimeError):
    """A key is malformed, missing, or does not open a stored secret."""


class SecretBox:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise SecretsError("no encryption key configured")
        fernets: list[Fernet] = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.strip().encode()))
            except (ValueError, TypeError) as exc:
                raise SecretsError(
                    f"ENCRYPTION_KEY entry {position} is not a valid Fernet key "
                    "(44 url-safe base64 characters; make one with `concierge keys generate`)"
                ) from exc
        self._fernet = MultiFernet(fernets)
        self.key_count = len(fernets)

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise SecretsError(
                "a stored secret cannot be decrypted with the configured ENCRYPTION_KEY; "
                "was the key replaced instead of rotated? Put the old key after the new one."
            ) from exc

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt under the newest key."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise SecretsError("a stored secret matches none of the configured keys") from exc


def generate_key() -> str:
    return Fernet.generate_key().decode()


def load_keys(configured: str | None, data_dir: Path) -> list[str]:
    """Configured keys, else the data directory's key file (created on first use)."""
    if configured and configured.strip():
        return [k.strip() for k in configured.split(",") if k.strip()]
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_key() + "\n")
        log.info("encryption_key_generated", path=str(path))
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise SecretsError(f"key file {path} is readable by others (mode {mode:o}); chmod 600 it")
    return [k.strip() for k in path.read_text().split(",") if k.strip()]
