"""Alert intake from monitoring: Prometheus Alertmanager, Grafana and generic JSON webhooks.

sources.py (who may post, token and HMAC) -> payloads.py (what was posted) -> intake.py (one
notification: alerts upserted, grouped by grouping.py, automatic component status by
automation.py) -> notices.py (the on-duty staff told, once per proposal) -> decisions.py (the
communications lead declares an incident from a proposal, or dismisses it). mappings.py holds
the console's label -> component rules; board.py the reads; retention.py keeps storage bounded.
"""
