"""A few threads that run blocking calls (git, mostly) while the main thread works.

``concurrent.futures`` would do, but importing it imports ``logging``, which every
command that asks git would pay for at start-up; this is the little of it noxgraph
uses: submit, wait for a result in order, and drop what has not started.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

TYPE_CHECKING = False  # typing's constant without importing typing, 3 ms of start-up

__all__ = ["Pool", "Task"]

if TYPE_CHECKING:
    from typing import Generic, TypeVar

    T = TypeVar("T")

    class _Generic(Generic[T]):
        pass
else:
    T = None

    class _Generic:
        """What ``Generic`` gives a class at run time, where ``Task[...]`` is only
        written in annotations, which are never evaluated."""

        def __class_getitem__(cls, item: object) -> type:
            return cls


class Task(_Generic[T]):
    """One call submitted to a :class:`Pool`: wait for it with :meth:`result`."""

    def __init__(self, call: Callable[[], T]) -> None:
        self._call = call
        self._done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            self._value = self._call()
        except BaseException as exc:  # handed to whoever waits for the result
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> T:
        """The call's return value, or its exception raised here."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


class Pool:
    """Up to ``workers`` daemon threads; a task waits in line until one is free.

    The line is a deque, whose ends are thread-safe, and a semaphore counting what is
    in it: ``queue`` (with heapq) would cost more to import than a run spends here."""

    def __init__(self, workers: int) -> None:
        self._workers = max(1, workers)
        self._line: deque[Task[object] | None] = deque()
        self._waiting = threading.Semaphore(0)
        self._threads: list[threading.Thread] = []
        self._closed = False

    def _put(self, task: Task[object] | None) -> None:
        self._line.append(task)
        self._waiting.release()

    def submit(self, call: Callable[[], T]) -> Task[T]:
        task = Task(call)
        self._put(task)  # type: ignore[arg-type]
        if len(self._threads) < self._workers:
            thread = threading.Thread(target=self._work, daemon=True)
            thread.start()
            self._threads.append(thread)
        return task

    def _work(self) -> None:
        while not self._closed:
            self._waiting.acquire()
            task = self._line.popleft()
            if task is None or self._closed:
                return
            task.run()

    def close(self) -> None:
        """Start nothing more; what runs finishes on its own (git is quick)."""
        self._closed = True
        for _ in self._threads:
            self._put(None)
