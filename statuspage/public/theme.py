"""The page's accent colour as CSS: readable text on it and readable links in both schemes.

The owner picks any #rrggbb. Used as a fill (the header band, buttons) it gets black or white
text, whichever contrasts more: for every colour one of them reaches at least 4.58:1, above
WCAG AA's 4.5:1. Used as text (links) it is mixed towards black (light scheme) or white
(dark scheme) just far enough to reach AA on both the page background and the card surface,
so a yellow accent still gives readable links. The CSS is served as a stylesheet of its own
(`/theme.css`), because the Content-Security-Policy allows no inline <style>.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

AA_TEXT = 4.5
# A little above AA, so rounding to whole 0-255 channels never lands just under it.
TARGET = 4.6
DEFAULT_ACCENT = "#2563eb"
BLACK = "#000000"
WHITE = "#ffffff"
_HEX = re.compile(r"#[0-9a-f]{6}")

# The backgrounds text is read on, per scheme; tests check these equal static/public.css.
SCHEMES: dict[str, dict[str, str]] = {
    "light": {"bg": "#f7f8fa", "surface": "#ffffff"},
    "dark": {"bg": "#0f1216", "surface": "#171b21"},
}


def relative_luminance(color: str) -> float:
    """WCAG 2.1 relative luminance of a #rrggbb colour."""
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours, from 1 to 21."""
    low, high = sorted((relative_luminance(first), relative_luminance(second)))
    return (high + 0.05) / (low + 0.05)


def text_on(fill: str) -> str:
    """Black or white, whichever is more readable on `fill`."""
    return BLACK if contrast(fill, BLACK) >= contrast(fill, WHITE) else WHITE


def mix(color: str, towards: str, share: float) -> str:
    """`color` moved `share` (0-1) of the way to `towards`, per sRGB channel."""
    out = []
    for i in (1, 3, 5):
        a, b = int(color[i:i + 2], 16), int(towards[i:i + 2], 16)
        out.append(round(a + (b - a) * share))
    return "#" + "".join(f"{c:02x}" for c in out)


def readable_on(color: str, backgrounds: list[str], towards: str) -> str:
    """The least change of `color` towards `towards` that reads at TARGET on every background."""
    for step in range(101):
        candidate = mix(color, towards, step / 100)
        if all(contrast(candidate, bg) >= TARGET for bg in backgrounds):
            return candidate
    return towards


@dataclass(frozen=True)
class Theme:
    accent: str
    on_accent: str
    link_light: str
    link_dark: str

    def css(self) -> str:
        return (
            "/* Generated from the page settings (statuspage/public/theme.py). */\n"
            f":root {{ --accent: {self.accent}; --on-accent: {self.on_accent}; "
            f"--accent-text: {self.link_light}; }}\n"
            "@media (prefers-color-scheme: dark) {\n"
            f"  :root {{ --accent-text: {self.link_dark}; }}\n"
            "}\n"
        )


@lru_cache(maxsize=64)
def theme_for(accent: str) -> Theme:
    """The theme of an accent colour; anything but #rrggbb falls back to the default."""
    color = (accent or "").strip().lower()
    if not _HEX.fullmatch(color):
        color = DEFAULT_ACCENT
    light = list(SCHEMES["light"].values())
    dark = list(SCHEMES["dark"].values())
    return Theme(
        accent=color,
        on_accent=text_on(color),
        link_light=readable_on(color, light, BLACK),
        link_dark=readable_on(color, dark, WHITE),
    )
