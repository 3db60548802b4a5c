"""Concurrency tests: run the same work in several threads released at the same instant.

    counts = together(lambda i: sweep(now=at), range(4))

Each call runs in its own thread (with its own database connection, closed when it ends); a barrier
lets them start together so they really race for the same rows. The results come back in completion
order; if any thread raised, the first exception is raised here after every thread ended; a thread
still running after ``timeout`` seconds fails the test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import connections

T = TypeVar("T")
R = TypeVar("R")


def together(fn: Callable[[T], R], args: Iterable[T], *, timeout: float = 120) -> list[R]:
    items = list(args)
    barrier = threading.Barrier(len(items))
    lock = threading.Lock()
    results: list[R] = []
    errors: list[BaseException] = []

    def worker(arg: T) -> None:
        try:
            barrier.wait()
            result = fn(arg)
            with lock:
                results.append(result)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(arg,)) for arg in items]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=timeout)
    stuck = [t.name for t in pool if t.is_alive()]
    if stuck:
        raise AssertionError(f"threads still running after {timeout} s: {stuck}")
    if errors:
        raise errors[0]
    return results
