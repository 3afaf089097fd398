"""Delivery: the persisted outbox, and getting what it holds to the collector, at least once."""
