"""Whether the passages found can answer at all, decided before the model is asked, and which of them an answer
may rest on. Pure.

Two conditions: some passage stands well above chance for the question
(calibrated relevance, ``retrieval.min_relevance``), and every name of the
question appears in one of those passages (``retrieval.require_names``): an
archive about Russia and China says nothing about Russia and India, however
close the vectors are. A year left in the question once its time phrases
are read ("l'élection de 2024", "the 2023 World Cup") names an event too: a
relevant passage must hold it, or come from an article of that year. The
model never sees a question it could only answer by inventing.

A third condition reads the question's other words: one relevant passage in its
language must hold a share of them (``retrieval.min_coverage``). With its gold
paragraph gone, "What year saw the earliest recorded use of the steam engine
indicator?" still finds passages about steam engines above chance, and a small
model then answers from them; none holds "indicator", "earliest" or "recorded".
Passages in another language are not read this way (their words differ).
The same share decides which passages an answer may rest on once the model has
written (``covers``): with the paragraph on who named oxygen gone, a passage
on Dewar liquefying oxygen holds one of the question's words, and the model's
true sentence from it answers nothing asked. A passage sentence is shown in place of
a model's sentence only from a passage that also names every name of the question
(``restatable_from``, over the whole chunk): « Quel est le salaire final de Leavitt ? » is not answered from a
passage on Satoru Iwata's salary.

Words also stand for vectors in one case (``retrieval.first_words``): the passage
ranked first, in the question's language, that names every name of the question
and holds three quarters of its words (at least ``FIRST_WORDS`` of them) is
relevant if it stands above chance at all. « pourquoi les roseaux sont-ils
glissés sous les peaux » ranks first the paragraph on the mridang's drumheads that
says why, 1.6 deviations above chance; the passages above 3 are about tanned skin.

In passages of the other language a name may be translated (« Beijing » /
« Pékin », « Paris Agreement » / « Accord de Paris »): there a name also
counts as mentioned when one of the passages' names is close to it by the
embedder (``alike``, at least ``ALIKE_NAMES``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.text.analysis import analyze, unasking
from rag.text.names import mentions, names
from rag.types import Hit

if TYPE_CHECKING:
    from rag.answer.passages import Passage

# Similarity of two names (e5 queries) from which they are taken as the same name in two languages: translations
# measured 0.90–0.98 (NATO/OTAN 0.91, White House/Maison Blanche 0.90), different names up to 0.90
# (Bank of England/Banque de France 0.899, London/Paris 0.884).
ALIKE_NAMES = 0.9
MAX_CANDIDATES = 64  # names of the passages compared with a missing name
FIRST_WORDS = 3  # question words a first-ranked passage must hold to be relevant by its words (one or two prove little)
SHOWN_WORDS = 3  # missing words a refusal names, longest first (the longer, the more specific)
YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
Alike = Callable[[str, Sequence[str]], float]  # a name, candidate names -> the best similarity


@dataclass(frozen=True)
class Evidence:
    relevant: tuple[Hit, ...]  # hits standing above chance, best first
    missing: tuple[str, ...]  # names of the question no relevant passage mentions
    unsaid: tuple[str, ...] = ()  # when no passage holds enough of the question's words: those the closest lacks

    @property
    def enough(self) -> bool:
        return bool(self.relevant) and not self.missing and not self.unsaid


def weigh(
    query: str,
    hits: Sequence[Hit],
    min_relevance: float,
    require_names: bool = True,
    lang: str | None = None,
    alike: Alike | None = None,
    min_coverage: float = 0.0,
    first_words: float = 0.0,
) -> Evidence:
    relevant = tuple(h for h in hits if h.relevance is not None and h.relevance >= min_relevance)
    if hits and hits[0] not in relevant and lang and said_first(query, hits[0], lang, first_words):
        relevant = (hits[0], *relevant)
    unsaid = uncovered(query, relevant, lang, min_coverage)
    if not relevant or not require_names:
        return Evidence(relevant, (), unsaid)
    words = [w for h in relevant for w in re.findall(r"\w+", f"{h.chunk.title}\n{h.chunk.text}")]
    missing = unnamed(query, words)
    missing += [
        year
        for year in dict.fromkeys(YEAR.findall(query))
        if year not in words and not any((h.chunk.date or "").startswith(year) for h in relevant)
    ]
    foreign = [h for h in relevant if lang and h.chunk.lang and h.chunk.lang != lang]
    if missing and foreign and alike is not None:
        found = [span.name for h in foreign for span in names(f"{h.chunk.title}\n{h.chunk.text}")]
        candidates = list(dict.fromkeys(n for n in found if len(n) > 2))[:MAX_CANDIDATES]
        if candidates:
            missing = [name for name in missing if alike(name, candidates) < ALIKE_NAMES]
    return Evidence(relevant, tuple(missing), unsaid)


def said_first(query: str, first: Hit, lang: str, share: float) -> bool:
    """Whether ``first``, the passage ranked first, is relevant by its words: above chance, in ``lang``, naming every
    name of the question and holding ``share`` of its words, at least ``FIRST_WORDS`` of them (0: never)."""
    c = first.chunk
    return (
        share > 0
        and first.relevance is not None
        and first.relevance > 0
        and c.lang in ("", lang)
        and len(asked(query, lang)) >= FIRST_WORDS
        and covers(query, lang, c.title, c.text, c.lang, share)
        and names_all(query, lang, c.title, c.text, c.lang)
    )


def uncovered(query: str, relevant: Sequence[Hit], lang: str | None, share: float) -> tuple[str, ...]:
    """The question's words (up to ``SHOWN_WORDS``, longest first) that the relevant passage holding most of them
    lacks, when it holds fewer than ``share`` of them (stems); () when one holds enough, when a relevant passage is
    in another language than ``lang``, or when none is relevant."""
    if not relevant or not lang or share <= 0 or any(h.chunk.lang not in ("", lang) for h in relevant):
        return ()
    words = asked(query, lang)
    held = [set(analyze(f"{h.chunk.title}\n{h.chunk.text}", lang)).intersection(words) for h in relevant]
    best = max(held, key=len)
    if not words or len(best) >= share * len(words):
        return ()
    lacking = dict.fromkeys(w for s, w in words.items() if s not in best)  # « sous-marins »: two stems, one word
    return tuple(sorted(lacking, key=len, reverse=True)[:SHOWN_WORDS])


def covers(query: str, lang: str, title: str, text: str, text_lang: str, share: float) -> bool:
    """Whether ``text`` (under ``title``) holds ``share`` of the question's words (stems); true when it is in another
    language than ``lang`` (its words differ) or the question has no such word."""
    words = asked(query, lang)
    if share <= 0 or not words or text_lang not in ("", lang):
        return True
    return len(set(analyze(f"{title}\n{text}", lang)).intersection(words)) >= share * len(words)


def holding(query: str, lang: str, passages: Sequence[Passage], share: float) -> list[bool]:
    """Which passages an answer may rest on: those holding ``share`` of the question's words in what the model is
    shown of them (``covers``); when none does, those whose whole chunk does, as the gate read it: the sentences
    shown on the siege of Varna hold three of the ten words of « Quelle fut la première et seule des trois villes
    assiégées par les Russes à tomber entre leurs mains ? », their chunk four."""
    held = [covers(query, lang, p.chunk.title, p.text, p.chunk.lang, share) for p in passages]
    if any(held):
        return held
    return [covers(query, lang, p.chunk.title, p.chunk.text, p.chunk.lang, share) for p in passages]


def names_all(query: str, lang: str, title: str, text: str, text_lang: str) -> bool:
    """Whether ``text`` (under ``title``) mentions every name of the question; true when it is in another language
    than ``lang`` (a name may be translated there)."""
    return text_lang not in ("", lang) or not unnamed(query, re.findall(r"\w+", f"{title}\n{text}"))


def restatable_from(query: str, lang: str, passages: Sequence[Passage], covering: Collection[int]) -> frozenset[int]:
    """The passages (numbered from 1) a rejected sentence may be restated from: those in ``covering`` that name every
    name of the question, read over their whole chunk like the gate: the passage shown of the seed article says « la
    Chine » where its chunk names « Pékin »."""
    return frozenset(
        n
        for n, p in enumerate(passages, 1)
        if n in covering and names_all(query, lang, p.chunk.title, p.chunk.text, p.chunk.lang)
    )


def unnamed(query: str, words: Sequence[str]) -> list[str]:
    """The names of the question that none of ``words`` mentions, in order."""
    return list(dict.fromkeys(span.name for span in names(query) if not mentions(span.name, words)))


def asked(query: str, lang: str) -> dict[str, str]:
    """The stems of the question's words, each with the word it comes from."""
    words: dict[str, str] = {}
    for word in re.findall(r"\w+(?:-\w+)*", unasking(query, lang)):  # « sous-marins » is named whole
        for stem in analyze(word, lang, query=True):
            words.setdefault(stem, word)
    return words
