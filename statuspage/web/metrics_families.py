"""One scrape's figures as Prometheus metric families (README "Metrics" lists them).

Everything here is a gauge of the state read at scrape time, so every web process answers
alike. The hand-over latency is a gauge histogram: the newest hand-overs of a recent window
(statuspage.delivery.monitoring), so `histogram_quantile` applies to its buckets directly,
without `rate()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    Metric,
)

from statuspage.delivery.monitoring import (
    DELIVERY_CHANNELS,
    FAILURE_WINDOW,
    HANDOVER_SAMPLE,
    HANDOVER_WINDOW,
    DeliveryFigures,
    ProcessFigure,
    PumpBeat,
)
from statuspage.incidents.monitoring import IncidentFigures
from statuspage.models.deliveries import DELIVERY_STATES
from statuspage.models.processes import PROCESS_KINDS

# Seconds from a publish to the provider's acceptance: a healthy email fan-out hands its
# first messages over within a second, paced SMS take minutes.
HANDOVER_BUCKETS = (0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


@dataclass(frozen=True)
class Figures:
    deliveries: DeliveryFigures
    incidents: IncidentFigures
    processes: list[ProcessFigure]
    pump: PumpBeat | None  # None: the SMS queue's store did not answer
    sms_max_per_second: float
    heartbeat_seconds: float  # PROCESS_HEARTBEAT_SECONDS: how often a live process beats


def families(figures: Figures) -> Iterator[Metric]:
    """The metric families of one scrape."""
    yield from _delivery_families(figures.deliveries)
    yield from _sms_families(figures)
    yield from _incident_families(figures.incidents)
    yield from _process_families(figures.processes, figures.heartbeat_seconds)


def _delivery_families(d: DeliveryFigures) -> Iterator[Metric]:
    states = GaugeMetricFamily("statuspage_deliveries", "Deliveries by channel and state.",
                               labels=["channel", "state"])
    every = {(c, s) for c in DELIVERY_CHANNELS for s in DELIVERY_STATES}
    for key in sorted(every | set(d.by_state)):
        states.add_metric(list(key), d.by_state.get(key, 0))
    yield states
    due = GaugeMetricFamily("statuspage_deliveries_due",
                            "Queued deliveries whose send time has come.", labels=["channel"])
    oldest = GaugeMetricFamily("statuspage_delivery_oldest_due_age_seconds",
                               "How long the oldest due delivery has waited (0: none due).",
                               labels=["channel"])
    for channel in DELIVERY_CHANNELS:
        due.add_metric([channel], d.due.get(channel, 0))
        oldest.add_metric([channel], d.oldest_due_age.get(channel, 0.0))
    yield due
    yield oldest
    handover = GaugeHistogramMetricFamily(
        "statuspage_delivery_handover_seconds",
        f"Publish to provider hand-over of the newest (at most {HANDOVER_SAMPLE}) deliveries "
        f"handed over in the last {int(HANDOVER_WINDOW.total_seconds())} s.",
        labels=["channel"])
    for channel in DELIVERY_CHANNELS:
        seconds = d.handover.get(channel, [])
        buckets = [(str(edge), float(sum(1 for s in seconds if s <= edge)))
                   for edge in HANDOVER_BUCKETS]
        handover.add_metric([channel], [*buckets, ("+Inf", float(len(seconds)))],
                            gsum_value=sum(seconds))
    yield handover
    failures = GaugeMetricFamily(
        "statuspage_delivery_failures",
        f"Deliveries that failed in the last {int(FAILURE_WINDOW.total_seconds())} s, "
        "by channel and provider error code.", labels=["channel", "code"])
    for (channel, code), count in sorted(d.failures.items()):
        failures.add_metric([channel, code], count)
    yield failures


def _sms_families(figures: Figures) -> Iterator[Metric]:
    yield GaugeMetricFamily("statuspage_sms_sent_per_second",
                            "SMS handed to the provider per second over the last minute.",
                            value=figures.deliveries.sms_sent_last_minute / 60)
    yield GaugeMetricFamily("statuspage_sms_max_per_second",
                            "The configured SMS rate (TWILIO_MAX_PER_SECOND).",
                            value=figures.sms_max_per_second)
    yield GaugeMetricFamily("statuspage_queue_store_up",
                            "1 when the SMS queue's store (Redis or SQLite) answered.",
                            value=0 if figures.pump is None else 1)
    if figures.pump is None:
        return
    yield GaugeMetricFamily("statuspage_sms_pump_running",
                            "1 while an SMS pump holds its lock (it is sending).",
                            value=1 if figures.pump.running else 0)
    if figures.pump.heartbeat_age is not None:
        yield GaugeMetricFamily("statuspage_sms_pump_heartbeat_age_seconds",
                                "Seconds since the running SMS pump's last heartbeat "
                                "(absent while no pump runs).",
                                value=figures.pump.heartbeat_age)


def _incident_families(i: IncidentFigures) -> Iterator[Metric]:
    open_ = GaugeMetricFamily("statuspage_incidents_open", "Open incidents by severity.",
                              labels=["severity"])
    for severity, count in sorted(i.open_by_severity.items()):
        open_.add_metric([severity], count)
    yield open_
    yield GaugeMetricFamily("statuspage_incidents_cadence_overdue",
                            "Open incidents past the time their next public update was due.",
                            value=i.cadence_overdue)
    waiting = GaugeMetricFamily("statuspage_approvals_waiting",
                                "Drafts waiting for a second person's approval.",
                                labels=["kind"])
    for kind, count in sorted(i.approvals_waiting.items()):
        waiting.add_metric([kind], count)
    yield waiting
    yield GaugeMetricFamily("statuspage_approval_oldest_wait_seconds",
                            "How long the oldest draft has waited for approval (0: none).",
                            value=i.oldest_approval_age or 0.0)


def _process_families(processes: list[ProcessFigure], interval: float) -> Iterator[Metric]:
    age = GaugeMetricFamily("statuspage_process_heartbeat_age_seconds",
                            "Seconds since each web, worker and sms process last beat "
                            "(processes silent for an hour are dropped).",
                            labels=["kind", "process"])
    alive = {kind: 0 for kind in PROCESS_KINDS}
    cache = CounterMetricFamily("statuspage_public_cache_requests",
                                "Public page, feed and API requests per web process, answered "
                                "from its response cache (hit), by a render (miss).",
                                labels=["process", "result"])
    for process in processes:
        age.add_metric([process.kind, process.name], process.heartbeat_age)
        # Alive: beat within three intervals (one missed beat is not yet an alarm).
        if process.heartbeat_age <= 3 * interval:
            alive[process.kind] = alive.get(process.kind, 0) + 1
        if process.kind == "web":
            cache.add_metric([process.name, "hit"], process.cache_hits)
            cache.add_metric([process.name, "miss"], process.cache_misses)
    yield age
    processes_alive = GaugeMetricFamily("statuspage_processes_alive",
                                        "Processes of each kind that beat within three "
                                        "heartbeat intervals.", labels=["kind"])
    for kind, count in sorted(alive.items()):
        processes_alive.add_metric([kind], count)
    yield processes_alive
    yield cache
