"""Adding articles to the index: chunk, embed in batches, write, commit.

Each article is atomic (see ``store``): it becomes visible only once all its
chunks are written. Re-adding an unchanged article is a no-op; a changed
article replaces its old chunks; a near-copy of a stored article is kept and
linked to it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from .chunking import chunk_article
from .dedup import NearDuplicates, signature
from .store import ArticleRecord, Store
from .types import Article

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What an add did: ids added, updated, skipped and linked as near-duplicates; rejected inputs with reasons."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (article, the stored article it copies)
    rejected: list[str] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0

    def merge(self, other: "IngestReport") -> None:
        for name in ("added", "updated", "skipped", "duplicates", "rejected"):
            getattr(self, name).extend(getattr(other, name))
        self.chunks += other.chunks
        self.seconds += other.seconds

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.skipped)} skipped (unchanged)",
                 f"{len(self.rejected)} rejected", f"{self.chunks} chunks", f"{self.seconds:.1f} s"]
        if self.duplicates:
            parts.insert(3, f"{len(self.duplicates)} near-duplicates linked")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "skipped": self.skipped,
                "duplicates": [{"id": a, "duplicate_of": b} for a, b in self.duplicates], "rejected": self.rejected,
                "chunks": self.chunks, "seconds": round(self.seconds, 3)}


Progress = Callable[[int, int, int], None]  # (articles done, articles in total, chunks written)


def ingest_articles(articles: Sequence[Article], store: Store, embedder, settings, progress: Progress | None = None,
                    batch_articles: int = 256, batch_chunk_target: int = 256) -> IngestReport:
    """Index ``articles``; returns the report. Stops only on store errors."""
    report = IngestReport()
    started = time.perf_counter()
    with store.writer() as owner:
        store.repair()
        _ingest(articles, store, embedder, settings, progress, batch_articles, batch_chunk_target, owner, report)
    report.seconds = time.perf_counter() - started
    return report


def _ingest(articles, store: Store, embedder, settings, progress, batch_articles: int, batch_chunk_target: int, owner: str,
            report: IngestReport) -> None:
    # Unchanged articles are skipped before any model is loaded (unless some of their chunks went missing).
    existing = store.get_articles([a.id for a in articles], with_text=False)
    latest: dict[str, Article] = {}
    for article in articles:  # the same id twice in one add: the later text wins
        latest[article.id] = article
    unchanged = [a.id for a in latest.values() if a.id in existing and existing[a.id].article.content_hash == a.content_hash]
    broken = store.incomplete(unchanged) if unchanged else set()
    todo: list[Article] = []
    for article in latest.values():
        if len(article.text) > settings.ingest.max_article_chars:
            report.rejected.append(f"{article.id}: {len(article.text):,} characters is over the {settings.ingest.max_article_chars:,} limit "
                                   "(ingest.max_article_chars) — split it into articles or raise the limit")
            continue
        old = existing.get(article.id)
        if old is not None and old.article.content_hash == article.content_hash and article.id not in broken:
            report.skipped.append(article.id)
        else:
            if article.id in broken:
                log.warning("%s: some of its chunks were missing; writing it again", article.id)
            todo.append(article)
    report.skipped.extend(a.id for a in articles if latest[a.id] is not a)
    total = len(todo)
    if progress:
        progress(0, total, 0)
    if todo:
        store.check_embedder(embedder.id, embedder.dim, create=True)
        limit = min(embedder.max_tokens, settings.embedder.max_seq_length)
        near = NearDuplicates()
        for record in store.list_articles():
            near.add(record.article.id, record.minhash)
        done = 0
        batch: list[ArticleRecord] = []
        batch_chunks: dict[str, list] = {}

        def flush() -> None:
            nonlocal done, batch, batch_chunks
            if not batch:
                return
            all_chunks = [c for r in batch for c in batch_chunks[r.article.id]]
            vectors = embedder.embed_documents([c.embed_text for c in all_chunks])
            store.write_batch(batch, all_chunks, vectors, owner)
            for r in batch:
                (report.updated if r.article.id in existing else report.added).append(r.article.id)
            report.chunks += len(all_chunks)
            done += len(batch)
            if progress:
                progress(done, total, report.chunks)
            batch, batch_chunks = [], {}

        for article in todo:
            sig = signature(article.text)
            near.remove(article.id)
            copy_of = near.match(article.id, sig) or ""
            near.add(article.id, sig)
            if copy_of:
                report.duplicates.append((article.id, copy_of))
            chunks = chunk_article(article, embedder.count_tokens, settings.chunking.target_tokens, settings.chunking.overlap_tokens, limit)
            batch.append(ArticleRecord(article, n_chunks=len(chunks), duplicate_of=copy_of, minhash=sig))
            batch_chunks[article.id] = chunks
            # Embedding many chunks per call lets the encoder group similar lengths (less padding).
            if sum(len(c) for c in batch_chunks.values()) >= batch_chunk_target or len(batch) >= batch_articles:
                flush()
        flush()
