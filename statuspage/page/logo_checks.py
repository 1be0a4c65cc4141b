"""What an uploaded logo may contain: a plain SVG drawing, or a raster image and nothing else.

SVG: the document is parsed with defusedxml (no DTD, so no entities and no external
subsets), then every element must be a drawing element of the SVG namespace (or belong to an
editor's inert metadata namespace), and nothing may point outside the document or run:
no <script>, <style>, <foreignObject>, animation or processing instruction (an
`<?xml-stylesheet?>` loads CSS), no `on*` attribute, every `href` a `#fragment`, and every
SVG attribute value (style, fill, filter…) free of backslashes (CSS escapes such as `\\75rl(`
spell `url(`) with only known CSS functions, `url()` pointing at a `#fragment`. The checks run
on parsed values, so entities (`&#117;rl(`) and namespace prefixes change nothing.

Raster: Pillow must read the whole image (`verify`, then a full decode of at most
MAX_LOGO_PIXELS_PER_SIDE pixels a side), the bytes must end where the format says the image
ends (PNG: the IEND chunk; JPEG: the EOI marker; WebP: the RIFF length), and no HTML markup may
appear in them, so a PNG header followed by a web page, or a page hidden in a text chunk, is
refused.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from xml.etree.ElementTree import ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from PIL import Image

from statuspage.core.errors import DomainError

FIELD = "logo_file"
MAX_LOGO_PIXELS_PER_SIDE = 4096
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Static drawing: shapes, text, paint servers, clipping, masking and filter primitives.
SVG_ELEMENTS = _names("""
    svg g defs symbol use title desc metadata switch view a image marker
    path rect circle ellipse line polyline polygon text tspan textPath
    linearGradient radialGradient stop pattern clipPath mask filter
    feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting
    feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR
    feGaussianBlur feImage feMerge feMergeNode feMorphology feOffset fePointLight
    feSpecularLighting feSpotLight feTile feTurbulence
""")
# Editors' bookkeeping (Inkscape, Sodipodi, RDF/Dublin Core metadata, Illustrator, Sketch):
# browsers ignore elements of namespaces they do not know. XHTML and MathML are not here.
INERT_NAMESPACES = frozenset({
    "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://creativecommons.org/ns#",
    "http://web.resource.org/cc/",
    "http://purl.org/dc/elements/1.1/",
    "http://ns.adobe.com/AdobeIllustrator/10.0/",
    "http://ns.adobe.com/AdobeSVGViewerExtensions/3.0/",
    "http://ns.adobe.com/Extensibility/1.0/",
    "http://ns.adobe.com/Graphs/1.0/",
    "http://ns.adobe.com/SaveForWeb/1.0/",
    "http://ns.adobe.com/Variables/1.0/",
    "http://www.bohemiancoding.com/sketch/ns",
})
# CSS functions that compute a value and fetch nothing (colours, maths, transforms, filters,
# gradients). `url()` is handled apart; image(), image-set(), cross-fade(), element() and
# anything else unknown are refused.
CSS_FUNCTIONS = _names("""
    rgb rgba hsl hsla hwb lab lch oklab oklch color color-mix calc min max clamp var
    matrix matrix3d translate translatex translatey translatez translate3d scale scalex scaley
    scalez scale3d rotate rotatex rotatey rotatez rotate3d skew skewx skewy perspective
    blur brightness contrast drop-shadow grayscale hue-rotate invert opacity saturate sepia
    linear-gradient radial-gradient conic-gradient repeating-linear-gradient
    repeating-radial-gradient repeating-conic-gradient
""")
# Attributes that hold plain text, never parsed as CSS (a label may say "Acme (logo)").
_TEXT_ATTRIBUTE = re.compile(r"^(?:id|class|role|lang|aria-.*|data-.*)$", re.I)
_CSS_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.S)
_CSS_FUNCTION = re.compile(r"([a-z0-9_-]*)\s*\(\s*(['\"]?)\s*(.?)", re.I)
# Markup a browser would take for a web page; long enough never to occur by chance in
# compressed pixels (1 in 2^35 per byte or less), absent from XMP and EXIF metadata.
_HTML_MARKUP = re.compile(rb"<\s*(?:script|html|body|head|iframe|object|embed|!doctype|style|"
                          rb"title|table|frameset)", re.I)
RASTER_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


def _unsafe() -> DomainError:
    return DomainError("That SVG contains scripts, event handlers or references to other "
                       "files; export it as plain SVG or upload a PNG.", FIELD)


class _Builder(TreeBuilder):
    """A tree builder that also notes processing instructions, wherever they are."""

    def __init__(self) -> None:
        super().__init__()
        self.instructions: list[str] = []

    def pi(self, target: str, text: str | None = None) -> None:  # type: ignore[override]
        self.instructions.append(target)


def check_svg(data: bytes) -> None:
    """Return when `data` is a plain SVG drawing; else DomainError (field `logo_file`)."""
    builder = _Builder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException:
        raise _unsafe() from None
    except ParseError as error:
        raise DomainError("That SVG is not well-formed XML.", FIELD) from error
    if root.tag not in (f"{{{SVG_NS}}}svg", "svg"):
        raise DomainError("That file is not an SVG image.", FIELD)
    if builder.instructions:
        raise _unsafe()
    for element in root.iter():
        namespace, name = _split(element.tag)
        if namespace in INERT_NAMESPACES:
            continue
        if namespace not in (SVG_NS, "") or name not in SVG_ELEMENTS:
            raise _unsafe()
        for attribute, value in element.attrib.items():
            _check_attribute(attribute, value)


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _check_attribute(attribute: str, value: str) -> None:
    namespace, name = _split(attribute)
    if name.lower().startswith("on"):
        raise _unsafe()
    if name.lower() == "href" and namespace in ("", XLINK_NS):
        if not value.startswith("#"):
            raise _unsafe()
        return
    if namespace == "" and not _TEXT_ATTRIBUTE.match(name):
        _check_css_value(value)


def _check_css_value(value: str) -> None:
    """An SVG attribute value (CSS in `style`, a paint, a transform…) that fetches nothing."""
    if "\\" in value or "@" in value:
        raise _unsafe()
    for function, _quote, first in _CSS_FUNCTION.findall(_CSS_COMMENT.sub(" ", value)):
        function = function.lower()
        if function == "url":
            if first != "#":
                raise _unsafe()
        elif function not in CSS_FUNCTIONS:
            raise _unsafe()


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
