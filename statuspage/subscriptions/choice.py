"""Which components a public subscriber hears about: the ids a form sent, made into
components (a group stands for its components), and a subscriber's own change of them."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.numbers import whole_number
from statuspage.core.transaction import use_case
from statuspage.models import Component, Subscriber


@use_case
def change_components(subscriber: Subscriber, ids: Iterable[int | str]) -> Subscriber:
    """Follow these components (a group stands for its components; none means all)."""
    if subscriber.incident_id is not None:
        raise DomainError(_("This subscription follows one incident; it has no components "
                            "to choose."), "components")
    subscriber.components = resolve_components(ids)
    db.session.commit()
    return subscriber


def resolve_components(ids: Iterable[int | str]) -> list[Component]:
    """Components by id, groups expanded to their components; DomainError for unknown ids."""
    wanted: set[int] = set()
    for raw in ids or ():
        number = raw if isinstance(raw, int) else whole_number(str(raw))
        if number is None:
            raise DomainError(_("Choose components from the list."), "components")
        wanted.add(number)
    if not wanted:
        return []
    rows = db.session.execute(select(Component).where(Component.id.in_(wanted))).scalars().all()
    if len(rows) != len(wanted):
        raise DomainError(_("Choose components from the list."), "components")
    chosen: dict[int, Component] = {}
    for component in sorted(rows, key=lambda c: (c.position, c.id)):
        for leaf in (component.children if component.is_group else [component]):
            chosen.setdefault(leaf.id, leaf)
    return list(chosen.values())
