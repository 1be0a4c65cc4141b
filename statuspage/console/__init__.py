"""Console blueprint: the authenticated interface for communications staff."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")
