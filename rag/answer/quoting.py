"""The extract quoted when the model's own sentences are not supported: the passage sentence closest to the question.

Only passages that stand well above chance (``answer.quote_relevance``) are
quoted from; a quote is a whole sentence of the passage, neither a title nor
a fragment, short enough to read at a glance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answer.passages import Passage, section_starts
from rag.answer.prompting import addressed_to_assistant
from rag.text.sentences import split_sentences

if TYPE_CHECKING:
    from rag.models.embedders import Embedder

MIN_WORDS, MAX_WORDS = 6, 60


@dataclass(frozen=True)
class Quote:
    n: int  # passage number, from 1
    start: int  # offsets in the passage's text
    end: int


def best_quote(
    question: str,
    passages: Sequence[Passage],
    relevance: Sequence[float | None],
    embedder: Embedder,
    min_relevance: float,
) -> Quote | None:
    """The sentence of a strongly relevant passage most similar to ``question``; None when no passage qualifies."""
    candidates: list[Quote] = []
    for n, (passage, score) in enumerate(zip(passages, relevance, strict=False), 1):
        if score is None or score < min_relevance:
            continue
        spans = split_sentences(passage.text)
        titles = section_starts(passage.text, spans)
        for (s, e), title in zip(spans, titles, strict=True):
            text = passage.text[s:e]
            words = len(re.findall(r"\w+", text))
            if not title and MIN_WORDS <= words <= MAX_WORDS and not addressed_to_assistant(text):
                candidates.append(Quote(n, s, e))
    if not candidates:
        return None
    qvec = embedder.embed_queries([question])[0]
    vectors = embedder.embed_documents([passages[q.n - 1].text[q.start : q.end] for q in candidates])
    return candidates[int((vectors @ qvec).argmax())]
