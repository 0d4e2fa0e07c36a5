"""Concierge: a self-hosted AI media concierge."""
