"""Reading what senders post (statuspage.alerts.payloads): fingerprints, times, shapes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from statuspage.alerts.payloads import PayloadError, fingerprint, parse, parse_time
from tests.alert_support import documented


def test_fingerprints_are_prometheus_label_set_fingerprints() -> None:
    # prometheus/common model/signature_test.go, TestLabelsToSignature: the same FNV-1a.
    assert int(fingerprint({"name": "garland, briggs", "fear": "love is not enough"}),
               16) == 5799056148416392346
    assert int(fingerprint({}), 16) == 14695981039346656037  # an empty label set
    # The fixture's fingerprints are those of its labels.
    for alert in documented("alertmanager_firing")["alerts"]:
        assert fingerprint(alert["labels"]) == alert["fingerprint"]


@pytest.mark.parametrize(("text", "expected"), [
    ("2018-08-03T09:52:26.739266876+02:00",
     datetime(2018, 8, 3, 7, 52, 26, 739266, tzinfo=UTC)),  # nanoseconds, as Go writes them
    ("2021-10-12T09:51:03.157076+02:00", datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)),
    ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
    ("0001-01-01T00:00:00Z", None),  # Go's zero time: not ended
    ("9999-12-31T23:59:59+14:00", None),
    ("yesterday", None), (None, None), (12, None), ("2024-13-01T00:00:00Z", None),
])
def test_times_are_read_as_go_writes_them(text: object, expected: datetime | None) -> None:
    assert parse_time(text) == expected


def test_grafana_extra_fields_are_ignored_and_the_group_key_kept() -> None:
    batch = parse("grafana", documented("grafana_webhook"))
    assert batch.group_key == "{}:{}"
    assert [a.fingerprint for a in batch.alerts] == ["c6eadffa33fcdf37", "bc97ff14869b13e3"]
    assert batch.alerts[0].generator_url == "https://play.grafana.org/alerting/1afz29v7z/edit"
    assert batch.alerts[0].labels == {"alertname": "High memory usage", "team": "blue",
                                      "zone": "us-1"}


def test_only_the_generic_format_takes_a_lone_alert() -> None:
    lone = {"title": "Disk full", "labels": {"host": "db1"}}
    assert parse("generic", lone).alerts[0].title == "Disk full"
    with pytest.raises(PayloadError, match="alerts"):
        parse("alertmanager", lone)


def test_long_texts_are_cut_not_refused() -> None:
    batch = parse("generic", {"labels": {"a": "v" * 5000},
                              "annotations": {"description": "d" * 10_000}})
    alert = batch.alerts[0]
    assert len(alert.labels["a"]) == 1000 and len(alert.annotations["description"]) == 4000
