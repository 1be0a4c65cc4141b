"""Fitting a message to an SMS budget: shorten the title first, then cut the body, by words.

Each segment is billed for every subscriber, so a text is built to a budget:

1. The whole message in ONE segment is used as is.
2. Otherwise the title is shortened, down to about MIN_TITLE_UNITS (whole words), before the
   body is cut: the body is what the reader needs, the title only has to be recognised.
3. Then the body is cut. ONE segment is used when it keeps at least MIN_BODY_CHARS of the
   body (all of a body written for SMS, `keep_body`); otherwise TWO, the body cut to fit two.
4. Every cut is at a word boundary and ends in an ellipsis; a body with no word left is left
   out (and only then is the title shortened further). The rest of the message (page name,
   status, link) is never cut: the link to the incident page is where the full text is.
5. "Reply STOP to unsubscribe" is added when it fits in the segments already used. A message
   for a number that has not yet had it (`notice`) carries it anyway: it then costs the
   second segment rather than words of the body (refitted to two segments with it).

The message itself is built by the caller's `build(title, body, with_stop)`, so the same
budget serves every wording (an update, a postmortem, a maintenance reminder).
"""

from __future__ import annotations

from collections.abc import Callable

from statuspage.core import segments

MAX_SEGMENTS = 2
MIN_BODY_CHARS = 40
# A title is shortened before the body is cut, but not below about this many units.
MIN_TITLE_UNITS = 30
# Punctuation that would read badly before the ellipsis ("on it,..." reads "on it...").
_TRAILING = " .,;:-"

Build = Callable[[str, str, bool], str]


def _units(text: str) -> int:
    return segments.length(text)


def _points(text: str) -> list[int]:
    """Where `text` may be cut: 0 (nothing kept) and before every space."""
    return [0] + [i for i, ch in enumerate(text) if ch == " "]


def cut_at(text: str, point: int) -> str:
    """`text` cut at `point` (one of _points) with the ellipsis; "" when no word is kept."""
    kept = text[:point].rstrip(_TRAILING)
    return kept + segments.ELLIPSIS if kept else ""


def word_cut(text: str, units: int) -> str:
    """`text` within `units` (the current encoding's), cut at a word boundary when needed.

    Never mid-word: when not even the first word fits, the first word is kept whole (with the
    ellipsis), so a name stays recognisable; the caller's budget absorbs it.
    """
    if _units(text) <= units:
        return text
    points = _points(text)
    fitting = [p for p in points[1:] if _units(cut_at(text, p)) <= units]
    if fitting:
        return cut_at(text, fitting[-1])
    first = points[1] if len(points) > 1 else len(text)
    return cut_at(text, first) if first < len(text) else text


def _longest(fits: Callable[[str], bool], text: str, points: list[int]) -> str | None:
    """The longest cut of `text` at one of `points` (ascending) that fits; None if none.

    A longer cut never costs fewer segments (more characters, and a character outside GSM-7
    only ever switches a text to the encoding with less room), so a binary search will do.
    """
    low, high, best = 0, len(points) - 1, None
    while low <= high:
        mid = (low + high) // 2
        candidate = cut_at(text, points[mid])
        if fits(candidate):
            best, low = candidate, mid + 1
        else:
            high = mid - 1
    return best


def _title_points(title: str) -> list[int]:
    """The cut points of a title that keep at least MIN_TITLE_UNITS (or its first word);
    none for a title that short already."""
    if _units(title) <= MIN_TITLE_UNITS:
        return []
    points = _points(title)[1:]
    short = [p for p in points if _units(cut_at(title, p)) <= MIN_TITLE_UNITS]
    return points[len(short) - 1:] if short else points


def _fit(build: Build, title: str, body: str, budget: int, stop: bool
         ) -> tuple[str, str] | None:
    """The (title, body) within `budget` segments: the title shortened first, then the body."""
    def fits(t: str, b: str) -> bool:
        return segments.segment_count(build(t, b, stop)) <= budget

    if fits(title, body):
        return title, body
    title_points = _title_points(title)
    shorter = _longest(lambda t: fits(t, body), title, title_points)
    if shorter is not None:
        return shorter, body
    shortest = cut_at(title, title_points[0]) if title_points else title
    cut = _longest(lambda b: fits(shortest, b), body, _points(body))
    if cut is not None:
        return shortest, cut
    # No word of the body fits (a long page name, a UCS-2 text): the title gives way too.
    last = _longest(lambda t: fits(t, ""), title, _points(title)[1:])
    return (last, "") if last is not None else None


def _kept(body: str) -> int:
    return len(body.removesuffix(segments.ELLIPSIS))


def fit_sms(build: Build, title: str, body: str, *, notice: bool = False,
            keep_body: bool = False) -> str:
    """The message `build(title, body, with_stop)` fitted to the budget above.

    `notice`: the recipient has not had the opt-out wording yet, so the message carries it.
    `keep_body`: the body was written for SMS (the composer's SMS text); one segment only
    when it fits whole, else two with the body cut only as far as two need.
    """
    first_word = _points(title)[1:2]
    fallback = (cut_at(title, first_word[0]) if first_word else title, "")
    one = _fit(build, title, body, 1, False)
    if one is not None and (one[1] == body or (
            not keep_body and _kept(one[1]) >= min(MIN_BODY_CHARS, len(body)))):
        chosen, budget = one, 1
    else:
        chosen = _fit(build, title, body, MAX_SEGMENTS, False) or fallback
        budget = MAX_SEGMENTS
    with_stop = build(*chosen, True)
    if segments.segment_count(with_stop) <= budget:
        return with_stop
    if not notice:
        return build(*chosen, False)
    # The notice costs a segment rather than words of the body (or the title's, in two).
    return build(*(_fit(build, title, body, MAX_SEGMENTS, True) or fallback), True)
