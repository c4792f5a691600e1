"""The index: Chroma collections for chunks (vectors) and the article catalogue, and how they are read.

Embedded (``PersistentClient`` in the data directory, one writing process) or a
Chroma server (``store.url``, shared by several processes). Collections:

- ``<name>_chunks``: one record per chunk (``{article_id}:{n}``), cosine space,
  with the embedder id and dimension in the collection metadata (the guard)
  and a generation number that changes whenever committed content changes;
- ``<name>_articles``: one record per article (text and metadata), the catalogue.

Writes follow a small protocol (``writes``) so that an article is either fully
indexed or not at all, even if a process is killed: the catalogue record is the
commit point, and every chunk carries its article's content hash. Readers only
see chunks whose hash equals the committed hash of a committed article.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from rag.errors import StoreError
from rag.store.chroma import Chroma
from rag.store.records import ArticleRecord, chunk_from, record_from, where_clause
from rag.types import Chunk, Filters

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

    from rag.settings import Settings
    from rag.store.rebuild import Rebuild
    from rag.store.writes import StoreWriter


class Store:
    """Chunks and catalogue in Chroma, embedded or on a server."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.chroma = Chroma(settings, settings.store.collection)
        self._committed: dict[str, str] | None = None
        self._committed_gen: int | None = None
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        return self.chroma.location

    def close(self) -> None:
        self.chroma.close()
        self.forget()

    def forget(self) -> None:
        """Drop cached handles and the committed-articles cache (after a swap or a restore)."""
        self.chroma.forget()
        with self._lock:
            self._committed = None

    def collection(self, kind: str, create: bool = False) -> Collection | None:
        """``chunks`` or ``articles``; a half-swapped index (a killed reindex) is a one-line error, never empty."""

        def refuse_if_half_swapped() -> None:
            if self.rebuild.leftovers():
                raise StoreError(
                    "an interrupted reindex left the index half swapped — run `newsdesk reindex` to finish it"
                )

        return self.chroma.collection(kind, create, before_create=refuse_if_half_swapped)

    def required(self, kind: str) -> Collection:
        collection = self.collection(kind, True)
        assert collection is not None
        return collection

    # -- who writes -----------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[StoreWriter]:
        """A writer with its own owner id; while it runs, no repair undoes its pending articles."""
        from rag.store.writes import StoreWriter

        writer = StoreWriter.start(self)
        try:
            yield writer
        finally:
            writer.finish()

    @property
    def rebuild(self) -> Rebuild:
        from rag.store.rebuild import Rebuild

        return Rebuild(self)

    def remove(self, ids: Sequence[str]) -> list[str]:
        """Delete articles and their chunks; returns the ids that existed."""
        with self.writing() as writer:
            return writer.remove(ids)

    # -- generation ---------------------------------------------------------------------------------------------
    def generation(self) -> int:
        """A number that changes whenever committed content changes."""
        chunks = self.collection("chunks")
        return -1 if chunks is None else int(self.chroma.metadata(chunks).get("generation", 0))

    def bump(self) -> None:
        chunks = self.required("chunks")
        meta = self.chroma.metadata(chunks)
        # Unique, not just increasing: a rebuilt index must never reuse an old generation.
        meta["generation"] = max(time.time_ns(), int(meta.get("generation", 0)) + 1)
        self.chroma.call("update the collection", chunks.modify, metadata=meta)

    # -- catalogue reads ----------------------------------------------------
    def counts(self) -> tuple[int, int]:
        """Committed articles, and chunk records (including any not yet committed)."""
        articles, chunks = self.collection("articles"), self.collection("chunks")
        n_articles = len(self.committed()) if articles is not None else 0
        n_chunks = self.chroma.call("count chunks", chunks.count) if chunks is not None else 0
        return n_articles, n_chunks

    def committed(self) -> dict[str, str]:
        """Article id -> committed content hash, cached until the generation changes."""
        gen = self.generation()
        with self._lock:
            if self._committed is not None and self._committed_gen == gen:
                return self._committed
        articles = self.collection("articles")
        result: dict[str, str] = {}
        if articles is not None:
            for ids, metas, _ in self.chroma.paged(articles, include=["metadatas"]):
                result.update(
                    (i, m.get("content_hash", ""))
                    for i, m in zip(ids, metas, strict=True)
                    if m and m.get("status") == "complete"
                )
        with self._lock:
            self._committed, self._committed_gen = result, gen
        return result

    def get_articles(
        self, ids: Sequence[str], with_text: bool = True, include_pending: bool = False
    ) -> dict[str, ArticleRecord]:
        articles = self.collection("articles")
        if articles is None or not ids:
            return {}
        include = ["metadatas", "documents"] if with_text else ["metadatas"]
        page = self.chroma.call("read the catalogue", articles.get, ids=list(ids), include=include)
        docs = page.get("documents") or [None] * len(page["ids"])
        records = (record_from(i, m, d) for i, m, d in zip(page["ids"], page["metadatas"], docs, strict=True))
        return {r.article.id: r for r in records if include_pending or r.status == "complete"}

    def list_articles(self, filters: Filters | None = None, with_text: bool = False) -> list[ArticleRecord]:
        articles = self.collection("articles")
        if articles is None:
            return []
        where = where_clause(replace(filters, article_ids=(), exclude_article_ids=()) if filters else None)
        where = {"$and": [where, {"status": "complete"}]} if where else {"status": "complete"}
        include = ["metadatas", "documents"] if with_text else ["metadatas"]
        records = [
            record_from(i, m, d)
            for ids, metas, docs in self.chroma.paged(articles, include, where)
            for i, m, d in zip(ids, metas, docs, strict=True)
        ]
        if filters and filters.article_ids:
            wanted = set(filters.article_ids)
            records = [r for r in records if r.article.id in wanted]
        return records

    # -- chunk reads --------------------------------------------------------
    def query(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        """Nearest committed chunks with cosine similarity."""
        chunks = self.collection("chunks")
        if chunks is None:
            return []
        total = self.chroma.call("count chunks", chunks.count)
        if total == 0:
            return []
        result = self.chroma.call(
            "query the store",
            chunks.query,
            query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
            n_results=min(k, total),
            where=where_clause(filters),
            include=["documents", "metadatas", "distances"],
        )
        committed = self.committed()
        rows = zip(
            result["ids"][0], result["metadatas"][0], result["documents"][0], result["distances"][0], strict=True
        )
        return [
            (chunk_from(i, m, d), 1.0 - float(dist))
            for i, m, d, dist in rows
            if committed.get(m["article_id"]) == m.get("content_hash")
        ]

    def iter_chunks(self) -> Iterator[Chunk]:
        """Every committed chunk (for BM25)."""
        chunks = self.collection("chunks")
        if chunks is None:
            return
        committed = self.committed()
        for ids, metas, docs in self.chroma.paged(chunks, ["metadatas", "documents"]):
            for i, meta, doc in zip(ids, metas, docs, strict=True):
                if committed.get(meta["article_id"]) == meta.get("content_hash"):
                    yield chunk_from(i, meta, doc)

    def get_chunks(self, ids: Sequence[str]) -> list[tuple[Chunk, np.ndarray]]:
        """Chunks by id, with their vectors, in the order asked (missing ids are left out)."""
        chunks = self.collection("chunks")
        if chunks is None or not ids:
            return []
        page = self.chroma.call(
            "read chunks", chunks.get, ids=list(ids), include=["metadatas", "documents", "embeddings"]
        )
        rows = zip(page["ids"], page["metadatas"], page["documents"], page["embeddings"], strict=True)
        by_id = {i: (chunk_from(i, m, d), np.asarray(v, dtype=np.float32)) for i, m, d, v in rows}
        return [by_id[i] for i in ids if i in by_id]

    def chunks_of(self, article_id: str) -> list[Chunk]:
        chunks = self.collection("chunks")
        if chunks is None:
            return []
        page = self.chroma.call(
            "read chunks", chunks.get, where={"article_id": article_id}, include=["metadatas", "documents"]
        )
        found = [chunk_from(i, m, d) for i, m, d in zip(page["ids"], page["metadatas"], page["documents"], strict=True)]
        return sorted(found, key=lambda c: c.n)
