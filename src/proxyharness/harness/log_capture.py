"""The client's log records, kept while it runs, to be searched for passwords (URL-05).

Given the scenario's secrets, the handler runs first and masks them in each record
after keeping its text, so that no other handler (pytest's captured log, a file)
receives a password.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Collection, Iterator

__all__ = ["LogCapture", "capture_logs"]


#: Name prefixes of the proxies' and servers' threads: their logs are not the client's.
_PROXY_THREADS = ("proxyharness-loop", "proxyharness-mitmproxy")


class LogCapture(logging.Handler):
    """Keep the text of every log record written while active (the proxies' excluded)."""

    def __init__(self, secrets: Collection[str] = ()) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self._saved_level = logging.NOTSET
        #: Longest first, so that no part of one is left over.
        self._secrets = sorted((s for s in secrets if s), key=len, reverse=True)

    def emit(self, record: logging.LogRecord) -> None:
        if (record.threadName or "").startswith(_PROXY_THREADS):
            return
        with contextlib.suppress(Exception):
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += " " + "".join(traceback.format_exception_only(record.exc_info[1]))
            self.lines.append(text)
            if any(secret in text for secret in self._secrets):
                for secret in self._secrets:
                    text = text.replace(secret, "****")
                record.msg, record.args, record.exc_info, record.exc_text = text, (), None, None

    def __enter__(self) -> LogCapture:
        root = logging.getLogger()
        self._saved_level = root.level
        root.handlers.insert(0, self)  # first: it masks secrets before the others see them
        root.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc_info: object) -> None:
        root = logging.getLogger()
        root.removeHandler(self)
        root.setLevel(self._saved_level)


@contextlib.contextmanager
def capture_logs(active: bool, secrets: Collection[str] = ()) -> Iterator[list[str]]:
    """The log lines written in the block, the proxies' left out; none unless ``active``.

    ``secrets`` are masked in the records once kept (other handlers see them masked).
    """
    if not active:
        yield []
        return
    with LogCapture(secrets) as capture:
        yield capture.lines
