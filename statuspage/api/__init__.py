"""HTTP APIs: v2 (public, Statuspage-compatible)."""
