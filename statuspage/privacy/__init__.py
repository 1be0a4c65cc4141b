"""Privacy: what the service keeps about a person, for how long, and on request nothing.

person.py finds everything held about one email address or phone number; export.py writes it
as one JSON document (GDPR article 15) and erase.py erases it (article 17), both audited
without the address in clear; retention.py is the periodic task's use-case: delivery records,
provider receipts and the dev outbox after DELIVERY_RETENTION_DAYS, and the addresses of
subscribers who left after UNSUBSCRIBED_RETENTION_DAYS. An erased subscriber stays an anonymous
opt-out record (statuspage.subscriptions.erasure), so their suppression still holds.
"""
