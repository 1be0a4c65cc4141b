"""Public views (being written)."""

from __future__ import annotations

from statuspage.public import bp  # noqa: F401
