"""A value built on first use, once, even when several threads ask at the same time.

Models load this way, so that building a pipeline (and ``newsdesk --help``)
is instant and a model no command needs is never loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    def __init__(self, factory: Callable[[], T]):
        self._factory = factory
        self._value: T | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, value: T) -> Lazy[T]:
        """An already built value (what a test or a caller injects)."""
        lazy = cls(lambda: value)
        lazy._value = value
        return lazy

    @property
    def loaded(self) -> bool:
        return self._value is not None

    def get(self) -> T:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._factory()
        return self._value
