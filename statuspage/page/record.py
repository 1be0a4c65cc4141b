"""The page settings row and the cache version stamp."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from statuspage.core.extensions import db
from statuspage.models import Page, utcnow

PAGE_ID = 1


def get_page() -> Page:
    """The installation's page, created from the configured defaults on first use.

    Created with a fixed primary key, so two processes racing to create it end with one row.
    When nothing else is pending (a first read), the new row is committed at once, so the
    page's public id is stable from the very first API answer.
    """
    page = db.session.get(Page, PAGE_ID)
    if page is not None:
        return page
    pending = bool(db.session.new or db.session.dirty or db.session.deleted)
    page = Page(
        id=PAGE_ID,
        name=current_app.config["PAGE_NAME"],
        url=current_app.config["PUBLIC_BASE_URL"],
        time_zone=current_app.config["PAGE_TIME_ZONE"],
    )
    if pending:
        db.session.add(page)
        db.session.flush()
        return page
    try:
        db.session.add(page)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        page = db.session.execute(select(Page).where(Page.id == PAGE_ID)).scalar_one()
    return page


def touch_page() -> None:
    """Mark everything public as changed, inside the caller's transaction.

    An atomic increment, so two processes publishing at once both move the stamp on; after
    the commit, every web process's cache sees a new version and rebuilds.
    """
    page = get_page()
    db.session.execute(
        update(Page)
        .where(Page.id == page.id)
        .values(cache_version=Page.cache_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.info["page_touched"] = True
    db.session.expire(page, ["cache_version", "updated_at"])
