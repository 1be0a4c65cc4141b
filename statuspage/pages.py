"""The page settings row and the cache version stamp."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update

from statuspage.extensions import db
from statuspage.models import Page, utcnow


def get_page() -> Page:
    """The installation's page, created from the configured defaults on first use."""
    page = db.session.execute(select(Page).order_by(Page.id).limit(1)).scalar_one_or_none()
    if page is None:
        page = Page(
            name=current_app.config["PAGE_NAME"],
            url=current_app.config["PUBLIC_BASE_URL"],
            time_zone=current_app.config["PAGE_TIME_ZONE"],
        )
        db.session.add(page)
        db.session.flush()
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
