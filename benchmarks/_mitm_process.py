"""mitmproxy in a process of its own, through the project's launcher.

Run as ``python benchmarks/_mitm_process.py MODE`` (``regular`` or ``socks5``): prints
its port (or ``missing: why`` when mitmproxy is not installed) and serves on 127.0.0.1
until stdin closes. Every tunnel is passed through untouched (no TLS interception).
"""

from __future__ import annotations

import sys

from proxyharness.fixtures.certs import CertificateAuthority
from proxyharness.fixtures.external import ProgramMissing
from proxyharness.fixtures.external.mitm import Mitmproxy


def main(mode: str) -> None:
    ca = CertificateAuthority("bench mitmproxy CA")
    try:
        proxy = Mitmproxy(ca, modes=(f"{mode}@0",)).start()
    except ProgramMissing as exc:
        print(f"missing: {exc}", flush=True)
        return
    try:
        print(proxy.listener(mode)[1], flush=True)
        sys.stdin.read()
    finally:
        proxy.stop()


if __name__ == "__main__":
    main(sys.argv[1])
