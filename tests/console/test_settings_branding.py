"""Page settings, branding: logo upload (type from the bytes, size limit, SVG safety), serving
the logo with long caching and a strict policy, removal, and the embed snippets."""

from __future__ import annotations

import html
import re
import struct
import zlib
from io import BytesIO

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage

from statuspage.core.extensions import db
from statuspage.models import AuditEntry, PageLogo
from statuspage.page import logos
from statuspage.page.record import get_page
from tests.conftest import make_app
from tests.console.conftest import LoginHelper, csrf_token
from tests.console.conftest_content import field_error

SVG_OK = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
          b'height="10"><defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>'
          b'<rect width="10" height="10" fill="url(#g)"/></svg>')


def png(width: int = 1, height: int = 1) -> bytes:
    """A real, minimal PNG (one grey pixel row per line)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def encoded(fmt: str) -> bytes:
    """A real image in `fmt`, encoded by Pillow."""
    out = BytesIO()
    Image.new("RGB", (6, 3), (37, 99, 235)).save(out, fmt)
    return out.getvalue()


def upload(client: FlaskClient, data: bytes, filename: str = "logo.png",
           content_type: str = "image/png") -> tuple[int, str]:
    response = client.post("/console/settings/logo", data={
        "logo_file": FileStorage(BytesIO(data), filename=filename, content_type=content_type),
    }, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


def current_logo() -> str | None:
    db.session.expire_all()
    return get_page().logo_url


def test_admin_uploads_a_png_and_the_page_shows_it(client: FlaskClient,
                                                   login: LoginHelper) -> None:
    admin = login(client, role="admin")
    version = get_page().cache_version
    data = png(4, 2)
    status, _ = upload(client, data)
    assert status == 303
    logo_url = current_logo()
    assert logo_url and re.fullmatch(r"/logo/[0-9a-f]{32}\.png", logo_url)
    assert get_page().cache_version > version  # the public page is rebuilt with it

    doc = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    assert doc.xpath(f'//header//img[@src="{logo_url}"]')

    served = client.get(logo_url)
    assert served.status_code == 200
    assert served.mimetype == "image/png"
    assert served.get_data() == data
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"].startswith("default-src 'none'")
    again = client.get(logo_url, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304

    entry = AuditEntry.query.filter_by(action="page.logo_uploaded").one()
    assert entry.actor_id == admin.id and entry.details["content_type"] == "image/png"


@pytest.mark.parametrize(("data", "content_type", "extension"), [
    (encoded("JPEG"), "image/jpeg", "jpg"),
    (encoded("WEBP"), "image/webp", "webp"),
    (SVG_OK, "image/svg+xml", "svg"),
])
def test_jpeg_webp_and_plain_svg_are_taken_by_their_bytes(
    client: FlaskClient, login: LoginHelper, data: bytes, content_type: str, extension: str
) -> None:
    login(client, role="admin")
    # The name and the browser's claim are ignored: only the bytes decide.
    status, _ = upload(client, data, filename="upload.bin", content_type="text/plain")
    assert status == 303
    logo_url = current_logo()
    assert logo_url and logo_url.endswith(f".{extension}")
    served = client.get(logo_url)
    assert served.mimetype == content_type
    assert served.get_data() == data
    # An SVG opened directly can run nothing.
    assert served.headers["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Choose an image file"),
    (b"<html><script>alert(1)</script></html>", "not a PNG, JPEG, WebP or SVG"),
    (b"GIF89a\x01\x00\x01\x00", "not a PNG, JPEG, WebP or SVG"),
    (png() + b"\x00" * logos.MAX_LOGO_BYTES, "larger than 512 KiB"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "scripts"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "scripts"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
     "scripts"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
     b'<a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', "references"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://tracker.example/p.png"/>'
     b"</svg>", "references"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://x.example/a.css);'
     b"</style></svg>", "references"),
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
     b'<svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>', "references"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>', "not well-formed"),
])
def test_bad_files_are_refused_with_a_clear_message(
    client: FlaskClient, login: LoginHelper, data: bytes, message: str
) -> None:
    login(client, role="admin")
    status, body = upload(client, data)
    assert status == 422
    assert message in field_error(body, "logo_file")
    assert current_logo() is None
    assert PageLogo.query.count() == 0


def test_a_missing_file_is_refused(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="admin")
    response = client.post("/console/settings/logo", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose an image file" in field_error(response.get_data(as_text=True), "logo_file")


def test_a_new_upload_replaces_the_old_one(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="admin")
    upload(client, png(1, 1))
    first = current_logo()
    upload(client, png(2, 2))
    second = current_logo()
    assert first and second and first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert PageLogo.query.count() == 1


def test_removing_the_logo_takes_it_off_the_page(client: FlaskClient,
                                                 login: LoginHelper) -> None:
    login(client, role="admin")
    upload(client, png())
    logo_url = current_logo()
    assert logo_url
    response = client.post("/console/settings/logo/remove")
    assert response.status_code == 303
    assert current_logo() is None
    assert client.get(logo_url).status_code == 404
    assert not lxml.html.fromstring(client.get("/").get_data(as_text=True)).xpath(
        "//header//img")
    assert AuditEntry.query.filter_by(action="page.logo_removed").count() == 1


def test_pointing_the_logo_elsewhere_drops_the_stored_upload(client: FlaskClient,
                                                             login: LoginHelper) -> None:
    login(client, role="admin")
    upload(client, png())
    page = get_page()
    response = client.post("/console/settings", data={
        "name": page.name, "url": page.url, "time_zone": page.time_zone,
        "logo_url": "https://cdn.acme.test/logo.svg", "accent_color": "#2563eb",
        "allow_email_subscribers": "y", "sms_daily_signup_budget": "0",
    })
    assert response.status_code == 303
    assert current_logo() == "https://cdn.acme.test/logo.svg"
    assert PageLogo.query.count() == 0


def test_a_logo_url_that_names_nothing_is_404(client: FlaskClient) -> None:
    assert client.get("/logo/" + "0" * 32 + ".png").status_code == 404
    assert client.get("/logo/nothing").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "communicator"])
def test_only_admins_change_the_logo(client: FlaskClient, login: LoginHelper,
                                     role: str) -> None:
    login(client, role=role)
    status, _ = upload(client, png())
    assert status == 403
    assert client.post("/console/settings/logo/remove").status_code == 403
    assert current_logo() is None


def test_upload_and_removal_need_the_csrf_token(database_url: str, app: Flask,
                                                login: LoginHelper) -> None:
    client = make_app(database_url, WTF_CSRF_ENABLED=True).test_client()
    login(client, role="admin")
    status, _ = upload(client, png())
    assert status == 400
    assert current_logo() is None
    token = csrf_token(client, "/console/settings")
    response = client.post("/console/settings/logo", data={
        "csrf_token": token, "logo_file": FileStorage(BytesIO(png()), filename="l.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 303
    assert current_logo()


def test_settings_page_hands_out_the_embed_snippets(
    client: FlaskClient, login: LoginHelper
) -> None:
    page = get_page()
    page.url = "https://status.acme.test/"
    db.session.commit()
    login(client, role="admin")
    body = client.get("/console/settings").get_data(as_text=True)
    snippets = [html.unescape(s) for s in
                re.findall(r'<textarea[^>]*class="snippet"[^>]*>(.*?)</textarea>', body, re.S)]
    assert ('<a href="https://status.acme.test"><img src="https://status.acme.test/badge.svg" '
            'alt="Service status"></a>') in snippets
    assert ("[![Service status](https://status.acme.test/badge.svg)]"
            "(https://status.acme.test)") in snippets
    assert '<script src="https://status.acme.test/embed.js" async></script>' in snippets
    assert any(s.startswith('<iframe src="https://status.acme.test/embed"') for s in snippets)
