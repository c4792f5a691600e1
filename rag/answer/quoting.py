"""The extract quoted when the model's own sentences are not supported: the passage sentence closest to the question.

Passages that stand well above chance (``answer.quote_relevance``) are quoted
from; failing one, a passage less far above it, when the sentence itself holds
most of the question's words (``answer.quote_words``). A quote is a whole
sentence of the passage (with the sentence before it when it opens with a
pronoun), neither a title nor a fragment, short enough to read at a glance,
and it must hold one of the words the question asks about beyond its article's
title, and a time, a number or a measure when the question asks for one
(``addresses``): in the article
"Pierre Du Bosc", a sentence on his first post at Caen is close to « Quand Du Bosc
sera-t-il autorisé à rentrer en Normandie ? » and does not answer it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answer import prompts
from rag.answer.evidence import asked as words_asked
from rag.answer.evidence import covers
from rag.answer.passages import Passage, section_starts
from rag.answer.prompting import addressed_to_assistant
from rag.text.analysis import analyze
from rag.text.askedkinds import fits, kind
from rag.text.names import mentions, names
from rag.text.sentences import split_sentences

if TYPE_CHECKING:
    from rag.models.embedders import Embedder
    from rag.types import Chunk

MIN_WORDS, MAX_WORDS = 5, 60  # "L'usine emploie 800 personnes." is a whole answer; "30 octobre 2012." is not
LIST_DASH = re.compile(r"^\s*[-–—•]\s+")
# A sentence led by a personal or demonstrative pronoun names what it speaks of in the sentence before it.
LEADING_PRONOUN = re.compile(
    r"^\W*(?:it|he|she|they|il|elle|ils|elles|cela|ceci|celui-ci|celle-ci|ceux-ci|celles-ci)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Quote:
    n: int  # passage number, from 1
    start: int  # offsets in the passage's text
    end: int


def best_quote(
    question: str,
    lang: str,
    passages: Sequence[Passage],
    relevance: Sequence[float | None],
    embedder: Embedder,
    min_relevance: float,
    min_share: float = 0.0,
) -> Quote | None:
    """The sentence of a strongly relevant passage most similar to ``question`` among those that address it; failing
    one, among the sentences of the other passages with a relevance that hold ``min_share`` of the question's words
    under their titles (a passage less far above chance, a sentence that says most of what is asked: « la mère du
    compositeur était nièce du pape Pie IV » for « De qui Pie IV est-il l'oncle ? »). None when no sentence
    qualifies. A sentence in another language than ``lang`` is judged once translated, and only from a strongly
    relevant passage (its words differ from the question's)."""
    strong = [score is not None and score >= min_relevance for score in relevance]
    candidates = addressing(question, lang, passages, strong)
    if not candidates and min_share > 0 and words_asked(question, lang):
        near = [score is not None and p.chunk.lang in ("", lang) for p, score in zip(passages, relevance, strict=False)]
        candidates = [
            q for q in addressing(question, lang, passages, near) if _holds(question, lang, passages, q, min_share)
        ]
    if not candidates:
        return None
    qvec = embedder.embed_queries([question])[0]
    vectors = embedder.embed_documents([passages[q.n - 1].text[q.start : q.end] for q in candidates])
    return candidates[int((vectors @ qvec).argmax())]


def addressing(question: str, lang: str, passages: Sequence[Passage], allowed: Sequence[bool]) -> list[Quote]:
    """The quotable sentences of the ``allowed`` passages that address ``question`` (any, in another language, where
    only a translation could tell)."""
    return [
        Quote(n, *at)
        for n, (passage, ok) in enumerate(zip(passages, allowed, strict=False), 1)
        if ok
        for at in quotable(passage.text)
        if passage.chunk.lang not in ("", lang) or addresses(question, lang, passage, at)
    ]


def _holds(question: str, lang: str, passages: Sequence[Passage], quote: Quote, share: float) -> bool:
    """Whether ``quote`` holds ``share`` of the question's words, read under its article's and section's titles as it
    is shown."""
    passage = passages[quote.n - 1]
    titles = f"{article_title(passage.chunk)}\n{heading(passage, quote.start)}"
    return covers(question, lang, titles, passage.text[quote.start : quote.end], passage.chunk.lang, share)


def addresses(
    question: str, lang: str, passage: Passage, span: tuple[int, int], translation: str | None = None
) -> bool:
    """Whether the sentence of ``passage`` at ``span`` (or its ``translation`` into ``lang``) holds a word (stem) the
    question asks about besides those of its article's title, and gives the kind of thing it asks for when it asks
    for a time, a number or a measure (``askedkinds``). Every sentence of an article is about its title, so only the
    other words tell that it speaks to the question; a sentence also speaks of its section's title ("Ce retrait a
    été critiqué par la Chine." under "La Chine et le retrait des États-Unis de l'Accord de Paris"). A question with no
    such word (« Qui est Carlo Gesualdo ? » of his article) is addressed by any sentence."""
    said = translation if translation is not None else passage.text[span[0] : span[1]]
    if not fits(kind(question), said):
        return False  # « Quand est construite la première usine ? »: a sentence on the factory with no time in it
    about = set(analyze(passage.chunk.title, lang))
    asked = {w for w in analyze(question, lang, query=True) if w not in about}
    said = f"{heading(passage, span[0])}\n{said}"  # a heading in another language still shares its names
    return not asked or not asked.isdisjoint(analyze(said, lang))


def heading(passage: Passage, at: int) -> str:
    """The title of the section that offset ``at`` of ``passage`` is in, read in its whole chunk ("" when none)."""
    text, at = passage.chunk.text, at + passage.start - passage.chunk.start
    spans = split_sentences(text)
    titles = [text[s:e] for (s, e), title in zip(spans, section_starts(text, spans), strict=True) if title and e <= at]
    return titles[-1] if titles else ""


def quotable(text: str) -> list[tuple[int, int]]:
    """The spans of ``text``'s sentences fit to be quoted: whole sentences, neither titles nor fragments, short. A
    sentence led by a pronoun is quoted with the sentence before it when both fit: « It was re-established in April
    1991 » says what was only after « The Warsaw Stock Exchange … was founded in 1817. »."""
    spans = split_sentences(text)
    titles = section_starts(text, spans)
    found = []
    for i, ((s, e), title) in enumerate(zip(spans, titles, strict=True)):
        if title:
            continue
        if i and not titles[i - 1] and LEADING_PRONOUN.match(text[s:e]) and _fits(text[spans[i - 1][0] : e]):
            found.append((spans[i - 1][0], e))
        elif _fits(text[s:e]):
            found.append((s, e))
    return found


def _fits(said: str) -> bool:
    """Whether ``said`` is short enough to read at a glance, long enough to say something, and not addressed to the
    assistant."""
    return MIN_WORDS <= len(re.findall(r"\w+", said)) <= MAX_WORDS and not addressed_to_assistant(said)


def article_title(chunk: Chunk) -> str:
    """The title of ``chunk``'s article as a reader is shown it ("" when it has none). A title that addresses the
    assistant ("Ignore the question and…") is a payload, not a name to show."""
    return chunk.title if chunk.title and not addressed_to_assistant(chunk.title) else ""


def quote_text(passage: Passage, quote: Quote, lang: str, translation: str | None = None) -> str:
    """The quoted extract as shown: its article's title and the passage's own words, or their ``translation`` into
    ``lang`` (marked as such)."""
    c = passage.chunk
    source = c.source if c.source and not addressed_to_assistant(c.source) else ""
    title = article_title(c) or source or c.article_id
    if translation is not None:
        return prompts.render(f"quote_translated.{lang}", title=title, quote=translation.strip()).strip()
    words = LIST_DASH.sub("", passage.text[quote.start : quote.end])  # "- Le gouvernement…": a lead's list dash
    return prompts.render(f"quote.{lang}", title=title, quote=words).strip()


def as_read(question: str, passage: Passage, at: int, said: str) -> str:
    """``said``, the quote at offset ``at`` of ``passage`` (or its translation), as the reader reads it: under the
    titles it is read under (``read_under``)."""
    return ". ".join([*read_under(question, passage, at, said), said])


def read_under(question: str, passage: Passage, at: int, said: str) -> list[str]:
    """The titles a reader reads ``said`` (at offset ``at`` of ``passage``) under, when it does not hold them: its
    section's (« Ce retrait a été critiqué par la Chine. » alone names no agreement), and its article's, shown above
    it, when it lacks a name of the question that the article's title holds, or names none of them: « L'usine emploie
    800 personnes. » names no factory of L'Oréal in Indonesia, « L'appareil de type McDonnel Douglas MD-83 était
    exploité par Dana Air. » names the MD-83 but not Lagos, which its title does."""
    titles = [heading(passage, at)]
    asked = [span.name for span in names(question)]
    missing = [name for name in asked if not mentions(name, re.findall(r"\w+", f"{titles[0]} {said}"))]
    title = article_title(passage.chunk)
    if missing and (missing == asked or any(mentions(name, re.findall(r"\w+", title)) for name in missing)):
        titles.insert(0, title)
    return [t.rstrip(" .:") for t in titles if t and t.rstrip(" .:") not in said]
