"""Adding articles to the index: chunk, embed in batches, write, commit.

Each article is atomic (see ``store``): it becomes visible only once all its
chunks are written. Re-adding an unchanged article is a no-op; a changed
article replaces its old chunks; a near-copy of a stored article is kept and
linked to it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rag.ingest.chunking import chunk_article
from rag.ingest.dedup import NearDuplicates, signature
from rag.ingest.stories import Stories
from rag.problems import Problem
from rag.store.guard import check_embedder
from rag.store.index import Store
from rag.store.records import ArticleRecord
from rag.store.writes import StoreWriter, incomplete
from rag.types import Article, Chunk

if TYPE_CHECKING:
    from rag.lazy import Lazy
    from rag.models.embedders import Embedder
    from rag.settings import Settings

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

    def merge(self, other: IngestReport) -> None:
        for name in ("added", "updated", "skipped", "duplicates", "rejected"):
            getattr(self, name).extend(getattr(other, name))
        self.chunks += other.chunks
        self.seconds += other.seconds

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.skipped)} skipped (unchanged)",
            f"{len(self.rejected)} rejected",
            f"{self.chunks} chunks",
            f"{self.seconds:.1f} s",
        ]
        if self.duplicates:
            parts.insert(3, f"{len(self.duplicates)} near-duplicates linked")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "duplicates": [{"id": a, "duplicate_of": b} for a, b in self.duplicates],
            "rejected": self.rejected,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
        }


Progress = Callable[[int, int, int], None]  # (articles done, articles in total, chunks written)


BATCH_ARTICLES = 256  # articles per batch written to the store
BATCH_CHUNKS = 256  # chunks per encoder call: many at once let the encoder group similar lengths (less padding)


def ingest_articles(
    articles: Sequence[Article],
    store: Store,
    embedder: Lazy[Embedder],
    settings: Settings,
    progress: Progress | None = None,
) -> IngestReport:
    """Index ``articles``; returns the report. Stops only on store errors."""
    report = IngestReport()
    started = time.perf_counter()
    with store.writing() as writer:
        writer.repair()
        _Indexer(writer, embedder, settings, report).run(articles, progress)
    report.seconds = time.perf_counter() - started
    return report


class _Indexer:
    """One add: which articles to write, their chunks and near-duplicate links, written batch by batch."""

    def __init__(self, writer: StoreWriter, embedder: Lazy[Embedder], settings: Settings, report: IngestReport):
        self._embedder = embedder  # loaded once an article needs it: unchanged articles cost nothing
        self.writer, self.store, self.settings, self.report = (
            writer,
            writer.store,
            settings,
            report,
        )
        self.existing: dict[str, ArticleRecord] = {}
        self.stories = Stories(self.store)

    @property
    def embedder(self) -> Embedder:
        return self._embedder.get()

    def triage(self, articles: Sequence[Article]) -> list[Article]:
        """The articles to write: new or changed, or unchanged with chunks missing; the rest go to the report."""
        self.existing = self.store.get_articles([a.id for a in articles], with_text=False)
        latest = {a.id: a for a in articles}  # the same id twice in one add: the later text wins
        self.report.skipped.extend(a.id for a in articles if latest[a.id] is not a)
        same = [
            i
            for i, a in latest.items()
            if i in self.existing and self.existing[i].article.content_hash == a.content_hash
        ]
        broken = incomplete(self.store, same) if same else set()
        limit = self.settings.ingest.max_article_chars
        todo = []
        for article in latest.values():
            if len(article.text) > limit:
                self.report.rejected.append(Problem("too_long", id=article.id, n=len(article.text), limit=limit))
            elif article.id in same and article.id not in broken:
                self.report.skipped.append(article.id)
            else:
                if article.id in broken:
                    log.warning("%s: some of its chunks were missing; writing it again", article.id)
                todo.append(article)
        return todo

    def run(self, articles: Sequence[Article], progress: Progress | None) -> None:
        todo = self.triage(articles)  # before any model is loaded: unchanged articles cost nothing
        if progress:
            progress(0, len(todo), 0)
        if not todo:
            return
        check_embedder(self.store, self.embedder.id, self.embedder.dim, create=True)
        near = NearDuplicates()
        for record in self.store.list_articles():
            near.add(record.article.id, record.minhash)
        batch: list[tuple[ArticleRecord, list[Chunk]]] = []
        for article in todo:
            batch.append(self.prepare(article, near))
            if sum(len(c) for _, c in batch) >= BATCH_CHUNKS or len(batch) >= BATCH_ARTICLES:
                self.flush(batch, len(todo), progress)
                batch = []
        self.flush(batch, len(todo), progress)

    def prepare(self, article: Article, near: NearDuplicates) -> tuple[ArticleRecord, list[Chunk]]:
        """The article's catalogue record (with the stored article it copies, if any) and its chunks."""
        sig = signature(article.text)
        near.remove(article.id)
        copy_of = near.match(article.id, sig) or ""
        near.add(article.id, sig)
        if copy_of:
            self.report.duplicates.append((article.id, copy_of))
        cfg = self.settings
        limit = min(self.embedder.max_tokens, cfg.embedder.max_seq_length)
        chunks = chunk_article(
            article, self.embedder.count_tokens, cfg.chunking.target_tokens, cfg.chunking.overlap_tokens, limit
        )
        return ArticleRecord(article, n_chunks=len(chunks), duplicate_of=copy_of, minhash=sig), chunks

    def flush(self, batch: list[tuple[ArticleRecord, list[Chunk]]], total: int, progress: Progress | None) -> None:
        if not batch:
            return
        chunks = [c for _, cs in batch for c in cs]
        vectors = self.embedder.embed_documents([c.embed_text for c in chunks])
        records = self.stories.assign(batch, vectors)
        self.writer.write_batch(records, chunks, vectors)
        for record, _ in batch:
            (self.report.updated if record.article.id in self.existing else self.report.added).append(record.article.id)
        self.report.chunks += len(chunks)
        if progress:
            progress(len(self.report.added) + len(self.report.updated), total, self.report.chunks)
