"""Several machines: 2 web + 2 worker + 1 sms processes on PostgreSQL + Redis act as one install.

Every process is a separate OS process started from the Procfile's command (gunicorn for `web`,
statuspage.tasks.consumer for `worker` and `sms`), all with the same settings, sharing one
private PostgreSQL schema and one Redis (their own queue names: HUEY_NAME), as the README's
"Several machines" deploys them. An admin logs in on web A and publishes through its console
form; web B (which had the page cached) serves the incident within a second; a form is posted to
web B with web A's session and CSRF token (no sticky sessions); every subscriber gets exactly
one message, and a link a worker signed opens on web B (one SECRET_KEY everywhere).

Which process texts: the web and worker processes are pointed at a second fake Twilio (the
"trap"), the `sms` process at the one that counts, so an SMS sent by anything but the pump
would land in the trap.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from statuspage.accounts.users import create_user
from statuspage.core.extensions import db
from statuspage.models import Delivery, FanoutEvent
from tests.delivery_support import add_subscribers, email, phone, store_open_plan
from tests.factories import PASSWORD, Factory
from tests.fakes.providers import FakeSendGrid, FakeTwilio
from tests.machines_support import Browser, csrf_token
from tests.ratelimit_support import WebSite
from tests.worker_support import (
    WorkerSite,
    private_pg_schema,
    provider_env,
    received_emails,
    received_sms,
    worker_site,
)

PG_AND_REDIS = bool(os.environ.get("REDIS_URL")) and os.environ.get(
    "DATABASE_URL", "").startswith(("postgres://", "postgresql"))
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not PG_AND_REDIS, reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (CI's second pass)")]

# Its own account: the per-account login limit in a shared Redis counts for this run alone.
ADMIN = f"multi-admin-{secrets.token_hex(4)}@example.com"
TITLE = "Checkout errors on several machines"
LATER = "Found it: a bad deploy, rolled back (posted through web B)."
VISIBLE_WITHIN = 1.0  # seconds from the publish answer to the other web process serving it
SMS_FROM = "+14155550100"


@pytest.fixture
def trap_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    yield fake
    fake.stop()


def _seed(site: WorkerSite) -> int:
    """Subscribers, two components, an admin; the id of the component the incident hits."""
    with site.app.app_context():
        store_open_plan()
        factory = Factory()
        api, web = factory.component("API"), factory.component("Web")
        create_user(ADMIN, "Admin", "admin", PASSWORD, None)
        add_subscribers(50)
        add_subscribers(10, "sms")
        # Following one component: the affected one hears of it, the other does not.
        add_subscribers(1, start=100, components=[api])
        add_subscribers(1, "sms", start=100, components=[api])
        add_subscribers(1, start=101, components=[web])
        api_id = api.id
        db.session.remove()
    return api_id


def _settled(site: WorkerSite) -> bool:
    """Every fan-out expanded and no delivery left to send."""
    with site.app.app_context():
        events = set(db.session.execute(select(FanoutEvent.state)).scalars())
        states = Counter({state: int(n) for state, n in db.session.execute(
            select(Delivery.state, func.count()).group_by(Delivery.state))})
        db.session.remove()
    return bool(events) and events == {"done"} and not (states["queued"] or states["sending"])


def _until(seen: Callable[[], bool], timeout: float, what: str,
           processes: WorkerSite, webs: WebSite) -> float:
    """Wait for `seen`; the seconds it took. Fails early if a process died."""
    start = time.monotonic()
    while not seen():
        assert all(p.poll() is None for p in [*processes.consumers, *webs.procs]), \
            f"a process exited:\n{processes.log_tail()}\n{webs.log_tail()}"
        assert time.monotonic() - start < timeout, \
            f"timed out waiting for {what}:\n{processes.log_tail()}\n{webs.log_tail()}"
        time.sleep(0.02)
    return time.monotonic() - start


def _serves(browser: Browser, url: str, text: str) -> Callable[[], bool]:
    def check() -> bool:
        answer = browser.get(url)
        assert answer.status == 200, (url, answer.status)
        return text in answer.body
    return check


def test_two_webs_two_workers_and_one_sms_process_act_as_one_install(
    tmp_path: Path, fake_sendgrid: FakeSendGrid, fake_twilio: FakeTwilio,
    trap_twilio: FakeTwilio,
) -> None:
    began = time.monotonic()
    settings = provider_env(fake_sendgrid.url, trap_twilio.url, TWILIO_MAX_PER_SECOND="20",
                            TRUSTED_PROXY_HOPS="1")
    with private_pg_schema(os.environ["DATABASE_URL"]) as url, worker_site(
            tmp_path, settings, database_url=url, redis_url=os.environ["REDIS_URL"]) as site:
        api_id = _seed(site)
        site.start_consumer(workers=2)
        site.start_consumer(workers=2)
        site.start_sms_consumer(TWILIO_API_BASE_URL=fake_twilio.url)
        webs = WebSite(env=site.env, logs=tmp_path)
        try:
            with ThreadPoolExecutor(2) as pool:
                web_a, web_b = pool.map(lambda _: webs.start(workers=1), range(2))
            started = time.monotonic() - began
            reader = Browser()
            # Web B has the page and the API cached before the publish.
            for path in ("/", "/api/v2/incidents.json"):
                assert TITLE not in reader.get(web_b + path).body
                assert TITLE not in reader.get(web_b + path).body

            admin = Browser()
            login = admin.get(f"{web_a}/console/login")
            answer = admin.post(f"{web_a}/console/login", {
                "email": ADMIN, "password": PASSWORD, "next": "",
                "csrf_token": csrf_token(login.body)})
            assert answer.status in (302, 303), answer.body[-2000:]
            form = admin.get(f"{web_a}/console/incidents/new")
            assert form.status == 200
            answer = admin.post(f"{web_a}/console/incidents/new", {
                "csrf_token": csrf_token(form.body), "name": TITLE, "severity": "SEV2",
                "status": "investigating", "body": "Some payments fail.",
                f"component-{api_id}": "partial_outage", "deliver_notifications": "y",
                "action": "publish"})
            published = time.monotonic()
            assert answer.status == 303, answer.body[-2000:]
            public_id = answer.location.rstrip("/").rsplit("/", 1)[1]

            _until(lambda: _serves(reader, f"{web_b}/", TITLE)() and _serves(
                reader, f"{web_b}/api/v2/incidents.json", TITLE)(), 10, "web B", site, webs)
            seen_on_b = time.monotonic() - published
            assert seen_on_b < VISIBLE_WITHIN, f"web B served it {seen_on_b:.2f} s after"

            # A form from web A's page, posted to web B with web A's session: no stickiness.
            # Without the token web B refuses it, so the token from A is what it accepted.
            page = admin.get(f"{web_a}/console/incidents/{public_id}")
            update = {"status": "identified", "body": LATER, "visibility": "public",
                      "action": "publish"}  # no "deliver_notifications": nobody is told
            target = f"{web_b}/console/incidents/{public_id}/updates"
            refused = admin.post(target, update)
            assert (refused.status, "CSRF token is missing" in refused.body) == (400, True)
            incident_on_a = f"{web_a}/incidents/{public_id}"
            assert LATER not in reader.get(incident_on_a).body  # cached on A
            answer = admin.post(target, {**update, "csrf_token": csrf_token(page.body)})
            posted = time.monotonic()
            assert answer.status == 303, answer.body[-2000:]
            assert answer.location.endswith(f"/console/incidents/{public_id}")
            _until(_serves(reader, incident_on_a, LATER), 10, "web A", site, webs)
            seen_on_a = time.monotonic() - posted
            assert seen_on_a < VISIBLE_WITHIN, f"web A served it {seen_on_a:.2f} s after"

            emails = {email(n): 1 for n in [*range(50), 100]}
            texts = {phone(n): 1 for n in [*range(10), 100]}
            _until(lambda: (len(received_emails(list(fake_sendgrid.requests))) >= len(emails)
                            and len(received_sms(list(fake_twilio.requests))) >= len(texts)
                            and _settled(site)), 60, "every delivery", site, webs)
            delivered = time.monotonic() - published
            assert received_emails(list(fake_sendgrid.requests)) == Counter(emails)
            assert received_sms(list(fake_twilio.requests)) == Counter(texts)
            # Only the sms process's pump texted, from the one sender.
            assert trap_twilio.requests == []
            assert {r.param("From") for r in fake_twilio.messages} == {SMS_FROM}
            # A worker signed the links in the email; web B opens them.
            link = re.search(r"https://status\.example\.com(/manage/[A-Za-z0-9._-]+)",
                             json.dumps(fake_sendgrid.sends[0].json).replace("\\/", "/"))
            assert link is not None
            assert reader.get(web_b + link.group(1)).status == 200
        finally:
            webs.stop()
    print(f"\nseveral machines: processes up in {started:.1f} s; publish on A seen on B after "
          f"{seen_on_b:.3f} s, update on B seen on A after "
          f"{seen_on_a:.3f} s; every delivery done {delivered:.1f} s after the publish; "
          f"test {time.monotonic() - began:.1f} s")
