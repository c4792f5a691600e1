"""The one pipeline object used by the CLI, the web chat and the evaluations.

``build(settings)`` wires the store, embedder, BM25 index, retriever and LLM;
models load on first use so that building it is instant.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from . import embedders, llms
from .answering import SupportScorer, build_messages, finish, focus_passages, language_drifted, refusal_text
from .bm25 import BM25Cache
from .errors import QuestionError, StoreError
from .ingest import IngestReport, ingest_articles
from .language import detect_question
from .llms import Message
from .prompts import render
from .relevance import Background
from .retrieval import Retriever
from .sources import load_path
from .store import Store
from .types import Answer, Article, Filters, Hit, Retrieval

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class Event:
    """A step of a streamed answer: ``retrieval``, ``token``, ``reset`` (the text so far is replaced) or ``answer``."""

    kind: str
    text: str = ""
    retrieval: Retrieval | None = None
    answer: Answer | None = None


class Pipeline:
    def __init__(self, settings):
        self.settings = settings
        self.store = Store(settings)
        self._embedder = None
        self._llm = None
        bm25_dir = None if settings.store.url else Path(settings.data_dir) / "bm25"
        self.bm25 = BM25Cache(self.store, bm25_dir)
        self._background = None

    @property
    def embedder(self):
        if self._embedder is None:
            self._embedder = embedders.create(self.settings)
        return self._embedder

    @property
    def llm(self):
        if self._llm is None:
            self._llm = llms.create(self.settings)
        return self._llm

    @property
    def background(self) -> Background:
        if self._background is None:
            self._background = Background(self.embedder)
        return self._background

    @property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.embedder, self.bm25, self.background, self.settings)

    def today(self) -> date:
        return self.settings.retrieval.reference_date or date.today()

    # -- corpus -----------------------------------------------------------
    def add(self, paths: Sequence[Path], include: tuple[str, ...] = (), exclude: tuple[str, ...] = (), progress=None) -> IngestReport:
        """Ingest files and folders; bad inputs are reported, not fatal."""
        report = IngestReport()
        rejected: list[str] = []

        def articles() -> Iterator[Article]:
            for path in paths:
                for _file, loaded in load_path(Path(path), include, exclude):
                    rejected.extend(loaded.errors)
                    yield from loaded.articles

        report.merge(self.add_articles(articles(), progress))
        report.rejected += rejected
        return report

    def add_articles(self, articles: Iterable[Article], progress=None) -> IngestReport:
        return ingest_articles(articles, self.store, self.embedder, self.settings, progress)

    def is_empty(self) -> bool:
        return self.store.counts()[0] == 0

    # -- questions ----------------------------------------------------------
    def _check_ready(self) -> None:
        if self.is_empty():
            raise StoreError("the index is empty — run `newsdesk add corpus/` (or add articles in the web chat)")
        self.store.check_embedder(self.embedder.id, self.embedder.dim)

    def search(self, query: str, filters: Filters | None = None, k: int | None = None, lang: str | None = None) -> Retrieval:
        query = _validate(query)
        self._check_ready()
        hits = self.retriever.search(query, lang or detect_question(query), filters, k)
        return Retrieval(query=query, filters=(filters or Filters()).to_dict(), hits=tuple(hits))

    def ask_stream(self, question: str, history: Sequence[Message] = (), filters: Filters | None = None) -> Iterator[Event]:
        """Answer ``question`` step by step (see ``Event``); the last event holds the Answer."""
        started = time.perf_counter()
        question = _validate(question)
        lang = detect_question(question)
        self._check_ready()
        hits = self.retriever.search(question, lang, filters)
        retrieval = Retrieval(query=question, filters=(filters or Filters()).to_dict(), hits=tuple(hits))
        retrieval_ms = (time.perf_counter() - started) * 1000
        yield Event("retrieval", retrieval=retrieval)
        timings = {"retrieval_ms": round(retrieval_ms, 1), "ttft_s": None, "total_s": None}
        relevant = [h for h in hits if h.relevance is not None and h.relevance >= self.settings.retrieval.min_relevance]
        if not relevant:
            text = refusal_text(lang)
            yield Event("token", text=text)
            timings["total_s"] = round(time.perf_counter() - started, 3)
            yield Event("answer", answer=Answer(question, lang, text, True, retrieval=retrieval, timings=timings, model=""))
            return
        llm = self.llm
        cfg = self.settings.llm
        budget = llm.context_window - cfg.max_tokens - 32
        passages = focus_passages(hits, question, self.embedder, llm.count_tokens, self.settings.retrieval.passage_tokens)
        prompt = build_messages(question, lang, passages, self.today(), llm.count_tokens, budget, history)
        raw = ""
        for delta in llm.stream(prompt.messages, cfg.max_tokens):
            if timings["ttft_s"] is None:
                timings["ttft_s"] = round(time.perf_counter() - started, 3)
            raw += delta
            yield Event("token", text=delta)
        if language_drifted(raw, lang):
            log.info("answer drifted from %s; asking for a rewrite", lang)
            yield Event("reset", text="language")
            retry = [*prompt.messages, Message("assistant", raw), Message("user", render(f"retry.{lang}"))]
            raw = ""
            for delta in llm.stream(retry, cfg.max_tokens):
                raw += delta
                yield Event("token", text=delta)
        scorer = SupportScorer(self.embedder, prompt.passages, lang, self.background)
        done = finish(raw, lang, prompt.passages, scorer)
        timings["total_s"] = round(time.perf_counter() - started, 3)
        tokens = {"prompt": prompt.tokens, "completion": llm.count_tokens(raw) if raw else 0}
        answer = Answer(question, lang, done.text, done.refused, done.citations, done.sentences, retrieval, timings, tokens, llm.name)
        yield Event("answer", answer=answer)

    def ask(self, question: str, history: Sequence[Message] = (), filters: Filters | None = None) -> Answer:
        answer = None
        for event in self.ask_stream(question, history, filters):
            if event.kind == "answer":
                answer = event.answer
        return answer


def _validate(question: str) -> str:
    question = (question or "").strip()
    if not question:
        raise QuestionError("the question is empty — type a question")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {len(question)} characters long (limit {MAX_QUESTION_CHARS}) — shorten it")
    return question


def build(settings) -> Pipeline:
    """The pipeline for these settings."""
    return Pipeline(settings)
