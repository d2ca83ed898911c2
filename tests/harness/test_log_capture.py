"""Tests for proxyharness.harness.log_capture."""

from __future__ import annotations

import logging
import threading

import pytest

from proxyharness.harness.log_capture import capture_logs

LOG = logging.getLogger("proxyharness.tests.log_capture")


def log_in_thread(name: str, message: str) -> None:
    thread = threading.Thread(target=LOG.warning, args=(message,), name=name)
    thread.start()
    thread.join(5)


def test_capture_keeps_the_clients_lines() -> None:
    """Lines of any level and thread are kept, with the text of a logged exception."""
    with capture_logs(True) as lines:
        LOG.debug("opening %s", "wss://u:secret@h/")
        log_in_thread("client-thread", "from a thread")
        try:
            raise OSError("reset")
        except OSError:
            LOG.exception("failed")
    assert lines[:2] == ["opening wss://u:secret@h/", "from a thread"]
    assert lines[2].startswith("failed OSError: reset")


def test_capture_leaves_out_the_proxies() -> None:
    """The fake servers' and mitmproxy's own logs are not the client's."""
    with capture_logs(True) as lines:
        log_in_thread("proxyharness-loop", "a fake server")
        log_in_thread("proxyharness-mitmproxy-1", "mitmproxy")
    assert lines == []


def test_inactive_capture_keeps_nothing() -> None:
    """Without passwords to look for, nothing is kept and logging is left alone."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    with capture_logs(False) as lines:
        assert (root.level, root.handlers) == (level, handlers)
        LOG.warning("not kept")
    assert lines == []


def test_capture_restores_the_root_logger() -> None:
    """The root logger's level and handlers are back as they were after the block."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    with capture_logs(True):
        assert root.level == logging.DEBUG
    assert (root.level, root.handlers) == (level, handlers)


def test_secrets_are_masked_for_the_other_handlers(caplog: pytest.LogCaptureFixture) -> None:
    """The line is kept whole for the search; every other handler sees it masked."""
    with caplog.at_level(logging.DEBUG), capture_logs(True, {"s3cr:ét"}) as lines:
        LOG.warning("proxy %s", "http://u:s3cr:ét@h")
    assert lines == ["proxy http://u:s3cr:ét@h"]
    assert caplog.messages[-1] == "proxy http://u:****@h"
