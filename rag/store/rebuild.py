"""Rebuilding the index beside the old one and swapping it in, recoverably.

A reindex builds a complete new index under ``<name>__next`` (its chunks
collection marked complete, both collections tagged with one set id), then
moves it in: live -> ``__old``, ``__next`` -> live, ``__old`` dropped.
``recover`` reads where a killed swap stopped and finishes it (the new set is
complete) or undoes it (it is not), by the same idempotent steps: each one a
rename or a delete, each followed by a checkpoint the fault tests stop at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.errors import StoreError
from rag.store import checkpoints
from rag.store.writes import writable

if TYPE_CHECKING:
    from rag.store.index import Store

STAGING, RETIRED = "__next", "__old"
KINDS = ("chunks", "articles")


class Rebuild:
    """The swap protocol over one store's collections."""

    def __init__(self, store: Store):
        self.store = store
        self.chroma = store.chroma
        self.name = store.chroma.name

    def name_of(self, suffix: str, kind: str) -> str:
        return f"{self.name}{suffix}_{kind}"

    def leftovers(self) -> bool:
        """Whether a swap left staging or retired collections behind."""
        names = self.chroma.names()
        return any(self.name_of(suffix, kind) in names for suffix in (STAGING, RETIRED) for kind in KINDS)

    def drop(self) -> None:
        """Delete this store's own collections if they exist (a staging store drops its previous attempt)."""
        writable(self.store)
        names = self.chroma.names()
        for kind in KINDS:
            if self.name_of("", kind) in names:
                self.chroma.delete(self.name_of("", kind))
        self.store.forget()

    def mark_complete(self, set_id: str) -> None:
        """Seal a fully built index: its chunks collection says complete, and both collections carry ``set_id``."""
        writable(self.store)
        for kind in KINDS:
            collection = self.store.required(kind)
            extra = {"complete": True} if kind == "chunks" else {}
            self.chroma.call(
                "update the collection",
                collection.modify,
                metadata={**self.chroma.metadata(collection), **extra, "set": set_id},
            )

    def swap_in(self) -> None:
        """Replace the index by the complete staging one built under ``<name>__next``."""
        writable(self.store)
        if self.name_of(STAGING, "chunks") not in self.chroma.names():
            raise StoreError("no complete new index to swap in — run `newsdesk reindex` again")
        self.recover()

    def _forward(self, names: set[str]) -> bool:
        """Whether a complete new set exists, wherever the swap left its collections."""
        staged = [n for n in (self.name_of(STAGING, k) for k in KINDS) if n in names]
        if not staged:
            return False
        new_set = self.chroma.metadata(self.chroma.get(staged[0])).get("set")
        homes = [n for n in (self.name_of(suffix, "chunks") for suffix in (STAGING, "")) if n in names]
        chunks = next((n for n in homes if self.chroma.metadata(self.chroma.get(n)).get("set") == new_set), None)
        return (
            bool(new_set) and chunks is not None and bool(self.chroma.metadata(self.chroma.get(chunks)).get("complete"))
        )

    def recover(self) -> None:
        """Finish or undo a swap that a killed reindex left half done (idempotent)."""
        writable(self.store)
        names = self.chroma.names()
        forward = self._forward(names)
        for step, kind in enumerate(KINDS):
            live, old, nxt = (self.name_of(suffix, kind) for suffix in ("", RETIRED, STAGING))
            if forward and nxt in names:
                if live in names:
                    if old in names:
                        self.chroma.delete(old)  # a stale copy from an earlier swap; live is the index in use
                    self.chroma.rename(live, old)
                    checkpoints.reached(f"swap-{step}-aside")
                self.chroma.rename(nxt, live)
                checkpoints.reached(f"swap-{step}-in")
            elif not forward and live not in names and old in names:
                self.chroma.rename(old, live)
            names = self.chroma.names()
        for kind in KINDS:
            if not forward and self.name_of(STAGING, kind) in names:
                self.chroma.delete(self.name_of(STAGING, kind))
            if self.name_of(RETIRED, kind) in names and self.name_of("", kind) in names:
                self.chroma.delete(self.name_of(RETIRED, kind))
                checkpoints.reached(f"swap-drop-{kind}")
        self.store.forget()
