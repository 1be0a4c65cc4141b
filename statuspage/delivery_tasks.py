"""Huey tasks (being written)."""

from __future__ import annotations
