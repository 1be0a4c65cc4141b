"""What an uploaded SVG logo may contain: a plain drawing, and nothing that runs or fetches.

The document is parsed with defusedxml (no DTD, so no entities and no external subsets), then
every element must be a drawing element of the SVG namespace (or belong to an editor's inert
metadata namespace), and nothing may point outside the document or run: no <script>, <style>,
<foreignObject>, animation or processing instruction (an `<?xml-stylesheet?>` loads CSS), no
`on*` attribute, every `href` a `#fragment`, and every SVG attribute value (style, fill,
filter…) free of backslashes (CSS escapes such as `\\75rl(` spell `url(`) with only known CSS
functions, `url()` pointing at a `#fragment`. The checks run on parsed values, so entities
(`&#117;rl(`) and namespace prefixes change nothing. Raster logos are statuspage.page.logo_raster.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from statuspage.core.errors import DomainError
from statuspage.page.logo_raster import FIELD

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

