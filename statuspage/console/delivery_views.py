"""Delivery progress and logs: per update (live while the fan-out runs) and on the incident page.

Counts come from `delivery.summary(event_id)`; the per-recipient log is a paginated query over
the update's deliveries. Nothing here sends: "Retry failed" hands the failed deliveries back to
the worker through `delivery.retry_failed`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from statuspage import audit
from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.auth_views import display_zone
from statuspage.core.extensions import db
from statuspage.core.numbers import page_number
from statuspage.delivery import records as delivery
from statuspage.models import (
    DELIVERY_STATES,
    INCIDENT,
    Delivery,
    FanoutEvent,
    Incident,
    IncidentUpdate,
    Subscriber,
)
from statuspage.models.deliveries import FAILED, QUEUED, SENDING
from statuspage.models.subscribers import CHAT, CHAT_CHANNELS
from statuspage.notify.chat import shown_destination
from statuspage.subscriptions import erasure

PER_PAGE = 50
# Seconds between reloads of the progress page while messages are still on their way.
REFRESH_SECONDS = 5
IN_PROGRESS = (QUEUED, SENDING)
# The incident pages that include the delivery overview partial (see _incident_overview).
OVERVIEW_ENDPOINTS = ("console.incident_detail", "console.incident_update",
                      "console.incident_resolve")


@dataclass
class ChannelSummary:
    """Delivery counts of one channel, every state present (zero when none)."""

    channel: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DELIVERY_STATES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def in_progress(self) -> int:
        return sum(self.counts[state] for state in IN_PROGRESS)


@dataclass
class UpdateDeliveries:
    update: IncidentUpdate
    channels: list[ChannelSummary]
    # An event not yet expanded into deliveries is work still to come.
    expanding: bool

    @property
    def active(self) -> bool:
        return self.expanding or any(c.in_progress for c in self.channels)

    @property
    def failed(self) -> int:
        return sum(c.counts[FAILED] for c in self.channels)


def summarise(events: Iterable[FanoutEvent]) -> list[ChannelSummary]:
    """Merge `delivery.summary` of each event into one summary per channel."""
    merged: dict[str, ChannelSummary] = {}
    for event in events:
        # Every public channel shows, even with nothing sent; "chat" shows as its providers,
        # once there are deliveries to them.
        for channel in event.channels or []:
            if channel != CHAT:
                merged.setdefault(channel, ChannelSummary(channel))
        for channel, counts in delivery.summary(event.id).items():
            summary = merged.setdefault(channel, ChannelSummary(channel))
            for state, count in counts.items():
                summary.counts[state] = summary.counts.get(state, 0) + int(count)
    return sorted(merged.values(), key=lambda s: s.channel)


def _events_of(update_ids: Iterable[int]) -> list[FanoutEvent]:
    ids = list(update_ids)
    if not ids:
        return []
    return list(db.session.execute(
        select(FanoutEvent).where(FanoutEvent.update_id.in_(ids)).order_by(FanoutEvent.id)
    ).scalars())


def report_for(update: IncidentUpdate, events: list[FanoutEvent]) -> UpdateDeliveries:
    return UpdateDeliveries(update, summarise(events),
                            expanding=any(e.state != "done" for e in events))


def incident_overview(incident: Incident) -> list[UpdateDeliveries]:
    """Delivery summaries of the incident's updates that notify anyone, newest first."""
    events = _events_of(u.id for u in incident.updates)
    by_update: dict[int, list[FanoutEvent]] = {}
    for event in events:
        by_update.setdefault(event.update_id or 0, []).append(event)
    return [report_for(u, by_update[u.id]) for u in incident.updates
            if u.id in by_update]


@bp.context_processor
def _incident_overview() -> dict[str, Any]:
    """Give the incident page's delivery partial its prepared context.

    A context processor rather than an argument of the incident views, so that those views
    (another area) stay as they are; it only does work on the incident pages.
    """
    if request.endpoint not in OVERVIEW_ENDPOINTS or not request.view_args:
        return {}
    incident = db.session.execute(
        select(Incident).where(Incident.public_id == request.view_args.get("public_id"))
    ).scalar_one_or_none()
    if incident is None or incident.kind != INCIDENT:
        return {}
    return {"delivery_overview": incident_overview(incident)}


def _update_or_404(public_id: str) -> IncidentUpdate:
    update = db.session.execute(
        select(IncidentUpdate).where(IncidentUpdate.public_id == public_id)
    ).scalar_one_or_none()
    if update is None:
        abort(404)
    return update


def _with_addresses(deliveries: list[Delivery]) -> list[tuple[Delivery, str]]:
    """(delivery, recipient address) for one page of the log, in one query."""
    ids = {d.subscriber_id for d in deliveries}
    addresses = {row.id: _shown(row) for row in db.session.execute(
        select(Subscriber.id, Subscriber.address, Subscriber.channel, Subscriber.destination)
        .where(Subscriber.id.in_(ids)))} if ids else {}
    return [(d, addresses.get(d.subscriber_id, "(removed)")) for d in deliveries]


def _shown(row: Any) -> str:
    """The address as the log shows it: a chat destination's URL only masked (its address
    column is a fingerprint, and the URL a credential)."""
    if erasure.is_erased_address(row.address):
        return "(erased)"
    if row.channel in CHAT_CHANNELS:
        return shown_destination(row.destination)
    return str(row.address)


def _detail_url(incident: Incident) -> str:
    endpoint = ("console.incident_detail" if incident.kind == INCIDENT
                else "console.maintenance_detail")
    return url_for(endpoint, public_id=incident.public_id)


@bp.get("/updates/<public_id>/deliveries", endpoint="update_deliveries")
@require_role("viewer")
def update_deliveries_page(public_id: str) -> ResponseReturnValue:
    update = _update_or_404(public_id)
    events = _events_of([update.id])
    state = request.args.get("state", "")
    if state not in DELIVERY_STATES:
        state = ""
    # The log of one update's deliveries, served by ix_delivery_event_state.
    query = (select(Delivery).where(Delivery.event_id.in_([e.id for e in events]))
             .order_by(Delivery.id))
    if state:
        query = query.where(Delivery.state == state)
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE,
                       max_per_page=PER_PAGE, error_out=False)
    report = report_for(update, events)
    return render_template(
        "console/delivery_log.html", report=report, page=page, rows=_with_addresses(page.items),
        state=state,
        states=DELIVERY_STATES, zone=display_zone(), incident_url=_detail_url(update.incident),
        refresh=REFRESH_SECONDS if report.active else None, can_edit=current_user.can_edit,
    )


@bp.post("/updates/<public_id>/deliveries/retry")
@require_role("communicator")
def update_deliveries_retry(public_id: str) -> ResponseReturnValue:
    update = _update_or_404(public_id)
    events = _events_of([update.id])
    count = sum(delivery.retry_failed(event.id) for event in events)
    if count:
        audit.record(current_user, "delivery.retry_failed", "update", update.public_id,
                     count=count)
        db.session.commit()
        flash(ngettext("%(num)d failed delivery queued again.",
                       "%(num)d failed deliveries queued again.", count), "success")
    else:
        flash(_("There were no failed deliveries to retry."), "warning")
    return redirect(url_for("console.update_deliveries", public_id=public_id)), 303
