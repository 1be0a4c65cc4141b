"""Helpers for the approval tests: approval on, a team of console users, cheap passwords."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from statuspage.accounts import users as accounts
from statuspage.core.extensions import db
from statuspage.models import User
from statuspage.plan import save as plan_save
from statuspage.plan import yaml_io
from tests.factories import Factory

PHONE = "+447911123456"
OTHER_PHONE = "+447911654321"


def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2, with test-sized costs: these tests create several users each."""
    monkeypatch.setattr(accounts, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def require_approval() -> None:
    """From now on every severity's public updates (and postmortems) need approval."""
    plan_save.seed_default_plan()
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true"), None)


def team(factory: Factory) -> dict[str, User]:
    """An author and a colleague (communicators with phones), an admin without one, a viewer
    and an inactive communicator (both with phones: they must never be told)."""
    people = {
        "author": factory.user(role="communicator", email="author@example.com", phone=PHONE),
        "colleague": factory.user(role="communicator", email="colleague@example.com",
                                  phone=OTHER_PHONE),
        "admin": factory.user(role="admin", email="admin@example.com"),
        "viewer": factory.user(role="viewer", email="viewer@example.com", phone="+447911000001"),
        "gone": factory.user(role="communicator", email="gone@example.com",
                             phone="+447911000002"),
    }
    people["gone"].is_active_user = False
    db.session.commit()
    return people
