"""What an uploaded raster logo may contain: one whole PNG, JPEG or WebP image, and nothing else.

Pillow must read the whole image (`verify`, then a full decode of at most
MAX_LOGO_PIXELS_PER_SIDE pixels a side), the bytes must end where the format says the image
ends (PNG: the IEND chunk; JPEG: the EOI marker; WebP: the RIFF length), and no HTML markup may
appear in them, so a PNG header followed by a web page, or a page hidden in a text chunk, is
refused. FIELD, the form field every logo error names, is here too; SVG logos are
statuspage.page.logo_svg.
"""

from __future__ import annotations

import io
import re
import struct
import warnings

from PIL import Image

from statuspage.core.errors import DomainError

FIELD = "logo_file"
MAX_LOGO_PIXELS_PER_SIDE = 4096
# Markup a browser would take for a web page; long enough never to occur by chance in
# compressed pixels (1 in 2^35 per byte or less), absent from XMP and EXIF metadata.
_HTML_MARKUP = re.compile(rb"<\s*(?:script|html|body|head|iframe|object|embed|!doctype|style|"
                          rb"title|table|frameset)", re.I)
RASTER_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


def _not_whole() -> DomainError:
    return DomainError("That file is not a whole PNG, JPEG or WebP image (it is damaged, or "
                       "carries other content); export it again.", FIELD)


def check_raster(data: bytes, content_type: str) -> None:
    """Return when `data` is one whole image of `content_type` and nothing else."""
    fmt = RASTER_FORMATS[content_type]
    if _HTML_MARKUP.search(data) or not _ends_where_the_image_ends(data, fmt):
        raise _not_whole()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                image.verify()
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                if max(image.size) > MAX_LOGO_PIXELS_PER_SIDE:
                    raise DomainError(
                        f"That image is larger than {MAX_LOGO_PIXELS_PER_SIDE} pixels on a "
                        "side; use a smaller logo.", FIELD)
                image.load()
    except DomainError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, struct.error,
            Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _not_whole() from None


def _ends_where_the_image_ends(data: bytes, fmt: str) -> bool:
    if fmt == "JPEG":
        return data.endswith(b"\xff\xd9")
    if fmt == "WEBP":
        return len(data) >= 12 and int.from_bytes(data[4:8], "little") + 8 == len(data)
    position = 8  # PNG: walk the chunks to IEND, which must be the last bytes
    while position + 8 <= len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        kind = data[position + 4:position + 8]
        position += 12 + length
        if kind == b"IEND":
            return position == len(data)
    return False
