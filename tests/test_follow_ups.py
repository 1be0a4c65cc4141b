"""Follow-up actions across incidents, and the ones an incident shows publicly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from statuspage.incidents import follow_ups, postmortems
from statuspage.incidents.follow_ups import follow_up_list, page_today, public_follow_ups
from statuspage.incidents.lifecycle import resolve_incident
from statuspage.models import Incident
from statuspage.page.record import get_page
from tests.factories import Factory

TODAY = date(2026, 3, 10)


def _resolved(factory: Factory, name: str) -> Incident:
    incident = factory.incident(name=name, severity="SEV2")
    resolve_incident(incident, "Fixed.", None)
    return incident


def _published(factory: Factory, name: str = "Checkout errors") -> Incident:
    incident = _resolved(factory, name)
    postmortems.save_draft(incident, "## Summary\n\nA faulty release.", None)
    return postmortems.publish(incident, False, None)


def test_open_follow_ups_across_incidents_soonest_due_first_undated_last(
    factory: Factory,
) -> None:
    first, second = _resolved(factory, "Login"), _resolved(factory, "Checkout")
    postmortems.add_action_item(first, "Undated", "SRE", None, None)
    postmortems.add_action_item(second, "Later", "Payments", date(2026, 4, 1), None)
    postmortems.add_action_item(first, "Sooner", "SRE", date(2026, 3, 12), None)
    done = postmortems.add_action_item(second, "Finished", "SRE", date(2026, 3, 1), None)
    postmortems.set_action_item_done(second, done.id, True, None)

    listing = follow_up_list(today=TODAY)

    assert [(i.title, i.incident_name) for i in listing.items] == [
        ("Sooner", "Login"), ("Later", "Checkout"), ("Undated", "Login")]
    assert listing.owners == ["Payments", "SRE"]
    with_done = follow_up_list(include_done=True, today=TODAY)
    assert [i.title for i in with_done.items] == ["Finished", "Sooner", "Later", "Undated"]
    assert with_done.items[0].done and not with_done.items[0].overdue  # done is never overdue


def test_the_list_filters_by_owner(factory: Factory) -> None:
    incident = _resolved(factory, "Login")
    postmortems.add_action_item(incident, "Mine", "SRE", None, None)
    postmortems.add_action_item(incident, "Theirs", "Payments", None, None)

    listing = follow_up_list(owner="SRE", today=TODAY)

    assert [i.title for i in listing.items] == ["Mine"]
    assert listing.owners == ["Payments", "SRE"]  # the filter still offers every owner


def test_an_item_is_overdue_from_the_day_after_its_due_date_in_the_pages_zone(
    factory: Factory,
) -> None:
    incident = _resolved(factory, "Login")
    postmortems.add_action_item(incident, "Yesterday", "", TODAY - timedelta(days=1), None)
    postmortems.add_action_item(incident, "Today", "", TODAY, None)

    listing = follow_up_list(today=TODAY)

    assert [(i.title, i.overdue) for i in listing.items] == [("Yesterday", True),
                                                             ("Today", False)]
    assert listing.overdue_count == 1


def test_page_today_is_the_date_in_the_pages_zone(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(follow_ups, "utcnow", lambda: datetime(2026, 3, 10, 20, 0, tzinfo=UTC))
    get_page().time_zone = "Europe/Oslo"
    assert page_today() == date(2026, 3, 10)
    get_page().time_zone = "Pacific/Kiritimati"  # UTC+14: already tomorrow
    assert page_today() == date(2026, 3, 11)


def test_public_follow_ups_only_when_opted_in_and_the_postmortem_is_published(
    factory: Factory,
) -> None:
    incident = _resolved(factory, "Checkout errors")
    shown = postmortems.add_action_item(incident, "Canary releases", "Ada", None, None,
                                        public=True)
    postmortems.add_action_item(incident, "Internal clean-up", "Ada", None, None)
    postmortems.save_draft(incident, "Draft.", None)

    assert public_follow_ups(incident) == []  # not before the postmortem is published
    postmortems.publish(incident, False, None)
    assert [(i.title, i.done) for i in public_follow_ups(incident)] == [
        ("Canary releases", False)]
    postmortems.set_action_item_done(incident, shown.id, True, None)
    assert [(i.title, i.done) for i in public_follow_ups(incident)] == [
        ("Canary releases", True)]


def test_the_incident_page_lists_public_follow_ups_without_owners(
    client: FlaskClient, factory: Factory
) -> None:
    incident = _published(factory)
    item = postmortems.add_action_item(incident, "Canary releases", "Ada Lovelace",
                                       date(2026, 5, 1), None)
    postmortems.add_action_item(incident, "Rotate keys", "Grace", None, None)
    url = f"/incidents/{incident.public_id}"
    assert "Follow-up actions" not in client.get(url).get_data(as_text=True)

    postmortems.set_action_item_public(incident, item.id, True, None)

    page = client.get(url).get_data(as_text=True)  # the page cache was told (touch_page)
    section = page.split('id="follow-ups"', 1)[1].split("</section>", 1)[0]
    assert "Canary releases" in section and "Open" in section
    assert "Rotate keys" not in page
    assert "Ada Lovelace" not in page and "2026-05-01" not in page


def test_unpublishing_the_postmortem_hides_its_follow_ups(
    client: FlaskClient, factory: Factory
) -> None:
    incident = _published(factory)
    postmortems.add_action_item(incident, "Canary releases", "", None, None, public=True)
    url = f"/incidents/{incident.public_id}"
    assert "Canary releases" in client.get(url).get_data(as_text=True)

    postmortems.unpublish(incident, None)

    assert "Canary releases" not in client.get(url).get_data(as_text=True)


def test_the_api_does_not_list_follow_ups(client: FlaskClient, factory: Factory) -> None:
    incident = _published(factory)
    postmortems.add_action_item(incident, "Canary releases", "", None, None, public=True)
    # The Statuspage-compatible shapes have no place for them; the page is where they show.
    assert "Canary releases" not in client.get("/api/v2/incidents.json").get_data(as_text=True)
