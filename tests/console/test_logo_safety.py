"""Logo uploads that hide markup (issue 10, item 8): the SVG is parsed (defusedxml) and held
to an allowlist, so CSS escapes, entities and namespaces cannot smuggle a reference or a script
past a byte search; a raster logo must decode whole, end where its format ends, and carry no
HTML (a PNG header followed by a page is refused)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from flask.testing import FlaskClient
from PIL import Image

from statuspage.core.errors import DomainError
from statuspage.models import PageLogo
from statuspage.page import logos
from tests.console.conftest import LoginHelper
from tests.console.conftest_content import field_error
from tests.console.test_settings_branding import current_logo, png, upload

NS = 'xmlns="http://www.w3.org/2000/svg"'
XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"'


def svg(inner: str, attrs: str = "") -> bytes:
    return f'<svg {NS} {attrs} width="10" height="10">{inner}</svg>'.encode()


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 4), (37, 99, 235)).save(out, fmt)
    return out.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


HTML = b"<html><body><script>alert(document.domain)</script></body></html>"
UNSAFE = "scripts, event handlers or references"

SVG_BYPASSES = {
    "css-escape-in-style-element": svg(r"<style>rect{fill:\75rl(https://t.example/a)}</style>"
                                       '<rect width="5" height="5"/>'),
    "style-element-at-all": svg("<style>rect{fill:red}</style>"),
    "css-escape-in-style-attribute": svg(
        r'<rect width="5" height="5" style="fill:\75rl(https://t.example/a)"/>'),
    "entity-in-style-attribute": svg(
        '<rect width="5" height="5" style="fill:&#117;rl(https://t.example/a)"/>'),
    "url-in-presentation-attribute": svg(
        '<rect width="5" height="5" fill="url(https://t.example/a#g)"/>'),
    "quoted-url-in-attribute": svg(
        """<rect width="5" height="5" fill="url('https://t.example/a')"/>"""),
    "image-set-in-style": svg(
        """<rect style="background:image-set('https://t.example/a.png' 1x)"/>"""),
    "import-in-style-attribute": svg('<rect style="@import \'https://t.example/a.css\'"/>'),
    "xml-stylesheet-instruction": b'<?xml version="1.0"?><?xml-stylesheet '
                                  b'href="https://t.example/a.css"?>' + svg("<rect/>"),
    "xhtml-namespace-script": svg('<h:script xmlns:h="http://www.w3.org/1999/xhtml">'
                                  "alert(1)</h:script>"),
    "xhtml-iframe": svg('<h:iframe xmlns:h="http://www.w3.org/1999/xhtml" '
                        'src="javascript:alert(1)"/>'),
    "prefixed-svg-script": b'<s:svg xmlns:s="http://www.w3.org/2000/svg">'
                           b"<s:script>alert(1)</s:script></s:svg>",
    "animate-href": svg('<a href="#x"><animate attributeName="href" '
                        'values="javascript:alert(1)"/><text>x</text></a>'),
    "set-href": svg('<a href="#x"><set attributeName="href" to="javascript:alert(1)"/></a>'),
    "use-external": svg('<use href="https://t.example/s.svg#a"/>'),
    "xlink-use-external": svg('<use xlink:href="//t.example/s.svg#a"/>', XLINK),
    "feimage-external": svg('<filter id="f"><feImage href="https://t.example/a.png"/></filter>'),
    "data-uri-image": svg('<image href="data:image/svg+xml;base64,PHN2Zy8+"/>'),
    "href-with-leading-space": svg('<a href=" javascript:alert(1)"><text>x</text></a>'),
    "uppercase-event-handler": svg('<rect ONLOAD="alert(1)"/>'),
    "namespaced-event-handler": svg('<rect xlink:onclick="alert(1)"/>', XLINK),
    "unknown-element": svg("<discard/>"),
    "doctype-external-entity": b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM '
                               b'"file:///etc/passwd">]>' + svg("<text>&x;</text>"),
    "doctype-alone": b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
                     b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">' + svg("<rect/>"),
}


@pytest.mark.parametrize("data", list(SVG_BYPASSES.values()), ids=list(SVG_BYPASSES))
def test_svg_bypasses_are_refused(data: bytes) -> None:
    with pytest.raises(DomainError) as caught:
        logos.sniff(data)
    assert caught.value.field == "logo_file"


RASTER_BYPASSES = {
    "png-signature-then-html": b"\x89PNG\r\n\x1a\n" + HTML,
    "png-ihdr-then-html": image("PNG")[:33] + HTML,
    "valid-png-then-html": image("PNG") + HTML,
    "valid-png-html-in-text-chunk": image("PNG")[:33] + chunk(b"tEXt", b"Comment\x00" + HTML)
                                    + image("PNG")[33:],
    "truncated-png": image("PNG")[:-12],
    "jpeg-signature-then-html": b"\xff\xd8\xff\xe0" + HTML,
    "valid-jpeg-then-html": image("JPEG") + HTML,
    "webp-header-then-html": b"RIFF\x24\x00\x00\x00WEBPVP8 " + HTML,
    "valid-webp-then-html": image("WEBP") + HTML,
}


@pytest.mark.parametrize("data", list(RASTER_BYPASSES.values()), ids=list(RASTER_BYPASSES))
def test_raster_files_carrying_markup_or_broken_are_refused(data: bytes) -> None:
    with pytest.raises(DomainError) as caught:
        logos.sniff(data)
    assert caught.value.field == "logo_file"


KEPT = {
    "png": (image("PNG"), "image/png"),
    "handmade-png": (png(4, 2), "image/png"),
    "jpeg": (image("JPEG"), "image/jpeg"),
    "webp": (image("WEBP"), "image/webp"),
    "svg-gradient": (svg('<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/>'
                         '</linearGradient></defs><rect width="10" height="10" '
                         'fill="url(#g)" style="stroke: rgb(0, 0, 0); stroke-width: 1"/>'
                         '<use xlink:href="#g"/><text x="1" y="9" font-family="Inter, '
                         "'Helvetica Neue', sans-serif\">Acme</text>", XLINK),
                     "image/svg+xml"),
    "svg-from-an-editor": (b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- Generator: x -->\n'
                           b'<svg xmlns="http://www.w3.org/2000/svg" '
                           b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
                           b'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/'
                           b'sodipodi-0.dtd" viewBox="0 0 10 10" inkscape:version="1.3">'
                           b'<sodipodi:namedview id="n" pagecolor="#ffffff"/>'
                           b'<title>Acme</title><g transform="translate(1 2) rotate(45)" '
                           b'clip-path="url(#c)"><clipPath id="c"><circle r="4"/></clipPath>'
                           b'<path d="M0 0h5v5z" fill="#123456"/></g></svg>',
                           "image/svg+xml"),
}


@pytest.mark.parametrize(("data", "content_type"), list(KEPT.values()), ids=list(KEPT))
def test_ordinary_logos_are_still_taken(data: bytes, content_type: str) -> None:
    assert logos.sniff(data) == content_type


@pytest.mark.parametrize("name", ["css-escape-in-style-element", "xml-stylesheet-instruction"])
def test_the_upload_form_names_the_refusal(client: FlaskClient, login: LoginHelper,
                                           name: str) -> None:
    login(client, role="admin")
    status, body = upload(client, SVG_BYPASSES[name], filename="logo.svg",
                          content_type="image/svg+xml")
    assert status == 422
    assert UNSAFE in field_error(body, "logo_file")
    assert current_logo() is None
    assert PageLogo.query.count() == 0


def test_a_png_header_followed_by_html_is_refused_on_upload(client: FlaskClient,
                                                            login: LoginHelper) -> None:
    login(client, role="admin")
    status, body = upload(client, RASTER_BYPASSES["png-signature-then-html"])
    assert status == 422
    assert "not a whole PNG, JPEG or WebP image" in field_error(body, "logo_file")
    assert PageLogo.query.count() == 0


def test_a_served_svg_logo_is_locked_down(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="admin")
    upload(client, KEPT["svg-gradient"][0], filename="logo.svg", content_type="image/svg+xml")
    served = client.get(current_logo() or "")
    assert served.status_code == 200
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    policy = served.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy
