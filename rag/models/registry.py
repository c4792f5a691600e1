"""Backends of one kind (embedders, LLMs), chosen by name: one registry class for both.

A backend registers a factory ``factory(settings) -> backend``, or its
``"module:function"`` name so that the module is imported only when used;
tests register their fakes the same way. An unknown name is a one-line error
listing the known ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from rag.errors import ConfigError

if TYPE_CHECKING:
    from rag.settings import Settings

T = TypeVar("T")
Factory = Callable[["Settings"], T]


class Registry(dict[str, "Callable[[Settings], T] | str"]):
    """Name -> factory, with ``register`` as a decorator and ``create`` by name."""

    def __init__(self, kind: str, extra_names: tuple[str, ...] = ()):
        super().__init__()
        self.kind = kind
        self.extra_names = extra_names  # names the settings accept that stand for another backend (``auto``)

    def register(self, name: str) -> Callable[[Callable[[Settings], T]], Callable[[Settings], T]]:
        def decorator(factory: Callable[[Settings], T]) -> Callable[[Settings], T]:
            self[name] = factory
            return factory

        return decorator

    def choices(self) -> str:
        return ", ".join([*self.extra_names, *sorted(self)])

    def check(self, name: str) -> None:
        """Refuse a name that is neither registered nor one of ``extra_names``."""
        if name not in self and name not in self.extra_names:
            raise ConfigError(f"unknown {self.kind} backend {name!r} — choose one of {self.choices()}")

    def create(self, name: str, settings: Settings) -> T:
        if name not in self:
            self.check(name)
        factory = self[name]
        if isinstance(factory, str):
            module, _, function = factory.partition(":")
            factory = getattr(importlib.import_module(module), function)
        return factory(settings)
