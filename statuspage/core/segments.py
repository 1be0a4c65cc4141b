"""SMS encoding and segment counting (GSM 03.38), so we know what a text will cost.

An SMS is billed per segment. A text made only of GSM-7 characters fits 160 characters in one
segment, or 153 per segment once it has to be split (the rest of each segment carries the
concatenation header). A single character outside GSM-7 switches the WHOLE message to UCS-2:
70 characters in one segment, 67 per segment when split. Characters of the GSM-7 extension
table (^ { } \\ [ ~ ] | € and form feed) take two septets (an escape plus the character), and
characters outside the Basic Multilingual Plane (most emoji) take two UCS-2 units. A split never
separates those pairs, which is why the counts below pack segments one character at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7, UCS2 = "GSM-7", "UCS-2"
# (characters in a single segment, characters per segment of a split message)
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}

# Look-alikes that editors and phones insert on their own. Each one is outside GSM-7, so a
# single curly quote or non-breaking space pasted into an update would silently turn the whole
# text into UCS-2: 70 instead of 160 characters per segment, so two or three times the cost
# for every subscriber, for a character nobody can tell apart from its plain version.
LOOKALIKES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u0060": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2004": " ", "\u2005": " ", "\u2006": " ",
    "\u2007": " ", "\u2008": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u205f": " ",
    "\u3000": " ", "\t": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": "",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-",
    "\u2026": "...", "\u2022": "-", "\u00b7": "-",
}
# The one character that stands for "text was cut here" and costs one septet per dot.
ELLIPSIS = "..."


def is_gsm7(text: str) -> bool:
    """Whether every character of `text` can be sent in GSM-7 (basic or extension table)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def encoding(text: str) -> str:
    """GSM-7 when every character allows it, otherwise UCS-2."""
    return GSM7 if is_gsm7(text) else UCS2


def _units(ch: str, enc: str) -> int:
    if enc == GSM7:
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def length(text: str) -> int:
    """Length in the units segments are counted in (septets for GSM-7, UTF-16 for UCS-2)."""
    enc = encoding(text)
    return sum(_units(ch, enc) for ch in text)


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str
    length: int
    segments: int


def analyse(text: str) -> SegmentInfo:
    """The encoding, length in units and number of segments of `text`."""
    enc = encoding(text)
    single, per_part = LIMITS[enc]
    total = sum(_units(ch, enc) for ch in text)
    if total <= single:
        return SegmentInfo(enc, total, 1)
    segments, used = 1, 0
    for ch in text:
        units = _units(ch, enc)
        if used + units > per_part:  # a pair never straddles two segments
            segments, used = segments + 1, 0
        used += units
    return SegmentInfo(enc, total, segments)


def segment_count(text: str) -> int:
    """How many segments `text` is billed as (an empty text is still one message)."""
    return analyse(text).segments


def gsm7_friendly(text: str) -> str:
    """`text` with typographic look-alikes replaced by their GSM-7 equivalents.

    Only punctuation and spacing change; letters are left alone (å, é and ü are GSM-7 already,
    and replacing other letters would change what the text says).
    """
    return "".join(LOOKALIKES.get(ch, ch) for ch in text).replace("\r\n", "\n")


def truncate(text: str, units: int, enc: str) -> str:
    """The longest prefix of `text` within `units` (in `enc` units), cut at a word boundary
    when one is near, with ELLIPSIS appended when anything was cut."""
    total = sum(_units(ch, enc) for ch in text)
    if total <= units:
        return text
    budget = units - len(ELLIPSIS)
    if budget <= 0:
        return ""
    kept, used = [], 0
    for ch in text:
        cost = _units(ch, enc)
        if used + cost > budget:
            break
        kept.append(ch)
        used += cost
    prefix = "".join(kept)
    space = prefix.rfind(" ")
    # Cut at the last space unless that would throw away more than a fifth of the room.
    if space >= len(prefix) * 4 // 5:
        prefix = prefix[:space]
    return prefix.rstrip() + ELLIPSIS
