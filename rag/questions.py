"""The question service: from a question (and its conversation) to retrieved passages and a checked, cited answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from rag.answer import prompts
from rag.answer.answering import Answerer
from rag.answer.evidence import Evidence, weigh
from rag.answer.finishing import refusal_text
from rag.answer.stories import with_stories
from rag.errors import QuestionError, StoreError
from rag.events import AnswerEvent, Event, RetrievalEvent
from rag.lazy import Lazy
from rag.problems import Problem
from rag.retrieve.hybrid import Retriever
from rag.retrieve.query import Plan, is_follow_up, plan
from rag.retrieve.relevance import Background
from rag.store.guard import check_embedder
from rag.text.language import detect_question
from rag.types import Answer, Filters, Hit, Message, Retrieval

if TYPE_CHECKING:
    from rag.models.embedders import Embedder
    from rag.models.llms import LLM
    from rag.models.rescorer import Rescorer
    from rag.retrieve.bm25 import BM25Cache
    from rag.settings import Settings
    from rag.store.index import Store

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 2000
REWRITE_MAX_TOKENS = 80  # a stand-alone question is one line
REWRITE_HISTORY_MESSAGES = 4
REWRITE_HISTORY_CHARS = 400  # of each past message shown to the rewriter


def validate(question: str) -> str:
    question = (question or "").strip()
    if not question:
        raise QuestionError(Problem("empty_question"))
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(Problem("long_question", n=len(question), limit=MAX_QUESTION_CHARS))
    return question


class QuestionService:
    """Searches and answers over one store with one embedder and one LLM (both loaded on first use)."""

    def __init__(self, settings: Settings, store: Store, bm25: BM25Cache, embedder: Lazy[Embedder], llm: Lazy[LLM]):
        self.settings = settings
        self.store = store
        self._embedder = embedder
        self._llm = llm
        self._background = Lazy(lambda: Background(embedder.get()))
        self._answerer = Answerer(settings, llm, embedder, self._background)
        self._retriever = Lazy(
            lambda: Retriever(store, embedder.get(), bm25, self._background.get(), settings, self._rescorer())
        )

    def _rescorer(self) -> Rescorer | None:
        cfg = self.settings.retrieval
        if cfg.rerank == "none":
            return None
        from rag.models.rescorer import Rescorer

        return Rescorer(cfg.rerank, cfg.rerank_model, self.settings.models_dir)

    def _similar(self, a: str, b: str) -> float:
        """How alike two names are (which name of the previous question a follow-up's name stands for)."""
        vectors = self._embedder.get().embed_queries([a, b])
        return float(vectors[0] @ vectors[1])

    def _alike(self, name: str, candidates: Sequence[str]) -> float:
        """How close ``name`` is to the closest of ``candidates`` (a name and its translation are close)."""
        vectors = self._embedder.get().embed_queries([name, *candidates])
        return float((vectors[1:] @ vectors[0]).max())

    @property
    def retriever(self) -> Retriever:
        return self._retriever.get()

    def today(self) -> date:
        return self.settings.retrieval.reference_date or date.today()

    def _check_ready(self) -> None:
        if self.store.counts()[0] == 0:
            raise StoreError(Problem("empty_index"))
        embedder = self._embedder.get()
        check_embedder(self.store, embedder.id, embedder.dim)

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        k: int | None = None,
        lang: str | None = None,
        today: date | None = None,
    ) -> Retrieval:
        """Ranked passages for ``query`` (time phrases applied), without the LLM."""
        query = validate(query)
        self._check_ready()
        planned = plan(query, lang or detect_question(query), today or self.today(), (), filters)
        hits = self.retriever.search(planned.query, planned.lang, planned.filters, k, planned.recent)
        return Retrieval(query=planned.query, filters=planned.filters.to_dict(), hits=tuple(hits))

    def answerer(self, max_sentences: int, max_tokens: int) -> Answerer:
        """An answer writer like the questions' own, with other limits (a briefing's one sentence per story)."""
        settings = self.settings.model_copy(deep=True)
        settings.answer.max_sentences, settings.llm.max_tokens = max_sentences, max_tokens
        return Answerer(settings, self._llm, self._embedder, self._background)

    def ask(
        self, question: str, history: Sequence[Message] = (), filters: Filters | None = None, today: date | None = None
    ) -> Answer:
        *_, last = self.ask_stream(question, history, filters, today)
        assert isinstance(last, AnswerEvent)
        return last.answer

    def ask_stream(
        self, question: str, history: Sequence[Message] = (), filters: Filters | None = None, today: date | None = None
    ) -> Iterator[Event]:
        """Answer ``question`` step by step (see ``Event``); the last event holds the Answer.

        ``today`` is the reference date for the prompt (default: settings, else today).
        """
        started = time.perf_counter()
        question = validate(question)
        lang = detect_question(question)
        self._check_ready()
        # The conversation a question leans on (« Et l'Inde ? »); a question that stands on its own is answered from
        # its passages alone: a small model given the earlier answers restates their topic (« Qu'a dit Pékin de
        # l'accord de Paris ? » after a question on China and Russia was answered with Beijing's energy purchases).
        leaned_on = history if history and is_follow_up(question, lang) else ()
        standalone = self._standalone(question, lang, leaned_on)
        context = history if standalone == question else ()
        planned = plan(standalone, lang, today or self.today(), context, filters, self._similar)
        if planned.rewritten:
            log.debug(
                "search query rewritten: %r -> %r (filters %s)", question, planned.query, planned.filters.to_dict()
            )
        hits, evidence, used = self._retrieve(planned, lang)
        retrieval = Retrieval(query=planned.query, filters=used.to_dict(), hits=tuple(hits))
        timings: dict[str, float | None] = {
            "retrieval_ms": round((time.perf_counter() - started) * 1000, 1),
            "ttft_s": None,
            "total_s": None,
        }
        yield RetrievalEvent(retrieval)
        if not evidence.enough:
            closest = [h.chunk.title or h.chunk.article_id for h in evidence.relevant][:3] if evidence.unsaid else []
            text = refusal_text(lang, used, closest, evidence.missing, evidence.unsaid)
            timings["total_s"] = round(time.perf_counter() - started, 3)
            yield AnswerEvent(Answer(question, lang, text, True, retrieval=retrieval, timings=timings, model=""))
            return
        for event in self._answerer.answer(
            question, lang, hits, leaned_on, used, today or self.today(), retrieval, timings, started
        ):
            yield AnswerEvent(with_stories(event.answer, self.store)) if isinstance(event, AnswerEvent) else event

    def _retrieve(self, planned: Plan, lang: str) -> tuple[list[Hit], Evidence, Filters]:
        """Hits, what they are worth as evidence, and the filters used. Dates read in the question are dropped,
        for a preference for recent articles, when nothing relevant is found within them (the filters say so)."""
        hits = self.retriever.search(planned.query, lang, planned.filters, None, planned.recent)
        evidence = self._weigh(planned.query, hits, lang)
        if evidence.enough or not planned.filters.undated:
            return hits, evidence, planned.filters
        wider = replace(planned.filters, since=None, until=None, undated=False, relaxed=True)
        wider_hits = self.retriever.search(planned.query, lang, wider, None, True)
        wider_evidence = self._weigh(planned.query, wider_hits, lang)
        if not wider_evidence.enough:
            return hits, evidence, planned.filters
        return wider_hits, wider_evidence, wider

    def _weigh(self, query: str, hits: Sequence[Hit], lang: str) -> Evidence:
        cfg = self.settings.retrieval
        words = (cfg.min_coverage, cfg.first_words)
        return weigh(query, hits, cfg.min_relevance, cfg.require_names, lang, self._alike, *words)

    def _standalone(self, question: str, lang: str, history: Sequence[Message]) -> str:
        """With llm_rewrite on, an elliptic follow-up is rewritten by the model into a stand-alone question
        (``history``: the conversation it leans on, empty for a question that stands on its own)."""
        if not (self.settings.retrieval.llm_rewrite and history):
            return question
        past = "\n".join(f"{m.role}: {m.content[:REWRITE_HISTORY_CHARS]}" for m in history[-REWRITE_HISTORY_MESSAGES:])
        prompt = prompts.render(f"rewrite.{lang}", history=past, question=question)
        rewritten = (
            "".join(self._llm.get().stream([Message("user", prompt)], REWRITE_MAX_TOKENS))
            .strip()
            .strip('"«» ')
            .splitlines()
        )
        return rewritten[0] if rewritten and len(rewritten[0]) > 3 else question
