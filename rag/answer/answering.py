"""Answering from the passages found: the prompt, the model's text checked sentence by sentence as it streams,
the finished answer (its supported sentences, a quoted extract, or a refusal)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING

from rag.answer import prompts
from rag.answer.citations import Attributed
from rag.answer.drafting import Draft
from rag.answer.evidence import holding, restatable_from
from rag.answer.finishing import Finished, finish
from rag.answer.passages import Passage, focus_passages, passages_language
from rag.answer.prompting import build_messages
from rag.answer.quoting import best_quote
from rag.answer.shape import unenclosed
from rag.answer.support import SupportScorer
from rag.answer.verify import Verifier
from rag.events import AnswerEvent, Event, SentenceEvent
from rag.lazy import Lazy
from rag.types import Answer, Citation, Filters, Hit, Message, Retrieval

if TYPE_CHECKING:
    from rag.models.embedders import Embedder
    from rag.models.llms import LLM
    from rag.retrieve.relevance import Background
    from rag.settings import Settings

log = logging.getLogger(__name__)
PROMPT_MARGIN_TOKENS = 32  # kept free in the context beside the prompt and the answer


class Answerer:
    """Writes the checked answer to a question from its hits, with one LLM and one embedder (loaded on first use)."""

    def __init__(self, settings: Settings, llm: Lazy[LLM], embedder: Lazy[Embedder], background: Lazy[Background]):
        self.settings = settings
        self._llm = llm
        self._embedder = embedder
        self._background = background
        # The verifier's own context (a server backend, or a fake, is shared as is).
        self._verifying = Lazy(lambda: getattr(llm.get(), "fork", llm.get)())

    def _verifier(self, lang: str) -> Verifier | None:
        return Verifier(self._verifying.get(), lang) if self.settings.answer.verify else None

    def answer(
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
        # Passages below the relevance gate are noise to a small model (the best one is always kept).
        gate = self.settings.retrieval.min_relevance
        hits = [h for i, h in enumerate(hits) if i == 0 or (h.relevance is not None and h.relevance >= gate)]
        tokens, share = self.settings.retrieval.passage_tokens, self.settings.retrieval.min_coverage
        later = self.settings.retrieval.later_passage_tokens
        passages = focus_passages(hits, question, embedder, llm.count_tokens, tokens, later, lang)
        # An answer rests only on a passage holding a share of the question's words, like the evidence gate's: one
        # holding too few is left out of the prompt when another holds them, and the model reads the rest sooner.
        held = holding(retrieval.query, lang, passages, share)
        if any(held) and not all(held):
            hits = [h for h, c in zip(hits, held, strict=True) if c]
            passages, held = [p for p, c in zip(passages, held, strict=True) if c], [True] * len(hits)
        # With llm.cross_lingual=translate the answer is written in the passages' language, then translated.
        source_lang = passages_language(passages)
        indirect = cfg.cross_lingual == "translate" and source_lang not in (lang, None)
        budget = llm.context_window - cfg.max_tokens - PROMPT_MARGIN_TOKENS
        prompt_lang = source_lang if indirect and source_lang else lang
        prompt = build_messages(question, prompt_lang, passages, today, llm.count_tokens, budget, history)
        covering = frozenset(n for n in range(1, len(prompt.passages) + 1) if held[n - 1])  # a prefix of passages
        scorer = SupportScorer(
            embedder, prompt.passages, lang, self._background.get(), question, self.settings.answer.topic_relevance,
            covering,
        )  # fmt: skip

        relevance = [h.relevance if n in covering else None for n, h in enumerate(hits[: len(prompt.passages)], 1)]
        min_quote, quote_words = self.settings.answer.quote_relevance, self.settings.answer.quote_words
        # A sentence the second opinion rejects gives way to its passage's own sentence when the passage holds a share
        # of the question's words and all its names, not only when retrieval ranks it far above chance (quote_relevance,
        # for a quote in place of the whole answer): the model says no to true paraphrases (« font appel aux corsaires
        # turcs » for « demandent l'aide des corsaires turcs »).
        restatable = restatable_from(retrieval.query, lang, prompt.passages, covering)

        def new_draft() -> Draft:
            verify = self._verifier(lang)
            # A sentence the second opinion rejects may be restated from its passage, in the verifier's context.
            restate = (lambda text, p: self.translate(text, p, lang, self._verifying.get())) if verify else None
            max_sentences = self.settings.answer.max_sentences
            return Draft(
                lang, prompt.passages, scorer, max_sentences, verify=verify, translate=restate,
                restatable_from=restatable, question=retrieval.query,
                answers=verify.answers if verify is not None else None,
            )  # fmt: skip

        draft = new_draft()
        shown = tuple(read(n, p) for n, p in enumerate(prompt.passages, 1))

        def answer(done: Finished, stopped: bool = False) -> Answer:
            tokens = {"prompt": prompt.tokens, "completion": llm.count_tokens(draft.raw) if draft.raw else 0}
            return Answer(
                question, lang, done.text, done.refused, done.citations, done.sentences, retrieval,
                dict(timings), tokens, llm.name, stopped, draft.raw, shown,
            )  # fmt: skip

        messages = prompt.messages
        # A second attempt when the first sentence drifted from the question's language, or echoed the example.
        for attempt in range(2):
            for sentence in self._checked(messages, draft, indirect and attempt == 0, timings, started):
                timings["first_sentence_s"] = timings.get("first_sentence_s") or round(time.perf_counter() - started, 3)
                yield SentenceEvent(sentence.text, answer(finish(draft, filters), stopped=True))
            if not (draft.drifted or draft.echoed) or attempt:
                break
            if draft.drifted:
                log.info("answer drifted from %s; asking for a rewrite", lang)
                retry = Message("user", prompts.render(f"retry.{lang}"))
                messages = [*prompt.messages, Message("assistant", draft.raw), retry]
            else:  # asked again without the example: told it was only an example, the model echoed it again
                log.info("answer echoed the instructions' example; asking without it")
                bare = build_messages(
                    question, prompt_lang, prompt.passages, today, llm.count_tokens, budget, history, False
                )
                messages = bare.messages
            draft = new_draft()
        # A quote speaks to the question as searched (a follow-up completed, its time phrases read).
        quote = (
            best_quote(retrieval.query, lang, prompt.passages, relevance, embedder, min_quote, quote_words)
            if draft.failed
            else None
        )
        translation = draft.translated(quote) if quote is not None else None
        if quote is not None and not draft.addresses(quote, translation):
            quote = None  # its translation is about something else than the question
        done = finish(draft, filters, quote, translation)
        timings["total_s"] = round(time.perf_counter() - started, 3)
        yield AnswerEvent(answer(done))

    def translate(self, sentence: str, passage: Passage, lang: str, llm: LLM | None = None) -> Attributed | None:
        """``sentence`` of ``passage`` said in ``lang`` by the model (``llm``, else the answer's), checked like an
        answer's sentence (language, support by the passage, the second opinion); None when the translation does not
        pass. The sentence was chosen for its topic already: the translation is held to that sentence alone (a
        short one, "L'usine emploie 800 personnes.", is lost in the embedding of its whole passage)."""
        source = Passage(passage.chunk, sentence, passage.start, passage.end)  # its words only: no offset is read
        scorer = SupportScorer(self._embedder.get(), [source], lang, self._background.get())
        draft = Draft(lang, [source], scorer, 1, verify=self._verifier(lang))
        messages = [Message("user", prompts.render(f"translate_sentence.{lang}", text=sentence))]
        # Read whole before it is checked: the second opinion may use the same context.
        draft.feed(unenclosed("".join((llm or self._llm.get()).stream(messages, self.settings.llm.max_tokens))))
        draft.close()
        return draft.kept[0] if draft.kept else None

    def _checked(
        self, messages: list[Message], draft: Draft, indirect: bool, timings: dict[str, float | None], started: float
    ) -> Iterator[Attributed]:
        """The sentences ``draft`` keeps as the model writes; the model is stopped once the draft is full."""
        llm, max_tokens = self._llm.get(), self.settings.llm.max_tokens
        if indirect:  # the draft in the passages' language is read whole, then its translation is checked
            text = "".join(llm.stream(messages, max_tokens)).strip()
            messages = [Message("user", prompts.render(f"translate.{draft.lang}", text=text))]
        stream = llm.stream(messages, max_tokens)
        try:
            for delta in stream:
                if timings["ttft_s"] is None:
                    timings["ttft_s"] = round(time.perf_counter() - started, 3)
                yield from draft.feed(delta)
                if draft.full:
                    return
            yield from draft.close()
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # a model stopped early stops generating


def read(n: int, passage: Passage) -> Citation:
    """Passage ``n`` as the model was shown it (a citation that supports nothing yet)."""
    c = passage.chunk
    return Citation(
        n, c.article_id, c.id, c.title, c.date, c.source, c.url, passage.text, passage.start, passage.end, 0.0,
        lang=c.lang,
    )  # fmt: skip
