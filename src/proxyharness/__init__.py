"""proxyharness: fake proxies, a reference WebSocket client, and a conformance harness."""

__version__ = "0.1.0.dev0"
