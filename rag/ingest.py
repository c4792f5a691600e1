"""Adding articles to the index: chunk, embed in batches, write, commit.

Each article is atomic (see ``store``): it becomes visible only once all its
chunks are written. Re-adding an unchanged article is a no-op; a changed
article replaces its old chunks.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .chunking import chunk_article
from .store import ArticleRecord, Store
from .types import Article

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What an add did: ids added, updated and skipped, and rejected inputs with reasons."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0

    def merge(self, other: "IngestReport") -> None:
        self.added += other.added
        self.updated += other.updated
        self.skipped += other.skipped
        self.rejected += other.rejected
        self.chunks += other.chunks
        self.seconds += other.seconds

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.skipped)} skipped (unchanged)",
                 f"{len(self.rejected)} rejected", f"{self.chunks} chunks", f"{self.seconds:.1f} s"]
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "skipped": self.skipped, "rejected": self.rejected,
                "chunks": self.chunks, "seconds": round(self.seconds, 3)}


Progress = Callable[[int, int], None]  # (articles done, chunks done)


def ingest_articles(articles: Iterable[Article], store: Store, embedder, settings, progress: Progress | None = None,
                    batch_articles: int = 32) -> IngestReport:
    """Index ``articles``; returns the report. Stops only on store errors."""
    report = IngestReport()
    started = time.perf_counter()
    store.repair()
    store.check_embedder(embedder.id, embedder.dim, create=True)
    limit = min(embedder.max_tokens, settings.embedder.max_seq_length)
    batch: list[Article] = []
    seen: dict[str, str] = {}
    done = 0

    def flush() -> None:
        nonlocal done
        if not batch:
            return
        existing = store.get_articles([a.id for a in batch], with_text=False)
        todo: list[tuple[Article, bool]] = []
        for article in batch:
            old = existing.get(article.id)
            if old is not None and old.article.content_hash == article.content_hash:
                report.skipped.append(article.id)
            else:
                todo.append((article, old is not None))
        chunks_by_article = {
            a.id: chunk_article(a, embedder.count_tokens, settings.chunking.target_tokens, settings.chunking.overlap_tokens, limit)
            for a, _ in todo
        }
        all_chunks = [c for a, _ in todo for c in chunks_by_article[a.id]]
        if all_chunks:
            vectors = embedder.embed_documents([c.embed_text for c in all_chunks])
            records = [ArticleRecord(a, n_chunks=len(chunks_by_article[a.id])) for a, _ in todo]
            store.begin(records)
            store.write_chunks(all_chunks, vectors)
            store.commit(records)
        for article, was_there in todo:
            (report.updated if was_there else report.added).append(article.id)
        report.chunks += len(all_chunks)
        done += len(batch)
        if progress:
            progress(done, report.chunks)
        batch.clear()

    for article in articles:
        if seen.get(article.id) == article.content_hash:
            report.skipped.append(article.id)
            continue
        if article.id in seen:  # same id twice in one add with different text: the later one wins
            flush()
        seen[article.id] = article.content_hash
        batch.append(article)
        if len(batch) >= batch_articles:
            flush()
    flush()
    report.seconds = time.perf_counter() - started
    return report
