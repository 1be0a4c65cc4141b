"""What the console says after an incident or maintenance action: what really happened.

A step the plan makes wait for approval is "submitted for approval", never "published" or
"resolved"; an internal update says whether the plan sent it to any stakeholder group.
Each function returns the flash message and its category ("warning" while something waits).
"""

from __future__ import annotations

from typing import NamedTuple

from flask_babel import gettext as _

from statuspage.core import enqueue_retry
from statuspage.delivery import records as delivery
from statuspage.models import Incident, IncidentUpdate
from statuspage.models.incidents import DRAFT


class Outcome(NamedTuple):
    """A flash message: `flash(*outcome)`."""

    message: str
    category: str = "success"


def _waits(update: IncidentUpdate) -> bool:
    return update.state == DRAFT


def _queue_note(outcome: Outcome) -> Outcome:
    """Add that notifications wait for the queue when this request could not enqueue them."""
    if not enqueue_retry.deferred():
        return outcome
    return Outcome(outcome.message + " " + _("The task queue is not answering right now, so "
                                             "notifications are sent once it is back: delivery "
                                             "will follow."), "warning")


def declared(incident: Incident) -> Outcome:
    """After declaring: public at once, or waiting for its opening update's approval."""
    if incident.awaiting_approval:
        return Outcome(_("Incident “%(name)s” declared; its opening update waits for approval "
                         "and is not public yet.", name=incident.name), "warning")
    return _queue_note(Outcome(_("Incident “%(name)s” declared; its opening update is "
                                 "published.", name=incident.name)))


def update_posted(update: IncidentUpdate) -> Outcome:
    """After posting an update: waiting, published, or internal (and whether it went out)."""
    if _waits(update):
        return Outcome(_("Update submitted for approval; it is not public until another "
                         "communicator or admin approves it."), "warning")
    if update.visibility != "internal":
        return _queue_note(Outcome(_("Update published.")))
    if not update.deliver_notifications:
        return Outcome(_("Internal update posted; notifications were off, so nobody was "
                         "messaged."))
    if delivery.event_for_update(update.id) is None:
        return Outcome(_("Internal update posted; the plan sends it to no group."), "warning")
    return _queue_note(Outcome(_("Internal update sent to stakeholders.")))


def resolution(incident: Incident, update: IncidentUpdate) -> Outcome:
    """After resolving: resolved, or the resolution waits and the incident stays open."""
    if _waits(update):
        return Outcome(_("Resolution submitted for approval; the incident stays open until it "
                         "is approved."), "warning")
    return _queue_note(Outcome(_("Incident “%(name)s” resolved.", name=incident.name)))


def maintenance_scheduled(maintenance: Incident) -> Outcome:
    """After scheduling: announced, or waiting for its announcement's approval."""
    if maintenance.awaiting_approval:
        return Outcome(_("Maintenance “%(name)s” submitted for approval; it is not public and "
                         "nobody is notified until it is approved.", name=maintenance.name),
                       "warning")
    return Outcome(_("Maintenance “%(name)s” scheduled.", name=maintenance.name))


# A maintenance step that waits leaves the window where it was.
_STEP_WAITS = {
    "start": "Start submitted for approval; the maintenance stays scheduled until it is "
             "approved.",
    "verify": "Verification submitted for approval; the maintenance stays in progress until "
              "it is approved.",
    "complete": "Completion submitted for approval; the maintenance stays open until it is "
                "approved.",
}


def maintenance_step(action: str, update: IncidentUpdate, done: str) -> Outcome:
    """After start, verify or complete: `done`, or submitted for approval."""
    if _waits(update):
        return Outcome(_(_STEP_WAITS[action]), "warning")
    return Outcome(done)


def postmortem_saved(waits: bool) -> Outcome:
    """After saving the postmortem: saved, or (published, under review) submitted for
    approval while the public page keeps the published text."""
    if waits:
        return Outcome(_("Change submitted for approval; the public page keeps the published "
                         "text until it is approved."), "warning")
    return Outcome(_("Postmortem saved."))
