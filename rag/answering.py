"""Turning passages into a grounded answer: prompt, language check, citations.

``build_messages`` renders the prompt files with numbered passages that fit the
model's context; ``finish`` turns the model's raw text into the verified
answer (valid markers only, each sentence checked against its passages,
refusals without sources).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Sequence

import numpy as np

from . import prompts
from .bm25 import analyze
from .chunking import split_sentences
from .citations import attribute, keep_valid_markers, render_answer, sentences_with_markers, strip_markers
from .language import detect_answer
from .llms import Message
from .types import Chunk, Citation, Filters, Hit, Sentence

MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
}
# Phrases by which a model says the passages do not hold the answer.
_REFUSAL = re.compile(
    r"(ne (?:le )?disent pas|ne (?:le )?précisent pas|ne contiennent pas|ne mentionnent pas|aucune information|pas d'information|"
    r"ne permettent pas de répondre|"
    r"do not say|don't say|does not say|do not contain|does not contain|do not mention|does not mention|no information|"
    r"not (?:mentioned|specified|provided)|cannot answer|can't answer)",
    re.IGNORECASE,
)


def format_date(iso: str | None, lang: str) -> str:
    """``12 mars 2024`` / ``12 March 2024``; empty when unknown."""
    if not iso:
        return ""
    try:
        d = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{d.day} {MONTHS.get(lang, MONTHS['en'])[d.month - 1]} {d.year}"


def refusal_text(lang: str, filters: Filters | None = None, closest: Sequence[str] = ()) -> str:
    """The archive-does-not-say reply; names the active filters so the reader can widen them, and the
    closest articles when relevant passages were found (a refusal never hides what retrieval found)."""
    text = prompts.render(f"refusal.{lang}")
    if closest:
        quoted = ", ".join(f"« {t} »" if lang == "fr" else f"“{t}”" for t in dict.fromkeys(closest))
        text += " " + prompts.render(f"refusal_found.{lang}", titles=quoted)
    if filters is not None and not filters.is_empty():
        active = []
        if filters.since or filters.until:
            active.append(f"{format_date(filters.since, lang) or '…'} → {format_date(filters.until, lang) or '…'}")
        if filters.sources:
            active.append(", ".join(filters.sources))
        if filters.langs:
            active.append(", ".join(filters.langs))
        text += " " + prompts.render(f"refusal_filters.{lang}", filters="; ".join(active))
    return text


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
    """Which sentences are section titles: a short line of its own, without closing punctuation, before a sentence that is not one.

    Runs of such lines (lists, tables) are not titles.
    """
    line = [_own_line(text, s, e) and len(text[s:e].split()) <= 20 and not _HEADING_END.search(text[s:e]) for s, e in spans]
    return [line[i] and i + 1 < len(spans) and not line[i + 1] and not (i > 0 and line[i - 1]) for i in range(len(spans))]


def focus(chunk: Chunk, sentence_scores: Sequence[float], count_tokens, max_tokens: int) -> Passage:
    """The best-scoring sentence of ``chunk`` and its neighbours, within ``max_tokens``.

    Sentences are kept whole and in order, so the passage is an exact span of
    the article that a citation can point to. The passage stays within one
    section: it may start at a section title, never run past one, and a best
    sentence that is itself a title brings the text it announces.
    """
    spans = split_sentences(chunk.text)
    if not spans or count_tokens(chunk.text) <= max_tokens:
        return Passage(chunk, chunk.text, chunk.start, chunk.end)
    titles = section_starts(chunk.text, spans)
    best = max(range(len(spans)), key=lambda i: sentence_scores[i])
    lo = hi = best
    used = count_tokens(chunk.text[spans[best][0] : spans[best][1]])
    while True:
        grown = False
        for candidate in (hi + 1, lo - 1):  # prefer what follows the best sentence
            if not 0 <= candidate < len(spans) or lo <= candidate <= hi:
                continue
            if (candidate > hi and titles[candidate]) or (candidate < lo and titles[lo]):
                continue  # the next section begins there, or this one began at lo
            cost = count_tokens(chunk.text[spans[candidate][0] : spans[candidate][1]])
            if used + cost <= max_tokens:
                lo, hi, used, grown = min(lo, candidate), max(hi, candidate), used + cost, True
        if not grown:
            break
    start, end = spans[lo][0], spans[hi][1]
    return Passage(chunk, chunk.text[start:end], chunk.start + start, chunk.start + end)


def focus_passages(hits: Sequence[Hit], question: str, embedder, count_tokens, max_tokens: int) -> list[Passage]:
    """Shorten each hit to its most question-relevant sentences (dense similarity)."""
    qvec = None
    out = []
    for hit in hits:
        chunk = hit.chunk
        spans = split_sentences(chunk.text)
        if len(spans) <= 1 or count_tokens(chunk.text) <= max_tokens:
            out.append(Passage(chunk, chunk.text, chunk.start, chunk.end))
            continue
        if qvec is None:
            qvec = embedder.embed_queries([question])[0]
        vectors = embedder.embed_documents([chunk.text[s:e] for s, e in spans])
        out.append(focus(chunk, list(vectors @ qvec), count_tokens, max_tokens))
    return out


def passages_language(passages: Sequence[Passage]) -> str | None:
    """The language most passages are in (French or English), if any."""
    from collections import Counter

    counts = Counter(p.chunk.lang for p in passages if p.chunk.lang in ("fr", "en"))
    return counts.most_common(1)[0][0] if counts else None


# Chat-template control sequences (ChatML/Qwen, Llama 3, Gemma, Mistral, sentence markers). In an article or a
# question they are text: llama.cpp and model servers parse them in a prompt as real turn markers, so they are broken up.
_CONTROL_SEQUENCE = re.compile(r"<\|[^<>|\n]{0,40}\|>|</?s>|\[/?INST\]|<(?:start|end)_of_turn>|<(?:bos|eos|pad)>", re.IGNORECASE)
# The fence around each passage: a passage cannot close it and speak outside it.
_FENCE = re.compile(r"<{3,}|>{3,}")


# Sentences that address the assistant instead of reporting news ("ignore previous instructions", "réponds uniquement…").
# A passage is quoted to the model without them, and they never count as support.
_ADDRESSED = re.compile(
    r"\b(?:ignore[zs]?|disregard|forget|oublie[zs]?)\s+(?:all\s+|toutes?\s+)?(?:the\s+|your\s+|les\s+|tes\s+|vos\s+)?"
    r"(?:previous|prior|above|earlier|précédentes?|instructions?|consignes?)\b(?!\s+(?:du|de la|des|of the)\b)"
    r"|(?<!\bwould\s)\b(?:réponds|répondez|answer|reply)\s+(?:only|uniquement|seulement|just)\b"
    r"|\b(?:réponds|répondez)\s+que\b|\b(?:answer|reply)\s+that\s+(?:you|the\s+articles?)\b"
    r"|\b(?:you\s+are\s+now|tu\s+es\s+(?:maintenant|désormais)|system\s+prompt|prompt\s+système|as\s+an\s+(?:ai|assistant|language\s+model))\b"
    r"|\b(?:new|nouvelles?)\s+(?:instructions?|consignes?)\s*:",
    re.IGNORECASE,
)
MASK = "[…]"


def addressed_to_assistant(sentence: str) -> bool:
    return bool(_ADDRESSED.search(sentence))


def shown_text(text: str) -> str:
    """A passage as the model reads it: sentences addressed to the assistant replaced by ``[…]``."""
    spans = split_sentences(text)
    if not any(addressed_to_assistant(text[s:e]) for s, e in spans):
        return text
    out, last = [], 0
    for s, e in spans:
        if addressed_to_assistant(text[s:e]):
            out += [text[last:s], MASK]
            last = e
    return "".join(out) + text[last:]


def neutralize(text: str) -> str:
    """Untrusted text made inert in a prompt: no control sequence, no passage fence."""
    text = _CONTROL_SEQUENCE.sub(lambda m: m.group().replace("<", "‹").replace(">", "›").replace("[", "⟦").replace("]", "⟧"), text)
    return _FENCE.sub(lambda m: ("‹" if m.group()[0] == "<" else "›") * len(m.group()), text)


def passage_block(n: int, passage: Passage, lang: str) -> str:
    chunk = passage.chunk
    meta = ", ".join(p for p in (chunk.source, format_date(chunk.date, lang)) if p) or "—"
    return prompts.render(f"passage.{lang}", n=n, title=neutralize(shown_text(chunk.title or chunk.source or chunk.article_id)),
                          meta=neutralize(meta), text=neutralize(shown_text(passage.text)))


@dataclass(frozen=True)
class Prompt:
    messages: list[Message]
    passages: list[Passage]  # the passages in the prompt, numbered from 1
    tokens: int


def build_messages(question: str, lang: str, passages: Sequence[Passage], today: date, count_tokens, budget: int,
                   history: Sequence[Message] = ()) -> Prompt:
    """The chat messages for ``question``, keeping as many passages as fit ``budget`` tokens."""
    system = prompts.render(f"system.{lang}", today=format_date(today.isoformat(), lang), example=example_answer(lang))
    kept = list(passages)
    history = [Message(m.role, neutralize(m.content)) for m in history]
    while True:
        blocks = "\n\n".join(passage_block(i, p, lang) for i, p in enumerate(kept, 1))
        user = prompts.render(f"user.{lang}", passages=blocks, question=neutralize(question))
        messages = [Message("system", system), *history, Message("user", user)]
        tokens = sum(count_tokens(m.content) + 4 for m in messages)
        if tokens <= budget or len(kept) <= 1:
            return Prompt(messages, kept, tokens)
        kept = kept[:-1]  # drop the lowest-ranked passage rather than truncate one


def example_answer(lang: str) -> str:
    """The example answer the instructions show (``prompts/example.<lang>.txt``)."""
    return prompts.load(f"example.{lang}").strip()


# Words the instructions ask every answer to use ("selon un article du 3 mai…"): they say nothing of a copy.
_FRAME = {"fr": "Selon un article publié le", "en": "According to an article published on"}


@lru_cache(maxsize=None)
def _example_words(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """The analysed words of the attribution frame (with month names), and of the example answer."""
    frame = frozenset(analyze(f"{_FRAME[lang]} {' '.join(MONTHS[lang])}", lang))
    return frame, frozenset(analyze(strip_markers(example_answer(lang)), lang))


def copies_example(sentence: str, langs: Sequence[str] = ("fr", "en")) -> bool:
    """Whether ``sentence`` restates the facts of the instructions' example answer, in either language.

    Small models sometimes append the example to their answer; it is never an answer.
    The attribution frame and dates do not count: at least two of the example's other words must be there.
    """
    for lang in langs:
        frame, example = _example_words(lang)
        words = set(analyze(strip_markers(sentence), lang)) - frame
        shared = words & example
        facts = {w for w in shared if not w.isdigit()}
        if len(words) >= 3 and len(shared) >= 0.6 * len(words) and len(facts) >= 2:
            return True
    return False


def is_refusal(text: str) -> bool:
    plain = strip_markers(text)
    return not plain or bool(_REFUSAL.search(plain))


def language_drifted(text: str, lang: str) -> bool:
    plain = strip_markers(text)
    return len(plain) >= 20 and detect_answer(plain) != lang


def numbers(text: str) -> set[str]:
    """The numbers in ``text``, with thousands separators removed ("145 000", "145,000" -> "145000")."""
    joined = re.sub(r"(?<=\d)[\s\u00a0\u202f.,’'](?=\d{3}\b)", "", text)
    return set(re.findall(r"\d+", joined))


class SupportScorer:
    """How well a passage supports an answer sentence, in [0, 1].

    The larger of word overlap (stemmed content words of the sentence found in
    the passage) and a dense score (the sentence/passage cosine as a z-score
    above the sentence's background similarity, see ``relevance``), so that
    cross-lingual support is recognised too.
    """

    Z_FLOOR, Z_CEIL = 3.5, 6.0  # z at which dense support starts, and where it is full

    def __init__(self, embedder, passages: Sequence[Passage], lang: str, background, question: str = ""):
        self.embedder = embedder
        self.background = background
        self._question = set(analyze(question, lang))
        self.passages = list(passages)
        self.lang = lang
        texts = [shown_text(p.text) for p in self.passages]  # what the model was shown: no sentence addressed to it
        self._stems = [set(analyze(t, p.chunk.lang or lang)) | set(analyze(shown_text(p.chunk.title), p.chunk.lang or lang))
                       for p, t in zip(self.passages, texts)]
        self._numbers = [numbers(f"{p.chunk.title} {p.chunk.date or ''} {t}") for p, t in zip(self.passages, texts)]
        self._pvecs = embedder.embed_documents(texts) if self.passages else None
        self._qvecs: dict[str, np.ndarray] = {}

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
        z = self.background.zscore(qvec, float(qvec @ self._pvecs[n - 1]), self.passages[n - 1].chunk.lang)
        return min(1.0, max(0.0, (z - self.Z_FLOOR) / (self.Z_CEIL - self.Z_FLOOR)))

    def __call__(self, sentence: str, n: int) -> float:
        words = set(analyze(sentence, self.lang))
        if self._question and words and words <= self._question:
            return 0.0  # it only restates the question: nothing in it comes from a passage
        if not numbers(sentence) <= self._numbers[n - 1]:
            return 0.0  # a number (amount, year, date) the passage does not contain
        return round(max(self.lexical(sentence, n), self.dense(sentence, n)), 3)

    def highlight(self, sentence: str, n: int) -> tuple[int, int] | None:
        """Article offsets of the passage sentence closest to ``sentence``."""
        passage = self.passages[n - 1]
        words = set(analyze(sentence, self.lang))
        best, best_score = None, 0.0
        for s, e in split_sentences(passage.text):
            stems = set(analyze(passage.text[s:e], passage.chunk.lang or self.lang))
            score = len(words & stems) / (len(words) or 1)
            if score > best_score:
                best, best_score = (passage.start + s, passage.start + e), score
        return best


@dataclass(frozen=True)
class Finished:
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    sentences: tuple[Sentence, ...]


def finish(raw: str, lang: str, passages: Sequence[Passage], scorer: SupportScorer, filters: Filters | None = None) -> Finished:
    """Verify the model's answer: keep valid markers, check support, map citations.

    Passages were relevant enough to be shown to the model, so a refusal here names their articles.
    """
    closest = [p.chunk.title or p.chunk.article_id for p in passages][:3]
    if is_refusal(raw):
        return Finished(refusal_text(lang, filters, closest), True, (), ())
    text = keep_valid_markers(unicodedata.normalize("NFC", raw.strip()), range(1, len(passages) + 1))
    # A sentence copied from the instructions' example, and not backed by a passage, is dropped rather than shown.
    attributed = [a for a in attribute(sentences_with_markers(text), len(passages), scorer) if a.supported or not copies_example(a.text)]
    citations: dict[int, Citation] = {}
    for sent in attributed:
        for n in sent.citations:
            passage = passages[n - 1]
            chunk = passage.chunk
            span = scorer.highlight(sent.text, n)
            previous = citations.get(n)
            score = max(sent.support[n], previous.support if previous else 0.0)
            citations[n] = Citation(
                n=n, article_id=chunk.article_id, chunk_id=chunk.id, title=chunk.title, date=chunk.date,
                source=chunk.source, url=chunk.url, passage=passage.text, start=passage.start, end=passage.end,
                support=score, highlight_start=(previous.highlight_start if previous else None) or (span[0] if span else None),
                highlight_end=(previous.highlight_end if previous else None) or (span[1] if span else None),
            )
    sentences = tuple(Sentence(a.text, a.citations, a.supported) for a in attributed)
    if not any(s.supported for s in sentences):
        # Nothing the model said is backed by a passage: say the archive does not say it.
        return Finished(refusal_text(lang, filters, closest), True, (), sentences)
    return Finished(render_answer(attributed), False, tuple(citations[n] for n in sorted(citations)), sentences)
