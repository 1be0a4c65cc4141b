"""What text the service accepts, decided once, and how text is made safe where it is emitted.

Accepted text is Unicode without C0 control characters, DEL or lone UTF-16 surrogates, with
three exceptions in bodies: tab, line feed and carriage return (browsers send textareas with
CRLF line ends). Such characters cannot be stored on PostgreSQL (NUL), are refused by XML
(feeds, SVG) and split e-mail headers (CR/LF), so they are refused where text comes in
(`statuspage.web.input_guard`) and removed again where text goes out, for rows stored before.
"""

from __future__ import annotations

import re

# Refused in any typed text (form fields, JSON strings, file names).
_REFUSED_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Refused in what must be one line: URL paths, query strings, header values.
_REFUSED_IN_LINE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
# Not allowed anywhere in an XML 1.0 document (tab, LF and CR are).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]+")


def refused_in_text(text: str) -> str | None:
    """The first character `text` may not contain as typed text, or None when it is clean."""
    found = _REFUSED_IN_TEXT.search(text)
    return found.group() if found else None


def refused_in_line(text: str) -> str | None:
    """The first character `text` may not contain as one line (tab and newlines included)."""
    found = _REFUSED_IN_LINE.search(text)
    return found.group() if found else None


def without_refused(text: str) -> str:
    """`text` with every character typed text may not contain removed (tab, newlines kept)."""
    return _REFUSED_IN_TEXT.sub("", text)


def describe(char: str) -> str:
    """`U+0000` for a refused character, as the error messages name it."""
    return f"U+{ord(char):04X}"


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold; guarantees lxml accepts it."""
    return _NOT_XML.sub("", text)


def one_line(text: str) -> str:
    """`text` with every run of control characters (CR and LF included) made one space.

    Guarantees the result cannot split an e-mail header or start a new one.
    """
    return _LINE_BREAKS.sub(" ", text).strip()
