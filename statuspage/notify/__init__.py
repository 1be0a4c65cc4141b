"""Notification channels: one module per kind (email, sms, webhook) plus the log backend."""
