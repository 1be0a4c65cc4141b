"""GET /metrics: the Prometheus text format, read from the database on each scrape.

Nothing is counted in a process: a collector reads the figures (statuspage.delivery.monitoring,
statuspage.incidents.monitoring, the SMS pump's heartbeat) when scraped, so with several
gunicorn workers, worker and sms processes, any web process gives the same answer.

Access: with METRICS_TOKEN set, a request must carry `Authorization: Bearer <token>` (compared
in constant time; 401 otherwise). Without it, /metrics is not served (404) by the public app;
`statuspage:create_metrics_app()` serves it without a token (unless one is set), for a
private bind only.

The reads run under the web tier's deadline (web.db_guard, DATABASE_CHECK_TIMEOUT_SECONDS): a
slow or hung database gives `statuspage_metrics_database_up 0` and the figures left out, never
a 500 or a held worker.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.exc import SQLAlchemyError

from statuspage.core.extensions import db
from statuspage.delivery.monitoring import PumpBeat, delivery_figures, process_figures, pump_beat
from statuspage.incidents.monitoring import incident_figures
from statuspage.models import utcnow
from statuspage.web.db_guard import UNAVAILABLE, bounded_read
from statuspage.web.metrics_families import Figures, families

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)
# The classic text format every Prometheus reads (what generate_latest writes by default);
# the client's own CONTENT_TYPE_LATEST names version 1.0.0, which older servers do not know.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Collector:
    """Yields this scrape's metric families (a prometheus-client custom collector)."""

    def collect(self) -> Iterator[Metric]:
        started = time.monotonic()
        try:
            figures: Figures | None = bounded_read(_read_figures)
        except (*UNAVAILABLE, SQLAlchemyError) as error:
            log.warning("metrics: the database did not answer (%s)", type(error).__name__)
            db.session.rollback()
            figures = None
        yield GaugeMetricFamily("statuspage_metrics_database_up",
                                "1 when the database answered this scrape in time.",
                                value=0 if figures is None else 1)
        if figures is not None:
            yield from families(figures)
        yield GaugeMetricFamily("statuspage_metrics_scrape_duration_seconds",
                                "How long reading this scrape's figures took.",
                                value=time.monotonic() - started)


def _read_figures() -> Figures:
    now = utcnow()
    deliveries = delivery_figures(now)
    incidents = incident_figures(now)
    processes = process_figures(now)
    db.session.rollback()  # a read: end its transaction before the store is asked
    return Figures(deliveries=deliveries, incidents=incidents, processes=processes,
                   pump=_pump(),
                   sms_max_per_second=float(current_app.config["TWILIO_MAX_PER_SECOND"]),
                   heartbeat_seconds=float(current_app.config["PROCESS_HEARTBEAT_SECONDS"]))


def _pump() -> PumpBeat | None:
    try:
        return pump_beat()
    except Exception as error:  # Redis (or the SQLite queue file) is down: reported as a gauge
        log.warning("metrics: the SMS queue's store did not answer (%s)", type(error).__name__)
        return None


_registry = CollectorRegistry(auto_describe=False)
_registry.register(Collector())


@bp.get("/metrics")
def metrics() -> Response:
    """The Prometheus text format, for a bearer of METRICS_TOKEN (see the module)."""
    token: str | None = current_app.config.get("METRICS_TOKEN")
    if not token and not current_app.config.get("METRICS_WITHOUT_TOKEN"):
        return Response("Not Found\n", 404, mimetype="text/plain")
    if token and not _bearer_matches(token):
        return Response("A valid bearer token is required.\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    response = Response(generate_latest(_registry), mimetype=None,
                        content_type=CONTENT_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


# The token check and the bounded read answer without waiting on the database (web.db_guard).
metrics.answers_without_database = True  # type: ignore[attr-defined]


def _bearer_matches(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
