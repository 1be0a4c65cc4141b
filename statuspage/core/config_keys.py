"""SECRET_KEY_FALLBACKS: the former keys a rotated SECRET_KEY still accepts (README, "Rotating
SECRET_KEY"), read at start-up. Each is checked like SECRET_KEY itself and never echoed."""

from __future__ import annotations

from collections.abc import Mapping

from statuspage.core.errors import ConfigError


def secret_key_fallbacks(env: Mapping[str, str]) -> list[str]:
    """SECRET_KEY_FALLBACKS: former keys, comma-separated, newest first (Flask's order)."""
    keys = [key.strip() for key in (env.get("SECRET_KEY_FALLBACKS") or "").split(",")]
    keys = [key for key in keys if key]
    if any(len(key) < 16 for key in keys):
        raise ConfigError("SECRET_KEY_FALLBACKS: each key must be at least 16 characters long")
    return keys
