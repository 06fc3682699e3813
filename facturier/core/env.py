"""Tiny typed readers for settings from the environment: they reject bad values instead of guessing."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(Exception):
    """A setting from the environment has a value we cannot use."""


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r}: expected true/false")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a whole number") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}={raw!r}: must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_secret(name: str, *, keep_file: Path | None = None) -> str:
    """NAME, or the contents of the file NAME_FILE names, or (embedded default) a key kept in keep_file."""
    value = os.environ.get(name)
    if value:
        return value
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    if keep_file is None:
        raise ConfigError(f"{name} is not set")
    if keep_file.exists():
        return keep_file.read_text().strip()
    keep_file.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    # Written with mode 0600: the key signs sessions and must not be world-readable.
    fd = os.open(keep_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value
