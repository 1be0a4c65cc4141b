"""Use-cases for an uploaded page logo: check the bytes, store them, point the page at them.

The type is decided from the bytes, never from the file name or the browser's claim, and only
PNG, JPEG, WebP and SVG are taken, checked by statuspage.page.logo_svg and logo_raster: an SVG is
parsed and must be a plain drawing (no scripts, event handlers, foreign content, styles, entities
or outside references); a raster image must decode whole and carry nothing else. The served copy
also gets `nosniff` and a `default-src 'none'; sandbox` policy, in case a browser opens it
directly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select

from statuspage import audit
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import Page, PageLogo, User
from statuspage.page.logo_raster import FIELD as _FIELD
from statuspage.page.logo_raster import check_raster
from statuspage.page.logo_svg import check_svg
from statuspage.page.record import get_page, touch_page

# A header logo is small; 512 KiB leaves room for a 2x PNG and stops a photo or a paste.
MAX_LOGO_BYTES = 512 * 1024
URL_PREFIX = "/logo/"
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp",
              "image/svg+xml": "svg"}


@dataclass(frozen=True)
class StoredLogo:
    content_type: str
    data: bytes
    digest: str


def sniff(data: bytes) -> str:
    """The content type of logo bytes, or a DomainError saying what is wrong with them."""
    if not data:
        raise DomainError("Choose an image file to upload.", _FIELD)
    if len(data) > MAX_LOGO_BYTES:
        raise DomainError(f"That file is larger than {MAX_LOGO_BYTES // 1024} KiB; "
                          "use a smaller logo.", _FIELD)
    raster = _raster_type(data)
    if raster is not None:
        check_raster(data, raster)
        return raster
    if _looks_like_svg(data):
        check_svg(data)
        return "image/svg+xml"
    raise DomainError("That file is not a PNG, JPEG, WebP or SVG image.", _FIELD)


def _raster_type(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _looks_like_svg(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype")) and b"<svg" in data.lower()


def logo_path(digest: str, content_type: str) -> str:
    return f"{URL_PREFIX}{digest}.{EXTENSIONS[content_type]}"


@use_case
def upload_logo(data: bytes, actor: User | None) -> Page:
    """Store an uploaded logo, replacing any earlier one, and show it on the page.

    Raises DomainError (field `logo_file`) for an empty, oversized or unsupported file.
    """
    content_type = sniff(data)
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    page = get_page()
    db.session.execute(delete(PageLogo).where(PageLogo.digest != digest))
    if db.session.execute(select(PageLogo.id).where(PageLogo.digest == digest)).first() is None:
        db.session.add(PageLogo(digest=digest, content_type=content_type, data=data))
    old = page.logo_url
    page.logo_url = logo_path(digest, content_type)
    audit.record(actor, "page.logo_uploaded", "page", page.public_id,
                 changes={"logo_url": {"old": old, "new": page.logo_url}},
                 content_type=content_type, size=len(data))
    touch_page()
    db.session.commit()
    return page


@use_case
def remove_logo(actor: User | None) -> Page:
    """Take the logo off the page (an uploaded file or an address) and drop the stored file."""
    page = get_page()
    old = page.logo_url
    db.session.execute(delete(PageLogo))
    if old:
        page.logo_url = None
        audit.record(actor, "page.logo_removed", "page", page.public_id,
                     changes={"logo_url": {"old": old, "new": None}})
        touch_page()
    db.session.commit()
    return page


def forget_unused(logo_url: str | None) -> None:
    """Drop a stored upload the page no longer points at (in the caller's transaction)."""
    keep = _digest_of(logo_url)
    query = delete(PageLogo)
    if keep is not None:
        query = query.where(PageLogo.digest != keep)
    db.session.execute(query)


def stored_logo(filename: str) -> StoredLogo | None:
    """The stored logo a `/logo/<digest>.<ext>` URL names, or None."""
    digest, _, extension = filename.partition(".")
    found = db.session.execute(
        select(PageLogo).where(PageLogo.digest == digest)
    ).scalar_one_or_none()
    if found is None or EXTENSIONS.get(found.content_type) != extension:
        return None
    return StoredLogo(found.content_type, found.data, found.digest)


def _digest_of(logo_url: str | None) -> str | None:
    if not logo_url or not logo_url.startswith(URL_PREFIX):
        return None
    return logo_url[len(URL_PREFIX):].partition(".")[0] or None
