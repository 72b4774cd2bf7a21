"""Generated gRPC stubs for the public API (``proto/appliance/v1/appliance.proto``).

Regenerate with ``make proto``; ``tests/unit/test_proto_stubs.py`` fails when these are stale.
"""
