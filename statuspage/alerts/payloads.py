"""What monitoring systems post, read into one shape: a batch of alerts with a group key.

- Alertmanager's webhook_config body (version "4": groupKey, status, alerts[] with labels,
  annotations, startsAt, endsAt, generatorURL, fingerprint) and Grafana's webhook contact
  point body (version "1": the same, plus orgId, title, state, message) are read alike.
- The generic format is that alert object with everything optional but `labels`: a body with
  an `alerts` list, or one alert on its own; `title` (a summary) and `groupKey` are optional.
  An alert without a fingerprint gets Prometheus's: FNV-1a over its sorted labels.

Pure functions: a malformed body raises PayloadError with what is wrong. Long texts are cut,
not refused (an alert is never lost for a verbose annotation); more than MAX_ALERTS alerts in
one body are counted and left out, so one request's work is bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from statuspage.core.errors import DomainError
from statuspage.models.alerts import FIRING, GENERIC, RESOLVED

MAX_ALERTS = 1000
MAX_LABELS = 64
MAX_NAME = 100
MAX_VALUE = 1000
MAX_ANNOTATION = 4000
MAX_GROUP_KEY = 2000
MAX_URL = 1000
MAX_FINGERPRINT = 64
# Prometheus's label-set fingerprint (prometheus/common model.LabelSet.Fingerprint): 64-bit
# FNV-1a over each name and value, each followed by the separator byte, names sorted.
_FNV_OFFSET, _FNV_PRIME, _SEPARATOR = 14695981039346656037, 1099511628211, 0xFF
_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$")


class PayloadError(DomainError):
    """A body that is not an alert notification of the expected shape."""


@dataclass(frozen=True)
class IncomingAlert:
    fingerprint: str
    status: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime | None
    ends_at: datetime | None
    generator_url: str | None

    @property
    def title(self) -> str:
        """What a person calls this alert: its summary, else its name."""
        return (self.annotations.get("summary") or self.labels.get("alertname")
                or self.annotations.get("description") or "").strip()


@dataclass(frozen=True)
class Batch:
    group_key: str
    alerts: list[IncomingAlert]
    # Alerts beyond MAX_ALERTS, left out.
    ignored: int = 0


def fingerprint(labels: dict[str, str]) -> str:
    """Prometheus's fingerprint of a label set, as Alertmanager and Grafana send it."""
    value = _FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode():
                value = ((value ^ byte) * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
            value = ((value ^ _SEPARATOR) * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 time (nanoseconds allowed, as Go writes them); None for Go's zero time
    ("0001-01-01T00:00:00Z": not ended), for anything before 1970 or after 2999, or junk."""
    if not isinstance(value, str):
        return None
    match = _RFC3339.match(value.strip())
    if match is None:
        return None
    day, clock, fraction, zone = match.groups()
    micro = (fraction or "")[:6].ljust(6, "0")
    zone = "+00:00" if zone in ("Z", "z") else zone
    try:
        parsed = datetime.fromisoformat(f"{day}T{clock}.{micro}{zone}")
    except ValueError:
        return None
    if not 1970 <= parsed.year <= 2999:
        return None
    return parsed.astimezone(UTC)


def _text(value: Any, limit: int, where: str) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).lower()
    if isinstance(value, str | int | float):
        return str(value)[:limit]
    raise PayloadError(f"{where} must be text, not {type(value).__name__}.", "alerts")


def _pairs(value: Any, where: str, value_limit: int) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be an object of names and texts.", "alerts")
    if len(value) > MAX_LABELS:
        raise PayloadError(f"{where} has more than {MAX_LABELS} entries.", "alerts")
    pairs: dict[str, str] = {}
    for name, text in value.items():
        key = str(name).strip()[:MAX_NAME]
        if key:
            pairs[key] = _text(text, value_limit, f"{where}.{key}")
    return pairs


def _status(value: Any, default: str, where: str) -> str:
    if value is None or value == "":
        return default
    status = str(value).strip().lower() if isinstance(value, str) else ""
    if status not in (FIRING, RESOLVED):
        raise PayloadError(f"{where}.status must be “firing” or “resolved”.", "alerts")
    return status


def _first(item: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if item.get(key) not in (None, ""):
            return item[key]
    return None


def _alert(item: Any, index: int, default_status: str, generic: bool) -> IncomingAlert:
    where = f"alerts[{index}]"
    if not isinstance(item, dict):
        raise PayloadError(f"{where} must be an object.", "alerts")
    labels = _pairs(item.get("labels"), f"{where}.labels", MAX_VALUE)
    annotations = _pairs(item.get("annotations"), f"{where}.annotations", MAX_ANNOTATION)
    if generic and item.get("title") not in (None, ""):
        annotations.setdefault("summary", _text(item["title"], MAX_ANNOTATION, f"{where}.title"))
    if not labels and not annotations.get("summary"):
        raise PayloadError(f"{where} needs labels (or, in the generic format, a title).",
                           "alerts")
    given = item.get("fingerprint")
    sent = given.strip()[:MAX_FINGERPRINT] if isinstance(given, str) else ""
    url = _first(item, "generatorURL", "generator_url", "url")
    return IncomingAlert(
        fingerprint=sent or fingerprint(labels or {"summary": annotations["summary"]}),
        status=_status(item.get("status"), default_status, where),
        labels=labels, annotations=annotations,
        starts_at=parse_time(_first(item, "startsAt", "starts_at")),
        ends_at=parse_time(_first(item, "endsAt", "ends_at")),
        generator_url=_text(url, MAX_URL, f"{where}.generatorURL") or None,
    )


def parse(kind: str, body: Any) -> Batch:
    """Read a notification from a source of `kind`; PayloadError when it is not one."""
    generic = kind == GENERIC
    if not isinstance(body, dict):
        raise PayloadError("The body must be a JSON object.", "alerts")
    items = body.get("alerts")
    if items is None and generic:
        items = [body]  # one alert on its own
    if not isinstance(items, list):
        raise PayloadError("The body needs an “alerts” list.", "alerts")
    default = _status(body.get("status"), FIRING, "body")
    kept = items[:MAX_ALERTS]
    alerts = [_alert(item, index, default, generic) for index, item in enumerate(kept)]
    group = _first(body, "groupKey", "group_key")
    return Batch(group_key=_text(group, MAX_GROUP_KEY, "groupKey"), alerts=alerts,
                 ignored=len(items) - len(kept))
