"""The status badge: a flat two-part SVG ("<page name> | <status>") for READMEs and dashboards.

Built as text with every value escaped, so a page name such as `</text><script>` stays text.
No font is fetched: the text is drawn in the viewer's Verdana-like sans-serif and squeezed or
stretched to the width estimated here (`textLength`), so it never overflows its box.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import escape

from statuspage.core.text_rules import xml_safe
from statuspage.public.theme import text_on

HEIGHT = 20
PADDING = 6
MAX_LABEL = 40
LABEL_FILL = "#555555"
# Fills per Statuspage indicator; the text on each is black or white, whichever reads better.
FILLS = {
    "none": "#1a7f37",
    "minor": "#9a6700",
    "major": "#bc4c00",
    "critical": "#cf222e",
    "maintenance": "#0969da",
}
UNKNOWN_FILL = "#6e7781"

# Approximate advance widths (px) of Verdana at 11px, by character class.
_NARROW = set("fijlrt.,:;'!|()[] ")
_WIDE = set("mwMW@%")


@dataclass(frozen=True)
class Badge:
    label: str
    value: str
    indicator: str


def text_width(text: str) -> int:
    """An estimate of `text`'s width in Verdana 11px, in whole pixels."""
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 3.9
        elif char in _WIDE:
            width += 10.5
        elif char.isupper() or char.isdigit():
            width += 7.5
        elif ord(char) > 0x2E7F:  # CJK and other full-width scripts
            width += 11.0
        else:
            width += 6.6
    return round(width)


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    text = " ".join(xml_safe(text).split())  # an SVG is XML: no control characters
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def render(badge: Badge) -> str:
    """The badge as an SVG document."""
    label, value = shorten(badge.label) or "status", shorten(badge.value)
    fill = FILLS.get(badge.indicator, UNKNOWN_FILL)
    label_text, value_text = text_width(label), text_width(value)
    label_box, value_box = label_text + 2 * PADDING, value_text + 2 * PADDING
    total = label_box + value_box
    title = escape(f"{label}: {value}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{HEIGHT}" '
        f'viewBox="0 0 {total} {HEIGHT}" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<clipPath id="r"><rect width="{total}" height="{HEIGHT}" rx="3"/></clipPath>'
        f'<g clip-path="url(#r)">'
        f'<rect width="{label_box}" height="{HEIGHT}" fill="{LABEL_FILL}"/>'
        f'<rect x="{label_box}" width="{value_box}" height="{HEIGHT}" fill="{fill}"/></g>'
        f'<g text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        f'font-size="11">'
        f'<text x="{label_box / 2:g}" y="14" fill="{text_on(LABEL_FILL)}" '
        f'textLength="{label_text}" lengthAdjust="spacingAndGlyphs">{escape(label)}</text>'
        f'<text x="{label_box + value_box / 2:g}" y="14" fill="{text_on(fill)}" '
        f'textLength="{value_text}" lengthAdjust="spacingAndGlyphs">{escape(value)}</text>'
        f"</g></svg>"
    )
