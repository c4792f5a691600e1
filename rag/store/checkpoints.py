"""Named points inside the store's write protocols, where a fault test can stop a process.

The product never sets a hook; a test's helper process does, to kill itself
exactly inside a window (a batch written but not committed, a reindex swap
half done) and so prove that the window is recoverable.
"""

from __future__ import annotations

from collections.abc import Callable

_hook: Callable[[str], None] | None = None


def reached(name: str) -> None:
    """Called by the write protocols at each named point."""
    if _hook is not None:
        _hook(name)


def set_hook(hook: Callable[[str], None] | None) -> None:
    global _hook
    _hook = hook
