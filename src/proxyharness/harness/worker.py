"""The worker loop: an asyncio loop on its own thread, where agents' calls run, bounded."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .agents import Agent, Call, NotSupported

__all__ = ["RawCall", "Worker"]


@dataclass
class RawCall:
    """What came back from the worker loop."""

    echo: str | bytes | None = None
    error: BaseException | None = None
    hung: bool = False
    unsupported: str | None = None
    leaked_tasks: list[str] = field(default_factory=list)
    #: Errors the loop's exception handler received during the call (client bugs in callbacks).
    loop_errors: list[str] = field(default_factory=list)
    duration: float = 0.0
    #: :func:`time.perf_counter` when the call started (its end: plus ``duration``).
    started: float = 0.0


class Worker:
    """An asyncio loop on its own daemon thread, where agents' coroutines run."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.set_default_executor(
            concurrent.futures.ThreadPoolExecutor(thread_name_prefix="proxyharness-worker-pool")
        )
        self.errors: list[str] = []
        self.loop.set_exception_handler(self._record_error)
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.call_soon(ready.set)
            try:
                self.loop.run_forever()
                self.loop.run_until_complete(self.loop.shutdown_default_executor())
            finally:
                self.loop.close()

        self.thread = threading.Thread(target=serve, name="proxyharness-worker", daemon=True)
        self.thread.start()
        ready.wait(10)

    def _record_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """Keep what would be logged as "Exception in callback..." for the case's record."""
        text = str(context.get("message", "unhandled error"))
        exception = context.get("exception")
        if exception is not None:
            text += f": {type(exception).__name__}: {exception}"
        self.errors.append(text[:300])

    def call(self, agent: Agent, call: Call, timeout: float, grace: float) -> RawCall:
        """Run ``agent.exchange(call)`` here; give up ``grace`` seconds after ``timeout``."""
        self.errors = []
        future = asyncio.run_coroutine_threadsafe(_bounded(agent, call, timeout), self.loop)
        try:
            raw = future.result(timeout + grace)
            raw.loop_errors, self.errors = self.errors, []
            return raw
        except concurrent.futures.TimeoutError:
            future.cancel()
            self.close(wait=False)
            raise

    def close(self, wait: bool = True) -> None:
        """Stop the loop; its thread closes it (a blocked loop, once it unblocks)."""
        with contextlib.suppress(RuntimeError):  # already closed
            self.loop.call_soon_threadsafe(self.loop.stop)
        if wait:
            self.thread.join(5)


async def _bounded(agent: Agent, call: Call, timeout: float) -> RawCall:
    raw = RawCall()
    started = raw.started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout) as scope:
            raw.echo = await agent.exchange(call)
    except NotSupported as exc:
        raw.unsupported = str(exc) or type(exc).__name__
    except TimeoutError as exc:
        if scope.expired():
            raw.hung = True
        else:
            raw.error = exc
    except (Exception, asyncio.CancelledError) as exc:
        raw.error = exc
    raw.duration = time.perf_counter() - started
    raw.leaked_tasks = await _leftover_tasks()
    return raw


async def _leftover_tasks() -> list[str]:
    """Describe tasks the agent left pending on this loop, then cancel them."""
    for _ in range(3):
        await asyncio.sleep(0)
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=1.0)
    return [f"asyncio task left pending: {task.get_coro()!r}"[:200] for task in pending]
