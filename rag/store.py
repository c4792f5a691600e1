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
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator, Sequence
from urllib.parse import urlsplit

import numpy as np

from .embedders import vector_space
from .errors import BackendUnavailable, StoreError
from .types import Article, Chunk, Filters, iso_to_epoch

log = logging.getLogger(__name__)
PAGE = 2000


@dataclass(frozen=True)
class ArticleRecord:
    """A catalogue entry: the article, how it is indexed, and its state."""

    article: Article
    n_chunks: int = 0
    added: int = 0
    status: str = "complete"  # "pending" until its chunks are all written
    duplicate_of: str = ""  # a stored article this one nearly copies (syndicated wire copy)
    minhash: str = ""  # near-duplicate signature (dedup.signature)


def _article_meta(record: ArticleRecord, pending_hash: str = "") -> dict:
    a = record.article
    meta = {
        "title": a.title, "date": a.date or "", "source": a.source, "url": a.url or "", "lang": a.lang,
        "authors": "; ".join(a.authors), "content_hash": a.content_hash, "pending_hash": pending_hash,
        "status": record.status, "n_chunks": record.n_chunks, "added": record.added, "duplicate_of": record.duplicate_of,
        "minhash": record.minhash,
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
            if create:
                # Chroma's defaults (16 links, build breadth 100) gave a graph that missed the true nearest chunk for
                # ~1 query in 40 on these compressed embeddings, whatever the search breadth; 32/200 found it every time.
                hnsw = {"space": "cosine", "ef_search": ef_search, "max_neighbors": cfg.hnsw_max_neighbors,
                        "ef_construction": cfg.hnsw_ef_construction}
                col = self._call("create the collections", client.get_or_create_collection, name,
                                 configuration={"hnsw": hnsw}, embedding_function=None)
            else:
                names = {c if isinstance(c, str) else c.name for c in self._call("list collections", client.list_collections)}
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

    def mark_complete(self) -> None:
        chunks = self._collection("chunks", True)
        self._call("update the collection", chunks.modify, metadata={**self._fresh_meta(chunks), "complete": True})

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

    def find_by_hash(self, content_hash: str) -> list[str]:
        articles = self._collection("articles", False)
        if articles is None:
            return []
        page = self._call("read the catalogue", articles.get, where={"content_hash": content_hash}, include=[])
        return list(page["ids"])

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
    def begin(self, records: Iterable[ArticleRecord]) -> None:
        """Mark articles as being written (before any of their chunks)."""
        records = list(records)
        if not records:
            return
        articles = self._collection("articles", True)
        existing = self.get_articles([r.article.id for r in records], with_text=True, include_pending=True)
        ids, metas, docs = [], [], []
        for record in records:
            old = existing.get(record.article.id)
            if old is not None and old.status == "complete":
                # Keep the committed version visible; remember what is being written.
                ids.append(old.article.id)
                metas.append(_article_meta(old, pending_hash=record.article.content_hash))
                docs.append(old.article.text)
            else:
                ids.append(record.article.id)
                metas.append(_article_meta(replace(record, status="pending")))
                docs.append(record.article.text)
        self._call("write the catalogue", articles.upsert, ids=ids, metadatas=metas, documents=docs, embeddings=[[1.0]] * len(ids))

    def write_chunks(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        collection = self._collection("chunks", True)
        batch = self._settings.store.batch_size
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            self._call("write chunks", collection.upsert, ids=[c.id for c in part],
                       embeddings=np.asarray(vectors[start : start + batch], dtype=np.float32),
                       documents=[c.text for c in part], metadatas=[_chunk_meta(c) for c in part])

    def commit(self, records: Iterable[ArticleRecord]) -> None:
        """Make articles visible, then drop chunks left over from older versions."""
        records = list(records)
        if not records:
            return
        articles = self._collection("articles", True)
        now = int(time.time())
        records = [replace(r, status="complete", added=r.added or now) for r in records]
        self._call("write the catalogue", articles.upsert, ids=[r.article.id for r in records],
                   metadatas=[_article_meta(r) for r in records], documents=[r.article.text for r in records],
                   embeddings=[[1.0]] * len(records))
        chunks = self._collection("chunks", True)
        stale = [{"$and": [{"article_id": r.article.id}, {"n": {"$gte": r.n_chunks}}]} for r in records]
        for start in range(0, len(stale), 100):  # one call per hundred articles, not one per article
            part = stale[start : start + 100]
            self._call("delete old chunks", chunks.delete, where=part[0] if len(part) == 1 else {"$or": part})
        self._bump()

    def set_duplicate(self, article_id: str, duplicate_of: str) -> None:
        record = self.get_articles([article_id]).get(article_id)
        if record is None:
            return
        articles = self._collection("articles", True)
        self._call("write the catalogue", articles.update, ids=[article_id], metadatas=[_article_meta(replace(record, duplicate_of=duplicate_of))])

    def remove(self, ids: Sequence[str]) -> list[str]:
        """Delete articles and their chunks; returns the ids that existed."""
        articles = self._collection("articles", False)
        chunks = self._collection("chunks", False)
        if articles is None or not ids:
            return []
        found = list(self._call("read the catalogue", articles.get, ids=list(ids), include=[])["ids"])
        if not found:
            return []
        # Catalogue first: once the record is gone its chunks are invisible.
        self._call("delete articles", articles.delete, ids=found)
        if chunks is not None:
            for id in found:
                self._call("delete chunks", chunks.delete, where={"article_id": id})
        self._bump()
        return found

    def repair(self) -> int:
        """Finish or undo writes that a killed process left behind; returns how many were fixed."""
        articles = self._collection("articles", False)
        chunks = self._collection("chunks", False)
        if articles is None:
            return 0
        fixed = 0
        pending = self._call("read the catalogue", articles.get, where={"$or": [{"status": "pending"}, {"pending_hash": {"$ne": ""}}]}, include=["metadatas"])
        for id, meta in zip(pending["ids"], pending["metadatas"]):
            if meta.get("status") == "pending":
                if chunks is not None:
                    self._call("delete chunks", chunks.delete, where={"article_id": id})
                self._call("delete articles", articles.delete, ids=[id])
            else:
                if chunks is not None:
                    self._call("delete chunks", chunks.delete, where={"$and": [{"article_id": id}, {"content_hash": {"$ne": meta.get("content_hash", "")}}]})
                self._call("write the catalogue", articles.update, ids=[id], metadatas=[{**meta, "pending_hash": ""}])
            fixed += 1
        if fixed:
            self._bump()
        return fixed

    # -- rebuilding -----------------------------------------------------------
    STAGING, RETIRED = "__next", "__old"

    def _names(self) -> set[str]:
        return {c if isinstance(c, str) else c.name for c in self._call("list collections", self.client.list_collections)}

    def drop(self, suffix: str = "") -> None:
        """Delete the collections ``<name><suffix>_chunks`` and ``_articles`` if they exist."""
        names = self._names()
        for kind in ("chunks", "articles"):
            name = f"{self._name}{suffix}_{kind}"
            if name in names:
                self._call("delete a collection", self.client.delete_collection, name)
        self.forget()

    def forget(self) -> None:
        with self._lock:
            self._collections.clear()
            self._committed = None

    def swap_in_staging(self) -> None:
        """Replace the index by the staging one built under ``<name>__next``.

        Old collections are renamed aside before the new ones take their names
        and are deleted last, so a crash at any step leaves a recoverable state
        (see ``recover``).
        """
        client = self.client
        names = self._names()
        for kind in ("chunks", "articles"):
            live = f"{self._name}_{kind}"
            if live in names:
                self._call("rename a collection", client.get_collection(live, embedding_function=None).modify, name=f"{self._name}{self.RETIRED}_{kind}")
        for kind in ("chunks", "articles"):
            self._call("rename a collection", client.get_collection(f"{self._name}{self.STAGING}_{kind}", embedding_function=None).modify,
                       name=f"{self._name}_{kind}")
        self.drop(self.RETIRED)

    def recover(self) -> None:
        """Finish or undo a swap that a killed reindex left half done."""
        names = self._names()
        live = f"{self._name}_chunks" in names
        if live:
            if f"{self._name}{self.RETIRED}_chunks" in names:
                self.drop(self.RETIRED)
            return
        staged = f"{self._name}{self.STAGING}_chunks" in names
        if staged and self._call("read the collection", self.client.get_collection, f"{self._name}{self.STAGING}_chunks",
                                 embedding_function=None).metadata.get("complete"):
            self.swap_in_staging()
        elif f"{self._name}{self.RETIRED}_chunks" in names:
            for kind in ("chunks", "articles"):
                self._call("rename a collection", self.client.get_collection(f"{self._name}{self.RETIRED}_{kind}", embedding_function=None).modify,
                           name=f"{self._name}_{kind}")
        self.forget()
