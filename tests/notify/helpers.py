"""Recipients and configs for channel tests."""

from __future__ import annotations

from typing import Any

from statuspage.notify.base import Recipient

TWILIO_SID = "AC" + "0" * 32


def recipient(n: int, address: str | None = None, secret: str | None = None) -> Recipient:
    return Recipient(
        delivery_id=1000 + n, subscriber_id=n,
        address=address or f"subscriber{n}@example.com", language="en",
        manage_url=f"https://status.example.com/manage/token-{n}",
        unsubscribe_url=f"https://status.example.com/unsubscribe/token-{n}",
        secret=secret,
    )


def sendgrid_config(base_url: str, **overrides: Any) -> dict[str, Any]:
    return {"SENDGRID_API_KEY": "SG.test-key", "SENDGRID_API_BASE_URL": base_url,
            "MAIL_FROM": "status@example.com", "SENDGRID_TIMEOUT_SECONDS": 2, **overrides}


def twilio_config(base_url: str, **overrides: Any) -> dict[str, Any]:
    return {"TWILIO_ACCOUNT_SID": TWILIO_SID, "TWILIO_AUTH_TOKEN": "secret-token",
            "TWILIO_FROM": "+14155550100", "TWILIO_MESSAGING_SERVICE_SID": None,
            "TWILIO_API_BASE_URL": base_url, "TWILIO_TIMEOUT_SECONDS": 2,
            "PUBLIC_BASE_URL": "https://status.example.com", **overrides}
