"""The stages of the request path, each a small step with explicit inputs and outputs.

:mod:`appliance.pipeline` calls them in order (ARCHITECTURE.md's request path)::

    validate ─► mask ─► place (route, tokenize, local or central) ─► escalate
             ─► generate ─► output (split reasoning, scan, restore) ─► audit records

They depend on the engine protocol, privacy, audit and routing, never on a transport.
"""
