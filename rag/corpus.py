"""The corpus service: what goes into the archive (files, pages, pasted text, feeds), reindexing, and statistics."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import IngestError
from rag.ingest.articles import article_from_text
from rag.ingest.feeds import FeedList, fetch_new_entries, parse_feed
from rag.ingest.fetch import fetch
from rag.ingest.indexing import IngestReport, Progress, ingest_articles
from rag.ingest.sources import read_inputs
from rag.problems import Problem, reason
from rag.store.guard import indexed_embedder
from rag.store.index import Store
from rag.store.rebuild import STAGING
from rag.types import Article

if TYPE_CHECKING:
    from rag.lazy import Lazy
    from rag.models.embedders import Embedder
    from rag.settings import Settings

HTTP_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


class CorpusService:
    """Adds, updates and reindexes the articles of one store."""

    def __init__(self, settings: Settings, store: Store, embedder: Lazy[Embedder]):
        self.settings = settings
        self.store = store
        self._embedder = embedder

    def add(
        self,
        inputs: Sequence[str | Path],
        include: tuple[str, ...] = (),
        exclude: tuple[str, ...] = (),
        progress: Progress | None = None,
    ) -> IngestReport:
        """Ingest files, folders and URLs; bad inputs are reported, not fatal."""
        articles, rejected = read_inputs(inputs, self.settings.ingest, include, exclude)
        report = self.add_articles(articles, progress)
        report.rejected = rejected + report.rejected
        return report

    def add_url(self, url: str, progress: Progress | None = None) -> IngestReport:
        """Ingest the web page at an http(s) address: what the web page offers, never a path on this machine."""
        url = (url or "").strip()
        if not HTTP_URL.match(url):
            return IngestReport(rejected=[Problem("web_only")])
        return self.add([url], progress=progress)

    def add_text(self, text: str, source: str = "stdin") -> IngestReport:
        """Ingest pasted text as one article (refused before any cleaning when over ``ingest.max_article_chars``)."""
        limit = self.settings.ingest.max_article_chars
        if len(text) > limit:
            return IngestReport(rejected=[Problem("text_too_long", source=source, n=len(text), limit=limit)])
        try:
            article = article_from_text(text, source)
        except IngestError as exc:
            return IngestReport(rejected=[Problem("at", where=source, reason=reason(exc))])
        return self.add_articles([article])

    def add_articles(self, articles: Sequence[Article], progress: Progress | None = None) -> IngestReport:
        return ingest_articles(list(articles), self.store, self._embedder, self.settings, progress)

    @property
    def feeds(self) -> FeedList:
        return FeedList(self.settings.data_dir)

    def update_feeds(self, progress: Progress | None = None) -> IngestReport:
        """Fetch every followed feed and ingest the entries not seen before."""
        feeds = self.feeds
        report = IngestReport()
        for feed in feeds.load():
            try:
                update = fetch_new_entries(feed, self.settings.ingest)
            except IngestError as exc:
                feed.last_error = str(exc)
                feeds.update(feed)
                report.rejected.append(reason(exc))
                continue
            report.merge(self.add_articles(update.articles, progress))
            report.rejected.extend(update.errors)
            feed.seen = update.seen_after()  # only once their articles are stored
            feed.last_error = ""
            feeds.update(feed)
        return report

    def add_feed(self, url: str) -> str:
        """Check that ``url`` is a feed and follow it; returns its title."""
        page = fetch(url, self.settings.ingest)
        title = str(parse_feed(page.content, url).feed.get("title", ""))
        self.feeds.add(url, title)
        return title

    def reindex(self, progress: Progress | None = None) -> IngestReport:
        """Re-chunk and re-embed every article into a staging index, then swap it in."""
        self.store.rebuild.recover()
        records = self.store.list_articles(with_text=True)
        staging_settings = self.settings.model_copy(deep=True)
        staging_settings.store.collection = self.settings.store.collection + STAGING
        staging = Store(staging_settings)
        staging.rebuild.drop()
        report = ingest_articles([r.article for r in records], staging, self._embedder, self.settings, progress)
        staging.rebuild.mark_complete(uuid.uuid4().hex)
        self.store.rebuild.swap_in()
        return report

    def stats(self) -> dict[str, Any]:
        """Counts by language and source, date range, and what the index was built with."""
        records = self.store.list_articles()
        n_articles, n_chunks = self.store.counts()
        dates = sorted(r.article.date for r in records if r.article.date)
        return {
            "articles": n_articles,
            "chunks": n_chunks,
            "languages": dict(Counter(r.article.lang for r in records).most_common()),
            "sources": dict(Counter(r.article.source for r in records).most_common(10)),
            "oldest": dates[0] if dates else None,
            "newest": dates[-1] if dates else None,
            "near_duplicates": sum(1 for r in records if r.duplicate_of),
            "embedder": indexed_embedder(self.store),
            "store": self.store.location,
            "feeds": len(self.feeds.load()),
        }

    def is_empty(self) -> bool:
        return self.store.counts()[0] == 0
