"""The zero-config key file and what a wrong key looks like to the operator."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import structlog

from concierge.storage.secrets import KEY_FILE_NAME, SecretBox, SecretsError, load_keys


def test_zero_config_key_file_is_private_and_announced_once(tmp_path: Path) -> None:
    with structlog.testing.capture_logs() as logs:
        first = load_keys(None, tmp_path)
        second = load_keys(None, tmp_path)
    assert first == second and len(first) == 1
    mode = stat.S_IMODE((tmp_path / KEY_FILE_NAME).stat().st_mode)
    assert mode == 0o600
    announced = [e for e in logs if e["event"] == "encryption_key_generated"]
    assert len(announced) == 1 and announced[0]["path"] == str(tmp_path / KEY_FILE_NAME)
    assert first[0] not in str(logs)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    load_keys(None, tmp_path)
    (tmp_path / KEY_FILE_NAME).chmod(0o644)
    with pytest.raises(SecretsError, match="readable by others"):
        load_keys(None, tmp_path)


def test_configured_keys_win_and_a_wrong_key_is_named_not_garbage(tmp_path: Path) -> None:
    old = load_keys(None, tmp_path)
    token = SecretBox(old).encrypt("hunter2")
    other = SecretBox(load_keys(None, tmp_path / "elsewhere"))
    with pytest.raises(
        SecretsError, match="cannot be decrypted with the configured ENCRYPTION_KEY"
    ):
        other.decrypt(token)
    assert not (tmp_path / "configured").exists()
    assert load_keys(" a , b ", tmp_path / "configured") == ["a", "b"]
    with pytest.raises(SecretsError, match="entry 2 is not a valid Fernet key"):
        SecretBox([old[0], "nope"])
