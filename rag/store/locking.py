"""The embedded store's one-writer rule, enforced: an exclusive lock on the data directory.

Chroma's embedded store keeps its index in the memory of the process that
opened it; two processes writing to one data directory overwrite each other's
work. The first process that writes takes ``<data_dir>/.newsdesk.lock``
(``flock``, released by the system when the process ends, even when killed)
and keeps it; another process that tries to write gets a one-line error naming
the holder and the server mode. Within one process the lock is shared.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
from pathlib import Path

from rag.errors import StoreError
from rag.problems import Problem

LOCK_NAME = ".newsdesk.lock"
_held: dict[Path, int] = {}  # data directory -> open file descriptor holding its lock
_guard = threading.Lock()


def _key(data_dir: Path) -> Path:
    return Path(data_dir).resolve()


def holds_data_dir(data_dir: Path) -> bool:
    """Whether this process holds the data directory's lock."""
    return _key(data_dir) in _held


def hold_data_dir(data_dir: Path) -> None:
    """Take the data directory's writer lock (a no-op when this process holds it already)."""
    key = _key(data_dir)
    with _guard:
        if key in _held:
            return
        key.mkdir(parents=True, exist_ok=True)
        path = key / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(Problem("not_writable", path=key, error=exc.strerror)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 300, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise StoreError(Problem("busy", path=key, holder=holder)) from None
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            f"pid {os.getpid()}: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200]}".encode(),
            0,
        )
        _held[key] = fd


def release_data_dir(data_dir: Path) -> None:
    """Give the lock back (processes normally keep it until they end)."""
    with _guard:
        fd = _held.pop(_key(data_dir), None)
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock
