"""A broken command agent: it ignores every proxy and goes to the target's "real" address.

It resolves the target's name itself (the system resolver: a SOCKS5h client must not),
then connects straight to :data:`REAL` (a documentation address standing for the real
server), sends a WebSocket opening request and reports an error. Only the private
network's DNS log and catch-all see what it did; so that it never dials an address
outside, it refuses to run unless ``/etc/resolv.conf`` names the private network's
resolver.
"""

import contextlib
import json
import socket
import sys
import urllib.parse

REAL = "203.0.113.80"
RESOLVER = "nameserver 192.0.2.53"

request = json.loads(sys.stdin.read())
if request["request"] == "describe":
    print(json.dumps({"name": "went-direct", "capabilities": [], "network": "private"}))
    sys.exit(0)
with open("/etc/resolv.conf", encoding="ascii") as resolv:
    if RESOLVER not in resolv.read() or request.get("hosts"):
        print(json.dumps({"error": {"kind": "refused", "message": "not in a private network"}}))
        sys.exit(0)
target = urllib.parse.urlsplit(request["uri"])
host = target.hostname or ""
with contextlib.suppress(OSError):
    socket.getaddrinfo(host, None)
port = target.port or (443 if target.scheme == "wss" else 80)
try:
    with socket.create_connection((REAL, port), 5) as sock:
        sock.sendall(f"GET {target.path or '/'} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        sock.recv(1)
except OSError:
    pass
print(json.dumps({"error": {"kind": "lost", "message": "the real server closed"}}))
