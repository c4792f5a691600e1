"""How well a passage supports an answer sentence: word overlap, calibrated similarity, and the numbers it holds."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from rag.answer.passages import Passage
from rag.answer.prompting import shown_text
from rag.answer.shape import is_short_answer
from rag.text.analysis import analyze
from rag.text.names import mentions, names
from rag.text.numbers import numbers, stated_numbers
from rag.text.sentences import split_sentences

if TYPE_CHECKING:
    from rag.models.embedders import Embedder
    from rag.retrieve.relevance import Background


class SupportScorer:
    """How well a passage supports an answer sentence, in [0, 1].

    The larger of word overlap (stemmed content words of the sentence found in
    the passage) and a dense score (the sentence/passage cosine as a z-score
    above the sentence's background similarity, see ``relevance``), so that
    cross-lingual support is recognised too.

    A sentence must also be about the question: a true sentence copied from an
    unrelated passage supports nothing the reader asked. Its similarity to the
    question, as a z-score above the question's background, must reach
    ``min_topic`` (``answer.topic_relevance``), read under its article's title when
    the question names what only the title holds (``as_read``). And it must rest on
    a passage that holds a share of the question's words (``answering_from``, see
    ``evidence.covers``).
    """

    Z_FLOOR, Z_CEIL = 3.5, 6.0  # z at which dense support starts, and where it is full
    # A short answer ("Antoine Lavoisier.", "En 1802.") stands far less above chance than a sentence (z 1.2-4.0
    # where its full sentence reaches 8): only sentences of at least this many words are held to the topic.
    TOPIC_MIN_WORDS = 5
    CROSS_LINGUAL_OVERLAP = 0.5  # below this share of shared words, another language's sentence is matched by meaning

    def __init__(
        self,
        embedder: Embedder,
        passages: Sequence[Passage],
        lang: str,
        background: Background,
        question: str = "",
        min_topic: float | None = None,
        answering_from: frozenset[int] | None = None,  # the passages an answer may rest on (None: all)
    ):
        self.embedder = embedder
        self.background = background
        self._question = set(analyze(question, lang))
        self._question_text, self.min_topic = question, min_topic
        self.answering_from = answering_from
        self._topic: dict[str, float] = {}
        self.passages = list(passages)
        self.lang = lang
        texts = [shown_text(p.text) for p in self.passages]  # what the model was shown: no sentence addressed to it
        self._stems = [
            set(analyze(t, p.chunk.lang or lang)) | set(analyze(shown_text(p.chunk.title), p.chunk.lang or lang))
            for p, t in zip(self.passages, texts, strict=True)
        ]
        self._numbers = [
            stated_numbers(f"{p.chunk.title} {p.chunk.date or ''} {t}")
            for p, t in zip(self.passages, texts, strict=True)
        ]
        self._pvecs = embedder.embed_documents(texts) if self.passages else None
        self._qvecs: dict[str, np.ndarray] = {}
        self._dvecs: dict[str, np.ndarray] = {}  # sentences embedded as passage text

    def lexical(self, sentence: str, n: int) -> float:
        stems = self._stems[n - 1]
        best = 0.0
        # Also read the sentence as the passage's language: names then stem alike across languages.
        for lang in {self.lang, self.passages[n - 1].chunk.lang or self.lang}:
            words = set(analyze(sentence, lang))
            if words:
                best = max(best, len(words & stems) / len(words))
        return best

    def dense(self, sentence: str, n: int) -> float:
        if sentence not in self._qvecs:
            self._qvecs[sentence] = self.embedder.embed_queries([sentence])[0]
        qvec = self._qvecs[sentence]
        assert self._pvecs is not None  # there is a passage n
        z = self.background.zscore(qvec, float(qvec @ self._pvecs[n - 1]), self.passages[n - 1].chunk.lang)
        return min(1.0, max(0.0, (z - self.Z_FLOOR) / (self.Z_CEIL - self.Z_FLOOR)))

    def topic(self, sentence: str) -> float:
        """How far ``sentence`` stands above chance as an answer to the question (a z-score, like relevance)."""
        if sentence not in self._topic:
            if self._question_text not in self._qvecs:
                self._qvecs[self._question_text] = self.embedder.embed_queries([self._question_text])[0]
            qvec = self._qvecs[self._question_text]
            svec = self.embedder.embed_documents([sentence])[0]
            self._topic[sentence] = self.background.zscore(qvec, float(qvec @ svec), self.lang)
        return self._topic[sentence]

    def as_read(self, sentence: str, n: int) -> str:
        """``sentence`` under the title of passage ``n``'s article when it lacks a name of the question that the title
        holds, as the reader reads an answer next to its source: « La ministre des Transports confirme que la relation
        directe entre Paris et l'aéroport se ferait à l'horizon 2024 » (3.4 above chance alone) is about « CDG
        Express » (its article's title) when asked « à quel horizon la liaison CDG Express est-elle prévue ? »."""
        title = self.passages[n - 1].chunk.title
        said, titled = re.findall(r"\w+", sentence), re.findall(r"\w+", title)
        if any(mentions(s.name, titled) and not mentions(s.name, said) for s in names(self._question_text)):
            return f"{title}. {sentence}"
        return sentence

    def __call__(self, sentence: str, n: int) -> float:
        if self.answering_from is not None and n not in self.answering_from:
            return 0.0  # the passage lacks most of what the question asks about: what it says answers something else
        words = set(analyze(sentence, self.lang))
        if self._question and words and words <= self._question:
            return 0.0  # it only restates the question: nothing in it comes from a passage
        if (
            self.min_topic is not None
            and self._question_text
            and not is_short_answer(sentence, self.TOPIC_MIN_WORDS)
            and self.topic(self.as_read(sentence, n)) < self.min_topic
        ):
            return 0.0  # true perhaps, but not about what was asked
        if not numbers(sentence) <= self._numbers[n - 1]:
            return 0.0  # a number (amount, year, date) the passage does not state, in digits or in words
        return round(max(self.lexical(sentence, n), self.dense(sentence, n)), 3)

    def nearest(self, sentence: str, candidates: Sequence[str]) -> int:
        """The index of the candidate closest in meaning to ``sentence``, both read as passage text (a paraphrase
        is a passage sentence's like, not an answer to it). A short answer means little alone (« PH1. » is closest to
        a sentence on another exoplanet): it is sought among the candidates holding most of its words, read with the
        question."""
        pool = list(range(len(candidates)))
        if is_short_answer(sentence, self.TOPIC_MIN_WORDS):
            words = set(analyze(sentence, self.lang))
            held = [len(words & set(analyze(c, self.lang))) for c in candidates]
            if max(held, default=0):
                pool = [i for i, h in enumerate(held) if h == max(held)]
                sentence = f"{self._question_text} {sentence}".strip()
        vectors = self._as_passages([sentence, *candidates])
        return max(pool, key=lambda i: float(vectors[i + 1] @ vectors[0]))

    def _as_passages(self, texts: Sequence[str]) -> np.ndarray:
        """``texts`` embedded as passage text, each once per scorer."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._dvecs]
        if missing:
            self._dvecs.update(zip(missing, self.embedder.embed_documents(missing), strict=True))
        return np.stack([self._dvecs[t] for t in texts])

    def highlight(self, sentence: str, n: int) -> tuple[int, int] | None:
        """Article offsets of the passage sentence closest to ``sentence``: by shared words (those the question does
        not hold, when there are some: "800" in "The factory employs 800 people"); by meaning when the passage is in
        another language and shares too few of them."""
        passage = self.passages[n - 1]
        source = passage.chunk.lang or self.lang
        spans = split_sentences(passage.text)
        readings = [self._answering_words(sentence, lang) for lang in dict.fromkeys([self.lang, source])]
        best, best_score = None, 0.0
        for s, e in spans:
            stems = set(analyze(passage.text[s:e], source))
            score = max(len(words & stems) / (len(words) or 1) for words in readings)
            if score > best_score:
                best, best_score = (s, e), score
        if source != self.lang and best_score < self.CROSS_LINGUAL_OVERLAP and spans:
            self.dense(sentence, n)  # the sentence's vector, cached
            vectors = self._as_passages([passage.text[s:e] for s, e in spans])
            best = spans[int((vectors @ self._qvecs[sentence]).argmax())]
        return None if best is None else (passage.start + best[0], passage.start + best[1])

    def _answering_words(self, sentence: str, lang: str) -> set[str]:
        words = set(analyze(sentence, lang))
        return (words - set(analyze(self._question_text, lang))) or words
