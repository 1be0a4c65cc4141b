"""Local fake HTTP providers (SendGrid, Twilio, a webhook receiver) for tests."""
