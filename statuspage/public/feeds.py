"""The history feeds (`/history.rss`, `/history.atom`), shaped like Atlassian Statuspage's.

Pure functions of data: a page and its incidents in, feed bytes out. Feed readers, Slack
bridges and scrapers (kobsio/kobs, mrshu/github-statuses, GOV.UK's StatusPageAlert) read
these feeds with regular expressions, so the HTML update trail (statuspage.public.feed_trail)
is reproduced character for character (Statuspage compatibility notes, section 1.9). feedgen
writes the XML; one small feedgen extension (`_StatuspageFeed`/`_StatuspageEntry`) adds what
feedgen cannot express through its setters: the non-namespaced `<maintenanceEndDate>`, a bare
`<guid>`, Statuspage's element order, `Z` timestamps and no feedgen-only elements. It does so
in feedgen's own extension hooks, on the lxml elements feedgen hands to them, so no private
feedgen API is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from statuspage.core.text_rules import xml_safe
from statuspage.models import Incident, Page
from statuspage.public.feed_trail import update_trail_html

FEED_LIMIT = 25
# Statuspage's element order (parsers do not need it; people diffing feeds do).
_CHANNEL_ORDER = ("title", "link", "description", "pubDate")
_ITEM_ORDER = ("title", "description", "pubDate", "maintenanceEndDate", "link", "guid")
_FEED_ORDER = ("id", "link", "title", "updated", "author")
_ENTRY_ORDER = ("id", "published", "updated", "link", "title", "content")


# --- the feeds -------------------------------------------------------------------------------

def build_rss(page: Page, incidents: Sequence[Incident]) -> bytes:
    """RSS 2.0 `/history.rss`: dates in RFC 822 with the page zone's offset."""
    zone = ZoneInfo(page.time_zone)
    url = _base_url(page)
    fg = _generator()
    fg.title(xml_safe(feed_title(page)))
    fg.link(href=url)
    fg.description("Statuspage")
    fg.pubDate(_feed_updated(page, incidents).astimezone(zone))
    for incident in incidents[:FEED_LIMIT]:
        permalink = _permalink(url, incident)
        fe = fg.add_entry(order="append")
        fe.title(xml_safe(incident.name))
        fe.description(xml_safe(update_trail_html(incident, zone)))
        fe.pubDate(published_at(incident).astimezone(zone))
        if incident.is_maintenance and incident.scheduled_until is not None:
            fe.statuspage.maintenance_end(incident.scheduled_until.astimezone(zone))
        fe.link(href=permalink)
        fe.guid(permalink, permalink=True)
    return fg.rss_str(pretty=True)


def build_atom(page: Page, incidents: Sequence[Incident]) -> bytes:
    """Atom `/history.atom`: UTC `Z` timestamps, entry ids that never change."""
    zone = ZoneInfo(page.time_zone)
    url = _base_url(page)
    host = urlsplit(url).hostname or "localhost"
    fg = _generator()
    fg.id(f"tag:{host},2005:/history")
    fg.language("en-US")
    fg.link(href=url, rel="alternate", type="text/html")
    fg.link(href=f"{url}/history.atom", rel="self", type="application/atom+xml")
    fg.title(xml_safe(feed_title(page)))
    fg.updated(_utc(_feed_updated(page, incidents)))
    fg.author({"name": xml_safe(page.name)})
    for incident in incidents[:FEED_LIMIT]:
        fe = fg.add_entry(order="append")
        # The numeric primary key, as Statuspage does: it never changes, so readers never
        # see an entry twice.
        fe.id(f"tag:{host},2005:Incident/{incident.id}")
        fe.published(_utc(published_at(incident)))
        fe.updated(_utc(incident.updated_at))
        fe.link(href=_permalink(url, incident), rel="alternate", type="text/html")
        fe.title(xml_safe(incident.name))
        fe.content(xml_safe(update_trail_html(incident, zone)), type="html")
    return fg.atom_str(pretty=True)


def feed_title(page: Page) -> str:
    return f"{page.name} Status - Incident History"


def published_at(incident: Incident) -> datetime:
    """An item's date: a maintenance's window start, an incident's latest public update."""
    if incident.is_maintenance and incident.scheduled_for is not None:
        return incident.scheduled_for
    public = [u.display_at for u in incident.public_updates]
    if incident.postmortem_published_at is not None:
        public.append(incident.postmortem_published_at)
    return max(public, default=incident.started_at)


def _feed_updated(page: Page, incidents: Sequence[Incident]) -> datetime:
    # The newest change among the listed items, so the same content always gives the same
    # bytes (and the same ETag); an empty feed falls back to the page's own stamp.
    return max((i.updated_at for i in incidents[:FEED_LIMIT]), default=page.updated_at)


def _base_url(page: Page) -> str:
    return page.url.rstrip("/")


def _permalink(base_url: str, incident: Incident) -> str:
    return f"{base_url}/incidents/{incident.public_id}"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _generator() -> FeedGenerator:
    fg = FeedGenerator()
    fg.register_extension("statuspage", _StatuspageFeed, _StatuspageEntry)
    # Empty values switch off feedgen's <generator> and <docs> defaults.
    fg.generator("")
    fg.docs("")
    return fg


# --- the feedgen extension -------------------------------------------------------------------
# feedgen calls these hooks with the lxml element it has just built (the channel's root or an
# item/entry), after its own children and before the items are appended: the documented place
# to add elements, and the least surprising one to adjust what feedgen has no setter for.

class _StatuspageFeed(BaseExtension):
    """Channel / feed level: Statuspage's element set and order."""

    def extend_rss(self, rss: etree._Element) -> etree._Element:
        channel = rss.find("channel")
        if channel is not None:
            # feedgen always writes <lastBuildDate> (no setter removes it); Statuspage does not.
            for extra in channel.findall("lastBuildDate"):
                channel.remove(extra)
            _reorder(channel, _CHANNEL_ORDER)
        # feedgen declares xmlns:atom and xmlns:content on every RSS root; nothing here uses
        # them. Items are appended after this hook, and lxml would re-declare a namespace on
        # an item that used one, so dropping the unused declarations now is safe.
        etree.cleanup_namespaces(rss)
        return rss

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        _zulu(feed)
        for link in feed.findall("link"):
            _link_attributes(link, link.get("rel", "alternate"), link.get("type", "text/html"))
        _reorder(feed, _FEED_ORDER)
        return feed


class _StatuspageEntry(BaseEntryExtension):
    """Item / entry level: `<maintenanceEndDate>`, a bare `<guid>`, Statuspage's order."""

    def __init__(self) -> None:
        self._maintenance_end: datetime | None = None

    def maintenance_end(self, value: datetime) -> None:
        """The window's end, in the zone it should be written in."""
        self._maintenance_end = value

    def extend_rss(self, item: etree._Element) -> etree._Element:
        guid = item.find("guid")
        if guid is not None:
            # feedgen always writes isPermaLink; Statuspage writes a bare <guid>, which RSS 2.0
            # reads as isPermaLink="true": what our guid (the permalink) is.
            guid.attrib.pop("isPermaLink", None)
        if self._maintenance_end is not None:
            # Not namespaced, exactly as Statuspage writes it: GOV.UK's StatusPageAlert reads
            # pubDate + maintenanceEndDate to tell upcoming, current and past maintenance.
            end = etree.SubElement(item, "maintenanceEndDate")
            end.text = format_datetime(self._maintenance_end)
        _reorder(item, _ITEM_ORDER)
        return item

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        _zulu(entry)
        # feedgen 1.0 drops rel and type from entry links (its loop variable shadows the link
        # data), and the only entry link is the permalink, so they are put back here.
        for link in entry.findall("link"):
            _link_attributes(link, "alternate", "text/html")
        _reorder(entry, _ENTRY_ORDER)
        return entry


def _reorder(parent: etree._Element, order: tuple[str, ...]) -> None:
    """Sort children by `order` (stable; names not listed keep their place at the end)."""
    rank = {name: i for i, name in enumerate(order)}
    children = list(parent)
    children.sort(key=lambda child: rank.get(etree.QName(child).localname, len(order)))
    parent[:] = children


def _link_attributes(link: etree._Element, rel: str, type_: str) -> None:
    # In Statuspage's attribute order (rel, type, href): XML does not care, people diffing do.
    href = link.attrib.pop("href")
    link.attrib.clear()
    link.set("rel", rel)
    link.set("type", type_)
    link.set("href", href)


def _zulu(parent: etree._Element) -> None:
    # feedgen writes isoformat() (`+00:00`); Statuspage writes `Z`. Same instant, same RFC
    # 3339, but scripts compare these strings.
    for child in parent:
        text = child.text or ""
        if etree.QName(child).localname in ("updated", "published") and text.endswith("+00:00"):
            child.text = text.removesuffix("+00:00") + "Z"
