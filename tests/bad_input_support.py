"""What the bad-input sweep sends: hostile values, and a small world of real objects.

Real objects let a hostile body reach past "not found" into the views and use-cases; hostile
path values check that no URL part reaches the database unchecked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from flask import Flask
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter

from statuspage.accounts.api_tokens import create_token
from statuspage.core.extensions import db
from statuspage.incidents.postmortems import add_action_item
from statuspage.incidents.templates import TemplateInput, create_template
from statuspage.models import TEMPLATE_PHASES
from statuspage.page.record import get_page
from statuspage.plan.stakeholder_members import MemberInput
from statuspage.subscriptions.admin import NewSubscriber, add_subscriber
from statuspage.subscriptions.links import manage_path
from statuspage.web.url_rules import converter_of
from tests.factories import Factory
from tests.stakeholder_support import group_with

ROOT = Path(__file__).resolve().parent.parent

# URL parts, already percent-encoded: controls, huge and negative numbers, wrong types,
# Unicode digits, invalid UTF-8, an encoded surrogate, traversal, very long.
PATH_VALUES = ["%00", "a%07b", "%0D%0AX:%20y", "9" * 30, str(2**63), str(2**31), "-1", "abc",
               "1.5", "%C2%B2", "%EF%BC%91", "%FF%FE", "%ED%A0%80", "..%2F..%2Fetc",
               "%27%20OR%201=1--", "x" * 600]
QUERY_STRINGS = ["page=%00", "page=" + "9" * 30, "page=%C2%B2", "page=%EF%BC%91&limit=%C2%B2",
                 "limit=" + "9" * 30 + "&page=-1", "q=%00&channel=%07&state=%1b",
                 "month=0001-01&incident=%ff", "next=%0D%0Ahttp://evil.example",
                 "owner=%00&done=9", "x" * 3000 + "=1", "%FF%FE=%FF", "month=9999-99",
                 "page=0&limit=0", "lang=%00&notice=%07"]
# Form values without control characters (those stop at the boundary; see CONTROL_VALUES).
FORM_VALUES = ["9" * 30, str(2**63), "-1", "0", "²", "\uff11", "0001-01-01T00:00",
               "9999-12-31T23:59", "9999-12-31", "0001-01-01", "", "x" * 2000, "abc", "1.5",
               "true", "bogus", "%s%n", "<script>alert(1)</script>", "\ufeff", "a\r\nb\tc"]
CONTROL_VALUES = ["\x00", "a\x07b", "\x1b[31m", "\x7f"]
ACTIONS = ["publish", "preview", "reach", "use_template", "save", None]
JSON_VALUES: list[object] = [10**30, -1, 1.5, True, None, [], {}, "9" * 30, "²", "\uff11",
                             "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "9999-12-31",
                             "x" * 5000, 1e308, {"a": [1, {"b": None}]}]
API_FIELDS = ["name", "status", "body", "message", "impact_override", "scheduled_for",
              "scheduled_until", "scheduled_remind_prior", "scheduled_auto_in_progress",
              "scheduled_auto_completed", "components", "component_ids",
              "deliver_notifications", "visibility", "backfilled", "backfill_date",
              "description", "group_id", "showcase", "only_show_if_degraded", "start_date",
              "position", "impact", "severity", "auto_transition_to_operational_state"]


def form_field_names(app: Flask) -> list[str]:
    """Every form field name the templates render, plus per-object names the views read."""
    names: set[str] = set()
    for template in (ROOT / "templates").rglob("*.html"):
        names.update(re.findall(r'\bname="([A-Za-z_][\w.-]*)"', template.read_text()))
    names.discard("csrf_token")
    names.discard("action")
    return sorted(names | {"component-1", "target-1", "target-" + "9" * 30, "group_id",
                           "owner_id", "components", "remind_before_minutes"})


@dataclass
class World:
    """Real objects for URL parts, by the rule's first segment and the argument's name."""

    values: dict[tuple[str, str], str]

    def value_for(self, rule: Rule, name: str) -> str:
        converter = converter_of(rule, name)
        if isinstance(converter, AnyConverter):
            return sorted(converter.items)[0]
        segments = [s for s in rule.rule.split("/") if s and not s.startswith("<")]
        for segment in reversed(segments):
            if (segment, name) in self.values:
                return self.values[(segment, name)]
        return self.values.get(("", name), "x")


def build_world(factory: Factory) -> World:
    """A component, group, incident with an action item, maintenance, subscribers, a
    stakeholder group, a template, a token and a second user, each reachable by URL."""
    page = get_page()
    component = factory.component()
    factory.group()
    incident = factory.incident(components={component: "major_outage"})
    maintenance = factory.maintenance(components=[component])
    other = factory.user(role="viewer")
    item = add_action_item(incident, "Fix it", "Team", None, None)
    email = add_subscriber(NewSubscriber("email", "sweep@example.com", [component.id]), None)
    sms = add_subscriber(NewSubscriber("sms", "+14155550100", [component.id]), None)
    group = group_with("Execs", MemberInput(name="Ada", email="ada@example.com"))
    template = create_template(TemplateInput(TEMPLATE_PHASES[0], "Sweep", "T", "B", ""), None)
    token = create_token("sweep", "write", None).token
    db.session.commit()
    values = {
        ("", "page_id"): page.public_id,
        ("components", "public_id"): component.public_id,
        ("components", "component_id"): component.public_id,
        ("incidents", "public_id"): incident.public_id,
        ("incidents", "incident_id"): incident.public_id,
        ("actions", "item_id"): str(item.id),
        ("maintenance", "public_id"): maintenance.public_id,
        ("updates", "public_id"): incident.updates[0].public_id,
        ("subscribers", "public_id"): email.public_id,
        ("sms", "public_id"): sms.public_id,
        ("stakeholders", "public_id"): group.public_id,
        ("templates", "public_id"): template.public_id,
        ("tokens", "public_id"): token.public_id,
        ("users", "user_id"): str(other.id),
        ("reports", "month"): "2024-05",
        ("manage", "token"): manage_path(email).rsplit("/", 1)[1],
        ("logo", "filename"): "logo.png",
        ("static", "filename"): "public.css",
        ("members", "member_id"): group.members[0].public_id,
    }
    return World(values)


def url_for_rule(rule: Rule, world: World, hostile: dict[str, str] | None = None) -> str:
    """The rule's path with real values, or `hostile` (already encoded) for some arguments."""
    hostile = hostile or {}

    def part(match: re.Match[str]) -> str:
        name = match.group(1)
        return hostile.get(name) or quote(world.value_for(rule, name), safe="")

    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", part, rule.rule)
