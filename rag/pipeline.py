"""The one pipeline object used by the CLI, the web chat and the evaluations.

``build(settings)`` wires the store, embedder, BM25 index, retriever and LLM;
models load on first use so that building it is instant.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from . import embedders, llms
from .answering import SupportScorer, build_messages, finish, focus_passages, language_drifted, passages_language, refusal_text
from .bm25 import BM25Cache
from .errors import IngestError, QuestionError, StoreError
from .feeds import FeedList, fetch_new_entries
from .ingest import IngestReport, ingest_articles
from .language import detect_question
from .llms import Message
from .prompts import render
from .query import is_follow_up, plan
from .relevance import Background
from .retrieval import Retriever
from .sources import article_from_text, load_path
from .web import fetch_article
from .store import Store
from .types import Answer, Article, Filters, Hit, Retrieval

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 2000
URL_LIKE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
HTTP_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


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
        self._rescorer = None

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
    def rescorer(self):
        cfg = self.settings.retrieval
        if cfg.rerank == "none":
            return None
        if self._rescorer is None:
            from .rerank import Rescorer

            self._rescorer = Rescorer(cfg.rerank, cfg.rerank_model, self.settings.models_dir)
        return self._rescorer

    @property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.embedder, self.bm25, self.background, self.settings, self.rescorer)

    def today(self) -> date:
        return self.settings.retrieval.reference_date or date.today()

    # -- corpus -----------------------------------------------------------
    def read_inputs(self, inputs: Sequence[str | Path], include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> tuple[list[Article], list[str]]:
        """Articles from files, folders and http(s) URLs, and the problems met (one line each)."""
        articles: list[Article] = []
        rejected: list[str] = []
        max_bytes = int(self.settings.ingest.max_file_mb * 1e6)
        for item in inputs:
            text = str(item)
            try:
                if URL_LIKE.match(text):
                    articles.append(fetch_article(text, self.settings.ingest))
                    continue
                for _file, loaded in load_path(Path(item), include, exclude, max_bytes):
                    rejected.extend(loaded.errors)
                    articles.extend(loaded.articles)
            except IngestError as exc:
                rejected.append(str(exc))
        return articles, rejected

    def add(self, inputs: Sequence[str | Path], include: tuple[str, ...] = (), exclude: tuple[str, ...] = (), progress=None) -> IngestReport:
        """Ingest files, folders and URLs; bad inputs are reported, not fatal."""
        articles, rejected = self.read_inputs(inputs, include, exclude)
        report = self.add_articles(articles, progress)
        report.rejected = rejected + report.rejected
        return report

    def add_url(self, url: str, progress=None) -> IngestReport:
        """Ingest the web page at an http(s) address: what the web page offers, never a path on this machine."""
        url = (url or "").strip()
        if not HTTP_URL.match(url):
            return IngestReport(rejected=["only web addresses starting with http:// or https:// can be added here — "
                                          "type the page's full address"])
        return self.add([url], progress=progress)

    def add_text(self, text: str, source: str = "stdin") -> IngestReport:
        """Ingest pasted text as one article."""
        limit = self.settings.ingest.max_article_chars
        if len(text) > limit:
            return IngestReport(rejected=[f"{source}: {len(text):,} characters is over the {limit:,} limit (ingest.max_article_chars) — "
                                          "split the text into articles"])
        try:
            article = article_from_text(text, source)
        except IngestError as exc:
            return IngestReport(rejected=[f"{source}: {exc}"])
        return self.add_articles([article])

    def add_articles(self, articles: Sequence[Article], progress=None) -> IngestReport:
        return ingest_articles(list(articles), self.store, self.embedder, self.settings, progress)

    def update_feeds(self, progress=None) -> IngestReport:
        """Fetch every followed feed and ingest the entries not seen before."""
        feeds = FeedList(self.settings.data_dir)
        report = IngestReport()
        for feed in feeds.load():
            try:
                update = fetch_new_entries(feed, self.settings.ingest)
            except IngestError as exc:
                feed.last_error = str(exc)
                feeds.update(feed)
                report.rejected.append(str(exc))
                continue
            part = self.add_articles(update.articles, progress)
            report.merge(part)
            report.rejected.extend(update.errors)
            feed.seen = update.seen_after()  # only once their articles are stored
            feed.last_error = ""
            feeds.update(feed)
        return report

    def add_feed(self, url: str) -> str:
        """Check that ``url`` is a feed and follow it; returns its title."""
        from .feeds import parse_feed
        from .fetch import fetch

        page = fetch(url, self.settings.ingest)
        title = parse_feed(page.content, url).feed.get("title", "")
        FeedList(self.settings.data_dir).add(url, title)
        return title

    def reindex(self, progress=None) -> IngestReport:
        """Re-chunk and re-embed every article into a staging index, then swap it in."""
        self.store.recover()
        records = self.store.list_articles(with_text=True)
        staging_settings = self.settings.model_copy(deep=True)
        staging_settings.store.collection = self.settings.store.collection + Store.STAGING
        staging = Store(staging_settings)
        staging.drop()
        report = ingest_articles([r.article for r in records], staging, self.embedder, self.settings, progress)
        staging.mark_complete(uuid.uuid4().hex)
        self.store.swap_in_staging()
        return report

    def stats(self) -> dict:
        """Counts by language and source, date range, and what the index was built with."""
        from collections import Counter

        records = self.store.list_articles()
        n_articles, n_chunks = self.store.counts()
        dates = sorted(r.article.date for r in records if r.article.date)
        return {
            "articles": n_articles, "chunks": n_chunks,
            "languages": dict(Counter(r.article.lang for r in records).most_common()),
            "sources": dict(Counter(r.article.source for r in records).most_common(10)),
            "oldest": dates[0] if dates else None, "newest": dates[-1] if dates else None,
            "near_duplicates": sum(1 for r in records if r.duplicate_of),
            "embedder": self.store.indexed_embedder(), "store": self.store.location,
            "feeds": len(FeedList(self.settings.data_dir).load()),
        }

    def is_empty(self) -> bool:
        return self.store.counts()[0] == 0

    # -- questions ----------------------------------------------------------
    def _check_ready(self) -> None:
        if self.is_empty():
            raise StoreError("the index is empty — run `newsdesk add corpus/` (or add articles in the web chat)")
        self.store.check_embedder(self.embedder.id, self.embedder.dim)

    def search(self, query: str, filters: Filters | None = None, k: int | None = None, lang: str | None = None,
               today: date | None = None) -> Retrieval:
        """Ranked passages for ``query`` (time phrases applied), without the LLM."""
        query = _validate(query)
        self._check_ready()
        planned = plan(query, lang or detect_question(query), today or self.today(), (), filters)
        hits = self.retriever.search(planned.query, planned.lang, planned.filters, k, planned.recent)
        return Retrieval(query=planned.query, filters=planned.filters.to_dict(), hits=tuple(hits))

    def ask_stream(self, question: str, history: Sequence[Message] = (), filters: Filters | None = None,
                   today: date | None = None) -> Iterator[Event]:
        """Answer ``question`` step by step (see ``Event``); the last event holds the Answer.

        ``today`` is the reference date for the prompt (default: settings, else today).
        """
        started = time.perf_counter()
        question = _validate(question)
        lang = detect_question(question)
        self._check_ready()
        standalone = self._standalone(question, lang, history)
        planned = plan(standalone, lang, today or self.today(), history if standalone == question else (), filters)
        if planned.rewritten:
            log.debug("search query rewritten: %r -> %r (filters %s)", question, planned.query, planned.filters.to_dict())
        hits = self.retriever.search(planned.query, lang, planned.filters, None, planned.recent)
        retrieval = Retrieval(query=planned.query, filters=planned.filters.to_dict(), hits=tuple(hits))
        retrieval_ms = (time.perf_counter() - started) * 1000
        yield Event("retrieval", retrieval=retrieval)
        timings = {"retrieval_ms": round(retrieval_ms, 1), "ttft_s": None, "total_s": None}
        relevant = [h for h in hits if h.relevance is not None and h.relevance >= self.settings.retrieval.min_relevance]
        if not relevant:
            text = refusal_text(lang, planned.filters)
            yield Event("token", text=text)
            timings["total_s"] = round(time.perf_counter() - started, 3)
            yield Event("answer", answer=Answer(question, lang, text, True, retrieval=retrieval, timings=timings, model=""))
            return
        llm = self.llm
        cfg = self.settings.llm
        budget = llm.context_window - cfg.max_tokens - 32
        passages = focus_passages(hits, question, self.embedder, llm.count_tokens, self.settings.retrieval.passage_tokens)
        # Small models read and answer best in the passages' language: answer in it, then translate.
        source_lang = passages_language(passages)
        indirect = cfg.cross_lingual == "translate" and source_lang not in (lang, None)
        prompt = build_messages(question, source_lang if indirect else lang, passages, today or self.today(), llm.count_tokens, budget, history)
        raw = ""
        for delta in self._generate(prompt.messages, lang, indirect):
            if timings["ttft_s"] is None:
                timings["ttft_s"] = round(time.perf_counter() - started, 3)
            if delta is None:  # the model drifted from the question's language: it rewrites
                raw = ""
                yield Event("reset", text="language")
                continue
            raw += delta
            yield Event("token", text=delta)
        scorer = SupportScorer(self.embedder, prompt.passages, lang, self.background, question)
        done = finish(raw, lang, prompt.passages, scorer, planned.filters)
        timings["total_s"] = round(time.perf_counter() - started, 3)
        tokens = {"prompt": prompt.tokens, "completion": llm.count_tokens(raw) if raw else 0}
        answer = Answer(question, lang, done.text, done.refused, done.citations, done.sentences, retrieval, timings, tokens, llm.name)
        yield Event("answer", answer=answer)

    def _generate(self, messages: list[Message], lang: str, indirect: bool) -> Iterator[str | None]:
        """The answer's text as it streams; ``None`` means: forget what came so far, a rewrite follows."""
        llm, cfg = self.llm, self.settings.llm
        if indirect:
            draft = "".join(llm.stream(messages, cfg.max_tokens))
            stream = llm.stream([Message("user", render(f"translate.{lang}", text=draft.strip()))], cfg.max_tokens)
        else:
            stream = llm.stream(messages, cfg.max_tokens)
        raw = ""
        for delta in stream:
            raw += delta
            yield delta
        if language_drifted(raw, lang):
            log.info("answer drifted from %s; asking for a rewrite", lang)
            yield None
            yield from llm.stream([*messages, Message("assistant", raw), Message("user", render(f"retry.{lang}"))], cfg.max_tokens)

    def _standalone(self, question: str, lang: str, history: Sequence[Message]) -> str:
        """With llm_rewrite on, an elliptic follow-up is rewritten by the model into a stand-alone question."""
        if not (self.settings.retrieval.llm_rewrite and history and is_follow_up(question, lang)):
            return question
        past = "\n".join(f"{m.role}: {m.content[:400]}" for m in history[-4:])
        prompt = render(f"rewrite.{lang}", history=past, question=question)
        rewritten = "".join(self.llm.stream([Message("user", prompt)], 80)).strip().strip('"«» ').splitlines()
        return rewritten[0] if rewritten and len(rewritten[0]) > 3 else question

    def ask(self, question: str, history: Sequence[Message] = (), filters: Filters | None = None, today: date | None = None) -> Answer:
        answer = None
        for event in self.ask_stream(question, history, filters, today):
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
