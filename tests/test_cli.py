from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.models import Component, Incident, User


def test_seed_demo_seeds_page_and_prints_admin_login_once(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "https://status.example.com/console" in result.output
    assert "admin@example.com" in result.output and "Password:" in result.output
    kinds = db.session.execute(select(Incident.kind, Incident.status)).all()
    assert ("incident", "resolved") in kinds
    assert ("incident", "identified") in kinds
    assert ("maintenance", "scheduled") in kinds
    groups = select(func.count(Component.id)).where(Component.is_group)
    assert db.session.execute(groups).scalar() == 2
    admin = db.session.execute(select(User)).scalar_one()
    assert admin.role == "admin"

    again = runner.invoke(args=["seed-demo"])
    assert "already" in again.output and "Password:" not in again.output
    assert db.session.execute(select(func.count(Incident.id))).scalar() == 10


def test_create_admin_takes_credentials_from_environment(app: Flask, monkeypatch) -> None:
    from statuspage.accounts.users import find_user, verify_password

    monkeypatch.setenv("ADMIN_EMAIL", "Ops@Example.com")
    monkeypatch.setenv("ADMIN_PASSWORD", "a long enough secret")
    result = app.test_cli_runner().invoke(args=["create-admin"])
    assert result.exit_code == 0, result.output
    assert "a long enough secret" not in result.output
    user = find_user("ops@example.com")
    assert user is not None and user.role == "admin"
    assert verify_password(user, "a long enough secret")
