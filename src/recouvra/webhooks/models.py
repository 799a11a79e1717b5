"""Webhook endpoints of an organisation, the outbox of events to send them, each attempt."""
