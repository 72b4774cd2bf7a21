"""The audit log: every request leaves a begin and an end record."""
