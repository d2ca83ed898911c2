"""What every scenario of a process shares: the CAs, client contexts and CA files."""

from __future__ import annotations

import atexit
import shutil
import threading

from ...fixtures import CertificateAuthority, owned_directory

__all__ = ["Resources"]


class Resources:
    """CAs, client contexts and CA files, created once per process."""

    _instance: Resources | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.server_ca = CertificateAuthority("proxyharness server CA")
        self.proxy_ca = CertificateAuthority("proxyharness proxy CA")
        #: Signs the certificates no client is told to trust.
        self.untrusted_ca = CertificateAuthority("proxyharness untrusted CA")
        self.server_ssl = self.server_ca.client_context()
        self.proxy_ssl = self.proxy_ca.client_context()
        # Named after this process: a later start sweeps it if this one is killed.
        self._directory = owned_directory("ca")
        atexit.register(shutil.rmtree, self._directory, ignore_errors=True)
        self.server_ca_file = self.server_ca.write_cert(self._directory / "server-ca.pem")
        self.proxy_ca_file = self.proxy_ca.write_cert(self._directory / "proxy-ca.pem")
        #: Both CAs in one file: the default trust of ``default_trust`` scenarios.
        self.bundle_file = self._directory / "default-trust.pem"
        self.bundle_file.write_bytes(self.server_ca.cert_pem() + self.proxy_ca.cert_pem())

    @classmethod
    def get(cls) -> Resources:
        """The process's resources, created on first use."""
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance
