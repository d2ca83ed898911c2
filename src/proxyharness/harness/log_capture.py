"""The client's log records, kept while it runs, to be searched for passwords (URL-05)."""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Iterator

__all__ = ["LogCapture", "capture_logs"]


#: Name prefixes of the proxies' and servers' threads: their logs are not the client's.
_PROXY_THREADS = ("proxyharness-loop", "proxyharness-mitmproxy")


class LogCapture(logging.Handler):
    """Keep the text of every log record written while active (the proxies' excluded)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self._saved_level = logging.NOTSET

    def emit(self, record: logging.LogRecord) -> None:
        if (record.threadName or "").startswith(_PROXY_THREADS):
            return
        with contextlib.suppress(Exception):
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += " " + "".join(traceback.format_exception_only(record.exc_info[1]))
            self.lines.append(text)

    def __enter__(self) -> LogCapture:
        root = logging.getLogger()
        self._saved_level = root.level
        root.addHandler(self)
        root.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc_info: object) -> None:
        root = logging.getLogger()
        root.removeHandler(self)
        root.setLevel(self._saved_level)


@contextlib.contextmanager
def capture_logs(active: bool) -> Iterator[list[str]]:
    """The log lines written in the block, the proxies' left out; none unless ``active``."""
    if not active:
        yield []
        return
    with LogCapture() as capture:
        yield capture.lines
