"""The gRPC daemon: ``build_server(config) -> (server, port)``, servicers, interceptors."""

from appliance.server.app import ApplianceServer, build_server

__all__ = ["ApplianceServer", "build_server"]
