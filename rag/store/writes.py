"""Writing to the index: every article whole or not at all, and no writer undoing another's work.

A write run has an owner id. An article being written is first marked pending
(or, when it replaces a committed version, keeps that version visible and
notes the hash being written) with its owner and a lease; then its chunks are
written and read back; then its catalogue record is committed. ``repair``
undoes only abandoned writes: an owner not running in this process whose
process is gone (the embedded store has one writing process, by its lock) or
whose lease is over (several processes share a Chroma server).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.errors import StoreError
from rag.store import checkpoints, locking
from rag.store.records import NO_VECTOR, ArticleRecord, article_meta, chunk_meta
from rag.types import Chunk

if TYPE_CHECKING:
    from rag.store.index import Store

log = logging.getLogger(__name__)
_LIVE: set[str] = set()  # owners of the write runs in this process
DELETE_BATCH = 100  # articles whose leftovers one delete call removes
READ_BACK_ATTEMPTS = 2  # times a batch's missing chunks are written again before giving up


def writable(store: Store) -> None:
    """The embedded store has one writing process: take the data directory's lock (once),
    then finish what a killed reindex left (no other writer can be mid-swap)."""
    if store.settings.store.url or locking.holds_data_dir(store.settings.data_dir):
        return
    locking.hold_data_dir(store.settings.data_dir)
    if store.rebuild.leftovers():
        store.rebuild.recover()


def incomplete(store: Store, ids: Sequence[str]) -> set[str]:
    """Committed articles among ``ids`` that lack some of their chunks (so re-adding them must rewrite them)."""
    records = store.get_articles(ids, with_text=False)
    chunks = store.collection("chunks")
    if not records or chunks is None:
        return {i for i, r in records.items() if r.n_chunks}
    found: dict[str, int] = dict.fromkeys(records, 0)
    wanted = sorted(records)
    for start in range(0, len(wanted), 500):
        for _ids, metas, _ in store.chroma.paged(
            chunks, ["metadatas"], {"article_id": {"$in": wanted[start : start + 500]}}
        ):
            for meta in metas:
                record = records[meta["article_id"]]
                if meta.get("content_hash") == record.article.content_hash and int(meta["n"]) < record.n_chunks:
                    found[record.article.id] += 1
    return {i for i, r in records.items() if found[i] != r.n_chunks}


class StoreWriter:
    """One write run on a store, under one owner id."""

    def __init__(self, store: Store, owner: str):
        self.store = store
        self.owner = owner
        self._chroma = store.chroma

    @classmethod
    def start(cls, store: Store) -> StoreWriter:
        writable(store)
        writer = cls(store, f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")
        _LIVE.add(writer.owner)
        return writer

    def finish(self) -> None:
        _LIVE.discard(self.owner)

    def begin(self, records: Sequence[ArticleRecord]) -> None:
        """Mark articles as being written (before any of their chunks), with the lease ``store.write_lease_s``."""
        if not records:
            return
        writable(self.store)
        articles = self.store.required("articles")
        existing = self.store.get_articles([r.article.id for r in records], with_text=True, include_pending=True)
        lease = math.ceil(time.time() + self.store.settings.store.write_lease_s)  # never shorter than asked
        ids, metas, docs = [], [], []
        for record in records:
            old = existing.get(record.article.id)
            if old is not None and old.status == "complete":  # keep the committed version visible
                ids.append(old.article.id)
                metas.append(
                    article_meta(old, pending_hash=record.article.content_hash, writer=self.owner, lease=lease)
                )
                docs.append(old.article.text)
            else:
                ids.append(record.article.id)
                metas.append(article_meta(replace(record, status="pending"), writer=self.owner, lease=lease))
                docs.append(record.article.text)
        self._chroma.call(
            "write the catalogue",
            articles.upsert,
            ids=ids,
            metadatas=metas,
            documents=docs,
            embeddings=[NO_VECTOR] * len(ids),
        )

    def write_chunks(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        writable(self.store)
        collection = self.store.required("chunks")
        batch = self.store.settings.store.batch_size
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            self._chroma.call(
                "write chunks",
                collection.upsert,
                ids=[c.id for c in part],
                embeddings=np.asarray(vectors[start : start + batch], dtype=np.float32),
                documents=[c.text for c in part],
                metadatas=[chunk_meta(c) for c in part],
            )

    def missing_chunks(self, chunks: Sequence[Chunk]) -> list[int]:
        """Positions in ``chunks`` of those the store does not hold as written (absent, or another version)."""
        collection = self.store.collection("chunks")
        if collection is None:
            return list(range(len(chunks)))
        held: dict[str, str] = {}
        for start in range(0, len(chunks), 2000):
            page = self._chroma.call(
                "read chunks", collection.get, ids=[c.id for c in chunks[start : start + 2000]], include=["metadatas"]
            )
            held.update(
                (i, (m or {}).get("content_hash", "")) for i, m in zip(page["ids"], page["metadatas"], strict=True)
            )
        return [i for i, c in enumerate(chunks) if held.get(c.id) != c.content_hash]

    def write_batch(self, records: Sequence[ArticleRecord], chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Write articles atomically: pending, chunks, every chunk read back, commit.

        The read-back means an article is never committed without all its chunks,
        even if something deleted some of them meanwhile.
        """
        self.begin(records)
        self.write_chunks(chunks, vectors)
        checkpoints.reached("batch-pending")
        for _ in range(READ_BACK_ATTEMPTS):
            missing = self.missing_chunks(chunks)
            if not missing:
                break
            log.warning("%d chunks of a batch went missing before its commit; writing them again", len(missing))
            self.begin(records)
            self.write_chunks([chunks[i] for i in missing], np.asarray(vectors)[missing])
        else:
            if self.missing_chunks(chunks):
                raise StoreError(
                    "chunks written to the store keep disappearing before their commit — check that only "
                    "Newsdesk writes to the store, then run the command again"
                )
        self.commit(records)

    def commit(self, records: Sequence[ArticleRecord]) -> None:
        """Make articles visible, then drop chunks left over from older versions."""
        if not records:
            return
        writable(self.store)
        articles = self.store.required("articles")
        now = int(time.time())
        done = [replace(r, status="complete", added=r.added or now) for r in records]
        self._chroma.call(
            "write the catalogue",
            articles.upsert,
            ids=[r.article.id for r in done],
            metadatas=[article_meta(r) for r in done],
            documents=[r.article.text for r in done],
            embeddings=[NO_VECTOR] * len(done),
        )
        checkpoints.reached("committed")
        chunks = self.store.required("chunks")
        stale = [{"$and": [{"article_id": r.article.id}, {"n": {"$gte": r.n_chunks}}]} for r in done]
        for start in range(0, len(stale), DELETE_BATCH):  # one call per hundred articles, not one per article
            part = stale[start : start + DELETE_BATCH]
            self._chroma.call("delete old chunks", chunks.delete, where=part[0] if len(part) == 1 else {"$or": part})
        self.store.bump()

    def remove(self, ids: Sequence[str]) -> list[str]:
        """Delete articles and their chunks; returns the ids that existed."""
        articles, chunks = self.store.collection("articles"), self.store.collection("chunks")
        if articles is None or not ids:
            return []
        found = list(self._chroma.call("read the catalogue", articles.get, ids=list(ids), include=[])["ids"])
        if not found:
            return []
        self._chroma.call(
            "delete articles", articles.delete, ids=found
        )  # catalogue first: its chunks are then invisible
        if chunks is not None:
            for start in range(0, len(found), DELETE_BATCH):
                self._chroma.call(
                    "delete chunks", chunks.delete, where={"article_id": {"$in": found[start : start + DELETE_BATCH]}}
                )
        self.store.bump()
        return found

    def abandoned(self, meta: Mapping[str, Any], now: float) -> bool:
        """Whether a pending write can be undone (see the module's docstring)."""
        if meta.get("writer") in _LIVE:
            return False
        if not self.store.settings.store.url:
            return True  # the embedded store's lock: no other process writes
        return int(meta.get("lease") or 0) < now

    def repair(self) -> int:
        """Undo abandoned writes; returns how many articles were fixed. Another writer's article in flight is kept."""
        articles, chunks = self.store.collection("articles"), self.store.collection("chunks")
        if articles is None:
            return 0
        pending = self._chroma.call(
            "read the catalogue",
            articles.get,
            include=["metadatas"],
            where={"$or": [{"status": "pending"}, {"pending_hash": {"$ne": ""}}]},
        )
        now = time.time()
        fixed = 0
        for id, meta in zip(pending["ids"], pending["metadatas"], strict=True):
            if not self.abandoned(meta, now):
                continue
            if meta.get("status") == "pending":  # never committed: nothing of it stays
                if chunks is not None:
                    self._chroma.call("delete chunks", chunks.delete, where={"article_id": id})
                self._chroma.call("delete articles", articles.delete, ids=[id])
            else:  # a new version was being written over a committed one: keep the committed one
                if chunks is not None:
                    self._chroma.call(
                        "delete chunks",
                        chunks.delete,
                        where={"$and": [{"article_id": id}, {"content_hash": {"$ne": meta.get("content_hash", "")}}]},
                    )
                self._chroma.call(
                    "write the catalogue",
                    articles.update,
                    ids=[id],
                    metadatas=[{**meta, "pending_hash": "", "writer": "", "lease": 0}],
                )
            fixed += 1
        if fixed:
            self.store.bump()
        return fixed
