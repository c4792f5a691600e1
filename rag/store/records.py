"""How articles and chunks are written in Chroma records: metadata both ways, and filters as ``where`` clauses. Pure.

Dates are stored as integer epoch seconds beside their ISO text (Chroma's
range filters take numbers only). A catalogue record also carries its write
state: ``status`` (pending until every chunk is written), and, while a write
is in flight, the hash being written, its writer and the writer's lease.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rag.text.dates import iso_to_epoch
from rag.types import Article, Chunk, Filters

# Chroma stores a vector with every record; the catalogue is searched by metadata only, so its records carry this one.
NO_VECTOR = [1.0]
Meta = dict[str, Any]


@dataclass(frozen=True)
class ArticleRecord:
    """A catalogue entry: the article, how it is indexed, and its state."""

    article: Article
    n_chunks: int = 0
    added: int = 0
    status: str = "complete"  # "pending" until its chunks are all written
    duplicate_of: str = ""  # a stored article this one nearly copies (syndicated wire copy)
    minhash: str = ""  # near-duplicate signature (dedup.signature)
    story: str = ""  # the id of the first article of the story this one belongs to (text.stories)

    def summary(self) -> dict[str, Any]:
        """What a listing shows of it (``newsdesk list --json``, the MCP tool)."""
        a = self.article
        return {"id": a.id, "title": a.title, "date": a.date, "source": a.source, "lang": a.lang, "url": a.url,
                "chunks": self.n_chunks, "duplicate_of": self.duplicate_of or None,
                "story": self.story or a.id}  # fmt: skip


def article_meta(record: ArticleRecord, pending_hash: str = "", writer: str = "", lease: int = 0) -> Meta:
    a = record.article
    meta = {
        "title": a.title,
        "date": a.date or "",
        "source": a.source,
        "url": a.url or "",
        "lang": a.lang,
        "authors": "; ".join(a.authors),
        "content_hash": a.content_hash,
        "pending_hash": pending_hash,
        "status": record.status,
        "n_chunks": record.n_chunks,
        "added": record.added,
        "duplicate_of": record.duplicate_of,
        "minhash": record.minhash,
        "story": record.story,
        "writer": writer,
        "lease": lease,
    }
    if a.epoch is not None:
        meta["epoch"] = a.epoch
    return meta


def record_from(id: str, meta: Mapping[str, Any] | None, text: str | None) -> ArticleRecord:
    meta = meta or {}
    article = Article(
        id=id,
        title=meta.get("title", ""),
        text=text or "",
        date=meta.get("date") or None,
        source=meta.get("source", ""),
        url=meta.get("url") or None,
        lang=meta.get("lang", ""),
        authors=tuple(a for a in (meta.get("authors") or "").split("; ") if a),
        content_hash=meta.get("content_hash", ""),
    )
    return ArticleRecord(
        article,
        int(meta.get("n_chunks", 0)),
        int(meta.get("added", 0)),
        meta.get("status", "complete"),
        meta.get("duplicate_of", ""),
        meta.get("minhash", ""),
        meta.get("story", ""),
    )


def chunk_meta(chunk: Chunk) -> Meta:
    meta = {
        "article_id": chunk.article_id,
        "n": chunk.n,
        "start": chunk.start,
        "end": chunk.end,
        "header": chunk.header,
        "title": chunk.title,
        "date": chunk.date or "",
        "source": chunk.source,
        "url": chunk.url or "",
        "lang": chunk.lang,
        "content_hash": chunk.content_hash,
    }
    if chunk.epoch is not None:
        meta["epoch"] = chunk.epoch
    return meta


def chunk_from(id: str, meta: Mapping[str, Any], text: str | None) -> Chunk:
    return Chunk(
        id=id,
        article_id=meta["article_id"],
        n=int(meta["n"]),
        text=text or "",
        start=int(meta["start"]),
        end=int(meta["end"]),
        header=meta.get("header", ""),
        title=meta.get("title", ""),
        date=meta.get("date") or None,
        source=meta.get("source", ""),
        url=meta.get("url") or None,
        lang=meta.get("lang", ""),
        content_hash=meta.get("content_hash", ""),
    )


def where_clause(filters: Filters | None) -> Meta | None:
    """Chroma ``where`` for the filters (dates as integer epoch seconds)."""
    if filters is None:
        return None
    clauses: list[Meta] = []
    dates: list[Meta] = []
    if filters.since and (epoch := iso_to_epoch(filters.since)) is not None:
        dates.append({"epoch": {"$gte": epoch}})
    if filters.until and (epoch := iso_to_epoch(filters.until)) is not None:
        dates.append({"epoch": {"$lt": epoch}})
    if dates:
        window = dates[0] if len(dates) == 1 else {"$and": dates}
        clauses.append({"$or": [window, {"date": ""}]} if filters.undated else window)
    for key, values in (("source", filters.sources), ("lang", filters.langs), ("article_id", filters.article_ids)):
        if values:
            clauses.append({key: {"$in": list(values)}} if len(values) > 1 else {key: values[0]})
    if filters.exclude_article_ids:
        clauses.append({"article_id": {"$nin": list(filters.exclude_article_ids)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
