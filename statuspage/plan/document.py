"""The communication plan as a document: the shape YAML export and import use, validated.

A plan document looks like this (audiences are `public` or stakeholder group names):

    version: 1
    severities:
      SEV1:
        definition: Checkout or login down for all customers; data loss.
        first_update_minutes: 15
        cadence_minutes: 30
        approval: false
        audiences:
          public: {incident_opened: [email, sms], incident_update: [email]}
          Executives: {incident_update: [email, sms, chat]}

Validation collects every problem with its path (``severities.SEV1.audiences.Execs: unknown
audience``) so a plan kept in version control can be fixed in one go. These are pure
functions: the caller supplies the group names that exist and does the writing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from statuspage.core.errors import DomainError
from statuspage.models.plan import (
    EVENT_KINDS,
    INCIDENT_EVENTS,
    MAINTENANCE_EVENTS,
    MAINTENANCE_PLAN,
    PLAN_SEVERITIES,
    PUBLIC,
)
from statuspage.models.subscribers import CHAT, EMAIL, PLAN_CHANNELS, SMS

VERSION = 1
# A week: longer than any sensible cadence, short enough to catch minutes typed as seconds.
MAX_CADENCE_MINUTES = 7 * 24 * 60
# Stakeholder members have an email address and a phone, and a group may have chat
# destinations (a Slack or Teams channel); never a webhook. "chat" means every chat provider.
MEMBER_CHANNELS = (EMAIL, SMS, CHAT)
SEVERITY_KEYS = ("definition", "first_update_minutes", "cadence_minutes", "approval",
                 "audiences")
# What a severity means and its first-update target: incidents have severities, maintenance
# does not (it is announced ahead, on its own schedule).
INCIDENT_ONLY_KEYS = ("definition", "first_update_minutes")
# A definition is a sentence or two read while choosing a severity under pressure.
MAX_DEFINITION = 500
# How many problems the error message lists before it only counts the rest.
MAX_LISTED_ERRORS = 10

Rules = dict[str, dict[str, tuple[str, ...]]]  # audience key -> event -> channels


@dataclass
class SeverityPlan:
    """One severity's row of the plan; audiences keyed by "public" or a group's public_id."""

    cadence_minutes: int | None = None
    approval: bool = False
    rules: Rules = field(default_factory=dict)
    # The business impact the severity stands for, and the response target for the first
    # public update (minutes from declaration); None: not set.
    definition: str | None = None
    first_update_minutes: int | None = None


Plan = dict[str, SeverityPlan]


class PlanError(DomainError):
    """A plan document that cannot be saved; `errors` lists every problem with its path."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        if len(errors) == 1:
            message = f"The plan was not saved: {errors[0]}"
        else:
            listed = "; ".join(errors[:MAX_LISTED_ERRORS])
            more = len(errors) - MAX_LISTED_ERRORS
            message = (f"The plan was not saved, {len(errors)} problems: {listed}"
                       + (f"; and {more} more" if more > 0 else ""))
        super().__init__(message, "plan")


def events_for(severity: str) -> tuple[str, ...]:
    """The events a severity's row of the plan can name."""
    return MAINTENANCE_EVENTS if severity == MAINTENANCE_PLAN else INCIDENT_EVENTS


def _mapping(value: Any, path: str, errors: list[str]) -> dict[Any, Any] | None:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(f"{path}: expected a mapping")
        return None
    return value


def _channels(value: Any, path: str, is_public: bool, errors: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        errors.append(f"{path}: expected a list of channels such as [email, sms]")
        return ()
    allowed = PLAN_CHANNELS if is_public else MEMBER_CHANNELS
    chosen: set[str] = set()
    for channel in value:
        if channel not in PLAN_CHANNELS:
            errors.append(f"{path}: unknown channel {channel!r} "
                          f"(use {', '.join(PLAN_CHANNELS)})")
        elif channel not in allowed:
            errors.append(f"{path}: channel {channel!r} does not reach stakeholder group "
                          f"members (use {', '.join(MEMBER_CHANNELS)})")
        else:
            chosen.add(channel)
    return tuple(c for c in PLAN_CHANNELS if c in chosen)


def _cadence(value: Any, path: str, errors: list[str]) -> int | None:
    # bool is an int in Python; "cadence_minutes: yes" is a mistake, not one minute.
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) \
            and 1 <= value <= MAX_CADENCE_MINUTES:
        return value
    errors.append(f"{path}: must be a whole number of minutes from 1 to "
                  f"{MAX_CADENCE_MINUTES}, or null for no cadence")
    return None


def _first_update(value: Any, path: str, errors: list[str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) \
            and 1 <= value <= MAX_CADENCE_MINUTES:
        return value
    errors.append(f"{path}: must be a whole number of minutes from 1 to "
                  f"{MAX_CADENCE_MINUTES}, or null for no target")
    return None


def _definition(value: Any, path: str, errors: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(f"{path}: must be text (quote it if it looks like a number or a date)")
        return None
    text = value.strip()
    if len(text) > MAX_DEFINITION:
        errors.append(f"{path}: is {len(text)} characters; keep it to {MAX_DEFINITION}")
        return None
    return text or None


def _audience_rules(severity: str, value: Any, path: str, is_public: bool,
                    errors: list[str]) -> dict[str, tuple[str, ...]]:
    events = _mapping(value, path, errors)
    rules: dict[str, tuple[str, ...]] = {}
    for event, channels in (events or {}).items():
        event_path = f"{path}.{event}"
        if event not in EVENT_KINDS:
            errors.append(f"{event_path}: unknown event (use {', '.join(events_for(severity))})")
            continue
        if event not in events_for(severity):
            kind = "maintenance" if severity == MAINTENANCE_PLAN else "incidents"
            errors.append(f"{event_path}: event does not apply to {kind} "
                          f"(use {', '.join(events_for(severity))})")
            continue
        chosen = _channels(channels, event_path, is_public, errors)
        if chosen:
            rules[event] = chosen
    return rules


def _severity(severity: str, value: Any, path: str, groups: Mapping[str, str],
              skip_unknown_groups: bool, errors: list[str]) -> SeverityPlan:
    body = _mapping(value, path, errors) or {}
    for key in body:
        if key not in SEVERITY_KEYS:
            errors.append(f"{path}.{key}: unknown key (use {', '.join(SEVERITY_KEYS)})")
    approval = body.get("approval", False)
    if not isinstance(approval, bool):
        errors.append(f"{path}.approval: must be true or false")
        approval = False
    result = SeverityPlan(_cadence(body.get("cadence_minutes"), f"{path}.cadence_minutes",
                                   errors), approval)
    if severity == MAINTENANCE_PLAN:
        for key in INCIDENT_ONLY_KEYS:
            if body.get(key) is not None:
                errors.append(f"{path}.{key}: maintenance has no severity definition or "
                              "first-update target; remove the key")
    else:
        result.definition = _definition(body.get("definition"), f"{path}.definition", errors)
        result.first_update_minutes = _first_update(
            body.get("first_update_minutes"), f"{path}.first_update_minutes", errors)
    audiences = _mapping(body.get("audiences"), f"{path}.audiences", errors) or {}
    for audience, events in audiences.items():
        audience_path = f"{path}.audiences.{audience}"
        if audience == PUBLIC:
            key = PUBLIC
        elif isinstance(audience, str) and audience in groups:
            key = groups[audience]
        else:
            if not skip_unknown_groups:
                known = ", ".join([PUBLIC, *sorted(groups)])
                errors.append(f"{audience_path}: unknown audience (known: {known})")
            continue
        rules = _audience_rules(severity, events, audience_path, key == PUBLIC, errors)
        if rules:
            result.rules[key] = rules
    return result


def parse_document(document: Any, groups: Mapping[str, str],
                   skip_unknown_groups: bool = False) -> Plan:
    """A validated Plan from a document, or PlanError listing every problem.

    `groups` maps each existing stakeholder group name to its public_id. Severities left out
    of the document get no messages, no cadence and no approval.
    """
    errors: list[str] = []
    body = _mapping(document, "(document)", errors)
    if body is None:
        raise PlanError(errors)
    for key in body:
        if key not in ("version", "severities"):
            errors.append(f"{key}: unknown key (use version, severities)")
    if body.get("version") != VERSION:
        errors.append(f"version: must be {VERSION}")
    plan: Plan = {severity: SeverityPlan() for severity in PLAN_SEVERITIES}
    severities = _mapping(body.get("severities"), "severities", errors) or {}
    for severity, value in severities.items():
        path = f"severities.{severity}"
        if severity not in PLAN_SEVERITIES:
            errors.append(f"{path}: unknown severity (use {', '.join(PLAN_SEVERITIES)})")
            continue
        plan[severity] = _severity(severity, value, path, groups, skip_unknown_groups, errors)
    if errors:
        raise PlanError(errors)
    return plan


def to_document(plan: Plan, names: Mapping[str, str]) -> dict[str, Any]:
    """The document for a Plan, in a fixed order so exports of the same plan are identical.

    `names` maps group public_ids to names; audiences are public first, then groups by name.
    """
    severities: dict[str, Any] = {}
    for severity in PLAN_SEVERITIES:
        row = plan.get(severity, SeverityPlan())
        keys = sorted((key for key in row.rules if key in names or key == PUBLIC),
                      key=lambda key: (key != PUBLIC, names.get(key, "")))
        audiences = {
            (PUBLIC if key == PUBLIC else names[key]): {
                event: list(row.rules[key][event])
                for event in events_for(severity) if row.rules[key].get(event)
            }
            for key in keys
        }
        targets: dict[str, Any] = {} if severity == MAINTENANCE_PLAN else {
            "definition": row.definition, "first_update_minutes": row.first_update_minutes}
        severities[severity] = {**targets, "cadence_minutes": row.cadence_minutes,
                                "approval": row.approval, "audiences": audiences}
    return {"version": VERSION, "severities": severities}
