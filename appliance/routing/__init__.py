"""Routing: which tier serves a request, and splitting a reasoning model's output."""
