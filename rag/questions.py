"""The question service: from a question (and its conversation) to retrieved passages and a checked, cited answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING

from rag.answer import prompts
from rag.answer.finishing import finish, language_drifted, refusal_text
from rag.answer.passages import focus_passages, passages_language
from rag.answer.prompting import build_messages
from rag.answer.support import SupportScorer
from rag.errors import QuestionError, StoreError
from rag.events import AnswerEvent, Event, ResetEvent, RetrievalEvent, TokenEvent
from rag.lazy import Lazy
from rag.retrieve.hybrid import Retriever
from rag.retrieve.query import is_follow_up, plan
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
PROMPT_MARGIN_TOKENS = 32  # kept free in the context beside the prompt and the answer
REWRITE_MAX_TOKENS = 80  # a stand-alone question is one line
REWRITE_HISTORY_MESSAGES = 4
REWRITE_HISTORY_CHARS = 400  # of each past message shown to the rewriter


def validate(question: str) -> str:
    question = (question or "").strip()
    if not question:
        raise QuestionError("the question is empty — type a question")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(question)} characters long (limit {MAX_QUESTION_CHARS}) — shorten it"
        )
    return question


class QuestionService:
    """Searches and answers over one store with one embedder and one LLM (both loaded on first use)."""

    def __init__(self, settings: Settings, store: Store, bm25: BM25Cache, embedder: Lazy[Embedder], llm: Lazy[LLM]):
        self.settings = settings
        self.store = store
        self._embedder = embedder
        self._llm = llm
        self._background = Lazy(lambda: Background(embedder.get()))
        self._retriever = Lazy(
            lambda: Retriever(store, embedder.get(), bm25, self._background.get(), settings, self._rescorer())
        )

    def _rescorer(self) -> Rescorer | None:
        cfg = self.settings.retrieval
        if cfg.rerank == "none":
            return None
        from rag.models.rescorer import Rescorer

        return Rescorer(cfg.rerank, cfg.rerank_model, self.settings.models_dir)

    @property
    def retriever(self) -> Retriever:
        return self._retriever.get()

    def today(self) -> date:
        return self.settings.retrieval.reference_date or date.today()

    def _check_ready(self) -> None:
        if self.store.counts()[0] == 0:
            raise StoreError("the index is empty — run `newsdesk add corpus/` (or add articles in the web chat)")
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
        standalone = self._standalone(question, lang, history)
        planned = plan(standalone, lang, today or self.today(), history if standalone == question else (), filters)
        if planned.rewritten:
            log.debug(
                "search query rewritten: %r -> %r (filters %s)", question, planned.query, planned.filters.to_dict()
            )
        hits = self.retriever.search(planned.query, lang, planned.filters, None, planned.recent)
        retrieval = Retrieval(query=planned.query, filters=planned.filters.to_dict(), hits=tuple(hits))
        timings: dict[str, float | None] = {
            "retrieval_ms": round((time.perf_counter() - started) * 1000, 1),
            "ttft_s": None,
            "total_s": None,
        }
        yield RetrievalEvent(retrieval)
        if not any(h.relevance is not None and h.relevance >= self.settings.retrieval.min_relevance for h in hits):
            text = refusal_text(lang, planned.filters)
            yield TokenEvent(text)
            timings["total_s"] = round(time.perf_counter() - started, 3)
            yield AnswerEvent(Answer(question, lang, text, True, retrieval=retrieval, timings=timings, model=""))
            return
        yield from self._answer(
            question, lang, hits, history, planned.filters, today or self.today(), retrieval, timings, started
        )

    def _answer(
        self,
        question: str,
        lang: str,
        hits: Sequence[Hit],
        history: Sequence[Message],
        filters: Filters,
        today: date,
        retrieval: Retrieval,
        timings: dict[str, float | None],
        started: float,
    ) -> Iterator[Event]:
        llm, embedder, cfg = self._llm.get(), self._embedder.get(), self.settings.llm
        passages = focus_passages(hits, question, embedder, llm.count_tokens, self.settings.retrieval.passage_tokens)
        # Small models read and answer best in the passages' language: answer in it, then translate.
        source_lang = passages_language(passages)
        indirect = cfg.cross_lingual == "translate" and source_lang not in (lang, None)
        budget = llm.context_window - cfg.max_tokens - PROMPT_MARGIN_TOKENS
        prompt = build_messages(
            question,
            source_lang if indirect and source_lang else lang,
            passages,
            today,
            llm.count_tokens,
            budget,
            history,
        )
        raw = ""
        for delta in self._generate(prompt.messages, lang, indirect):
            if timings["ttft_s"] is None:
                timings["ttft_s"] = round(time.perf_counter() - started, 3)
            if delta is None:  # the model drifted from the question's language: it rewrites
                raw = ""
                yield ResetEvent("language")
                continue
            raw += delta
            yield TokenEvent(delta)
        scorer = SupportScorer(embedder, prompt.passages, lang, self._background.get(), question)
        done = finish(raw, lang, prompt.passages, scorer, filters)
        timings["total_s"] = round(time.perf_counter() - started, 3)
        tokens = {"prompt": prompt.tokens, "completion": llm.count_tokens(raw) if raw else 0}
        yield AnswerEvent(
            Answer(
                question,
                lang,
                done.text,
                done.refused,
                done.citations,
                done.sentences,
                retrieval,
                timings,
                tokens,
                llm.name,
            )
        )

    def _generate(self, messages: list[Message], lang: str, indirect: bool) -> Iterator[str | None]:
        """The answer's text as it streams; ``None`` means: forget what came so far, a rewrite follows."""
        llm, max_tokens = self._llm.get(), self.settings.llm.max_tokens
        if indirect:
            draft = "".join(llm.stream(messages, max_tokens))
            stream = llm.stream([Message("user", prompts.render(f"translate.{lang}", text=draft.strip()))], max_tokens)
        else:
            stream = llm.stream(messages, max_tokens)
        raw = ""
        for delta in stream:
            raw += delta
            yield delta
        if language_drifted(raw, lang):
            log.info("answer drifted from %s; asking for a rewrite", lang)
            yield None
            yield from llm.stream(
                [*messages, Message("assistant", raw), Message("user", prompts.render(f"retry.{lang}"))], max_tokens
            )

    def _standalone(self, question: str, lang: str, history: Sequence[Message]) -> str:
        """With llm_rewrite on, an elliptic follow-up is rewritten by the model into a stand-alone question."""
        if not (self.settings.retrieval.llm_rewrite and history and is_follow_up(question, lang)):
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
