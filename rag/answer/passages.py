"""What the model is shown of each hit: the sentences of its chunk that answer, within one section."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.text.analysis import analyze
from rag.text.askedkinds import fits, kind
from rag.text.sentences import split_sentences
from rag.types import Chunk, Hit

if TYPE_CHECKING:
    from rag.models.embedders import Embedder

CountTokens = Callable[[str], int]
MAX_TITLE_WORDS = 20  # a section title is a short line
# Weight of the question's words a sentence holds (their rarer share in the chunk, 0–1) beside its cosine to the
# question (sentences of one chunk differ by ~0.05): the words lead, the meaning breaks ties. Measured on 600
# answerable piaf_dev questions, the answer is in the passages shown for 71.4% by cosine alone and 73.5% with the
# words; xquad_en_dev 95.1% and 97.1%; flat from 0.4 to 1.5.
WORDS_WEIGHT = 0.5


@dataclass(frozen=True)
class Passage:
    """What the model is shown of a hit: whole sentences of its chunk, with article offsets."""

    chunk: Chunk
    text: str
    start: int
    end: int


_HEADING_END = re.compile(r"[.!…;:,]\s*[»\"')\]]*$")


def _own_line(text: str, start: int, end: int) -> bool:
    before, after = text[:start].rstrip(" \t"), text[end:].lstrip(" \t")
    return (not before or before.endswith("\n")) and (not after or after.startswith("\n"))


def section_starts(text: str, spans: Sequence[tuple[int, int]]) -> list[bool]:
    """Which sentences are section titles: a short line of its own, without closing punctuation,
    before a sentence that is not one.

    Runs of such lines (lists, tables) are not titles.
    """
    line = [
        _own_line(text, s, e) and len(text[s:e].split()) <= MAX_TITLE_WORDS and not _HEADING_END.search(text[s:e])
        for s, e in spans
    ]
    return [
        line[i] and i + 1 < len(spans) and not line[i + 1] and not (i > 0 and line[i - 1]) for i in range(len(spans))
    ]


def focus(chunk: Chunk, sentence_scores: Sequence[float], count_tokens, max_tokens: int) -> Passage:
    """The best-scoring sentence of ``chunk`` and its neighbours, within ``max_tokens`` beside the section title.

    Sentences are kept whole and in order, so the passage is an exact span of
    the article that a citation can point to. The passage stays within one
    section: it may start at a section title, never run past one, and a best
    sentence that is itself a title brings the text it announces. The title a
    passage starts at is a short line that names what its sentences speak of; it
    is not counted, so it never takes the place of a sentence (« Pékin a exprimé
    sa préoccupation… » after « La Chine et le retrait des États-Unis de l'Accord
    de Paris » and the two sentences under it).
    """
    spans = split_sentences(chunk.text)
    if not spans or count_tokens(chunk.text) <= max_tokens:
        return Passage(chunk, chunk.text, chunk.start, chunk.end)
    titles = section_starts(chunk.text, spans)
    best = max(range(len(spans)), key=lambda i: sentence_scores[i])

    def cost(i: int) -> int:
        return 0 if titles[i] else count_tokens(chunk.text[spans[i][0] : spans[i][1]])

    lo = hi = best
    used = cost(best)
    while True:
        grown = False
        for candidate in (hi + 1, lo - 1):  # prefer what follows the best sentence
            if not 0 <= candidate < len(spans) or lo <= candidate <= hi:
                continue
            if (candidate > hi and titles[candidate]) or (candidate < lo and titles[lo]):
                continue  # the next section begins there, or this one began at lo
            if used + cost(candidate) <= max_tokens:
                lo, hi, used, grown = min(lo, candidate), max(hi, candidate), used + cost(candidate), True
        if not grown:
            break
    start, end = spans[lo][0], spans[hi][1]
    return Passage(chunk, chunk.text[start:end], chunk.start + start, chunk.start + end)


def held_words(sentences: Sequence[str], question: str, lang: str) -> list[float]:
    """The share of the question's words each sentence holds (stems), each word weighted by how rare it is among
    ``sentences``: the word every sentence of the chunk repeats tells them apart least."""
    words = set(analyze(question, lang, query=True))
    held = [words.intersection(analyze(s, lang)) for s in sentences]
    rarity = {w: math.log((len(sentences) + 1) / (sum(w in h for h in held) + 0.5)) for w in words}
    total = sum(rarity.values())
    return [sum(rarity[w] for w in h) / total if total > 0 else 0.0 for h in held]


def focus_passages(
    hits: Sequence[Hit],
    question: str,
    embedder: Embedder,
    count_tokens: CountTokens,
    max_tokens: int,
    later_tokens: int | None = None,
    lang: str = "",
) -> list[Passage]:
    """Shorten each hit to its most question-relevant sentences, those after the first to ``later_tokens``
    (``max_tokens`` when None). A sentence is scored by the question's words it holds (``held_words``, when the chunk
    is in the question's ``lang``), then by its meaning (dense similarity): « Seuls huit d'entre les prisonniers
    parviendront à s'enfuir » answers « Combien de prisonniers ont échappé au massacre ? », though the list of the
    executed reads closer to a massacre. When the question asks for a year, a number or a measure (``askedkinds``),
    the passage is centred on the closest sentence that gives one, if any does: « Le mont Maudit culmine à 4 465
    mètres » rather than the sentence on the avalanche that killed nine, closer to « À quelle altitude culmine le
    mont Maudit, où une avalanche a fait neuf morts ? ». Not for a time: any sentence with « alors » or « puis »
    gives one, too many to choose by."""
    asked = kind(question)
    centre = asked in ("year", "number", "measure")
    qvec = None
    out = []
    for rank, hit in enumerate(hits):
        chunk = hit.chunk
        budget = max_tokens if rank == 0 or later_tokens is None else later_tokens
        spans = split_sentences(chunk.text)
        if len(spans) <= 1 or count_tokens(chunk.text) <= budget:
            out.append(Passage(chunk, chunk.text, chunk.start, chunk.end))
            continue
        if qvec is None:
            qvec = embedder.embed_queries([question])[0]
        sentences = [chunk.text[s:e] for s, e in spans]
        scores = list(embedder.embed_documents(sentences) @ qvec)
        if lang and chunk.lang in ("", lang):  # in another language only the names would match
            scores = [s + WORDS_WEIGHT * w for s, w in zip(scores, held_words(sentences, question, lang), strict=True)]
        giving = [fits(asked, sentence) for sentence in sentences] if centre else []
        if any(giving):  # a cosine is at least -1: a sentence giving the kind asked outranks any other
            scores = [score if gives else score - 2.0 for score, gives in zip(scores, giving, strict=True)]
        out.append(focus(chunk, scores, count_tokens, budget))
    return out


def passages_language(passages: Sequence[Passage]) -> str | None:
    """The language most passages are in (French or English), if any."""
    counts = Counter(p.chunk.lang for p in passages if p.chunk.lang in ("fr", "en"))
    return counts.most_common(1)[0][0] if counts else None
