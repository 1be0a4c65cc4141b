"""Builders with overridable defaults for the objects tests need."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any

from statuspage.accounts.users import create_user
from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import IncidentInput, open_incident
from statuspage.incidents.maintenance import MaintenanceInput, schedule_maintenance
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Component, Incident, User, utcnow
from statuspage.page.record import get_page, touch_page

PASSWORD = "correct horse battery staple"
_seq = count(1)


class Factory:
    def user(self, role: str = "admin", email: str | None = None,
             password: str = PASSWORD, **fields: Any) -> User:
        user, _ = create_user(email or f"user{next(_seq)}@example.com", fields.pop("name", ""),
                              role, password, None)
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.commit()
        return user

    def component(self, name: str | None = None, group: Component | None = None,
                  **fields: Any) -> Component:
        get_page()
        siblings = group.children if group is not None else []
        component = Component(name=name or f"Component {next(_seq)}", group=group,
                              position=fields.pop("position", len(siblings) + 1), **fields)
        db.session.add(component)
        touch_page()
        db.session.commit()
        return component

    def group(self, name: str | None = None, **fields: Any) -> Component:
        return self.component(name or f"Group {next(_seq)}", is_group=True, showcase=False,
                              **fields)

    def incident(self, name: str = "Something is broken", severity: str = "SEV2",
                 status: str = "investigating", body: str = "We are investigating.",
                 components: dict[Component, str] | None = None,
                 started_at: datetime | None = None, **update: Any) -> Incident:
        get_page()
        statuses = {c.id: s for c, s in (components or {}).items()}
        return open_incident(IncidentInput(
            name=name, severity=severity, started_at=started_at,
            update=UpdateInput(status=status, body=body, component_statuses=statuses, **update),
        ), None)

    def maintenance(self, name: str = "Database upgrade", starts_in: timedelta | None = None,
                    length: timedelta = timedelta(hours=2),
                    components: list[Component] | None = None, **fields: Any) -> Incident:
        get_page()
        start = utcnow() + (starts_in if starts_in is not None else timedelta(days=1))
        return schedule_maintenance(MaintenanceInput(
            name=name, scheduled_for=start, scheduled_until=start + length,
            body=fields.pop("body", "Planned work."),
            component_ids=[c.id for c in components or []], **fields,
        ), None)
