"""The one pipeline object used by the CLI, the web chat and the evaluations.

``build(settings)`` wires the store, the BM25 index, the embedder and the LLM
into the corpus service (what goes in) and the question service (what comes
out). Models load on first use, so building it is instant; a caller (a test, a
tool) may inject its own store, embedder or LLM.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.briefings import STORIES, BriefItem, brief, briefing_request
from rag.corpus import CorpusService
from rag.events import Event
from rag.ingest.indexing import IngestReport, Progress
from rag.lazy import Lazy
from rag.questions import QuestionService
from rag.retrieve.bm25 import BM25Cache
from rag.store.index import Store
from rag.store.records import ArticleRecord
from rag.store.stories import members
from rag.text.language import detect_question
from rag.timelines import TimelineEntry, timeline
from rag.types import Answer, Article, Filters, Message, Retrieval

if TYPE_CHECKING:
    from rag.models.embedders import Embedder
    from rag.models.llms import LLM
    from rag.retrieve.hybrid import Retriever
    from rag.settings import Settings


def _create_embedder(settings: Settings) -> Embedder:
    from rag.models import embedders

    return embedders.create(settings)


def _create_llm(settings: Settings) -> LLM:
    from rag.models import llms

    return llms.create(settings)


def check_backends(settings: Settings) -> None:
    """Refuse unknown backend names at once (the models themselves load on first use)."""
    from rag.models import embedders, llms

    embedders.REGISTRY.check(settings.embedder.backend)
    llms.REGISTRY.check(settings.llm.backend)


class Pipeline:
    """Corpus and question services over one store (see ``build``)."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        embedder: Embedder | None = None,
        llm: LLM | None = None,
    ):
        check_backends(settings)
        self.settings = settings
        self.store = store or Store(settings)
        self.bm25 = BM25Cache(self.store, None if settings.store.url else Path(settings.data_dir) / "bm25")
        self._embedder: Lazy[Embedder] = (
            Lazy.of(embedder) if embedder is not None else Lazy(lambda: _create_embedder(settings))
        )
        self._llm: Lazy[LLM] = Lazy.of(llm) if llm is not None else Lazy(lambda: _create_llm(settings))
        self.corpus = CorpusService(settings, self.store, self._embedder)
        self.questions = QuestionService(settings, self.store, self.bm25, self._embedder, self._llm)

    @property
    def embedder(self) -> Embedder:
        return self._embedder.get()

    @property
    def llm(self) -> LLM:
        return self._llm.get()

    @property
    def retriever(self) -> Retriever:
        return self.questions.retriever

    def today(self) -> date:
        return self.questions.today()

    # -- what goes in (``CorpusService``) ---------------------------------------------------------------------------
    def add(
        self,
        inputs: Sequence[str | Path],
        include: tuple[str, ...] = (),
        exclude: tuple[str, ...] = (),
        progress: Progress | None = None,
    ) -> IngestReport:
        return self.corpus.add(inputs, include, exclude, progress)

    def add_url(self, url: str, progress: Progress | None = None) -> IngestReport:
        return self.corpus.add_url(url, progress)

    def add_text(self, text: str, source: str = "stdin") -> IngestReport:
        return self.corpus.add_text(text, source)

    def add_articles(self, articles: Sequence[Article], progress: Progress | None = None) -> IngestReport:
        return self.corpus.add_articles(articles, progress)

    def update_feeds(self, progress: Progress | None = None) -> IngestReport:
        return self.corpus.update_feeds(progress)

    def add_feed(self, url: str) -> str:
        return self.corpus.add_feed(url)

    def reindex(self, progress: Progress | None = None) -> IngestReport:
        return self.corpus.reindex(progress)

    def stats(self) -> dict[str, Any]:
        return self.corpus.stats()

    def is_empty(self) -> bool:
        return self.corpus.is_empty()

    def articles(self, filters: Filters | None = None) -> list[ArticleRecord]:
        """The stored articles (within ``filters``), newest first."""
        records = self.store.list_articles(filters)
        records.sort(key=lambda r: (r.article.date or "", r.article.id), reverse=True)
        return records

    def story(self, article_id: str) -> list[ArticleRecord]:
        """The articles of the story ``article_id`` belongs to (itself included), oldest first; [] if unknown."""
        record = self.store.get_articles([article_id], with_text=False).get(article_id)
        if record is None:
            return []
        return members(self.store, record.story) if record.story else [record]

    # -- what comes out (``QuestionService``) -----------------------------------------------------------------------
    def search(
        self,
        query: str,
        filters: Filters | None = None,
        k: int | None = None,
        lang: str | None = None,
        today: date | None = None,
    ) -> Retrieval:
        return self.questions.search(query, filters, k, lang, today)

    def ask_stream(
        self, question: str, history: Sequence[Message] = (), filters: Filters | None = None, today: date | None = None
    ) -> Iterator[Event]:
        return self.questions.ask_stream(question, history, filters, today)

    def ask(
        self, question: str, history: Sequence[Message] = (), filters: Filters | None = None, today: date | None = None
    ) -> Answer:
        return self.questions.ask(question, history, filters, today)

    def brief(
        self,
        topic: str = "",
        filters: Filters | None = None,
        lang: str = "fr",
        today: date | None = None,
        limit: int = STORIES,
    ) -> Iterator[BriefItem]:
        """What is new in the period, one checked sentence per story, story by story (see ``rag.briefings``)."""
        return brief(self.questions, topic, filters, lang, today, limit)

    def briefing_request(self, question: str) -> tuple[str, Filters] | None:
        """(topic, period) when ``question`` asks what is new, else None (see ``rag.briefings``)."""
        return briefing_request(question, detect_question(question), self.today())

    def timeline(
        self, query: str, filters: Filters | None = None, today: date | None = None
    ) -> tuple[str, list[TimelineEntry]]:
        """The stories about ``query``, oldest first, and the query as searched (see ``rag.timelines``)."""
        return timeline(self.questions, query, filters, today)


def build(
    settings: Settings, *, store: Store | None = None, embedder: Embedder | None = None, llm: LLM | None = None
) -> Pipeline:
    """The pipeline for these settings (optionally with a given store, embedder or LLM)."""
    return Pipeline(settings, store=store, embedder=embedder, llm=llm)
