"""Delivery of outbox rows to Telegram."""
