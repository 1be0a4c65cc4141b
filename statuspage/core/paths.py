"""Where the checkout's folders are: templates, static files, translations, migrations."""

from __future__ import annotations

from pathlib import Path

# The checkout (or the installed tree): statuspage/core/paths.py -> three levels up.
ROOT = Path(__file__).resolve().parent.parent.parent
