"""The index: Chroma collections for chunks (vectors) and the article catalogue.

Embedded (``PersistentClient`` in the data directory, one process at a time)
or a Chroma server (``store.url``, shared by several processes). Collections:

- ``<name>_chunks``: one record per chunk (``{article_id}:{n}``), cosine space,
  with the embedder id and dimension in the collection metadata (the guard);
- ``<name>_articles``: one record per article (text and metadata), the catalogue.

Writes follow a small protocol so that an article is either fully indexed or
not at all, even if the process is killed: the catalogue record is the commit
point, and every chunk carries its article's content hash. Readers only see
chunks whose hash equals the committed hash of a committed article.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator, Sequence
from urllib.parse import urlsplit

import numpy as np

from . import checkpoints, locking
from .embedders import vector_space
from .errors import BackendUnavailable, StoreError
from .types import Article, Chunk, Filters, iso_to_epoch

log = logging.getLogger(__name__)
PAGE = 2000
# Chroma stores a vector with every record; the catalogue is searched by metadata only, so its records carry this placeholder.
_NO_VECTOR = [[1.0]]
# Writers running in this process: repair never touches their pending articles.
_LIVE_WRITERS: set[str] = set()


@dataclass(frozen=True)
class ArticleRecord:
    """A catalogue entry: the article, how it is indexed, and its state."""

    article: Article
    n_chunks: int = 0
    added: int = 0
    status: str = "complete"  # "pending" until its chunks are all written
    duplicate_of: str = ""  # a stored article this one nearly copies (syndicated wire copy)
    minhash: str = ""  # near-duplicate signature (dedup.signature)


def _article_meta(record: ArticleRecord, pending_hash: str = "", writer: str = "", lease: int = 0) -> dict:
    a = record.article
    meta = {
        "title": a.title, "date": a.date or "", "source": a.source, "url": a.url or "", "lang": a.lang,
        "authors": "; ".join(a.authors), "content_hash": a.content_hash, "pending_hash": pending_hash,
        "status": record.status, "n_chunks": record.n_chunks, "added": record.added, "duplicate_of": record.duplicate_of,
        "minhash": record.minhash, "writer": writer, "lease": lease,
    }
    if a.epoch is not None:
        meta["epoch"] = a.epoch
    return meta


def _record_from(id: str, meta: dict, text: str | None) -> ArticleRecord:
    meta = meta or {}
    article = Article(
        id=id, title=meta.get("title", ""), text=text or "", date=meta.get("date") or None, source=meta.get("source", ""),
        url=meta.get("url") or None, lang=meta.get("lang", ""),
        authors=tuple(a for a in (meta.get("authors") or "").split("; ") if a), content_hash=meta.get("content_hash", ""),
    )
    return ArticleRecord(article, int(meta.get("n_chunks", 0)), int(meta.get("added", 0)), meta.get("status", "complete"),
                         meta.get("duplicate_of", ""), meta.get("minhash", ""))


def _chunk_meta(chunk: Chunk) -> dict:
    meta = {
        "article_id": chunk.article_id, "n": chunk.n, "start": chunk.start, "end": chunk.end, "header": chunk.header,
        "title": chunk.title, "date": chunk.date or "", "source": chunk.source, "url": chunk.url or "",
        "lang": chunk.lang, "content_hash": chunk.content_hash,
    }
    if chunk.epoch is not None:
        meta["epoch"] = chunk.epoch
    return meta


def _chunk_from(id: str, meta: dict, text: str) -> Chunk:
    return Chunk(
        id=id, article_id=meta["article_id"], n=int(meta["n"]), text=text or "", start=int(meta["start"]), end=int(meta["end"]),
        header=meta.get("header", ""), title=meta.get("title", ""), date=meta.get("date") or None, source=meta.get("source", ""),
        url=meta.get("url") or None, lang=meta.get("lang", ""), content_hash=meta.get("content_hash", ""),
    )


def where_clause(filters: Filters | None) -> dict | None:
    """Chroma ``where`` for the filters (dates as integer epoch seconds)."""
    if filters is None:
        return None
    clauses: list[dict] = []
    if filters.since and (epoch := iso_to_epoch(filters.since)) is not None:
        clauses.append({"epoch": {"$gte": epoch}})
    if filters.until and (epoch := iso_to_epoch(filters.until)) is not None:
        clauses.append({"epoch": {"$lt": epoch}})
    for key, values in (("source", filters.sources), ("lang", filters.langs), ("article_id", filters.article_ids)):
        if values:
            clauses.append({key: {"$in": list(values)}} if len(values) > 1 else {key: values[0]})
    if filters.exclude_article_ids:
        clauses.append({"article_id": {"$nin": list(filters.exclude_article_ids)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class Store:
    """Chunks and catalogue in Chroma, embedded or on a server."""

    def __init__(self, settings):
        self._settings = settings
        self._name = settings.store.collection
        self._client = None
        self._collections: dict[str, object] = {}
        self._committed: dict[str, str] | None = None
        self._committed_gen: int | None = None
        self._lock = threading.RLock()

    # -- connection -------------------------------------------------------
    @property
    def location(self) -> str:
        return self._settings.store.url or str(Path(self._settings.data_dir) / "store")

    @property
    def client(self):
        with self._lock:
            if self._client is None:
                self._client = self._connect()
            return self._client

    def _connect(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        url = self._settings.store.url
        if url:
            parts = urlsplit(url if "://" in url else "http://" + url)
            try:
                client = chromadb.HttpClient(host=parts.hostname or "127.0.0.1", port=parts.port or (443 if parts.scheme == "https" else 8000),
                                             ssl=parts.scheme == "https", settings=chroma_settings)
                client.heartbeat()
            except Exception as exc:
                raise BackendUnavailable(f"Chroma server at {url} is unreachable ({type(exc).__name__}) — start it "
                                         "(`chroma run --path DIR --host 127.0.0.1 --port 8000`) or unset NEWSDESK_STORE_URL") from exc
            return client
        path = Path(self._settings.data_dir) / "store"
        try:
            path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as exc:
            message = str(exc).splitlines()[0][:200]
            if "readonly" in message.lower() or "read-only" in message.lower():
                raise StoreError(f"the store at {path} is read-only — make the data directory writable or set NEWSDESK_DATA_DIR") from exc
            raise StoreError(f"cannot open the store at {path} ({message}) — check the data directory (NEWSDESK_DATA_DIR)") from exc

    def close(self) -> None:
        """Release the Chroma client (an embedded store's files are closed once no other client of this process uses them)."""
        with self._lock:
            client, self._client = self._client, None
            self._collections.clear()
            self._committed = None
        if client is not None:
            client.close()

    def _call(self, what: str, fn, *args, **kwargs):
        """Run a Chroma call, turning its failures into one-line errors (and reconnecting next time)."""
        try:
            return fn(*args, **kwargs)
        except (StoreError, BackendUnavailable):
            raise
        except Exception as exc:
            message = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            if self._settings.store.url:
                with self._lock:
                    self._client = None
                    self._collections.clear()
                raise BackendUnavailable(f"Chroma server at {self._settings.store.url} failed to {what} ({message}) — check that it is running") from exc
            lowered = message.lower()
            if "no space" in lowered or "disk is full" in lowered:
                raise StoreError(f"cannot {what}: the disk is full ({message}) — free disk space and run the command again") from exc
            if any(s in lowered for s in ("read-only", "readonly", "unable to open database file", "permission denied")):
                raise StoreError(f"cannot {what}: the data directory is read-only ({message}) — make it writable or set NEWSDESK_DATA_DIR") from exc
            raise StoreError(f"cannot {what}: {message}") from exc

    def _collection(self, kind: str, create: bool):
        name = f"{self._name}_{kind}"
        with self._lock:
            if name in self._collections:
                return self._collections[name]
            client = self.client
            cfg = self._settings.store
            ef_search = cfg.hnsw_ef_search
            names = {c if isinstance(c, str) else c.name for c in self._call("list collections", client.list_collections)}
            if name not in names and self._leftovers():
                raise StoreError("an interrupted reindex left the index half swapped — run `newsdesk reindex` to finish it")
            if create:
                # Chroma's defaults (16 links, build breadth 100) gave a graph that missed the true nearest chunk for
                # ~1 query in 40 on these compressed embeddings, whatever the search breadth; 32/200 found it every time.
                hnsw = {"space": "cosine", "ef_search": ef_search, "max_neighbors": cfg.hnsw_max_neighbors,
                        "ef_construction": cfg.hnsw_ef_construction}
                col = self._call("create the collections", client.get_or_create_collection, name,
                                 configuration={"hnsw": hnsw}, embedding_function=None)
            else:
                if name not in names:
                    return None
                col = self._call("open the collections", client.get_collection, name, embedding_function=None)
            if kind == "chunks" and (col.configuration.get("hnsw") or {}).get("ef_search") != ef_search:
                # Search breadth is a query-time setting: stores made before it (or with another value) follow it.
                self._call("configure the collection", col.modify, configuration={"hnsw": {"ef_search": ef_search}})
            self._collections[name] = col
            return col

    # -- embedder guard ---------------------------------------------------
    def check_embedder(self, embedder_id: str, dim: int, create: bool = False) -> None:
        """Refuse to mix vector spaces: the index records the embedder that built it."""
        if create:
            self._writable()
        chunks = self._collection("chunks", create)
        if chunks is None:
            return
        meta = self._fresh_meta(chunks)
        stored_id, stored_dim = meta.get("embedder"), meta.get("dim")
        if stored_id is None:
            if create:
                self._call("record the embedder", chunks.modify, metadata={**meta, "embedder": embedder_id, "dim": dim, "generation": meta.get("generation", 0)})
            return
        if vector_space(stored_id) != vector_space(embedder_id) or int(stored_dim) != dim:
            raise StoreError(f"the index was built with embedder {stored_id} ({stored_dim}-d) but the current embedder is {embedder_id} ({dim}-d) — "
                             f"run `newsdesk reindex` to rebuild it, or set embedder.model back")

    def indexed_embedder(self) -> str | None:
        chunks = self._collection("chunks", False)
        return None if chunks is None else self._fresh_meta(chunks).get("embedder")

    def _fresh_meta(self, collection) -> dict:
        if self._settings.store.url:
            collection = self._call("read the collection", self.client.get_collection, collection.name, embedding_function=None)
        return dict(collection.metadata or {})

    def generation(self) -> int:
        """A number that changes whenever committed content changes."""
        chunks = self._collection("chunks", False)
        return -1 if chunks is None else int(self._fresh_meta(chunks).get("generation", 0))

    def _bump(self) -> None:
        chunks = self._collection("chunks", True)
        meta = self._fresh_meta(chunks)
        # Unique, not just increasing: a rebuilt index must never reuse an old generation.
        meta["generation"] = max(time.time_ns(), int(meta.get("generation", 0)) + 1)
        self._call("update the collection", chunks.modify, metadata=meta)

    # -- catalogue reads ----------------------------------------------------
    def counts(self) -> tuple[int, int]:
        """Committed articles, and chunk records (including any not yet committed)."""
        articles = self._collection("articles", False)
        chunks = self._collection("chunks", False)
        n_articles = len(self.committed()) if articles is not None else 0
        n_chunks = self._call("count chunks", chunks.count) if chunks is not None else 0
        return n_articles, n_chunks

    def committed(self) -> dict[str, str]:
        """Article id -> committed content hash, cached until the generation changes."""
        gen = self.generation()
        with self._lock:
            if self._committed is not None and self._committed_gen == gen:
                return self._committed
        articles = self._collection("articles", False)
        result: dict[str, str] = {}
        if articles is not None:
            for ids, metas, _ in self._paged(articles, include=["metadatas"]):
                for id, meta in zip(ids, metas):
                    if meta and meta.get("status") == "complete":
                        result[id] = meta.get("content_hash", "")
        with self._lock:
            self._committed, self._committed_gen = result, gen
        return result

    def _paged(self, collection, include: list[str], where: dict | None = None) -> Iterator[tuple[list, list, list]]:
        offset = 0
        while True:
            page = self._call("read the store", collection.get, where=where, include=include, limit=PAGE, offset=offset)
            ids = page["ids"]
            if not ids:
                return
            yield ids, page.get("metadatas") or [None] * len(ids), page.get("documents") or [None] * len(ids)
            if len(ids) < PAGE:
                return
            offset += PAGE

    def get_articles(self, ids: Sequence[str], with_text: bool = True, include_pending: bool = False) -> dict[str, ArticleRecord]:
        articles = self._collection("articles", False)
        if articles is None or not ids:
            return {}
        include = ["metadatas", "documents"] if with_text else ["metadatas"]
        page = self._call("read the catalogue", articles.get, ids=list(ids), include=include)
        docs = page.get("documents") or [None] * len(page["ids"])
        out = {}
        for id, meta, doc in zip(page["ids"], page["metadatas"], docs):
            record = _record_from(id, meta, doc)
            if include_pending or record.status == "complete":
                out[id] = record
        return out

    def list_articles(self, filters: Filters | None = None, with_text: bool = False) -> list[ArticleRecord]:
        articles = self._collection("articles", False)
        if articles is None:
            return []
        where = where_clause(replace(filters, article_ids=(), exclude_article_ids=()) if filters else None)
        where = {"$and": [where, {"status": "complete"}]} if where else {"status": "complete"}
        include = ["metadatas", "documents"] if with_text else ["metadatas"]
        records = []
        for ids, metas, docs in self._paged(articles, include, where):
            records.extend(_record_from(i, m, d) for i, m, d in zip(ids, metas, docs))
        if filters and filters.article_ids:
            wanted = set(filters.article_ids)
            records = [r for r in records if r.article.id in wanted]
        return records

    # -- chunk reads --------------------------------------------------------
    def query(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        """Nearest committed chunks with cosine similarity."""
        chunks = self._collection("chunks", False)
        if chunks is None:
            return []
        total = self._call("count chunks", chunks.count)
        if total == 0:
            return []
        result = self._call("query the store", chunks.query, query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
                            n_results=min(k, total), where=where_clause(filters), include=["documents", "metadatas", "distances"])
        committed = self.committed()
        hits = []
        for id, meta, doc, dist in zip(result["ids"][0], result["metadatas"][0], result["documents"][0], result["distances"][0]):
            if committed.get(meta["article_id"]) == meta.get("content_hash"):
                hits.append((_chunk_from(id, meta, doc), 1.0 - float(dist)))
        return hits

    def iter_chunks(self) -> Iterator[Chunk]:
        """Every committed chunk (for BM25)."""
        chunks = self._collection("chunks", False)
        if chunks is None:
            return
        committed = self.committed()
        for ids, metas, docs in self._paged(chunks, ["metadatas", "documents"]):
            for id, meta, doc in zip(ids, metas, docs):
                if committed.get(meta["article_id"]) == meta.get("content_hash"):
                    yield _chunk_from(id, meta, doc)

    def get_chunks(self, ids: Sequence[str]) -> list[tuple[Chunk, np.ndarray]]:
        """Chunks by id, with their vectors, in the order asked (missing ids are left out)."""
        chunks = self._collection("chunks", False)
        if chunks is None or not ids:
            return []
        page = self._call("read chunks", chunks.get, ids=list(ids), include=["metadatas", "documents", "embeddings"])
        by_id = {i: (_chunk_from(i, m, d), np.asarray(v, dtype=np.float32))
                 for i, m, d, v in zip(page["ids"], page["metadatas"], page["documents"], page["embeddings"])}
        return [by_id[i] for i in ids if i in by_id]

    def chunks_of(self, article_id: str) -> list[Chunk]:
        chunks = self._collection("chunks", False)
        if chunks is None:
            return []
        page = self._call("read chunks", chunks.get, where={"article_id": article_id}, include=["metadatas", "documents"])
        found = [_chunk_from(i, m, d) for i, m, d in zip(page["ids"], page["metadatas"], page["documents"])]
        return sorted(found, key=lambda c: c.n)

    # -- writes -------------------------------------------------------------
    def _writable(self) -> None:
        """The embedded store has one writing process: take the data directory's lock (once), finishing what a killed reindex left."""
        if self._settings.store.url or locking.holds(self._settings.data_dir):
            return
        locking.acquire(self._settings.data_dir)
        if self._leftovers():
            self.recover()  # no other writer can be mid-swap: we hold the lock

    @contextmanager
    def writer(self) -> Iterator[str]:
        """An owner id for a run of writes; while it runs, ``repair`` leaves its pending articles alone."""
        self._writable()
        owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        _LIVE_WRITERS.add(owner)
        try:
            yield owner
        finally:
            _LIVE_WRITERS.discard(owner)

    def begin(self, records: Iterable[ArticleRecord], owner: str) -> None:
        """Mark articles as being written by ``owner`` (before any of their chunks), with a lease."""
        records = list(records)
        if not records:
            return
        self._writable()
        articles = self._collection("articles", True)
        existing = self.get_articles([r.article.id for r in records], with_text=True, include_pending=True)
        lease = int(time.time()) + int(self._settings.store.write_lease_s)
        ids, metas, docs = [], [], []
        for record in records:
            old = existing.get(record.article.id)
            if old is not None and old.status == "complete":
                # Keep the committed version visible; remember what is being written, and by whom.
                ids.append(old.article.id)
                metas.append(_article_meta(old, pending_hash=record.article.content_hash, writer=owner, lease=lease))
                docs.append(old.article.text)
            else:
                ids.append(record.article.id)
                metas.append(_article_meta(replace(record, status="pending"), writer=owner, lease=lease))
                docs.append(record.article.text)
        self._call("write the catalogue", articles.upsert, ids=ids, metadatas=metas, documents=docs, embeddings=_NO_VECTOR * len(ids))

    def write_chunks(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        self._writable()
        collection = self._collection("chunks", True)
        batch = self._settings.store.batch_size
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            self._call("write chunks", collection.upsert, ids=[c.id for c in part],
                       embeddings=np.asarray(vectors[start : start + batch], dtype=np.float32),
                       documents=[c.text for c in part], metadatas=[_chunk_meta(c) for c in part])

    def missing_chunks(self, chunks: Sequence[Chunk]) -> list[int]:
        """Positions in ``chunks`` of those the store does not hold as written (absent, or another version)."""
        collection = self._collection("chunks", False)
        if collection is None or not chunks:
            return list(range(len(chunks)))
        held: dict[str, str] = {}
        for start in range(0, len(chunks), PAGE):
            page = self._call("read chunks", collection.get, ids=[c.id for c in chunks[start : start + PAGE]], include=["metadatas"])
            held.update((i, (m or {}).get("content_hash", "")) for i, m in zip(page["ids"], page["metadatas"]))
        return [i for i, c in enumerate(chunks) if held.get(c.id) != c.content_hash]

    def write_batch(self, records: Sequence[ArticleRecord], chunks: Sequence[Chunk], vectors: np.ndarray, owner: str) -> None:
        """Write articles atomically: mark them pending, write their chunks, check every chunk is there, commit.

        The check before the commit means an article is never committed without
        all its chunks, even if something deleted some of them meanwhile.
        """
        self.begin(records, owner)
        self.write_chunks(chunks, vectors)
        checkpoints.reached("batch-pending")
        for _ in range(2):
            missing = self.missing_chunks(chunks)
            if not missing:
                break
            log.warning("%d chunks of a batch went missing before its commit; writing them again", len(missing))
            self.begin(records, owner)
            self.write_chunks([chunks[i] for i in missing], np.asarray(vectors)[missing])
        else:
            if self.missing_chunks(chunks):
                raise StoreError("chunks written to the store keep disappearing before their commit — check that only "
                                 "Newsdesk writes to the store, then run the command again")
        self.commit(records)

    def commit(self, records: Iterable[ArticleRecord]) -> None:
        """Make articles visible, then drop chunks left over from older versions."""
        records = list(records)
        if not records:
            return
        self._writable()
        articles = self._collection("articles", True)
        now = int(time.time())
        records = [replace(r, status="complete", added=r.added or now) for r in records]
        self._call("write the catalogue", articles.upsert, ids=[r.article.id for r in records],
                   metadatas=[_article_meta(r) for r in records], documents=[r.article.text for r in records],
                   embeddings=_NO_VECTOR * len(records))
        checkpoints.reached("committed")
        chunks = self._collection("chunks", True)
        stale = [{"$and": [{"article_id": r.article.id}, {"n": {"$gte": r.n_chunks}}]} for r in records]
        for start in range(0, len(stale), 100):  # one call per hundred articles, not one per article
            part = stale[start : start + 100]
            self._call("delete old chunks", chunks.delete, where=part[0] if len(part) == 1 else {"$or": part})
        self._bump()

    def incomplete(self, ids: Sequence[str]) -> set[str]:
        """Committed articles among ``ids`` that lack some of their chunks (so re-adding them must rewrite them)."""
        records = self.get_articles(ids, with_text=False)
        chunks = self._collection("chunks", False)
        if not records:
            return set()
        if chunks is None:
            return {i for i, r in records.items() if r.n_chunks}
        found: dict[str, int] = {}
        wanted = sorted(records)
        for start in range(0, len(wanted), 500):
            where = {"article_id": {"$in": wanted[start : start + 500]}}
            for _ids, metas, _ in self._paged(chunks, ["metadatas"], where):
                for meta in metas:
                    record = records[meta["article_id"]]
                    if meta.get("content_hash") == record.article.content_hash and int(meta["n"]) < record.n_chunks:
                        found[record.article.id] = found.get(record.article.id, 0) + 1
        return {i for i, r in records.items() if found.get(i, 0) != r.n_chunks}

    def remove(self, ids: Sequence[str]) -> list[str]:
        """Delete articles and their chunks; returns the ids that existed."""
        articles = self._collection("articles", False)
        chunks = self._collection("chunks", False)
        if articles is None or not ids:
            return []
        self._writable()
        found = list(self._call("read the catalogue", articles.get, ids=list(ids), include=[])["ids"])
        if not found:
            return []
        # Catalogue first: once the record is gone its chunks are invisible.
        self._call("delete articles", articles.delete, ids=found)
        if chunks is not None:
            for start in range(0, len(found), 100):
                self._call("delete chunks", chunks.delete, where={"article_id": {"$in": found[start : start + 100]}})
        self._bump()
        return found

    def _abandoned(self, meta: dict, now: float) -> bool:
        """Whether a pending write can be undone: its writer is not running here and, when others may write, its lease is over."""
        if meta.get("writer") in _LIVE_WRITERS:
            return False
        if not self._settings.store.url:
            return True  # the embedded store's lock: no other process writes
        return int(meta.get("lease") or 0) < now

    def repair(self) -> int:
        """Undo writes that a killed writer left behind; returns how many were fixed.

        Only abandoned writes are touched (see ``_abandoned``): another writer's
        article in flight keeps its chunks.
        """
        articles = self._collection("articles", False)
        chunks = self._collection("chunks", False)
        if articles is None:
            return 0
        self._writable()
        fixed = 0
        now = time.time()
        pending = self._call("read the catalogue", articles.get, where={"$or": [{"status": "pending"}, {"pending_hash": {"$ne": ""}}]}, include=["metadatas"])
        for id, meta in zip(pending["ids"], pending["metadatas"]):
            if not self._abandoned(meta, now):
                continue
            if meta.get("status") == "pending":
                if chunks is not None:
                    self._call("delete chunks", chunks.delete, where={"article_id": id})
                self._call("delete articles", articles.delete, ids=[id])
            else:
                if chunks is not None:
                    self._call("delete chunks", chunks.delete, where={"$and": [{"article_id": id}, {"content_hash": {"$ne": meta.get("content_hash", "")}}]})
                self._call("write the catalogue", articles.update, ids=[id], metadatas=[{**meta, "pending_hash": "", "writer": "", "lease": 0}])
            fixed += 1
        if fixed:
            self._bump()
        return fixed

    # -- rebuilding -----------------------------------------------------------
    # A reindex builds a complete new index under ``<name>__next`` (its chunks
    # collection marked complete, both collections tagged with one set id),
    # then moves it in: live -> ``__old``, ``__next`` -> live, ``__old`` dropped.
    # ``recover`` reads where a killed swap stopped and finishes it (the new set
    # is complete) or undoes it (it is not), by the same steps.
    STAGING, RETIRED = "__next", "__old"
    KINDS = ("chunks", "articles")

    def _name_of(self, suffix: str, kind: str) -> str:
        return f"{self._name}{suffix}_{kind}"

    def _names(self) -> set[str]:
        return {c if isinstance(c, str) else c.name for c in self._call("list collections", self.client.list_collections)}

    def _leftovers(self) -> bool:
        names = self._names()
        return any(self._name_of(suffix, kind) in names for suffix in (self.STAGING, self.RETIRED) for kind in self.KINDS)

    def _meta_of(self, name: str) -> dict:
        return dict(self._call("open a collection", self.client.get_collection, name, embedding_function=None).metadata or {})

    def _rename(self, old: str, new: str) -> None:
        collection = self._call("open a collection", self.client.get_collection, old, embedding_function=None)
        self._call("rename a collection", collection.modify, name=new)

    def _delete(self, name: str) -> None:
        self._call("delete a collection", self.client.delete_collection, name)

    def drop(self, suffix: str = "") -> None:
        """Delete the collections ``<name><suffix>_chunks`` and ``_articles`` if they exist."""
        self._writable()
        names = self._names()
        for kind in self.KINDS:
            if self._name_of(suffix, kind) in names:
                self._delete(self._name_of(suffix, kind))
        self.forget()

    def forget(self) -> None:
        with self._lock:
            self._collections.clear()
            self._committed = None

    def mark_complete(self, set_id: str) -> None:
        """Seal a fully built index: its chunks collection says complete, and both collections carry ``set_id``."""
        self._writable()
        for kind in self.KINDS:
            collection = self._collection(kind, True)
            extra = {"complete": True} if kind == "chunks" else {}
            self._call("update the collection", collection.modify, metadata={**self._fresh_meta(collection), **extra, "set": set_id})

    def swap_in_staging(self) -> None:
        """Replace the index by the complete staging one built under ``<name>__next``."""
        self._writable()
        if self._name_of(self.STAGING, "chunks") not in self._names():
            raise StoreError("no complete new index to swap in — run `newsdesk reindex` again")
        self.recover()

    def recover(self) -> None:
        """Finish or undo a swap that a killed reindex left half done (idempotent; each step is one rename or delete)."""
        self._writable()
        names = self._names()
        staged = [n for n in (self._name_of(self.STAGING, k) for k in self.KINDS) if n in names]
        if staged:
            new_set = self._meta_of(staged[0]).get("set")
            homes = [self._name_of(suffix, "chunks") for suffix in (self.STAGING, "")]
            new_chunks = next((n for n in homes if n in names and self._meta_of(n).get("set") == new_set), None)
            forward = bool(new_set) and new_chunks is not None and self._meta_of(new_chunks).get("complete")
        else:
            forward = False
        for step, kind in enumerate(self.KINDS):
            live, old, nxt = (self._name_of(suffix, kind) for suffix in ("", self.RETIRED, self.STAGING))
            if forward and nxt in names:
                if live in names:
                    if old in names:
                        self._delete(old)  # a stale copy from an earlier swap; live is the index in use
                    self._rename(live, old)
                    checkpoints.reached(f"swap-{step}-aside")
                self._rename(nxt, live)
                checkpoints.reached(f"swap-{step}-in")
            elif not forward and live not in names and old in names:
                self._rename(old, live)
            names = self._names()
        for kind in self.KINDS:
            if not forward and self._name_of(self.STAGING, kind) in names:
                self._delete(self._name_of(self.STAGING, kind))
            if self._name_of(self.RETIRED, kind) in names and self._name_of("", kind) in names:
                self._delete(self._name_of(self.RETIRED, kind))
                checkpoints.reached(f"swap-drop-{kind}")
        self.forget()
