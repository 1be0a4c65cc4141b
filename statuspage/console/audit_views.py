"""Console views (being written)."""

from __future__ import annotations

from statuspage.console import bp  # noqa: F401
